"""McNemar's test, the paired bootstrap, the Wilson interval and the learning-curve plots."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from lessons_lib import evaluation

matplotlib.use("Agg")


def _pair(a_only, b_only, both=50, neither=10):
    a = np.array([1] * a_only + [0] * b_only + [1] * both + [0] * neither, bool)
    b = np.array([0] * a_only + [1] * b_only + [1] * both + [0] * neither, bool)
    return a, b


def test_mcnemar_exact_p_value_matches_hand_computation():
    # 10 vs 2 discordant: p = 2 * (C(12,10) + C(12,11) + C(12,12)) / 2**12 = 158 / 4096
    result = evaluation.mcnemar(*_pair(10, 2))
    assert (result.a_only, result.b_only, result.discordant) == (10, 2, 12)
    assert result.p_value == pytest.approx(158 / 4096, rel=1e-9)


def test_mcnemar_is_symmetric_and_handles_no_disagreement():
    a, b = _pair(7, 3)
    assert evaluation.mcnemar(a, b).p_value == pytest.approx(evaluation.mcnemar(b, a).p_value)
    same = evaluation.mcnemar(a, a)
    assert same.discordant == 0 and same.p_value == 1.0
    assert evaluation.mcnemar(*_pair(5, 5)).p_value == pytest.approx(1.0)


def test_paired_inputs_are_checked():
    with pytest.raises(ValueError, match="received 3 and 2"):
        evaluation.mcnemar([1, 0, 1], [1, 0])
    with pytest.raises(ValueError, match="booleans"):
        evaluation.mcnemar([1, 2], [1, 0])
    with pytest.raises(ValueError, match="one probability per label"):
        evaluation.correct([0.1, 0.9], [0, 1, 1])


def test_bootstrap_interval_covers_the_difference_and_matches_index_resampling():
    a, b = _pair(60, 30, both=300, neither=110)
    result = evaluation.paired_bootstrap(a, b, n_resamples=20_000, seed=1)
    assert result.difference == pytest.approx((60 - 30) / a.size)
    assert result.low < result.difference < result.high
    # The multinomial shortcut equals resampling review indices, in distribution.
    rng = np.random.default_rng(2)
    idx = rng.integers(0, a.size, size=(4000, a.size))
    direct = a[idx].mean(1) - b[idx].mean(1)
    assert np.quantile(direct, 0.025) == pytest.approx(result.low, abs=0.006)
    assert np.quantile(direct, 0.975) == pytest.approx(result.high, abs=0.006)
    again = evaluation.paired_bootstrap(a, b, n_resamples=20_000, seed=1)
    assert (again.low, again.high) == (result.low, result.high)


def test_bootstrap_of_identical_models_is_zero_and_bad_level_is_rejected():
    a, _ = _pair(5, 5)
    result = evaluation.paired_bootstrap(a, a, n_resamples=100)
    assert (result.low, result.difference, result.high) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        evaluation.paired_bootstrap(a, a, level=95)


def test_wilson_interval_known_value():
    low, high = evaluation.accuracy_interval(np.array([1] * 80 + [0] * 20))
    assert low == pytest.approx(0.71117, abs=1e-4)
    assert high == pytest.approx(0.86664, abs=1e-4)


def _history(n=4):
    return {"loss": np.linspace(0.6, 0.2, n), "accuracy": np.linspace(0.7, 0.95, n),
            "val_loss": np.linspace(0.5, 0.6, n), "val_accuracy": np.linspace(0.8, 0.78, n)}


def test_learning_curves_label_validation_not_test():
    fig = evaluation.plot_learning_curves({"feed_forward": _history(), "simple_lstm": _history()})
    axes = fig.axes
    assert len(axes) == 4
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert labels == ["training", "validation"]
    assert axes[-1].get_xlabel() == "epoch"
    assert axes[0].get_ylabel() == "accuracy (fraction right)"
    assert axes[1].get_ylabel() == "cross-entropy loss (nats)"
    fig2 = evaluation.plot_validation_curves({"simple_cnn": _history(),
                                              "feed_forward": _history()})
    assert fig2.axes[0].get_ylabel() == "validation accuracy (fraction right)"
    # Each model has its own marker as well as its own colour.
    assert len({line.get_marker() for line in fig2.axes[0].lines}) == len(fig2.axes[0].lines)


def test_learning_curves_reject_incomplete_histories():
    with pytest.raises(ValueError, match="lacks \\['val_loss'\\]"):
        evaluation.plot_learning_curves({"x": {k: v for k, v in _history().items()
                                               if k != "val_loss"}})
    bad = _history()
    bad["loss"] = bad["loss"][:2]
    with pytest.raises(ValueError, match="one value per epoch"):
        evaluation.plot_learning_curves({"x": bad})


def test_seed_spread_draws_every_run_the_means_and_the_reference():
    import matplotlib.pyplot as plt

    runs = {"feed_forward": [0.80, 0.81, 0.79], "simple_rnn": [0.76, 0.75]}
    fig = evaluation.plot_seed_spread(runs, reference={"simple_rnn": 0.79},
                                      reference_label="article")
    ax = fig.axes[0]
    dots = [tuple(p[1] for p in c.get_offsets()) for c in ax.collections
            if c.get_offsets().shape[0] > 1]
    assert sorted(dots) == sorted([(0.80, 0.81, 0.79), (0.76, 0.75)])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["one run (seed)", "mean of the runs", "article"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Feed-forward", "SimpleRNN"]
    assert ax.get_ylabel().startswith("test accuracy")
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one run"):
        evaluation.plot_seed_spread({"feed_forward": []})


def test_grouped_bootstrap_resamples_whole_groups():
    rng = np.random.default_rng(0)
    sizes = rng.integers(50, 150, size=200)
    a = sizes * 2.0 + rng.normal(0, 5, size=200)
    b = sizes * 1.8 + rng.normal(0, 5, size=200)
    result = evaluation.grouped_bootstrap(a, b, sizes, n_resamples=2000)
    assert result.difference == pytest.approx((a - b).sum() / sizes.sum())
    assert result.low < result.difference < result.high
    assert result.low > 0 and len(result.samples) == 2000
    same = evaluation.grouped_bootstrap(a, a, sizes, n_resamples=100)
    assert same.low == same.high == 0
    with pytest.raises(ValueError, match="positive sizes"):
        evaluation.grouped_bootstrap(a, b[:-1], sizes)
