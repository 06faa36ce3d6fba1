"""Compare classifiers fairly: paired tests on one test set, and learning curves.

Taught in chapter 6, *Training, evaluation and learning curves* (``book/06_training``).

Two models judged on the same test reviews make *paired* predictions: what matters is the
reviews on which they disagree. This module offers

``correct(probabilities, labels)``
    the per-review right/wrong vector a paired comparison starts from;
``accuracy_interval(correct, level=0.95)``
    a Wilson confidence interval for one model's accuracy;
``mcnemar(correct_a, correct_b)``
    McNemar's exact test: among the reviews where exactly one model is right, is "A right, B
    wrong" more common than the reverse than a fair coin would make it?
``paired_bootstrap(correct_a, correct_b, n_resamples=10_000, level=0.95, seed=0)``
    a bootstrap confidence interval for accuracy(A) - accuracy(B), resampling reviews;
``plot_learning_curves(histories)`` and ``plot_validation_curves(histories)``
    training vs validation accuracy and loss per epoch, in the course's style and colours;
``plot_seed_spread(accuracies, reference=None)``
    the test accuracy of several training runs (seeds) per model, with a reference run marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats


def correct(probabilities: Any, labels: Any, threshold: float = 0.5) -> np.ndarray:
    """True where the prediction ``probabilities > threshold`` matches the 0/1 label."""
    p = np.asarray(probabilities, dtype=float).reshape(-1)
    y = np.asarray(labels).reshape(-1)
    if p.shape != y.shape:
        raise ValueError(f"expected one probability per label ({y.shape[0]}), "
                         f"received {p.shape[0]}")
    return (p > threshold) == (y == 1)


def _as_paired(correct_a: Any, correct_b: Any) -> tuple[np.ndarray, np.ndarray]:
    """Two boolean vectors of the same length, or a ValueError."""
    a = np.asarray(correct_a).reshape(-1)
    b = np.asarray(correct_b).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"paired comparison needs one verdict per review from each model: "
                         f"received {a.shape[0]} and {b.shape[0]}")
    if a.size == 0:
        raise ValueError("paired comparison needs at least one review, received none")
    for what, v in (("correct_a", a), ("correct_b", b)):
        if not np.isin(v, (0, 1)).all():
            raise ValueError(f"{what} must hold booleans (right/wrong), received {v.dtype}")
    return a.astype(bool), b.astype(bool)


def accuracy_interval(correct_: Any, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for the accuracy of one model from its right/wrong vector."""
    c = np.asarray(correct_).reshape(-1).astype(bool)
    if c.size == 0:
        raise ValueError("accuracy_interval needs at least one verdict, received none")
    n, k = c.size, int(c.sum())
    result = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    return float(result.low), float(result.high)


@dataclass(frozen=True)
class McNemarResult:
    """McNemar's exact test. ``a_only``: A right and B wrong; ``b_only``: the reverse."""

    a_only: int
    b_only: int
    p_value: float

    @property
    def discordant(self) -> int:
        """Reviews on which exactly one of the two models is right."""
        return self.a_only + self.b_only


def mcnemar(correct_a: Any, correct_b: Any) -> McNemarResult:
    """McNemar's exact test on paired right/wrong verdicts of two models.

    Reviews both models get right, or both get wrong, say nothing about which is better. Of the
    ``n`` discordant reviews, if the models were equally good, each would be "A only" with
    probability 1/2, so ``a_only ~ Binomial(n, 1/2)``; the two-sided p-value is that of an exact
    binomial test. With no discordant review the p-value is 1.
    """
    a, b = _as_paired(correct_a, correct_b)
    a_only = int(np.sum(a & ~b))
    b_only = int(np.sum(~a & b))
    n = a_only + b_only
    p_value = 1.0 if n == 0 else float(stats.binomtest(a_only, n, 0.5).pvalue)
    return McNemarResult(a_only, b_only, p_value)


@dataclass(frozen=True)
class BootstrapResult:
    """Observed accuracy difference A - B and its bootstrap percentile interval."""

    difference: float
    low: float
    high: float
    level: float
    samples: np.ndarray


