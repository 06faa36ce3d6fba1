"""A stronger IMDB classifier: the recurrent models of chapter 10, trained once and cached.

Taught in chapter 10, *A stronger IMDB classifier* (``book/10_stronger_classifier``).
``build_classifier`` builds a configurable recurrent sentiment model: an ``Embedding`` (with
``mask_zero=True`` by default, so the recurrent layer skips the padding), one ``GRU``, ``LSTM``
or ``SimpleRNN`` layer (optionally ``Bidirectional``) and a sigmoid output. ``train_classifier``
fits it with a fixed seed, holds out the last ``validation_split`` of the training reviews,
stops early on the validation accuracy (keeping the best epoch's weights) and stores the
weights, the history and the training time in the course's model cache
(``lessons_lib.cache``: one ``.npz`` file, written atomically, under a lock). The file name
holds a hash of the settings, a fingerprint of the data and the library versions, so a changed
setting trains again and an unchanged one loads in a second. In a book build training prints
one short line per epoch; in a live session Keras's progress bar shows how far it got.

The non-neural yardstick is TF-IDF features of words and word pairs with a logistic
regression (scikit-learn). ``bag_of_words`` fits it on the same footing as a network: on
:class:`IdReviews`, the word ids a network reads (``IdReviews.from_padded`` keeps exactly the
ids of the padded rows, so the same vocabulary and the same cut; ``IdReviews.from_split``
keeps whole reviews over the full vocabulary), with the regularization ``C`` chosen from a
grid on validation reviews only, and the test reviews scored once.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from lessons_lib import data, training
from lessons_lib.cache import (
    exclusive_lock,
    fingerprint,
    load_weights,
    model_dir,
    save_weights,
    settings_key,
)
from lessons_lib.resources import require_memory

CACHE_FORMAT = "lessons_lib.stronger/1"
CELLS = {"gru": "GRU", "lstm": "LSTM", "simple_rnn": "SimpleRNN"}
# Memory the bidirectional GRU's training adds to the kernel (20,000 words, reviews cut at
# 200): an estimate from the chapter's peak, about 600 MB above the IMDB models' baseline.
STRONGER_MEMORY_MB = 600


@dataclass
class TrainedClassifier:
    """A trained classifier with its settings, per-epoch history and training time."""

    model: keras.Model
    settings: dict[str, Any]
    history: dict[str, list[float]]
    fit_seconds: float
    from_cache: bool
    path: Path | None
    fit_cpu_seconds: float = 0.0


def build_classifier(vocab_size: int, max_len: int, *, cell: str = "gru", units: int = 32,
                     embed_dim: int = 32, bidirectional: bool = True, mask: bool = True,
                     learning_rate: float = 1e-3) -> keras.Model:
    """Embedding, one recurrent layer, Dense(1, sigmoid); compiled with Adam and accuracy."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    for what, value in (("vocab_size", vocab_size), ("max_len", max_len), ("units", units),
                        ("embed_dim", embed_dim)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{what} must be a positive int, got {value!r}")
    inputs = keras.Input(shape=(max_len,), dtype="int32", name="word_ids")
    x = keras.layers.Embedding(vocab_size, embed_dim, mask_zero=mask, name="embedding")(inputs)
    recurrent = getattr(keras.layers, CELLS[cell])(units, name=cell)
    x = keras.layers.Bidirectional(recurrent, name="bidirectional")(x) if bidirectional \
        else recurrent(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="p_positive")(x)
    model = keras.Model(inputs, outputs, name=f"{'bi' if bidirectional else ''}{cell}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  metrics=["accuracy"], jit_compile=True, steps_per_execution=16)
    return model


def _load(path: Path, settings: dict[str, Any]) -> TrainedClassifier | None:
    """The cached classifier at ``path``, or None (with a warning) if it is unusable."""
    try:
        meta, weights = load_weights(path)
        if meta.get("format") != CACHE_FORMAT or meta.get("settings") != settings:
            raise ValueError("written for other settings")
        model = build_classifier(**_arch(settings))
        model.set_weights(weights)
    except Exception as exc:  # noqa: BLE001 - an unusable file means: train again
        warnings.warn(f"ignoring the cached classifier {path}: {exc}", stacklevel=3)
        return None
    return TrainedClassifier(model, settings, meta["history"], float(meta["fit_seconds"]),
                             True, path, float(meta.get("fit_cpu_seconds", 0.0)))


def _arch(settings: dict[str, Any]) -> dict[str, Any]:
    keys = ("vocab_size", "max_len", "cell", "units", "embed_dim", "bidirectional", "mask",
            "learning_rate")
    return {k: settings[k] for k in keys}


def train_classifier(x_train: np.ndarray, y_train: np.ndarray, *, vocab_size: int,
                     cell: str = "gru", units: int = 32, embed_dim: int = 32,
                     bidirectional: bool = True, mask: bool = True, learning_rate: float = 1e-3,
                     epochs: int = 4, batch_size: int = 64, validation_split: float = 0.2,
                     patience: int = 1, seed: int = 0, cache: bool = True,
                     verbose: bool | None = None) -> TrainedClassifier:
    """Train a ``build_classifier`` model with a fixed seed and early stopping, or load it.

    Training stops when the validation accuracy has not improved for ``patience`` epochs and
    keeps the weights of the best epoch. ``fit_seconds`` is the wall time of ``fit`` (XLA
    compilation included) on the machine that trained it and ``fit_cpu_seconds`` the CPU time
    of this process meanwhile, summed over its threads (on a machine shared with other work it
    says more about the cost than the wall time); both are stored with the weights.
    """
    x_train, y_train = training.check_data(x_train, y_train, vocab_size)
    settings = {"vocab_size": int(vocab_size), "max_len": int(x_train.shape[1]), "cell": cell,
                "units": units, "embed_dim": embed_dim, "bidirectional": bidirectional,
                "mask": mask, "learning_rate": learning_rate, "epochs": epochs,
                "batch_size": batch_size, "validation_split": validation_split,
                "patience": patience, "seed": seed, "format": CACHE_FORMAT,
                "data": fingerprint(x_train, y_train), **training.versions()}
    path = model_dir() / f"stronger-{cell}-{settings_key(settings)[:16]}.npz"
    if not cache:
        return _fit(x_train, y_train, settings, verbose, None)
    with exclusive_lock(path):
        if path.exists():
            trained = _load(path, settings)
            if trained is not None:
                return trained
        trained = _fit(x_train, y_train, settings, verbose, path)
        meta = {"format": CACHE_FORMAT, "settings": settings, "history": trained.history,
                "fit_seconds": trained.fit_seconds, "fit_cpu_seconds": trained.fit_cpu_seconds}
        save_weights(path, trained.model.get_weights(), meta)
    return trained


class EpochLine(training.EpochTimer):
    """Time every epoch (wall and CPU) and, when ``show``, print one short line per epoch:
    training and validation accuracy and the seconds it took, to fit a book's page."""

    def __init__(self, epochs: int, show: bool) -> None:
        super().__init__(None, epochs)
        self.show = show

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        super().on_epoch_end(epoch, logs)
        if self.show:
            logs = logs or {}
            print(f"epoch {epoch + 1}/{self.total}: accuracy {logs.get('accuracy', np.nan):.3f}, "
                  f"validation {logs.get('val_accuracy', np.nan):.3f} "
                  f"({self.seconds[-1]:.0f} s, {self.cpu_seconds[-1]:.0f} CPU-s)", flush=True)


def _fit(x_train: np.ndarray, y_train: np.ndarray, settings: dict[str, Any],
         verbose: bool | None, path: Path | None) -> TrainedClassifier:
    """Build the classifier from the seed and fit it with early stopping.

    ``verbose=None``: one short line per epoch in a book build, Keras's progress bar in a
    live session; ``True``: the short lines; ``False``: nothing.
    """
    require_memory(STRONGER_MEMORY_MB, "Training the bidirectional GRU")
    keras.utils.set_random_seed(settings["seed"])
    model = build_classifier(**_arch(settings))
    live = verbose is None and not training.book_build()
    timer = EpochLine(settings["epochs"], show=bool(verbose) or (verbose is None and not live))
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=settings["patience"],
                                         restore_best_weights=True)
    start, cpu_start = time.perf_counter(), time.process_time()
    result = model.fit(x_train, y_train, batch_size=settings["batch_size"],
                       epochs=settings["epochs"], validation_split=settings["validation_split"],
                       validation_batch_size=training.EVAL_BATCH_SIZE, callbacks=[timer, stop],
                       verbose=1 if live else 0)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    history = {k: [float(v) for v in vals] for k, vals in result.history.items()}
    history["epoch_seconds"], history["epoch_cpu_seconds"] = timer.seconds, timer.cpu_seconds
    return TrainedClassifier(model, settings, history, seconds, False, path, cpu_seconds)


