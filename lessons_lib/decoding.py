"""One step of a decoder, in numpy: the softmax, one attention step, one beam-search step.

Taught in chapter 12, *Sequence to sequence, and attention* (``book/12_seq2seq_attention``).
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
