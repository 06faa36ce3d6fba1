"""A stronger IMDB classifier: the recurrent models of chapter 10, trained once and cached.

Taught in chapter 10, *A stronger IMDB classifier* (``book/10_stronger_classifier``).
``build_classifier`` builds a configurable recurrent sentiment model: an ``Embedding`` (with
``mask_zero=True`` by default, so the recurrent layer skips the padding), one ``GRU``, ``LSTM``
or ``SimpleRNN`` layer (optionally ``Bidirectional``) and a sigmoid output. ``train_classifier``
fits it with a fixed seed, holds out the last ``validation_split`` of the training reviews,
stops early on the validation accuracy (keeping the best epoch's weights) and stores the
weights, the history and the training time in the course's model cache
(``lessons_lib.cache``: one ``.npz`` file, written atomically, under a lock). The file name
holds a hash of the settings, a fingerprint of the data and Keras's major version and backend
(``lessons_lib.training.versions``), so a changed setting trains again and an unchanged one
loads in a second. In a book build training prints one short line per epoch; in a live session
Keras's progress bar shows how far it got.

Regularization (the chapter's section *Holding overfitting back*): ``build_classifier`` can add
word dropout on the embedding (``embedding_dropout``: whole words' vectors zeroed), recurrent
dropout (``recurrent_dropout``) and AdamW's weight decay (``weight_decay``). Early stopping is
``KeepBest``; with ``run_all_epochs=True`` training goes on to the last epoch to record the
whole learning curve while the model keeps what early stopping would have kept, so one run
gives a configuration with and without early stopping (``early_stopping`` reads the rule off a
validation curve). ``report=(x_test, y_test)`` scores the test reviews for both, only to report
them. ``INPUT``, ``TRAINING``, ``RATES`` and ``STUDY`` are the chapter's settings, shared with
``benchmarks/stronger.py``.

The non-neural yardstick is TF-IDF features of words and word pairs with a logistic
regression (scikit-learn). ``bag_of_words`` fits it on the same footing as a network: on
:class:`IdReviews`, the word ids a network reads (``IdReviews.from_padded`` keeps exactly the
ids of the padded rows, so the same vocabulary and the same cut; ``IdReviews.from_split``
keeps whole reviews over the full vocabulary), with the regularization ``C`` chosen from a
grid on validation reviews only, and the test reviews scored once; the fitted pipeline is
kept in the same cache as the networks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from lessons_lib import data, training
from lessons_lib.cache import fingerprint, load_or_train, model_dir, settings_key, written_for
from lessons_lib.resources import hand_back_memory, require_memory

CACHE_FORMAT = "lessons_lib.stronger/4"
BAG_FORMAT = "lessons_lib.stronger.bag_of_words/1"
CELLS = {"gru": "GRU", "lstm": "LSTM", "simple_rnn": "SimpleRNN"}
# Memory a classifier's training adds to the kernel (reviews cut at a few hundred words): an
# estimate from chapter 10's peak, about 600 MB above the IMDB models' baseline.
STRONGER_MEMORY_MB = 600
REGULARIZERS = ("embedding_dropout", "recurrent_dropout", "weight_decay")
POOLINGS = ("last", "mean", "max")
# Chapter 10's classifier: its input, its training, and the rates of its regularizers, each
# set once from a common value and a reason (the chapter gives them; no grid was affordable).
INPUT = {"vocab_size": 10000, "max_len": 300}
TRAINING = {"cell": "gru", "bidirectional": False, "units": 32, "embed_dim": 32,
            "batch_size": 128, "learning_rate": 2e-3, "epochs": 5, "patience": 2}
RATES = {"embedding_dropout": 0.3, "recurrent_dropout": 0.2, "weight_decay": 0.1}
STUDY = {"none": {}, "word dropout": {"embedding_dropout": RATES["embedding_dropout"]},
         "recurrent dropout": {"recurrent_dropout": RATES["recurrent_dropout"]},
         "weight decay": {"weight_decay": RATES["weight_decay"]}, "all three": RATES}


class MaskedPooling(keras.layers.Layer):
    """The mean or the maximum over the time steps of a sequence, of each feature, taken over
    the steps the mask marks as words only (padding does not count)."""

    def __init__(self, how: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if how not in ("mean", "max"):
            raise ValueError(f"how must be 'mean' or 'max', got {how!r}")
        self.how = how
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        ops = keras.ops
        if mask is None:
            mask = ops.ones(ops.shape(inputs)[:2], dtype="bool")
        words = ops.expand_dims(ops.cast(mask, "bool"), -1)
        if self.how == "max":
            return ops.max(ops.where(words, inputs, -1e9), axis=1)
        weights = ops.cast(words, inputs.dtype)
        return ops.sum(inputs * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], input_shape[2])


@dataclass
class TrainedClassifier:
    """A trained classifier with its settings, per-epoch history and training time.

    ``best_epoch`` and ``stop_epoch`` (counted from 1) are early stopping's: the epoch whose
    weights it keeps (the model holds them) and the last epoch it would have trained.
    ``test_accuracy`` holds the accuracy on the reviews passed as ``report`` to
    ``train_classifier`` (none: empty): of the kept weights (``"kept"``) and of the last
    epoch's (``"last"``). It is only reported; nothing in training looks at it.
    """

    model: keras.Model
    settings: dict[str, Any]
    history: dict[str, list[float]]
    fit_seconds: float
    from_cache: bool
    path: Path | None
    fit_cpu_seconds: float = 0.0
    best_epoch: int = 0
    stop_epoch: int = 0
    test_accuracy: dict[str, float] = field(default_factory=dict)

    @property
    def stop_seconds(self) -> float:
        """Wall seconds of the epochs up to ``stop_epoch``: what training with early stopping
        takes (the same as ``fit_seconds`` when it did stop there)."""
        return float(sum(self.history["epoch_seconds"][:self.stop_epoch]))


def _rate(what: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{what} must be a number in [0, 1), got {value!r}")
    return float(value)


def build_classifier(vocab_size: int, max_len: int, *, cell: str = "gru", units: int = 32,
                     embed_dim: int = 32, bidirectional: bool = True, mask: bool = True,
                     learning_rate: float = 1e-3, embedding_dropout: float = 0.0,
                     recurrent_dropout: float = 0.0, weight_decay: float = 0.0,
                     pooling: str = "last") -> keras.Model:
    """Embedding, one recurrent layer, Dense(1, sigmoid); compiled with Adam and accuracy.

    ``pooling``: what the output reads of the recurrent layer: its final state (``"last"``;
    both directions' when bidirectional) or the mean or maximum of its outputs over the words
    (``"mean"``, ``"max"``; :class:`MaskedPooling`), which gives every word a short path to
    the output. It adds no weights.

    The regularizers (all off by default): ``embedding_dropout``, the share of the embedding
    outputs a ``Dropout`` layer zeroes in training; ``recurrent_dropout``, the share of the
    recurrent state's connections the cell drops (one mask per sequence); ``weight_decay``,
    AdamW's decoupled decay of every weight (each step shrinks a weight by
    ``learning_rate * weight_decay`` of itself) instead of plain Adam.
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
    for what, value in (("vocab_size", vocab_size), ("max_len", max_len), ("units", units),
                        ("embed_dim", embed_dim)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{what} must be a positive int, got {value!r}")
    embedding_dropout = _rate("embedding_dropout", embedding_dropout)
    recurrent_dropout = _rate("recurrent_dropout", recurrent_dropout)
    if isinstance(weight_decay, bool) or not isinstance(weight_decay, (int, float)) \
            or weight_decay < 0:
        raise ValueError(f"weight_decay must be a number >= 0, got {weight_decay!r}")
    inputs = keras.Input(shape=(max_len,), dtype="int32", name="word_ids")
    x = keras.layers.Embedding(vocab_size, embed_dim, mask_zero=mask, name="embedding")(inputs)
    if embedding_dropout:
        x = keras.layers.Dropout(embedding_dropout, noise_shape=(None, max_len, 1),
                                 name="embedding_dropout")(x)
    recurrent = getattr(keras.layers, CELLS[cell])(units, recurrent_dropout=recurrent_dropout,
                                                   return_sequences=pooling != "last",
                                                   name=cell)
    x = keras.layers.Bidirectional(recurrent, name="bidirectional")(x) if bidirectional \
        else recurrent(x)
    if pooling != "last":
        x = MaskedPooling(pooling, name=f"{pooling}_pooling")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="p_positive")(x)
    model = keras.Model(inputs, outputs, name=f"{'bi' if bidirectional else ''}{cell}")
    optimizer = keras.optimizers.AdamW(learning_rate, weight_decay=weight_decay) \
        if weight_decay else keras.optimizers.Adam(learning_rate)
    # No XLA: each XLA-compiled training stayed in the kernel's memory even after the model was
    # gone (about 100 MB a training, measured), and chapter 10 trains five in one kernel, which
    # must fit Binder's 2 GB. For the chapter's one-direction GRU it costs little time: one
    # epoch took 36 CPU-s without XLA and 33 with it (10,000 ids, 300 words, 2-core CPU).
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"],
                  jit_compile=False, steps_per_execution=16)
    return model


