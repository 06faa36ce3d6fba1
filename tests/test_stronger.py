"""Unit tests of lessons_lib.stronger (chapter 10): the classifier, its cache and training."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib import stronger


def test_build_classifier_validates_and_counts():
    from lessons_lib.exercises.ch10_stronger_classifier import bigru_parameter_count

    model = stronger.build_classifier(100, 12, cell="gru", units=4, embed_dim=3)
    assert model.count_params() == bigru_parameter_count(100, 3, 4)
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