def accuracy(trained: TrainedClassifier, x: np.ndarray, y: np.ndarray) -> float:
    """The share of reviews in ``x`` whose predicted label equals ``y``."""
    p = trained.model.predict(x, batch_size=training.EVAL_BATCH_SIZE, verbose=0).reshape(-1)
    return float(np.mean((p > 0.5) == (np.asarray(y) == 1)))


# --- the bag-of-words yardstick, on the ids a network reads ----------------------------------

_PAIR_SHIFT = 31  # a pair (a, b) of ids is coded (a + 1) * 2**31 + b, above every single id


@dataclass(frozen=True)
class IdReviews:
    """Reviews as word ids back to back: review ``i`` is ``tokens[offsets[i]:offsets[i + 1]]``."""

    tokens: np.ndarray  # int64 word ids, no padding
    offsets: np.ndarray  # int64, one more than there are reviews

    def __post_init__(self) -> None:
        if self.offsets.ndim != 1 or len(self.offsets) < 1 or self.offsets[0] != 0 \
                or self.offsets[-1] != len(self.tokens) or np.any(np.diff(self.offsets) < 0):
            raise ValueError(f"offsets must rise from 0 to len(tokens) = {len(self.tokens)}, "
                             f"got {len(self.offsets)} offsets ending at {self.offsets[-1:]}")
        if len(self.tokens) and (self.tokens.min() < 0 or self.tokens.max() >= 2**_PAIR_SHIFT):
            raise ValueError(f"word ids must lie in [0, 2**{_PAIR_SHIFT}), got ids from "
                             f"{self.tokens.min()} to {self.tokens.max()}")

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @classmethod
    def from_padded(cls, x: np.ndarray) -> IdReviews:
        """The ids of padded rows (``data.load_imdb``), padding left out: exactly what a
        masked network reads, start marker, unknown-word ids and cut included."""
        x = np.asarray(x)
        if x.ndim != 2 or not np.issubdtype(x.dtype, np.integer):
            raise ValueError(f"expected an integer array (n_reviews, max_len), got "
                             f"{x.dtype} of shape {x.shape}")
        kept = x != data.PAD
        offsets = np.concatenate([[0], np.cumsum(kept.sum(axis=1))]).astype(np.int64)
        return cls(x[kept].astype(np.int64), offsets)  # row by row, in reading order

    @classmethod
    def from_split(cls, split: data.Split) -> IdReviews:
        """Whole reviews over the full vocabulary (a ``data.load_corpus()`` split)."""
        return cls(split.tokens.astype(np.int64), split.offsets.astype(np.int64))

    def rows(self, start: int, stop: int) -> IdReviews:
        """Reviews ``start`` to ``stop - 1``."""
        if not 0 <= start <= stop <= len(self):
            raise ValueError(f"expected 0 <= start <= stop <= {len(self)}, got {start}, {stop}")
        first, last = self.offsets[start], self.offsets[stop]
        return IdReviews(self.tokens[first:last], self.offsets[start:stop + 1] - first)


