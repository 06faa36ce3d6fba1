"""Unit tests of lessons_lib.stronger (chapter 10) and of that chapter's exercise checks."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib import stronger


def _stub(*args):
    raise NotImplementedError


def test_build_classifier_validates_and_counts():
    from lessons_lib.exercises import _bigru_parameters

    model = stronger.build_classifier(100, 12, cell="gru", units=4, embed_dim=3)
    assert model.count_params() == _bigru_parameters(100, 3, 4)
    assert model.output_shape == (None, 1)
    with pytest.raises(ValueError, match="cell must be one of"):
        stronger.build_classifier(100, 12, cell="transformer")
    with pytest.raises(ValueError, match="units must be a positive int"):
        stronger.build_classifier(100, 12, units=0)


def test_train_classifier_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(0)
    x = rng.integers(0, 30, size=(64, 10)).astype(np.int32)
    y = (x[:, -1] > 15).astype(np.int32)
    kwargs = dict(vocab_size=30, units=2, embed_dim=2, epochs=1, batch_size=32, verbose=False)
    first = stronger.train_classifier(x, y, **kwargs)
    second = stronger.train_classifier(x, y, **kwargs)
    assert not first.from_cache and second.from_cache
    assert second.fit_seconds == pytest.approx(first.fit_seconds)
    for a, b in zip(first.model.get_weights(), second.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert 0.0 <= stronger.accuracy(second, x, y) <= 1.0
    assert len(list(tmp_path.rglob("stronger-*.npz"))) == 1  # one file, written atomically


# --- chapter 10's exercise checks (the stronger classifier) --------------------------------


def test_count_bigru_check_agrees_with_keras():
    import keras

    from lessons_lib.exercises import _bigru_parameters, run_check

    inputs = keras.Input(shape=(7,), dtype="int32")
    x = keras.layers.Embedding(50, 3)(inputs)
    x = keras.layers.Bidirectional(keras.layers.GRU(5))(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    assert model.count_params() == _bigru_parameters(50, 3, 5)
    assert run_check("ex-count-bigru", _bigru_parameters)["status"] == "passed"
    one_bias = lambda v, e, u: _bigru_parameters(v, e, u) - 6 * u  # noqa: E731
    verdict = run_check("ex-count-bigru", one_bias)
    assert verdict["status"] == "failed" and "two bias" in verdict["feedback"]
    assert run_check("ex-count-bigru", _stub)["status"] == "not attempted"


def test_cut_length_check():
    from lessons_lib.exercises import run_check

    def solution(lengths, share):
        ordered = np.sort(lengths)
        return int(ordered[max(int(np.ceil(share * len(ordered))), 1) - 1])

    assert run_check("ex-cut-length", solution)["status"] == "passed"
    one_too_far = lambda lengths, share: int(np.sort(lengths)[int(share * len(lengths))])  # noqa: E731
    assert run_check("ex-cut-length", one_too_far)["status"] == "failed"
    assert run_check("ex-cut-length", _stub)["status"] == "not attempted"
