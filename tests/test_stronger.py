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


def test_regularizers_add_no_weights_and_are_checked():
    plain = stronger.build_classifier(100, 12, units=4, embed_dim=3)
    regularized = stronger.build_classifier(100, 12, units=4, embed_dim=3,
                                            embedding_dropout=0.3, recurrent_dropout=0.2,
                                            weight_decay=0.1)
    assert regularized.count_params() == plain.count_params()
    assert regularized.get_layer("embedding_dropout").rate == 0.3
    assert regularized.get_layer("bidirectional").forward_layer.recurrent_dropout == 0.2
    assert type(regularized.optimizer).__name__ == "AdamW"
    assert type(plain.optimizer).__name__ == "Adam"
    for bad in ({"embedding_dropout": 1.0}, {"recurrent_dropout": -0.1},
                {"weight_decay": -1.0}, {"embedding_dropout": True}):
        with pytest.raises(ValueError, match="must be a number"):
            stronger.build_classifier(100, 12, **bad)


def test_word_dropout_drops_whole_words():
    import keras

    model = stronger.build_classifier(50, 6, units=2, embed_dim=4, embedding_dropout=0.5)
    dropout = model.get_layer("embedding_dropout")
    keras.utils.set_random_seed(1)
    out = keras.ops.convert_to_numpy(dropout(np.ones((8, 6, 4), np.float32), training=True))
    per_word = out.reshape(-1, 4)
    # every word's vector is either zeroed or scaled up as a whole
    assert set(np.unique(per_word.min(axis=1))) <= {0.0, 2.0}
    assert np.array_equal(per_word.min(axis=1), per_word.max(axis=1))


def test_early_stopping_reads_a_curve():
    curve = [0.80, 0.85, 0.84, 0.86, 0.83, 0.82]
    assert stronger.early_stopping(curve, 1) == (2, 3)
    assert stronger.early_stopping(curve, 2) == (4, 6)
    assert stronger.early_stopping(curve, 3) == (4, 6)  # never stops: the best of all
    assert stronger.early_stopping([0.7, 0.7], 1) == (1, 2)  # a tie is no gain
    with pytest.raises(ValueError, match="patience must be a positive int"):
        stronger.early_stopping(curve, 0)
    with pytest.raises(ValueError, match="at least one epoch"):
        stronger.early_stopping([], 1)


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
    assert second.best_epoch == first.best_epoch == 1 and second.stop_epoch == 1


