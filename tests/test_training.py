"""Training with fixed seeds and the on-disk cache: hits, misses, corrupt and foreign files."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from lessons_lib import training


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("LESSONS_BOOK_BUILD", "1")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 50, size=(80, 12)).astype("int32")
    y = (x[:, -1] < 25).astype("int32")
    return x, y


def _train(data, **kwargs):
    kwargs = {"epochs": 1, "vocab_size": 50, "fast": False, "verbose": 0, **kwargs}
    return training.train("feed_forward", *data, **kwargs)


def _same_weights(a, b):
    wa, wb = a.model.get_weights(), b.model.get_weights()
    return len(wa) == len(wb) and all(np.array_equal(u, v) for u, v in zip(wa, wb, strict=True))


def test_second_call_is_a_cache_hit_with_the_same_weights_and_history(data):
    first = _train(data)
    assert not first.from_cache and first.path.exists()
    assert set(first.history) == {"loss", "accuracy", "val_loss", "val_accuracy",
                                  "epoch_seconds"}
    assert len(first.history["epoch_seconds"]) == 1
    second = _train(data)
    assert second.from_cache
    assert _same_weights(first, second)
    assert second.history == first.history


def test_same_seed_repeats_and_other_seed_differs(data):
    a = _train(data, cache=False, epochs=2, fast=True)
    b = _train(data, cache=False, epochs=2, fast=True)
    assert _same_weights(a, b)
    assert a.history["loss"] == b.history["loss"]
    assert not _same_weights(_train(data, cache=False), _train(data, cache=False, seed=1))


def test_anything_that_changes_the_result_changes_the_file(data):
    x, y = data

    def path(**kwargs):
        return training.cache_file("feed_forward", *kwargs.pop("xy", (x, y)), vocab_size=50,
                                   **kwargs)

    variants = [path(), path(seed=3), path(batch_size=8), path(output_dim=4), path(epochs=2),
                path(validation_split=0.25), path(fast=False), path(xy=(x, 1 - y)),
                path(xy=(x[:, 1:], y)), training.cache_file("simple_cnn", x, y, vocab_size=50)]
    assert len(set(variants)) == len(variants)
    assert path() == path()
    assert _train(data, epochs=1).path == path(epochs=1, fast=False)


def test_corrupt_cache_file_is_retrained(data):
    first = _train(data)
    first.path.write_bytes(b"not a zip file")
    with pytest.warns(UserWarning, match="unreadable"):
        again = _train(data)
    assert not again.from_cache and _same_weights(first, again)
    assert _train(data).from_cache  # the file was rewritten


def _rewrite_meta(path, change):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(str(arrays["meta"]))
    change(meta)
    arrays["meta"] = np.array(json.dumps(meta))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())


def test_cache_from_another_keras_major_version_is_retrained(data):
    first = _train(data)
    _rewrite_meta(first.path, lambda meta: meta["versions"].update(keras="2"))
    with pytest.warns(UserWarning, match="written with keras 2, this is keras 3"):
        again = _train(data)
    assert not again.from_cache


def test_cache_from_another_minor_version_is_reused_and_says_what_trained_it(data, monkeypatch):
    import keras

    first = _train(data)
    with np.load(first.path, allow_pickle=False) as archive:
        trained_with = json.loads(str(archive["meta"]))["trained_with"]
    assert trained_with["keras"] == keras.__version__  # the full version, for the record
    monkeypatch.setattr(keras, "__version__", keras.__version__.split(".")[0] + ".999.0")
    again = _train(data)
    assert again.from_cache and again.path == first.path


def test_cache_with_wrong_weights_is_retrained(data):
    first = _train(data)
    with np.load(first.path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays["w000"] = np.zeros((3, 3), np.float32)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    first.path.write_bytes(buffer.getvalue())
    with pytest.warns(UserWarning, match="weights of shapes"):
        assert not _train(data).from_cache


def test_bad_input_is_a_clear_error_before_training(data):
    x, y = data
    with pytest.raises(ValueError, match="unknown model name 'rnn'"):
        training.train("rnn", x, y)
    with pytest.raises(ValueError, match=r"word ids in \[0, 10\)"):
        training.train("feed_forward", x, y, vocab_size=10)
    with pytest.raises(ValueError, match="labels 0 or 1"):
        training.train("feed_forward", x, y + 1, vocab_size=50)
    with pytest.raises(ValueError, match="expected y of shape"):
        training.train("feed_forward", x, y[:-1], vocab_size=50)
    with pytest.raises(ValueError, match="epochs must be an int >= 1"):
        training.train("feed_forward", x, y, vocab_size=50, epochs=0)


def test_book_build_prints_one_line_per_epoch(data, capsys):
    _train(data, epochs=2, verbose=None, cache=False)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 2
    assert lines[0].startswith("feed_forward epoch  1/2: loss ") and " | val " in lines[0]
    assert all(len(line) <= 88 for line in lines), lines  # the width of a book's page


def test_epoch_line_fits_a_page_at_its_longest():
    timer = training.EpochTimer("simple_lstm", 10, show_cpu=True)
    timer.seconds, timer.cpu_seconds = [1234.5], [4567.0]
    logs = {"loss": 0.41234, "accuracy": 0.8, "val_loss": 0.45, "val_accuracy": 0.79}
    line = timer.line(9, logs)
    assert line == ("simple_lstm epoch 10/10: loss 0.4123 acc 0.8000 | val 0.4500 0.7900 "
                    "(1234 s, 4567 CPU-s)")
    assert len(line) <= 88


def test_predictions_are_cached_and_evaluate_matches_keras(data):
    x, y = data
    trained = _train(data)
    p = training.predict(trained, x)
    assert p.shape == (len(x),) and p.dtype == np.float32
    assert list(trained.path.parent.glob("*-pred-*.npy"))
    assert np.array_equal(training.predict(trained, x), p)
    loss, accuracy = trained.model.evaluate(x, y, verbose=0)
    result = training.evaluate(trained, x, y)
    assert result["loss"] == pytest.approx(loss, abs=1e-5)
    assert result["accuracy"] == pytest.approx(accuracy, abs=1e-6)


def test_settings_are_one_dataclass_with_clear_errors():
    settings = training.TrainingSettings()
    assert (settings.epochs, settings.batch_size, settings.validation_split, settings.seed) == \
        (10, 32, 0.2, 0)
    assert settings.changed(seed=np.int64(3)).seed == 3
    assert type(settings.changed(seed=np.int64(3)).seed) is int
    with pytest.raises(TypeError, match=r"unknown training setting\(s\) \['sede'\]"):
        settings.changed(sede=3)
    with pytest.raises(ValueError, match="validation_split must be between 0 and 1"):
        settings.changed(validation_split=1.5)
    with pytest.raises(ValueError, match="fast must be True or False"):
        settings.changed(fast="yes")


def test_settings_object_and_keywords_name_the_same_file(data):
    x, y = data
    by_keywords = training.cache_file("feed_forward", x, y, vocab_size=50, seed=2)
    by_object = training.cache_file("feed_forward", x, y,
                                    training.TrainingSettings(vocab_size=50, seed=2))
    assert by_keywords == by_object


def test_fast_training_returns_the_article_model_made_of_keras_layers(data):
    import keras

    from lessons_lib import fast_recurrent

    x, y = data
    trained = training.train("simple_rnn", x, y, epochs=1, vocab_size=50, verbose=0,
                             cache=False)
    assert not any(isinstance(layer, fast_recurrent.SimpleRNN) for layer in trained.model.layers)
    assert all(type(layer).__module__.startswith("keras") for layer in trained.model.layers)
    assert isinstance(trained.model.get_layer("simple_rnn_1"), keras.layers.SimpleRNN)