def paired_bootstrap(correct_a: Any, correct_b: Any, n_resamples: int = 10_000,
                     level: float = 0.95, seed: int = 0) -> BootstrapResult:
    """Percentile bootstrap interval for accuracy(A) - accuracy(B) over the same reviews.

    A resample draws ``n`` reviews with replacement and recomputes the difference. Each review
    contributes ``d = correct_a - correct_b``, which is +1, -1 or 0, so a resample's difference
    depends only on how many of each it drew: a multinomial count. Drawing those counts gives
    exactly the same distribution as drawing review indices, at a fraction of the cost.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, received {level}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, received {n_resamples}")
    a, b = _as_paired(correct_a, correct_b)
    n = a.size
    d = a.astype(int) - b.astype(int)
    probs = np.array([np.mean(d == 1), np.mean(d == -1), np.mean(d == 0)])
    counts = np.random.default_rng(seed).multinomial(n, probs / probs.sum(), size=n_resamples)
    samples = (counts[:, 0] - counts[:, 1]) / n
    tail = (1 - level) / 2
    low, high = np.quantile(samples, [tail, 1 - tail])
    return BootstrapResult(float(d.mean()), float(low), float(high), level, samples)


def grouped_bootstrap(totals_a: Any, totals_b: Any, sizes: Any, n_resamples: int = 10_000,
                      level: float = 0.95, seed: int = 0) -> BootstrapResult:
    """Percentile bootstrap interval for the difference of two per-item averages over the same
    groups, resampling whole groups (chapter 11: bits per character of two models, reviews
    resampled, since the characters of one review are not independent draws).

    ``totals_a[i]`` and ``totals_b[i]`` are what the two models scored over group ``i`` (say,
    its bits) and ``sizes[i]`` how many items it holds; the difference is
    ``sum(totals_a) / sum(sizes) - sum(totals_b) / sum(sizes)``.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, received {level}")
    a, b, n = (np.asarray(v, dtype=np.float64).ravel() for v in (totals_a, totals_b, sizes))
    if not (a.shape == b.shape == n.shape) or a.size == 0 or n.min() <= 0:
        raise ValueError(f"expected as many positive sizes as totals of each model, got "
                         f"{a.size}, {b.size} totals and {n.size} sizes")
    rng = np.random.default_rng(seed)
    samples = np.empty(n_resamples)
    for start in range(0, n_resamples, 500):  # 500 resamples at a time: bounded memory
        size = min(500, n_resamples - start)
        counts = rng.multinomial(a.size, np.full(a.size, 1 / a.size), size=size)
        samples[start:start + size] = (counts @ (a - b)) / (counts @ n)
    tail = (1 - level) / 2
    low, high = np.quantile(samples, [tail, 1 - tail])
    return BootstrapResult(float((a - b).sum() / n.sum()), float(low), float(high), level,
                           samples)


# --- learning curves -------------------------------------------------------------------------


def _color(name: str) -> str:
    """The course colour of model ``name`` (grey for a model the palette does not know)."""
    from lessons_lib.plots import MODEL_COLORS

    return MODEL_COLORS.get(name, "#555555")


def _marker(name: str) -> str:
    """The course marker of model ``name``: with its colour, never the colour alone."""
    from lessons_lib.plots import MODEL_MARKERS

    return MODEL_MARKERS.get(name, "o")


def _title(name: str) -> str:
    from lessons_lib.models import TITLES

    return TITLES.get(name, name)


def _check_history(name: str, history: Mapping[str, Sequence[float]]) -> None:
    """Raise a ValueError unless the history has the four curves, all of the same length."""
    keys = ("loss", "accuracy", "val_loss", "val_accuracy")
    missing = [k for k in keys if k not in history]
    if missing:
        raise ValueError(f"history of {name!r} lacks {missing}; expected the keys {keys}")
    lengths = {len(history[k]) for k in keys}
    if len(lengths) != 1 or 0 in lengths:
        raise ValueError(f"history of {name!r} must have one value per epoch in each curve, "
                         f"received lengths {[len(history[k]) for k in keys]}")