def test_run_all_epochs_keeps_what_early_stopping_keeps(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(2)
    x = rng.integers(1, 30, size=(80, 8)).astype(np.int32)
    y = rng.integers(0, 2, 80).astype(np.int32)  # noise: validation accuracy wanders
    kwargs = dict(vocab_size=30, units=2, embed_dim=2, epochs=6, batch_size=16, patience=1,
                  learning_rate=0.05, verbose=False, report=(x[:20], y[:20]))
    whole = stronger.train_classifier(x, y, run_all_epochs=True, **kwargs)
    assert len(whole.history["val_accuracy"]) == 6
    assert (whole.best_epoch, whole.stop_epoch) == \
        stronger.early_stopping(whole.history["val_accuracy"], 1)
    assert whole.stop_seconds == pytest.approx(sum(whole.history["epoch_seconds"]
                                                   [:whole.stop_epoch]))
    assert set(whole.test_accuracy) == {"kept", "last"}
    # The kept weights' predictions on the validation and the report reviews are cached at
    # training time, where training.predict finds them; they match what the history says.
    from lessons_lib import training

    assert len(list(tmp_path.rglob("stronger-*-pred-*.npy"))) == 2
    with monkeypatch.context() as patched:  # read from the cache, not predicted again
        patched.setattr(training, "predict_uncached",
                        lambda *args, **kwargs: pytest.fail("predicted again"))
        validation = training.predict(whole, x[-16:])
        report = training.predict(whole, x[:20])
    y_val = y[-16:] == 1  # Keras's validation_split=0.2 of 80 reviews: the last 16
    kept_val = whole.history["val_accuracy"][whole.best_epoch - 1]
    assert np.mean((validation > 0.5) == y_val) == pytest.approx(kept_val)
    assert np.mean((report > 0.5) == (y[:20] == 1)) == pytest.approx(whole.test_accuracy["kept"])
    stopped = stronger.train_classifier(x, y, **kwargs)
    assert len(stopped.history["val_accuracy"]) == stopped.stop_epoch == whole.stop_epoch
    assert stopped.best_epoch == whole.best_epoch
    for a, b in zip(whole.model.get_weights(), stopped.model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert stopped.test_accuracy["kept"] == pytest.approx(whole.test_accuracy["kept"])
    with pytest.raises(ValueError, match="patience must be a positive int"):
        stronger.train_classifier(x, y, vocab_size=30, patience=0)


def test_id_reviews_keep_what_the_network_reads():
    x = np.array([[0, 0, 1, 5, 6], [7, 2, 9, 9, 4]], dtype=np.int32)  # padded, then cut
    reviews = stronger.IdReviews.from_padded(x)
    assert len(reviews) == 2
    assert reviews.tokens.tolist() == [1, 5, 6, 7, 2, 9, 9, 4]
    assert reviews.offsets.tolist() == [0, 3, 8]
    second = reviews.rows(1, 2)
    assert second.tokens.tolist() == [7, 2, 9, 9, 4] and second.offsets.tolist() == [0, 5]
    with pytest.raises(ValueError, match="offsets must rise"):
        stronger.IdReviews(np.array([1, 2]), np.array([0, 3]))
    with pytest.raises(ValueError, match="integer array"):
        stronger.IdReviews.from_padded(np.zeros(5, np.int32))


def test_term_counter_counts_words_and_pairs_within_reviews():
    train = stronger.IdReviews(np.array([4, 5, 4, 5, 6, 4, 5]), np.array([0, 3, 5, 7]))
    counter = stronger.TermCounter(min_reviews=2)
    counts = counter.fit_transform(train).toarray()
    # the vocabulary: words 4 and 5 and the pair (4, 5), each in at least two reviews; the
    # word 6 and the pairs (5, 4) and (5, 6) occur in one review only
    assert counts.shape == (3, 3)
    assert counts.tolist() == [[2, 1, 1], [0, 1, 0], [1, 1, 1]]
    # no pair across the border of two reviews: 4 ends the first, 5 starts the second
    other = stronger.IdReviews(np.array([4, 5, 9]), np.array([0, 1, 3]))
    assert counter.transform(other).toarray().tolist() == [[1, 0, 0], [0, 1, 0]]


def test_term_counter_counts_the_same_in_chunks():
    rng = np.random.default_rng(1)
    lengths = rng.integers(0, 30, 57)
    reviews = stronger.IdReviews(rng.integers(0, 50, lengths.sum()),
                                 np.concatenate([[0], np.cumsum(lengths)]))
    whole = stronger.TermCounter(min_reviews=2, chunk=1000)
    expected = whole.fit_transform(reviews).toarray()
    for chunk in (1, 7, 56):
        counter = stronger.TermCounter(min_reviews=2, chunk=chunk)
        assert np.array_equal(counter.fit_transform(reviews).toarray(), expected), chunk
        assert np.array_equal(counter.vocabulary, whole.vocabulary)


def _bag_reviews(seed: int = 0):
    rng = np.random.default_rng(seed)

    def reviews(n):
        labels = rng.integers(0, 2, n)
        words = [rng.integers(10, 40, 12) + 100 * label for label in labels]  # 1 word signals
        tokens = np.concatenate(words)
        offsets = np.arange(n + 1) * 12
        return stronger.IdReviews(tokens, offsets), labels

    return reviews(60), reviews(30), reviews(40)


def test_bag_of_words_chooses_c_on_validation(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_CACHE_DIR", str(tmp_path))
    (train, y_train), (val, y_val), (test, y_test) = _bag_reviews()
    result = stronger.bag_of_words(train, y_train, val, y_val, test, c_grid=(0.01, 1.0, 100.0))
    assert len(result.validation_accuracy) == 3
    assert result.best_c == result.c_grid[int(np.argmax(result.validation_accuracy))]
    assert result.test_probabilities.shape == (40,)
    assert np.mean((result.test_probabilities > 0.5) == y_test) > 0.9
    # The kept pipeline scores reviews met later exactly as it scored the test reviews.
    assert np.allclose(result.probabilities(test), result.test_probabilities)
    with pytest.raises(ValueError, match="one label per training review"):
        stronger.bag_of_words(train, y_train[:5], val, y_val, test)
    with pytest.raises(ValueError, match="c_grid must hold positive"):
        stronger.bag_of_words(train, y_train, val, y_val, test, c_grid=(0.0,))


def test_bag_of_words_is_cached_and_the_loaded_one_scores_as_the_fitted_one(tmp_path,
                                                                             monkeypatch):
    monkeypatch.setenv("LESSONS_CACHE_DIR", str(tmp_path))
    (train, y_train), (val, y_val), (test, _) = _bag_reviews()
    (later, _), _, _ = _bag_reviews(seed=1)  # reviews met after fitting
    grid = (0.01, 1.0, 100.0)
    fitted = stronger.bag_of_words(train, y_train, val, y_val, test, c_grid=grid)
    assert list(tmp_path.glob("models/bag-of-words-*.npz"))
    loaded = stronger.bag_of_words(train, y_train, val, y_val, test, c_grid=grid)
    for what in ("c_grid", "validation_accuracy", "best_c", "n_features", "seconds"):
        assert getattr(loaded, what) == getattr(fitted, what), what
    assert np.array_equal(loaded.test_probabilities, fitted.test_probabilities)
    assert np.array_equal(loaded.probabilities(later), fitted.probabilities(later))
    assert loaded.from_cache and not fitted.from_cache
    # The same labels in another dtype (chapter 10's int32, chapter 11's int8): the same file.
    assert stronger.bag_of_words(train, y_train.astype(np.int8), val, y_val.astype(np.int32),
                                 test, c_grid=grid).from_cache
    # Other labels or another grid: fitted again, never the stored pipeline.
    flipped = stronger.bag_of_words(train, 1 - y_train, val, y_val, test, c_grid=grid)
    assert not np.allclose(flipped.test_probabilities, fitted.test_probabilities)
    assert stronger.bag_of_words(train, y_train, val, y_val, test, c_grid=grid[:2]).c_grid \
        == grid[:2]
    assert len(list(tmp_path.glob("models/bag-of-words-*.npz"))) == 3
    uncached = stronger.bag_of_words(train, y_train, val, y_val, test, c_grid=grid, cache=False)
    assert np.allclose(uncached.test_probabilities, fitted.test_probabilities)


def test_epoch_line_is_short(capsys):
    line = stronger.EpochLine(4, show=True)
    line.on_epoch_begin(0)
    line.on_epoch_end(0, {"accuracy": 0.75, "val_accuracy": 0.8, "loss": 0.5})
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("epoch 1/4: accuracy 0.750, validation 0.800")
    assert len(printed) < 70 and len(line.seconds) == 1
    quiet = stronger.EpochLine(4, show=False)
    quiet.on_epoch_begin(0)
    quiet.on_epoch_end(0, {"accuracy": 0.75, "val_accuracy": 0.8})
    assert capsys.readouterr().out == ""


def test_masked_pooling_ignores_padding():
    import keras

    values = np.array([[[9.0, -9.0], [1.0, 2.0], [3.0, -1.0]]], np.float32)
    mask = np.array([[False, True, True]])
    mean = stronger.MaskedPooling("mean")(values, mask=keras.ops.convert_to_tensor(mask))
    top = stronger.MaskedPooling("max")(values, mask=keras.ops.convert_to_tensor(mask))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(mean), [[2.0, 0.5]])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(top), [[3.0, 2.0]])
    with pytest.raises(ValueError, match="pooling must be one of"):
        stronger.build_classifier(100, 12, pooling="sum")
    pooled = stronger.build_classifier(100, 12, units=4, embed_dim=3, pooling="max")
    assert pooled.count_params() == stronger.build_classifier(100, 12, units=4,
                                                              embed_dim=3).count_params()


def test_id_reviews_from_texts_use_the_corpus_ids(monkeypatch):
    index = {"a": 7, "great": 40, "film": 25, "truly": 300, "the": 4}
    monkeypatch.setattr(stronger.data, "get_word_index", lambda: index)
    reviews = stronger.IdReviews.from_texts(["A great film, truly great.", "",
                                             "zzzqqq the"])
    assert reviews.offsets.tolist() == [0, 5, 5, 7]
    assert reviews.tokens.tolist() == [7, 40, 25, 300, 40, stronger.data.OOV, 4]