def _terms(reviews: IdReviews) -> tuple[np.ndarray, np.ndarray]:
    """Every word and every pair of neighbouring words as (review index, term code)."""
    row = np.repeat(np.arange(len(reviews)), np.diff(reviews.offsets))
    same = row[1:] == row[:-1]  # neighbours within one review, not across two
    pairs = ((reviews.tokens[:-1][same] + 1) << _PAIR_SHIFT) | reviews.tokens[1:][same]
    return np.concatenate([row, row[1:][same]]), np.concatenate([reviews.tokens, pairs])


def _counts(rows: np.ndarray, columns: np.ndarray, shape: tuple[int, int]) -> Any:
    from scipy import sparse

    counts = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, columns)), shape=shape)
    counts.sum_duplicates()
    return counts


class TermCounter:
    """Counts of words and word pairs per review, over the terms of the training reviews that
    occur in at least ``min_reviews`` of them (the vocabulary); other terms are dropped.

    Reviews are counted ``chunk`` at a time and the counts stacked, so that the memory the
    counting takes does not grow with the number of reviews (chapter 10 must fit Binder's 2 GB).
    """

    def __init__(self, min_reviews: int = 2, chunk: int = 2000) -> None:
        self.min_reviews, self.chunk = min_reviews, chunk
        self.vocabulary = np.zeros(0, np.int64)

    def fit_transform(self, reviews: IdReviews) -> Any:
        """Learn the vocabulary from ``reviews`` and count its terms in them."""
        self.vocabulary = np.unique(_terms(reviews)[1])  # every term, before the cut
        in_reviews = np.zeros(len(self.vocabulary), np.int64)
        for start in range(0, len(reviews), self.chunk):
            part = self._count(reviews.rows(start, min(start + self.chunk, len(reviews))))
            in_reviews += np.bincount(part.indices, minlength=len(self.vocabulary))
        self.vocabulary = self.vocabulary[in_reviews >= self.min_reviews]
        return self.transform(reviews)

    def transform(self, reviews: IdReviews) -> Any:
        """Count the vocabulary's terms in ``reviews`` (a sparse matrix, one row per review)."""
        from scipy import sparse

        parts = [self._count(reviews.rows(start, min(start + self.chunk, len(reviews))))
                 for start in range(0, len(reviews), self.chunk)]
        if not parts:
            return sparse.csr_matrix((0, len(self.vocabulary)), dtype=np.float32)
        return sparse.vstack(parts, format="csr")

    def _count(self, reviews: IdReviews) -> Any:
        """The vocabulary's terms counted in a few reviews."""
        rows, codes = _terms(reviews)
        where = np.minimum(np.searchsorted(self.vocabulary, codes), len(self.vocabulary) - 1)
        known = self.vocabulary[where] == codes if len(self.vocabulary) else codes < 0
        return _counts(rows[known], where[known], (len(reviews), len(self.vocabulary)))