def plot_learning_curves(histories: Mapping[str, Mapping[str, Sequence[float]]]) -> Any:
    """One row per model: accuracy and loss per epoch, training (solid) vs validation (dashed).

    ``histories`` maps a model name to its Keras-style history. The y-axes of a column are shared
    so the models can be compared by eye. Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    if not histories:
        raise ValueError("plot_learning_curves needs at least one history, received none")
    for name, history in histories.items():
        _check_history(name, history)
    rows = len(histories)
    fig, axes = plt.subplots(rows, 2, figsize=(7.0, 1.9 * rows + 0.6), sharex=True,
                             sharey="col", squeeze=False)
    for row, (name, history) in enumerate(histories.items()):
        epochs = np.arange(1, len(history["loss"]) + 1)
        for col, (metric, label) in enumerate((("accuracy", "accuracy (fraction right)"),
                                               ("loss", "cross-entropy loss (nats)"))):
            ax = axes[row, col]
            ax.plot(epochs, history[metric], color=_color(name), marker="o", ms=3,
                    label="training")
            ax.plot(epochs, history[f"val_{metric}"], color=_color(name), ls="--", marker="s",
                    ms=3, mfc="white", label="validation")
            ax.set_ylabel(label)
            ax.set_title(f"{_title(name)}: {label.split(' (')[0]}", loc="left")
            if row == rows - 1:
                ax.set_xlabel("epoch")
        axes[row, 0].legend(loc="lower right")
    axes[0, 0].xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    return fig


def plot_validation_curves(histories: Mapping[str, Mapping[str, Sequence[float]]]) -> Any:
    """All models' validation accuracy and loss per epoch on two shared panels."""
    import matplotlib.pyplot as plt

    if not histories:
        raise ValueError("plot_validation_curves needs at least one history, received none")
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.0))
    for name, history in histories.items():
        _check_history(name, history)
        epochs = np.arange(1, len(history["loss"]) + 1)
        for ax, metric in zip(axes, ("val_accuracy", "val_loss"), strict=True):
            ax.plot(epochs, history[metric], color=_color(name), marker=_marker(name), ms=4,
                    label=_title(name))
    axes[0].set_ylabel("validation accuracy (fraction right)")
    axes[1].set_ylabel("validation cross-entropy loss (nats)")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    axes[1].legend(loc="upper left")
    return fig


def plot_seed_spread(accuracies: Mapping[str, Sequence[float]],
                     reference: Mapping[str, float] | None = None,
                     reference_label: str = "reference") -> Any:
    """Test accuracy of each training run (one dot per seed) per model, with each model's mean.

    ``accuracies`` maps a model name to its runs' accuracies, in seed order. ``reference``, when
    given, maps a model name to one other accuracy (e.g. a published run), drawn as a star and
    labelled ``reference_label`` in the legend. Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    if not accuracies or any(len(runs) == 0 for runs in accuracies.values()):
        raise ValueError("plot_seed_spread needs at least one run for each model, received "
                         f"{ {name: len(runs) for name, runs in accuracies.items()} }")
    fig, ax = plt.subplots(figsize=(7.0, 3.2))
    drew_reference = False
    for x, (name, runs) in enumerate(accuracies.items()):
        runs = np.asarray(runs, dtype=float)
        offsets = np.linspace(-0.15, 0.15, runs.size) if runs.size > 1 else np.zeros(1)
        ax.scatter(x + offsets, runs, color=_color(name), s=28, zorder=3)
        ax.hlines(runs.mean(), x - 0.25, x + 0.25, color=_color(name), lw=2)
        if reference is not None and name in reference:
            ax.scatter([x + 0.32], [reference[name]], marker="*", s=140, color="black",
                       zorder=4)
            drew_reference = True
    ax.set_xticks(range(len(accuracies)), [_title(name) for name in accuracies])
    ax.set_xlim(-0.6, len(accuracies) - 0.4)
    ax.set_xlabel("model")
    ax.set_ylabel("test accuracy (fraction right)")
    # The legend explains the marks in grey: the colours only tell the models apart.
    handles = [Line2D([], [], color="#555555", marker="o", ls="none", label="one run (seed)"),
               Line2D([], [], color="#555555", lw=2, label="mean of the runs")]
    if drew_reference:
        handles.append(Line2D([], [], color="black", marker="*", ms=11, ls="none",
                              label=reference_label))
    ax.legend(handles=handles, loc="best")
    return fig