def _rebuild(path: Path, settings: dict[str, Any], meta: dict[str, Any],
             weights: list[np.ndarray]) -> TrainedClassifier:
    """The classifier a cache file holds, rebuilt from its weights and metadata."""
    model = build_classifier(**_arch(settings))
    model.set_weights(weights)
    return TrainedClassifier(model, settings, meta["history"], float(meta["fit_seconds"]),
                             True, path, float(meta["fit_cpu_seconds"]),
                             int(meta["best_epoch"]), int(meta["stop_epoch"]),
                             {k: float(v) for k, v in meta["test_accuracy"].items()})


def _arch(settings: dict[str, Any]) -> dict[str, Any]:
    keys = ("vocab_size", "max_len", "cell", "units", "embed_dim", "bidirectional", "mask",
            "learning_rate", *REGULARIZERS, "pooling")
    return {k: settings[k] for k in keys}


def train_classifier(x_train: np.ndarray, y_train: np.ndarray, *, vocab_size: int,
                     cell: str = "gru", units: int = 32, embed_dim: int = 32,
                     bidirectional: bool = True, mask: bool = True, learning_rate: float = 1e-3,
                     embedding_dropout: float = 0.0, recurrent_dropout: float = 0.0,
                     weight_decay: float = 0.0, pooling: str = "last", epochs: int = 4,
                     batch_size: int = 64,
                     validation_split: float = 0.2, patience: int = 1,
                     run_all_epochs: bool = False,
                     report: tuple[np.ndarray, np.ndarray] | None = None, seed: int = 0,
                     cache: bool = True, verbose: bool | None = None) -> TrainedClassifier:
    """Train a ``build_classifier`` model with a fixed seed and early stopping, or load it.

    Early stopping: once the validation accuracy (on the last ``validation_split`` of the
    training reviews) has not improved for ``patience`` epochs, training stops and the model
    keeps the weights of the best epoch. With ``run_all_epochs`` training goes on to
    ``epochs`` anyway, to record the whole learning curve, and the model still gets the
    weights early stopping would have kept (the epochs after the stop cannot change them).
    ``report=(x, y)``: reviews whose accuracy is measured, for the kept and the last weights,
    and only reported (``test_accuracy``). ``fit_seconds`` is the wall time of ``fit`` (graph
    compilation included) on the machine that trained it and ``fit_cpu_seconds`` the CPU time
    of this process meanwhile, summed over its threads (on a machine shared with other work it
    says more about the cost than the wall time); both are stored with the weights.
    """
    x_train, y_train = training.check_data(x_train, y_train, vocab_size)
    if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
        raise ValueError(f"patience must be a positive int, got {patience!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    settings = {"vocab_size": int(vocab_size), "max_len": int(x_train.shape[1]), "cell": cell,
                "units": units, "embed_dim": embed_dim, "bidirectional": bidirectional,
                "mask": mask, "learning_rate": learning_rate,
                "embedding_dropout": embedding_dropout, "recurrent_dropout": recurrent_dropout,
                "weight_decay": weight_decay, "pooling": pooling, "epochs": epochs,
                "batch_size": batch_size,
                "validation_split": validation_split, "patience": patience,
                "run_all_epochs": bool(run_all_epochs), "seed": seed, "format": CACHE_FORMAT,
                "data": fingerprint(x_train, y_train), **training.versions()}
    if report is not None:
        report = training.check_data(report[0], report[1], vocab_size)
        settings["report"] = fingerprint(*report)
    build_classifier(**_arch(settings))  # bad settings fail here, before any training
    path = model_dir() / f"stronger-{cell}-{settings_key(settings)[:16]}.npz"
    if not cache:
        return _released(_fit(x_train, y_train, settings, report, verbose, None))

    def train() -> tuple[TrainedClassifier, list[np.ndarray], dict[str, Any]]:
        trained = _released(_fit(x_train, y_train, settings, report, verbose, path))
        return trained, trained.model.get_weights(), {
            "format": CACHE_FORMAT, "settings": settings, "history": trained.history,
            "fit_seconds": trained.fit_seconds, "fit_cpu_seconds": trained.fit_cpu_seconds,
            "best_epoch": trained.best_epoch, "stop_epoch": trained.stop_epoch,
            "test_accuracy": trained.test_accuracy}

    return load_or_train(path, written_for(CACHE_FORMAT, settings),
                         lambda meta, weights: _rebuild(path, settings, meta, weights), train)[0]


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


