"""Time, bits per character and memory of chapter 11's language models, measured from scratch.

Builds chapter 11's text (``char_text.chapter_text``), counts the order-7 character n-grams and
chooses each order's discount on the validation text, trains the numpy RNN for the chapter's
budget and the Keras GRU (``char_lm.ARCHITECTURE``, ``char_lm.TRAINING``) without the model
cache, so the times are real training times on this machine, fine-tunes the two experts, and
writes 200 reviews of up to 600 characters steered by them. Each row: the step, its seconds
(and CPU-seconds where it trains), the validation bits per character it reached where it has
one, the peak resident memory of this process so far, and for the GRU whether the chapter's
goal is met (the 5-gram's validation bits per character passed within 600 CPU-seconds of
training: 5 minutes of both cores of a 2-core machine).

Run with ``python benchmarks/run.py --only char_lm``, which prints the rows as a table;
``run()`` returns them. A measurement, not a test: a slow machine does not fail it, a row says
``ok: False``.
"""

from __future__ import annotations

import time

GOAL_CPU_SECONDS = 600.0


def _peak_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


def run() -> list[dict]:
    """Count, train and write from scratch; one row per step."""
    import numpy as np

    from lessons_lib import char_lm, char_rnn, char_text, ngram

    rows = []
    start = time.perf_counter()
    text = char_text.chapter_text()
    train, validation = text.ids["train"], text.ids["validation"]
    rows.append({"step": "text", "seconds": round(time.perf_counter() - start, 1),
                 "characters": len(train), "peak_mb": _peak_mb()})
    start = time.perf_counter()
    counts = ngram.CharNGram(7, len(text.alphabet)).fit(train)
    five, _ = ngram.choose_discount(counts.lower(5), validation)
    seven, _ = ngram.choose_discount(counts, validation)
    five_bits = five.bits_per_char(validation)
    rows.append({"step": "n-grams (order 7, discounts of orders 5 and 7)",
                 "seconds": round(time.perf_counter() - start, 1),
                 "val_bits": round(five_bits, 3), "val_bits_7": round(
                     seven.bits_per_char(validation), 3), "peak_mb": _peak_mb()})
    curve = validation[:200_001]
    curve_five = float(-np.log2(five.probabilities_of(curve)[1:]).mean())
    del counts, five, seven
    NUMPY_RNN = char_rnn.TRAINING  # noqa: N806 (the chapter's settings, by their name there)
    model = char_rnn.CharRNN.create(len(text.alphabet), NUMPY_RNN["units"], seed=0)
    log = char_rnn.train_truncated(model, train, updates=NUMPY_RNN["updates"],
                                   batch=NUMPY_RNN["batch"], window=NUMPY_RNN["window"],
                                   learning_rate=NUMPY_RNN["learning_rate"])
    rows.append({"step": "numpy RNN", "seconds": round(log.seconds, 1),
                 "characters": log.characters[-1],
                 "val_bits": round(char_rnn.bits_per_char(model, validation), 3),
                 "peak_mb": _peak_mb()})
    labels = char_lm.review_labels(text.texts["train"], text.labels["train"])
    lm = char_lm.train_char_model(train, labels, curve, vocab_size=len(text.alphabet),
                                  cache=False, verbose=True)
    bits, cpu = np.array(lm.history["bits"]), np.array(lm.history["cpu_seconds"])
    passed = np.flatnonzero(bits < curve_five)
    rows.append({"step": "GRU", "seconds": round(lm.fit_seconds, 1),
                 "cpu_seconds": round(lm.fit_cpu_seconds, 1),
                 "characters": lm.settings["characters"], "val_bits": round(bits[-1], 3),
                 "five_gram_bits": round(curve_five, 3), "peak_mb": _peak_mb(),
                 "ok": bool(passed.size and cpu[passed[0]] <= GOAL_CPU_SECONDS)})
    experts = {}
    for code in (char_lm.NEGATIVE, char_lm.POSITIVE):
        own = [t for t, y in zip(text.texts["train"], text.labels["train"], strict=True)
               if y == code - 1]
        ids = char_text.stream(own, text.alphabet)
        experts[code] = char_lm.finetune_char_model(lm, ids, np.full_like(ids, code),
                                                    cache=False, verbose=False)
        rows.append({"step": f"fine-tuning the {'positive' if code == 2 else 'negative'} expert",
                     "seconds": round(experts[code].fit_seconds, 1),
                     "cpu_seconds": round(experts[code].fit_cpu_seconds, 1),
                     "characters": char_lm.FINETUNING["characters"], "peak_mb": _peak_mb()})
    steered = char_lm.Steered(char_lm.Writer(experts[char_lm.POSITIVE].model),
                              char_lm.Writer(experts[char_lm.NEGATIVE].model), 1.0,
                              codes=(char_lm.POSITIVE, char_lm.NEGATIVE))
    start = time.perf_counter()
    written = steered.write(text.alphabet.encode(char_text.END), [char_lm.POSITIVE] * 200, 600,
                            temperature=0.8)
    seconds = time.perf_counter() - start
    rows.append({"step": "writing 200 steered reviews", "seconds": round(seconds, 1),
                 "characters": int(sum(len(w) for w in written)), "peak_mb": _peak_mb()})
    return rows
