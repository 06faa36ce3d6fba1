"""Training time, exact match and memory of chapter 12's encoder-decoders, measured from scratch.

Trains the chapter's two models (``seq2seq.ARCHITECTURE``, ``seq2seq.TRAINING``, on
``seq2seq.TRAIN_DAYS`` days of ``dates.make_splits``), the plain encoder-decoder and the one
with attention, without the model cache, so the times are real training times on this
machine; then writes the test days' answers with greedy decoding and with beam search of width
5. Each row: model, exact match on the test days (greedy, beam), training seconds (wall time of
``fit``, graph compilation included) and CPU-seconds, decoding seconds for the test days, peak
resident memory of this process so far, and whether the chapter's goal is met (attention:
exact match >= 0.98 within 180 CPU-seconds of training; the plain model has no goal).

Run with ``python benchmarks/run.py --only seq2seq``, which prints the rows as a table;
``run()`` returns them. A measurement, not a test: a slow machine does not fail it, a row says
``ok: False``.
"""

from __future__ import annotations

import time

GOAL_EXACT_MATCH = 0.98
GOAL_CPU_SECONDS = 180.0


def _peak_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


def run() -> list[dict]:
    """Train both models from scratch and score them; one row per model."""
    from lessons_lib import dates
    from lessons_lib import seq2seq as s2s

    splits = dates.make_splits(n_train=s2s.TRAIN_DAYS)
    source_vocab = dates.CharVocab([s for part in splits.values() for s in part.inputs])
    target_vocab = dates.CharVocab(splits["train"].targets)
    length = max(len(s) for part in splits.values() for s in part.inputs)
    x = {k: source_vocab.encode(v.inputs, length) for k, v in splits.items()}
    y = {k: target_vocab.encode(v.targets) for k, v in splits.items()}
    rows = []
    for kind in ("plain", "attention"):
        trained = s2s.train_seq2seq(x["train"], y["train"], (x["validation"], y["validation"]),
                                    source_vocab=len(source_vocab),
                                    target_vocab=len(target_vocab),
                                    attention=kind == "attention", cache=False, verbose=True)
        decoder = s2s.Decoder(trained.model)
        start = time.perf_counter()
        greedy = s2s.greedy_decode(decoder, x["test"], 10)[0]
        greedy_s = time.perf_counter() - start
        start = time.perf_counter()
        beam = s2s.beam_search(decoder, x["test"], 10, 5)[0]
        beam_s = time.perf_counter() - start
        exact = {name: float(s2s.exact_match(target_vocab.decode(ids),
                                             splits["test"].targets).mean())
                 for name, ids in (("greedy", greedy), ("beam", beam))}
        rows.append({"model": kind, "exact_greedy": round(exact["greedy"], 4),
                     "exact_beam5": round(exact["beam"], 4),
                     "train_s": round(trained.fit_seconds, 1),
                     "train_cpu_s": round(trained.fit_cpu_seconds, 1),
                     "greedy_s": round(greedy_s, 1), "beam5_s": round(beam_s, 1),
                     "epochs": len(trained.history["loss"]), "peak_mb": _peak_mb(),
                     "ok": (exact["greedy"] >= GOAL_EXACT_MATCH
                            and trained.fit_cpu_seconds <= GOAL_CPU_SECONDS)
                     if kind == "attention" else None})
    return rows
