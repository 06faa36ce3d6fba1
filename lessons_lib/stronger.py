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
setting trains again and an unchanged one loads in a second. ``tfidf_baseline`` is the
non-neural yardstick: TF-IDF features of words and word pairs with a logistic regression
(scikit-learn).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from lessons_lib import training
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


def _fit(x_train: np.ndarray, y_train: np.ndarray, settings: dict[str, Any],
         verbose: bool | None, path: Path | None) -> TrainedClassifier:
    """Build the classifier from the seed and fit it with early stopping."""
    require_memory(STRONGER_MEMORY_MB, "Training the bidirectional GRU")
    keras.utils.set_random_seed(settings["seed"])
    model = build_classifier(**_arch(settings))
    quiet = not training.book_build() if verbose is None else not verbose
    timer = training.EpochTimer(None if quiet else model.name, settings["epochs"],
                                show_cpu=True)
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=settings["patience"],
                                         restore_best_weights=True)
    start, cpu_start = time.perf_counter(), time.process_time()
    result = model.fit(x_train, y_train, batch_size=settings["batch_size"],
                       epochs=settings["epochs"], validation_split=settings["validation_split"],
                       validation_batch_size=training.EVAL_BATCH_SIZE, callbacks=[timer, stop],
                       verbose=0)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    history = {k: [float(v) for v in vals] for k, vals in result.history.items()}
    history["epoch_seconds"], history["epoch_cpu_seconds"] = timer.seconds, timer.cpu_seconds
    return TrainedClassifier(model, settings, history, seconds, False, path, cpu_seconds)


def accuracy(trained: TrainedClassifier, x: np.ndarray, y: np.ndarray) -> float:
    """The share of reviews in ``x`` whose predicted label equals ``y``."""
    p = trained.model.predict(x, batch_size=training.EVAL_BATCH_SIZE, verbose=0).reshape(-1)
    return float(np.mean((p > 0.5) == (np.asarray(y) == 1)))


def tfidf_baseline(train_texts: list[str], y_train: np.ndarray, test_texts: list[str],
                   y_test: np.ndarray, n_features: int = 2**20) -> dict[str, float]:
    """TF-IDF of words and word pairs, then logistic regression: test accuracy and seconds.

    Words and pairs are hashed into ``n_features`` columns instead of being collected in a
    vocabulary first: a vocabulary of every word pair in 25,000 reviews costs about a gigabyte
    while it is counted, hashing costs nothing, and the accuracy is the same to a few tenths.
    """
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    start = time.perf_counter()
    hasher = HashingVectorizer(ngram_range=(1, 2), n_features=n_features, alternate_sign=False,
                               norm=None, dtype=np.float32)
    weighting = TfidfTransformer(sublinear_tf=True)
    features = weighting.fit_transform(hasher.transform(train_texts))
    classifier = LogisticRegression(C=4.0, max_iter=1000).fit(features, y_train)
    seconds = time.perf_counter() - start
    predicted = classifier.predict(weighting.transform(hasher.transform(test_texts)))
    return {"accuracy": float(np.mean(predicted == np.asarray(y_test))), "fit_seconds": seconds}
