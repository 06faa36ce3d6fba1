"""Unit tests of lessons_lib.char_lm: the Keras character model, its training, scoring and
writing (tiny models, so that the tests are fast)."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib import char_lm

VOCAB = 7
TINY = dict(units=6, embed_dim=3, label_dim=2, window=10, batch_size=4, characters=800,
            curve_points=2, warmup_updates=2)


def stream(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ids = np.tile([0, 2, 3, 4, 5, 6, 1], n // 7 + 1)[:n]
    ids[rng.random(n) < 0.05] = 3  # a little noise
    return ids.astype(np.int32), np.repeat([1, 2], [n // 2, n - n // 2]).astype(np.int32)


def test_windows_line_up_inputs_labels_and_targets():
    ids, labels = np.arange(23), np.arange(23) % 3
    x, code, y = char_lm.windows(ids, labels, 5)
    assert x.shape == code.shape == y.shape == (4, 5)
    assert np.array_equal(y, x + 1)  # each target is the next character
    assert np.array_equal(code, labels[1:21].reshape(4, 5))  # the target's sentiment


def test_review_labels_repeat_each_reviews_code():
    codes = char_lm.review_labels(["ab\n", "c\n"], np.array([1, 0]))
    assert codes.tolist() == [char_lm.POSITIVE] * 3 + [char_lm.NEGATIVE] * 2


def test_training_is_cached_records_a_curve_and_checks_its_input(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_CACHE_DIR", str(tmp_path))
    ids, labels = stream()
    validation = stream(2101, seed=1)[0]
    first = char_lm.train_char_model(ids, labels, validation, vocab_size=VOCAB, verbose=False,
                                     **TINY)
    again = char_lm.train_char_model(ids, labels, validation, vocab_size=VOCAB, verbose=False,
                                     **TINY)
    assert not first.from_cache and again.from_cache
    assert again.history == first.history
    assert first.history["characters"] == [400.0, 800.0]  # 20 updates of 40 characters
    assert set(first.history) == {"characters", "bits", "seconds", "cpu_seconds", "cores"}
    for a, b in zip(first.model.get_weights(), again.model.get_weights(), strict=True):
        assert np.array_equal(a, b)
    with pytest.raises(TypeError, match="unknown settings"):
        char_lm.train_char_model(ids, labels, validation, vocab_size=VOCAB, dropout=0.5)
    with pytest.raises(ValueError, match="ids from 0 to 6"):
        char_lm.train_char_model(ids + VOCAB, labels, validation, vocab_size=VOCAB, **TINY)
    with pytest.raises(ValueError, match="one sentiment code per character"):
        char_lm.train_char_model(ids, labels[:-1], validation, vocab_size=VOCAB, **TINY)


def test_the_numpy_writer_computes_what_keras_computes_and_bits_follow():
    model = char_lm.build_char_model(VOCAB, units=5, embed_dim=3, label_dim=2)
    ids, labels = stream(41, seed=2)
    # The code read beside each character is that of the character to predict.
    logits = np.asarray(model.predict_on_batch([ids[None, :40], labels[None, 1:41]]))[0]
    writer = char_lm.Writer(model)
    state = np.zeros((1, 5))
    for t in range(40):
        step_logits, state = writer.step(ids[[t]], labels[[t + 1]], state)
        assert np.allclose(step_logits[0], logits[t], atol=1e-5)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -log_p[np.arange(40), ids[1:41]] / np.log(2)
    bits = char_lm.character_bits(model, ids, labels, length=40)
    assert np.allclose(bits, expected, atol=1e-4)
    hot = char_lm.bits_per_char(model, ids, labels, length=40, temperature=2.0)
    assert hot != pytest.approx(float(bits.mean()))
    with pytest.raises(ValueError, match="shorter than one piece"):
        char_lm.character_bits(model, ids, length=100)


def test_write_stops_at_the_end_symbol_and_repeats_with_a_seed():
    model = char_lm.build_char_model(VOCAB, units=5, embed_dim=3, label_dim=2)
    writer = char_lm.Writer(model)
    a = writer.write([0, 2], [1, 2, 0], 30, temperature=1.0, seed=4)
    b = writer.write([0, 2], [1, 2, 0], 30, temperature=1.0, seed=4)
    assert len(a) == 3 and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert all(0 not in row and len(row) <= 30 for row in a)
    full = writer.write([0, 2], [1], 30, temperature=1.0, seed=4, end=None)
    assert len(full[0]) == 30
    with pytest.raises(ValueError, match="at least one id"):
        writer.write([], [1], 5)


def test_steered_logits_push_the_expert_away_from_the_anti_expert():
    expert = char_lm.Writer(char_lm.build_char_model(VOCAB, units=4, embed_dim=3, label_dim=2))
    anti = char_lm.Writer(char_lm.build_char_model(VOCAB, units=4, embed_dim=3, label_dim=2))
    previous, labels = np.array([0, 3]), np.array([2, 2])
    wanted, _ = expert.step(previous, labels, expert.initial_state(2))
    opposite, _ = anti.step(previous, np.array([1, 1]), anti.initial_state(2))
    for weight in (0.0, 1.5):
        steered = char_lm.Steered(expert, anti, weight, codes=(2, 1))  # each reads its own
        logits, _ = steered.step(previous, np.array([0, 0]), steered.initial_state(2))
        assert np.allclose(logits, wanted + weight * (wanted - opposite))
    assert len(char_lm.Steered(expert, anti, 1.0, (2, 1)).write([0], [2, 2], 10, seed=0)) == 2
    with pytest.raises(ValueError, match="weight"):
        char_lm.Steered(expert, anti, -1.0, (2, 1))


def test_finetuning_starts_from_the_base_and_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_CACHE_DIR", str(tmp_path))
    ids, labels = stream()
    base = char_lm.train_char_model(ids, labels, stream(2101, seed=1)[0], vocab_size=VOCAB,
                                    verbose=False, **TINY)
    before = [w.copy() for w in base.model.get_weights()]
    tuned = char_lm.finetune_char_model(base, ids[:1500], labels[:1500], characters=400,
                                        verbose=False)
    again = char_lm.finetune_char_model(base, ids[:1500], labels[:1500], characters=400,
                                        verbose=False)
    assert not tuned.from_cache and again.from_cache
    assert all(np.array_equal(a, b) for a, b in zip(before, base.model.get_weights(),
                                                     strict=True))  # the base is unchanged
    assert any(not np.array_equal(a, b) for a, b in zip(before, tuned.model.get_weights(),
                                                         strict=True))
    for a, b in zip(tuned.model.get_weights(), again.model.get_weights(), strict=True):
        assert np.array_equal(a, b)
    with pytest.raises(TypeError, match="unknown settings"):
        char_lm.finetune_char_model(base, ids, labels, epochs=2)
    with pytest.raises(ValueError, match="one\nsentiment code|sentiment code per id"):
        char_lm.finetune_char_model(base, ids, labels[:-1])