class KeepBest(keras.callbacks.Callback):
    """Early stopping on the validation accuracy: remember the best epoch's weights until
    ``patience`` epochs in a row bring no gain; then stop training, or with ``run_all`` only
    note the epoch and let training go on (the weights kept stay those of the best epoch
    before the stop)."""

    def __init__(self, patience: int, run_all: bool = False) -> None:
        super().__init__()
        self.patience, self.run_all = patience, run_all
        self.best, self.best_epoch, self.stop_epoch = -np.inf, 0, 0
        self.weights: list[np.ndarray] | None = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.stop_epoch:  # stopped already: the rest of the curve is only recorded
            return
        current = float((logs or {}).get("val_accuracy", np.nan))
        if current > self.best:
            self.best, self.best_epoch = current, epoch + 1
            self.weights = self.model.get_weights()
        elif epoch + 1 - self.best_epoch >= self.patience:
            self.stop_epoch = epoch + 1
            self.model.stop_training = not self.run_all


def early_stopping(val_accuracy: list[float], patience: int) -> tuple[int, int]:
    """The epochs (counted from 1) early stopping keeps and stops at, read off a validation
    curve: it stops after ``patience`` epochs without a gain and keeps the best before that."""
    if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
        raise ValueError(f"patience must be a positive int, got {patience!r}")
    if len(val_accuracy) == 0:
        raise ValueError("expected at least one epoch's validation accuracy, got none")
    best, best_epoch = -np.inf, 0
    for epoch, current in enumerate(val_accuracy, start=1):
        if current > best:
            best, best_epoch = current, epoch
        elif epoch - best_epoch >= patience:
            return best_epoch, epoch
    return best_epoch, len(val_accuracy)


