"""One step of a decoder, in numpy: the softmax, sampling, one attention step, one beam-search step.

Taught in chapters 11 and 12, *A language model that writes movie reviews* and *Sequence to
sequence, and attention* (``book/11_char_language_model``, ``book/12_seq2seq_attention``).
:func:`sample_next` draws the next symbol with a temperature and, optionally, from the ``k``
most likely only (chapter 11).
:func:`attend` is scaled dot-product attention written out (the scores, a softmax that leaves
the padding out, the context vector); :func:`beam_step` keeps the best one-character extensions
of all beams. ``lessons_lib.seq2seq`` builds its numpy decoder, greedy decoding and beam search
from them. Numpy only, so that chapter 12's exercise checks compute what they expect with them
without loading TensorFlow.
"""

from __future__ import annotations

import numpy as np


def softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    """``exp(scores)`` normalised to sum to 1 along ``axis`` (shifted by the maximum first, so
    that large scores do not overflow)."""
    shifted = np.exp(scores - np.max(scores, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """``log(softmax(logits))``, computed without forming the probabilities."""
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def sample_next(logits: np.ndarray, rng: np.random.Generator, temperature: float = 1.0,
                top_k: int | None = None) -> np.ndarray:
    """One symbol drawn per row of ``logits`` (shape ``(batch, vocab)``) from
    ``softmax(logits / temperature)``, after keeping only the ``top_k`` largest logits of each
    row if ``top_k`` is given. ``temperature=0`` is greedy: the largest logit, no draw.

    Below 1 the temperature sharpens the distribution toward the likeliest symbols; above 1 it
    flattens it toward uniform. Draws use ``rng`` (one uniform number per row), so a seeded
    generator repeats them.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2:
        raise ValueError(f"expected logits of shape (batch, vocab), got {logits.shape}")
    if temperature < 0:
        raise ValueError(f"temperature must be 0 (greedy) or positive, got {temperature}")
    if top_k is not None and not 1 <= top_k <= logits.shape[1]:
        raise ValueError(f"top_k must be from 1 to {logits.shape[1]} or None, got {top_k}")
    if temperature == 0:
        return logits.argmax(axis=1)
    if top_k is not None:
        kth = np.partition(logits, -top_k, axis=1)[:, -top_k][:, None]
        logits = np.where(logits >= kth, logits, -np.inf)
    cumulative = np.cumsum(softmax(logits / temperature), axis=1)
    draws = rng.random((len(logits), 1)) * cumulative[:, -1:]
    return np.minimum((cumulative < draws).sum(axis=1), logits.shape[1] - 1)


def attend(query: np.ndarray, keys: np.ndarray, values: np.ndarray,
           mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One attention step for a batch: the weights over the source and the context vector.

    ``query`` is ``(batch, d)``, ``keys`` ``(batch, steps, d)``, ``values`` ``(batch, steps,
    d_v)`` and ``mask`` ``(batch, steps)``, True where the source has a character. Returns
    ``(weights (batch, steps), context (batch, d_v))``.
    """
    scores = np.einsum("bd,bsd->bs", query, keys) / np.sqrt(query.shape[-1])
    weights = softmax(np.where(mask, scores, -np.inf))
    return weights, np.einsum("bs,bsv->bv", weights, values)


def beam_step(beam_log_probs: np.ndarray, next_log_probs: np.ndarray, width: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step of beam search for one example.

    ``beam_log_probs`` ``(beams,)``: each beam's log-probability so far; ``next_log_probs``
    ``(beams, vocab)``: each beam's log-probabilities of the next character. Every beam is
    extended by every character, a sequence's log-probability being the sum of its steps', and
    the ``width`` best extensions are kept, best first. Returns their log-probabilities, the
    beam each extends and the character it adds.
    """
    totals = (beam_log_probs[:, None] + next_log_probs).ravel()
    best = np.argsort(-totals, kind="stable")[:width]
    vocab = next_log_probs.shape[1]
    return totals[best], best // vocab, best % vocab
