"""Unit tests of lessons_lib.decoding and lessons_lib.seq2seq: attention, the numpy decoder,
decoding and training."""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest

from lessons_lib import decoding
from lessons_lib import seq2seq as s2s

SOURCE_VOCAB, TARGET_VOCAB = 9, 6


def tiny(attention: bool, seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return s2s.build_seq2seq(SOURCE_VOCAB, TARGET_VOCAB, attention=attention, embed_dim=4,
                             units=5)


def sources(rows: int = 7, length: int = 8, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.integers(2, SOURCE_VOCAB, size=(rows, length)).astype(np.int32)
    for i, n in enumerate(rng.integers(2, length + 1, size=rows)):
        x[i, n:] = 0  # padding at the end
    return x


def test_teacher_forcing_shifts_the_targets():
    targets = np.array([[5, 6, 7], [8, 9, 4]])
    assert s2s.teacher_forcing(targets, start=1).tolist() == [[1, 5, 6], [1, 8, 9]]


def test_attend_leaves_padding_out_and_weights_sum_to_one():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(2, 3)), rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 5, 4))
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    weights, context = decoding.attend(q, k, v, mask)
    assert np.allclose(weights.sum(axis=1), 1) and (weights[0, 3:] == 0).all()
    assert np.allclose(context, np.einsum("bs,bsv->bv", weights, v))
    # changing what sits under the padding changes nothing
    v2 = v.copy()
    v2[0, 3:] = 100
    assert np.allclose(decoding.attend(q, k, v2, mask)[1], context)


def test_log_softmax_is_the_log_of_softmax():
    logits = np.array([[1000.0, 1001.0, 999.0], [0.1, -2.0, 3.0]])
    assert np.allclose(np.exp(decoding.log_softmax(logits)), decoding.softmax(logits))
    assert np.isfinite(decoding.log_softmax(logits)).all()


@pytest.mark.parametrize("attention", [False, True])
def test_numpy_decoder_computes_what_keras_computes(attention):
    model = tiny(attention)
    x = sources()
    targets = np.random.default_rng(1).integers(2, TARGET_VOCAB, size=(len(x), 4))
    logits = np.asarray(model([x, s2s.teacher_forcing(targets, 1)], training=False), float)
    decoder = s2s.Decoder(model)
    memory = decoder.encode(x)
    state, previous = memory["first_state"], np.ones(len(x), int)
    for t in range(targets.shape[1]):
        log_probs, state, weights = decoder.step(previous, state, memory)
        assert np.allclose(log_probs, decoding.log_softmax(logits[:, t]), atol=1e-5)
        assert (weights is not None) == attention
        if attention:
            assert np.allclose(weights.sum(axis=1), 1) and (weights[~memory["mask"]] == 0).all()
        previous = targets[:, t]


def test_padding_does_not_change_the_answer():
    decoder = s2s.Decoder(tiny(True))
    x = sources()
    longer = np.concatenate([x, np.zeros((len(x), 5), np.int32)], axis=1)
    ids, weights = s2s.greedy_decode(decoder, x, 4)
    ids_long, weights_long = s2s.greedy_decode(decoder, longer, 4)
    assert (ids == ids_long).all()
    assert np.allclose(weights, weights_long[:, :, :x.shape[1]], atol=1e-5)


def test_beam_step_keeps_the_best_extensions_of_all_beams():
    scores, beams, chars = decoding.beam_step(np.log([0.6, 0.4]),
                                         np.log([[0.5, 0.3, 0.2], [0.9, 0.05, 0.05]]), 2)
    assert np.allclose(np.exp(scores), [0.36, 0.30]) and beams.tolist() == [1, 0]
    assert chars.tolist() == [0, 0]


@pytest.mark.parametrize("attention", [False, True])
def test_beam_search_finds_the_most_likely_answer_when_wide_enough(attention):
    decoder = s2s.Decoder(tiny(attention, seed=2))
    x = sources(rows=5)
    # Two steps, and a beam as wide as the vocabulary: the search is exhaustive.
    ids, log_probs = s2s.beam_search(decoder, x, 2, TARGET_VOCAB)
    every = np.array(list(itertools.product(range(TARGET_VOCAB), repeat=2)))
    for row in range(len(x)):
        scores = s2s.sequence_log_prob(decoder, np.repeat(x[row:row + 1], len(every), 0), every)
        assert np.isclose(log_probs[row], scores.max())
        assert np.isclose(s2s.sequence_log_prob(decoder, x[row:row + 1], ids[row:row + 1])[0],
                          scores.max())
    # Width 1 is greedy decoding, and chunking changes nothing.
    greedy = s2s.greedy_decode(decoder, x, 3)[0]
    assert (s2s.beam_search(decoder, x, 3, 1)[0] == greedy).all()
    assert (s2s.beam_search(decoder, x, 3, 1, chunk=2)[0] == greedy).all()
    with pytest.raises(ValueError, match="width"):
        s2s.beam_search(decoder, x, 3, 0)


def test_exact_match():
    assert s2s.exact_match(["1998-03-03", "1998-03-04"], ["1998-03-03", "1998-03-03"]).tolist() \
        == [True, False]
    with pytest.raises(ValueError, match="one prediction per target"):
        s2s.exact_match(["a"], ["a", "b"])


def test_training_is_cached_and_settings_are_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_CACHE_DIR", str(tmp_path))
    x = sources(rows=32)
    y = np.random.default_rng(3).integers(2, TARGET_VOCAB, size=(32, 3))
    kwargs = dict(source_vocab=SOURCE_VOCAB, target_vocab=TARGET_VOCAB, attention=True,
                  epochs=1, units=4, embed_dim=3, verbose=False)
    first = s2s.train_seq2seq(x, y, (x[:8], y[:8]), **kwargs)
    again = s2s.train_seq2seq(x, y, (x[:8], y[:8]), **kwargs)
    assert not first.from_cache and again.from_cache
    assert len(list((tmp_path / "models").glob("seq2seq-*.npz"))) == 1
    for a, b in zip(first.model.get_weights(), again.model.get_weights(), strict=True):
        assert np.array_equal(a, b)
    assert again.history["val_accuracy"] == first.history["val_accuracy"]
    with pytest.raises(TypeError, match="unknown settings"):
        s2s.train_seq2seq(x, y, (x, y), **kwargs, dropout=0.1)
    with pytest.raises(ValueError, match="ids from 0 to 5"):
        s2s.train_seq2seq(x, y + 10, (x, y), **kwargs)
    with pytest.raises(ValueError, match="one row per example"):
        s2s.train_seq2seq(x, y[:5], (x, y), **kwargs)