def _fit(x_train: np.ndarray, y_train: np.ndarray, settings: dict[str, Any],
         report: tuple[np.ndarray, np.ndarray] | None, verbose: bool | None,
         path: Path | None) -> TrainedClassifier:
    """Build the classifier from the seed and fit it with early stopping.

    ``verbose=None``: one short line per epoch in a book build, Keras's progress bar in a
    live session; ``True``: the short lines; ``False``: nothing.
    """
    require_memory(STRONGER_MEMORY_MB, "Training the GRU classifier")
    keras.utils.set_random_seed(settings["seed"])
    model = build_classifier(**_arch(settings))
    live = verbose is None and not training.book_build()
    timer = EpochLine(settings["epochs"], show=bool(verbose) or (verbose is None and not live))
    keep = KeepBest(settings["patience"], settings["run_all_epochs"])
    start, cpu_start = time.perf_counter(), time.process_time()
    result = model.fit(x_train, y_train, batch_size=settings["batch_size"],
                       epochs=settings["epochs"], validation_split=settings["validation_split"],
                       validation_batch_size=training.EVAL_BATCH_SIZE, callbacks=[timer, keep],
                       verbose=1 if live else 0)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    history = {k: [float(v) for v in vals] for k, vals in result.history.items()}
    history["epoch_seconds"], history["epoch_cpu_seconds"] = timer.seconds, timer.cpu_seconds
    trained = TrainedClassifier(model, settings, history, seconds, False, path, cpu_seconds,
                                keep.best_epoch, keep.stop_epoch or len(timer.seconds))
    if keep.weights is not None and keep.best_epoch != len(timer.seconds):
        if report is not None:  # the last epoch's weights, before the kept ones replace them
            trained.test_accuracy["last"] = _accuracy(model, *report)
        model.set_weights(keep.weights)
    if path is not None:
        # The kept weights' predictions on the validation reviews (Keras's own split) and on
        # the report reviews go to training.predict's cache now, before _released frees what
        # training and predicting traced: chapter 10 reads them instead of predicting again.
        n_fit = int(len(x_train) * (1 - settings["validation_split"]))
        training.predict(trained, x_train[n_fit:], jit_compile=False)
    if report is not None:
        kept = training.predict(trained, report[0], jit_compile=False)
        trained.test_accuracy["kept"] = float(np.mean((kept > 0.5) == (report[1] == 1)))
        trained.test_accuracy.setdefault("last", trained.test_accuracy["kept"])
    return trained


