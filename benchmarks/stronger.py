"""Training time and test accuracy of chapter 10's classifiers, measured from scratch.

Trains the chapter's stronger classifier, the masked GRU (reading one way) on 10,000 ids and
reviews cut to 300 words (``stronger.INPUT``, ``stronger.TRAINING``) with the regularizers
chapter 10 chose on validation (``--regularizers``, one of ``stronger.STUDY``; by default the
chapter's choice when this was written) and early stopping, without the model cache, so the
time is a real training time on this machine (training stops where early stopping stops, as
it would for a reader who trains this one model), and fits the chapter's
bag-of-words yardstick like with like: ``stronger.bag_of_words`` (TF-IDF of words and word
pairs, logistic regression) on the very ids the GRU reads, fitted on the first 80 % of the
training reviews, with ``C`` chosen on the last 20 % (the GRU's validation reviews) and the test
reviews scored once. Each row: model, test accuracy on the 25,000 test reviews, training seconds
(wall time of ``fit``, graph compilation included; for the bag of words, the features and every
fit of the ``C`` grid), epochs, peak resident memory of this process so far, and whether it met
the chapter's goal (accuracy >= 0.88 within 300 s of training; the baseline row has no goal).

Run as a script to print a table (``--json PATH`` also saves it); ``run(regularizers)`` returns
the rows,
``bag_of_words_row`` the baseline's row alone (cheap on a slice of the reviews).
A measurement, not a test: a slow machine does not fail it, a row says ``ok: False``.
Needs the IMDB data (``LESSONS_IMDB_ARCHIVE`` or the cache).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

GOAL_ACCURACY = 0.88
GOAL_SECONDS = 300.0
CHOSEN = "word dropout"  # chapter 10's choice on validation (with early stopping) when written
VALIDATION_SPLIT = 0.2  # as the GRU: the last 20 % of the training reviews choose


def _peak_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


def bag_of_words_row(x_train: Any, y_train: Any, x_test: Any, y_test: Any) -> dict:
    """The bag-of-words yardstick on the padded rows the GRU reads: ``C`` chosen on the last
    ``VALIDATION_SPLIT`` of the training rows, then the test rows scored once."""
    import numpy as np

    from lessons_lib import stronger

    n_fit = int(len(x_train) * (1 - VALIDATION_SPLIT))  # Keras's validation_split cut
    train = stronger.IdReviews.from_padded(x_train)
    bag = stronger.bag_of_words(train.rows(0, n_fit), y_train[:n_fit],
                                train.rows(n_fit, len(train)), y_train[n_fit:],
                                stronger.IdReviews.from_padded(x_test))
    accuracy = float(np.mean((bag.test_probabilities > 0.5) == (np.asarray(y_test) == 1)))
    return {"model": f"tfidf_logreg_C{bag.best_c:g}", "test_accuracy": round(accuracy, 4),
            "train_s": round(bag.seconds, 1), "epochs": None, "peak_mb": _peak_mb(),
            "ok": None}


def run(regularizers: str = CHOSEN) -> list[dict]:
    """Train the chapter's models from scratch; return one row per model."""
    from lessons_lib import data, stronger

    if regularizers not in stronger.STUDY:
        raise ValueError(f"regularizers must be one of {sorted(stronger.STUDY)}, "
                         f"got {regularizers!r}")
    (x_train, y_train), (x_test, y_test) = data.load_imdb(**stronger.INPUT)
    rows = [bag_of_words_row(x_train, y_train, x_test, y_test)]
    start = time.perf_counter()
    trained = stronger.train_classifier(x_train, y_train, vocab_size=stronger.INPUT["vocab_size"],
                                        **stronger.TRAINING, **stronger.STUDY[regularizers],
                                        cache=False, validation_split=VALIDATION_SPLIT,
                                        verbose=True)
    wall = time.perf_counter() - start
    accuracy = stronger.accuracy(trained, x_test, y_test)
    rows.append({"model": f"gru_10k_300 ({regularizers})", "test_accuracy": round(accuracy, 4),
                 "val_accuracy": round(trained.history["val_accuracy"][trained.best_epoch - 1],
                                       4),
                 "train_s": round(trained.fit_seconds, 1),
                 "train_cpu_s": round(trained.fit_cpu_seconds, 1), "wall_s": round(wall, 1),
                 "epochs": len(trained.history["loss"]), "peak_mb": _peak_mb(),
                 "ok": accuracy >= GOAL_ACCURACY and trained.fit_seconds <= GOAL_SECONDS})
    return rows


def print_table(rows: list[dict]) -> None:
    """Print the rows as an aligned table."""
    print(f"{'model':<30}{'test acc':>10}{'train s':>10}{'epochs':>8}{'peak MB':>10}{'ok':>7}")
    for row in rows:
        print(f"{row['model']:<30}{row['test_accuracy']:>10.4f}{row['train_s']:>10.1f}"
              f"{row['epochs'] if row['epochs'] is not None else '-':>8}"
              f"{row['peak_mb']:>10.0f}{row['ok'] if row['ok'] is not None else '-'!s:>7}")
    print(f"(goal: test accuracy >= {GOAL_ACCURACY} within {GOAL_SECONDS:.0f} s of training; "
          f"{os.cpu_count()} CPU cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also save the rows to this file")
    parser.add_argument("--regularizers", default=CHOSEN,
                        help=f"a configuration of chapter 10's study (default: {CHOSEN!r})")
    args = parser.parse_args()
    rows = run(args.regularizers)
    print_table(rows)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=2)


if __name__ == "__main__":
    main()