@dataclass(frozen=True)
class BagOfWords:
    """A TF-IDF + logistic regression fitted on training reviews, ``C`` chosen on validation."""

    c_grid: tuple[float, ...]
    validation_accuracy: tuple[float, ...]  # one per value of the grid
    best_c: float
    test_probabilities: np.ndarray  # P(positive) of each test review, from the chosen C
    n_features: int
    seconds: float  # features, every fit of the grid and the predictions


def bag_of_words(train: IdReviews, y_train: Any, validation: IdReviews, y_validation: Any,
                 test: IdReviews,
                 c_grid: tuple[float, ...] = (1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0),
                 min_reviews: int = 2) -> BagOfWords:
    """TF-IDF of words and word pairs with a logistic regression, selected like a network.

    The vocabulary and the TF-IDF weights come from the training reviews; one model is fitted
    per ``C`` in ``c_grid`` (larger ``C``: weaker regularization) and scored on the validation
    reviews; the most accurate (the smallest such ``C`` on a tie) alone predicts the test
    reviews. The test labels are not an argument: nothing here can look at them.
    """
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    y_train, y_validation = np.asarray(y_train).reshape(-1), np.asarray(y_validation).reshape(-1)
    for what, reviews, y in (("training", train, y_train), ("validation", validation,
                                                             y_validation)):
        if len(reviews) != len(y):
            raise ValueError(f"expected one label per {what} review ({len(reviews)}), "
                             f"got {len(y)}")
    if not c_grid or min(c_grid) <= 0:
        raise ValueError(f"c_grid must hold positive values, got {c_grid!r}")
    start = time.perf_counter()
    counter = TermCounter(min_reviews)
    weighting = TfidfTransformer(sublinear_tf=True)
    features = weighting.fit_transform(counter.fit_transform(train))
    held_out = weighting.transform(counter.transform(validation))
    fitted, scores = [], []
    for c in c_grid:
        model = LogisticRegression(C=c, solver="liblinear").fit(features, y_train)
        fitted.append(model)
        scores.append(float(np.mean(model.predict(held_out) == y_validation)))
    best = int(np.argmax(scores))  # the first maximum: the smallest C among ties
    probabilities = fitted[best].predict_proba(weighting.transform(counter.transform(test)))
    return BagOfWords(tuple(float(c) for c in c_grid), tuple(scores), float(c_grid[best]),
                      probabilities[:, 1].astype(np.float32), features.shape[1],
                      time.perf_counter() - start)