def _released(trained: TrainedClassifier) -> TrainedClassifier:
    """``trained`` with its model rebuilt from its weights, after freeing what training left.

    The functions Keras traced to train and score a model stay in the kernel as long as the
    model does (about 200 MB a model at 300 words, measured): with several models trained in
    one kernel that took chapter 10 past Binder's 2 GB. A model rebuilt from its weights holds
    none of them. Called once ``_fit`` has returned, so that nothing else (its callbacks, its
    history) still holds the trained model.
    """
    weights = trained.model.get_weights()
    trained.model = None
    keras.backend.clear_session()
    hand_back_memory()
    trained.model = build_classifier(**_arch(trained.settings))
    trained.model.set_weights(weights)
    return trained


def _accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    p = training.predict_uncached(model, x, jit_compile=False)
    return float(np.mean((p > 0.5) == (np.asarray(y) == 1)))


def accuracy(trained: TrainedClassifier, x: np.ndarray, y: np.ndarray) -> float:
    """The share of reviews in ``x`` whose predicted label equals ``y``."""
    return _accuracy(trained.model, x, y)


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
    def from_texts(cls, texts: list[str]) -> IdReviews:
        """Reviews you write (or a model writes), as ids over the full vocabulary: the words
        ``data.encode_review`` finds in them, unknown words as ``data.OOV``."""
        index = data.get_word_index()
        rows = [[index.get(word, data.OOV) for word in data.tokenize(text)] for text in texts]
        offsets = np.concatenate([[0], np.cumsum([len(row) for row in rows])]).astype(np.int64)
        return cls(np.array([i for row in rows for i in row], dtype=np.int64), offsets)

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
    # The fitted pipeline of the chosen C, for reviews met later (chapter 11 scores the reviews
    # its language model writes with it).
    counter: TermCounter | None = field(default=None, repr=False, compare=False)
    weighting: Any = field(default=None, repr=False, compare=False)
    model: Any = field(default=None, repr=False, compare=False)
    from_cache: bool = field(default=False, compare=False)  # loaded, not fitted, this time

    def probabilities(self, reviews: IdReviews) -> np.ndarray:
        """P(positive) of each of ``reviews``, from the chosen ``C``'s model."""
        if self.model is None:
            raise ValueError("this bag of words kept no fitted model to score new reviews")
        features = self.weighting.transform(self.counter.transform(reviews))
        return self.model.predict_proba(features)[:, 1].astype(np.float32)


def bag_of_words(train: IdReviews, y_train: Any, validation: IdReviews, y_validation: Any,
                 test: IdReviews,
                 c_grid: tuple[float, ...] = (1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0),
                 min_reviews: int = 2, cache: bool = True) -> BagOfWords:
    """TF-IDF of words and word pairs with a logistic regression, selected like a network.

    The vocabulary and the TF-IDF weights come from the training reviews; one model is fitted
    per ``C`` in ``c_grid`` (larger ``C``: weaker regularization) and scored on the validation
    reviews; the most accurate (the smallest such ``C`` on a tie) alone predicts the test
    reviews. The test labels are not an argument: nothing here can look at them.

    The fitted pipeline is kept in the course's model cache like a trained network (chapters
    10 and 11 fit the same one); ``cache=False`` fits and stores nothing.
    """
    # One dtype for the labels, so that the same labels as int8 or int32 find the same file.
    y_train, y_validation = (np.asarray(y).reshape(-1).astype(np.int64)
                             for y in (y_train, y_validation))
    for what, reviews, y in (("training", train, y_train), ("validation", validation,
                                                             y_validation)):
        if len(reviews) != len(y):
            raise ValueError(f"expected one label per {what} review ({len(reviews)}), "
                             f"got {len(y)}")
    if not c_grid or min(c_grid) <= 0:
        raise ValueError(f"c_grid must hold positive values, got {c_grid!r}")
    arguments = (train, y_train, validation, y_validation, test, c_grid, min_reviews)
    if not cache:
        return _fit_bag_of_words(*arguments)
    settings = {"format": BAG_FORMAT, "c_grid": [float(c) for c in c_grid],
                "min_reviews": int(min_reviews),
                "data": fingerprint(train.tokens, train.offsets, y_train, validation.tokens,
                                    validation.offsets, y_validation, test.tokens, test.offsets)}
    path = model_dir() / f"bag-of-words-{settings_key(settings)[:16]}.npz"

    def fit() -> tuple[BagOfWords, list[np.ndarray], dict[str, Any]]:
        bag = _fit_bag_of_words(*arguments)
        return bag, [bag.counter.vocabulary, bag.weighting.idf_, bag.model.coef_,
                     bag.model.intercept_, bag.model.classes_, bag.test_probabilities], {
            "format": BAG_FORMAT, "settings": settings,
            "validation_accuracy": list(bag.validation_accuracy), "best_c": bag.best_c,
            "seconds": bag.seconds}

    def rebuild(meta: dict[str, Any], arrays: list[np.ndarray]) -> BagOfWords:
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.linear_model import LogisticRegression

        vocabulary, idf, coef, intercept, classes, test_probabilities = arrays
        if not (len(vocabulary) == len(idf) == coef.shape[1]):
            raise ValueError(f"{len(vocabulary)} terms, {len(idf)} weights and "
                             f"{coef.shape[1]} coefficients do not belong together")
        counter = TermCounter(min_reviews)
        counter.vocabulary = vocabulary
        # The fitted state of scikit-learn's two estimators, set as fitting would have set it.
        weighting = TfidfTransformer(sublinear_tf=True)
        weighting.idf_, weighting.n_features_in_ = idf, len(idf)
        model = LogisticRegression(C=meta["best_c"], solver="liblinear")
        model.coef_, model.intercept_, model.classes_ = coef, intercept, classes
        model.n_features_in_ = coef.shape[1]
        return BagOfWords(tuple(settings["c_grid"]), tuple(meta["validation_accuracy"]),
                          float(meta["best_c"]), test_probabilities, len(vocabulary),
                          float(meta["seconds"]), counter, weighting, model, from_cache=True)

    return load_or_train(path, written_for(BAG_FORMAT, settings), rebuild, fit)[0]


def _fit_bag_of_words(train: IdReviews, y_train: np.ndarray, validation: IdReviews,
                      y_validation: np.ndarray, test: IdReviews, c_grid: tuple[float, ...],
                      min_reviews: int) -> BagOfWords:
    """:func:`bag_of_words`'s fit itself (arguments checked), uncached."""
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    hand_back_memory()  # what the chapter freed before, for the sparse matrices
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
                      time.perf_counter() - start, counter, weighting, fitted[best])
