"""Train the course's models once, with fixed seeds, and keep them on disk.

Taught in chapter 6, *Training, evaluation and learning curves* (``book/06_training``); chapter
10 reuses its LSTM. The main entry point::

    trained = train("simple_lstm", x_train, y_train)          # the article's settings
    trained = train("simple_rnn", x_train, y_train, seed=1)   # one setting changed
    trained.model            # the trained, compiled keras.Model
    trained.history          # {"loss": [...], "accuracy": [...], "val_loss": [...],
                             #  "val_accuracy": [...], "epoch_seconds": [...]}, one entry per epoch
    trained.from_cache       # True when the weights were read from disk instead of trained
    probabilities = predict(trained, x_test)                  # P(positive) per review, cached
    evaluate(trained, x_test, y_test)                         # {"loss": ..., "accuracy": ...}

``train(name, x_train, y_train, settings=None, *, cache=True, verbose=None, **changes)`` builds
model ``name`` (see ``lessons_lib.models.MODELS``), sets every random seed with
``keras.utils.set_random_seed`` and fits it with :class:`TrainingSettings` - by default the
article's: the last 20% of the training reviews held out for validation, batches of 32, 10
epochs, seed 0. Keyword ``changes`` replace single settings. ``train_imdb(name, ...)`` does the
same on ``lessons_lib.data.load_imdb(vocab_size, max_len)``.

Caching. The trained weights and the history are stored in one ``.npz`` file under
``lessons_lib.cache.model_dir()`` (the course's cache folder), written atomically, in the
format of ``lessons_lib.cache.save_weights``. The file name holds a hash of everything that
changes the result: the model name, every setting, a fingerprint of the training data,
Keras's major version and backend (``lessons_lib.cache.weights_layout``: a model trained under
another minor version of Keras, TensorFlow or NumPy is reused) and ``TRAINING_VERSION`` (bumped
whenever this module changes how models are trained). A file that cannot be read, or whose
recorded settings or versions do not match, is reported with a warning and the model is trained
again and the file replaced: a cache never silently hands back a different model. A lock
beside each file makes chapters executed in parallel train a shared model once.

Speed (``fast=True``). The model, its initial weights, the batches, the epochs, the validation
reviews and the optimizer stay those of the plain settings; only how the work is computed and
scheduled changes:

* XLA compilation (``jit_compile=True``), which Keras leaves off on CPU-only machines. It fuses
  the hundred steps of a recurrent layer into one compiled loop; the first epoch pays for the
  compilation.
* The stacked SimpleRNN trains with ``lessons_lib.fast_recurrent.SimpleRNN``, whose backward
  pass is chapter 7's backpropagation through time written out, a loop of one small matrix
  product per step instead of TensorFlow's much longer automatic one. It has the same weights;
  the returned model is built from Keras's own layers and holds them.
* ``steps_per_execution=STEPS_PER_EXECUTION``: Keras runs that many batches per call into the
  compiled function, so Python's per-batch overhead is paid once per group.
* Validation and prediction in batches of ``EVAL_BATCH_SIZE`` (they do not learn, so the batch
  size changes nothing but speed).

Floating-point sums are then taken in another order, so ``fast=True`` and ``fast=False`` do not
give the same weights bit for bit: they differ in the last bits after the first step, and
training can amplify such differences. Chapter 6 measures the gap for the feed-forward net
against the gap between two seeds; for the other models, treat a fast and a plain run of one
seed as two runs of the same training, not as copies. Each is repeatable run to run on a CPU.

Output. With ``LESSONS_BOOK_BUILD=1`` (book builds and tests) training prints one line per
epoch; otherwise Keras's progress bar. ``verbose=0`` silences both.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import keras
import numpy as np

from lessons_lib import models
from lessons_lib.cache import (
    atomic_file,
    fingerprint,
    load_or_train,
    model_dir,
    settings_key,
    weights_layout,
)
from lessons_lib.resources import book_build, require_memory

# Bump this whenever a change here changes the weights a given setting produces: every model
# cached by an older version is then trained again.
TRAINING_VERSION = 2
CACHE_FORMAT = "lessons_lib.training/2"

# The article's training settings.
EPOCHS = 10
BATCH_SIZE = 32
VALIDATION_SPLIT = 0.2

# Speed settings (see the module docstring); they never change what is taught.
STEPS_PER_EXECUTION = 32
EVAL_BATCH_SIZE = 500

HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")

# Memory one training run adds to a kernel that has loaded the data: 265 to 356 MB measured
# for the four models (TF 2.21, 20,000 reviews of 100 words), rounded up.
TRAINING_MEMORY_MB = 400


@dataclass(frozen=True)
class TrainingSettings:
    """Everything about a training run that changes the trained weights, except the data.

    The defaults are the article's. ``fast`` switches on the speed settings (module docstring).
    Invalid values raise a ``ValueError`` that names the setting.
    """

    epochs: int = EPOCHS
    batch_size: int = BATCH_SIZE
    validation_split: float = VALIDATION_SPLIT
    seed: int = 0
    output_dim: int = models.OUTPUT_DIM
    vocab_size: int = models.VOCAB_SIZE
    fast: bool = True

    def __post_init__(self) -> None:
        for what, lowest in (("epochs", 1), ("batch_size", 1), ("seed", 0), ("output_dim", 1),
                             ("vocab_size", 2)):
            value = getattr(self, what)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) \
                    or value < lowest:
                raise ValueError(f"{what} must be an int >= {lowest}, received {value!r}")
            object.__setattr__(self, what, int(value))  # numpy ints too, as plain JSON ints
        split = self.validation_split
        if isinstance(split, bool) or not isinstance(split, int | float | np.floating) \
                or not 0.0 < split < 1.0:
            raise ValueError(f"validation_split must be between 0 and 1, received {split!r}")
        object.__setattr__(self, "validation_split", float(split))
        if not isinstance(self.fast, bool):
            raise ValueError(f"fast must be True or False, received {self.fast!r}")

    def changed(self, **changes: Any) -> TrainingSettings:
        """These settings with some replaced; an unknown name is a clear ``TypeError``."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"unknown training setting(s) {unknown}; the settings are "
                            f"{sorted(known)}")
        return replace(self, **changes)


@dataclass
class TrainedModel:
    """A trained model with what it learned from: its settings, history and cache file.

    ``settings`` is the record the cache file is keyed on: the :class:`TrainingSettings` as a
    dict, with the model's name, the reviews' length and a fingerprint of the data.
    """

    name: str
    model: keras.Model
    history: dict[str, list[float]]
    settings: dict[str, Any]
    key: str
    path: Path | None = None
    from_cache: bool = False
    fit_seconds: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def epochs(self) -> list[int]:
        """The epoch numbers, counting from 1, for the x-axis of a learning curve."""
        return list(range(1, len(self.history["loss"]) + 1))


def versions() -> dict[str, str]:
    """What a cached model must have been trained under to be reused: Keras's major version,
    its backend (``lessons_lib.cache.weights_layout``) and this module's training version."""
    return {**weights_layout(), "training_version": str(TRAINING_VERSION)}


# --- input checks ----------------------------------------------------------------------------


def check_data(x: Any, y: Any, vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``x`` as int32 ``(n, length)`` and ``y`` as int32 ``(n,)`` labels, or raise."""
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 2:
        raise ValueError(f"expected x of shape (n_reviews, max_len), received shape {x.shape}")
    if y.shape != (x.shape[0],):
        raise ValueError(f"expected y of shape ({x.shape[0]},) to match x {x.shape}, "
                         f"received shape {y.shape}")
    if not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"expected integer word ids in x, received dtype {x.dtype}")
    if x.size and (x.min() < 0 or x.max() >= vocab_size):
        raise ValueError(f"expected word ids in [0, {vocab_size}) for vocab_size={vocab_size}, "
                         f"received ids from {x.min()} to {x.max()}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"expected labels 0 or 1, received values {np.unique(y)[:5]}")
    return x.astype(np.int32), y.astype(np.int32)


# --- training --------------------------------------------------------------------------------


class EpochTimer(keras.callbacks.Callback):
    """Record the wall time and this process's CPU time of every epoch (training and
    validation); with a ``label``, also print one compact line per epoch (book builds), with
    the CPU seconds too when ``show_cpu``."""

    def __init__(self, label: str | None = None, epochs: int | None = None,
                 show_cpu: bool = False) -> None:
        super().__init__()
        self.label, self.total, self.show_cpu = label, epochs, show_cpu
        self.seconds: list[float] = []
        self.cpu_seconds: list[float] = []
        self._start = self._cpu_start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start, self._cpu_start = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self._start)
        self.cpu_seconds.append(time.process_time() - self._cpu_start)
        if self.label is not None:
            print(self.line(epoch, logs or {}), flush=True)

    def line(self, epoch: int, logs: dict) -> str:
        """One epoch in at most 88 characters, the width of a book's page: short keys,
        ``loss 0.4123 acc 0.8123 | val 0.4500 0.7900`` (the validation loss, then accuracy)."""

        def value(key: str) -> str:
            return f"{logs[key]:.4f}" if key in logs else "-"

        of = f"/{self.total}" if self.total else ""
        cpu = f", {self.cpu_seconds[-1]:.0f} CPU-s" if self.show_cpu else ""
        seconds = f"{self.seconds[-1]:.{1 if self.seconds[-1] < 100 else 0}f}"
        return (f"{self.label} epoch {epoch + 1:2d}{of}: loss {value('loss')} acc "
                f"{value('accuracy')} | val {value('val_loss')} {value('val_accuracy')} "
                f"({seconds} s{cpu})")


def compile_for_training(model: keras.Model, fast: bool) -> keras.Model:
    """Compile ``model`` as the course does, with the speed settings when ``fast``."""
    if fast:
        model.compile(**models.compile_settings(), jit_compile=True,
                      steps_per_execution=STEPS_PER_EXECUTION)
    else:
        model.compile(**models.compile_settings())
    return model


def _build(name: str, settings: TrainingSettings, input_length: int,
           fast_layers: bool = False) -> keras.Model:
    """Model ``name`` for these settings, compiled as :func:`compile_for_training` does."""
    model = models.build_model(name, settings.vocab_size, settings.output_dim, input_length,
                               fast_layers=fast_layers)
    return compile_for_training(model, settings.fast)


def _fit(name: str, x: np.ndarray, y: np.ndarray, settings: TrainingSettings,
         verbose: int | None) -> tuple[keras.Model, dict[str, list[float]], float]:
    """Build model ``name`` from the seed and fit it; return it, its history and the time."""
    require_memory(TRAINING_MEMORY_MB, f"Training the {name} model")
    keras.utils.set_random_seed(settings.seed)
    model = _build(name, settings, x.shape[1], fast_layers=settings.fast)
    if verbose is None:
        verbose = 0 if book_build() else 1
        timer = EpochTimer(name, settings.epochs) if book_build() else EpochTimer()
    else:
        timer = EpochTimer()
    start = time.perf_counter()
    result = model.fit(
        x, y, batch_size=settings.batch_size, epochs=settings.epochs,
        validation_split=settings.validation_split, verbose=verbose, callbacks=[timer],
        validation_batch_size=EVAL_BATCH_SIZE if settings.fast else None,
    )
    seconds = time.perf_counter() - start
    history = {k: [float(v) for v in result.history[k]] for k in HISTORY_KEYS}
    history["epoch_seconds"] = [float(s) for s in timer.seconds]
    if settings.fast:  # hand back the article's model, made of Keras's own layers
        weights = model.get_weights()
        model = _build(name, settings, x.shape[1])
        model.set_weights(weights)
    return model, history, seconds


def _prepare(name: str, x_train: Any, y_train: Any, settings: TrainingSettings
             ) -> tuple[np.ndarray, np.ndarray, dict[str, Any], str, Path]:
    """Check the arguments; return the data, the recorded settings, their key and the file."""
    models.check_name(name)
    x, y = check_data(x_train, y_train, settings.vocab_size)
    recorded = {"name": name, **asdict(settings), "input_length": int(x.shape[1]),
                "data": fingerprint(x, y)}
    key = settings_key({"settings": recorded, "versions": versions()})
    return x, y, recorded, key, model_dir() / f"{name}-seed{settings.seed}-{key[:16]}.npz"


def _settings(settings: TrainingSettings | None, changes: dict[str, Any]) -> TrainingSettings:
    return (settings or TrainingSettings()).changed(**changes)


def cache_file(name: str, x_train: Any, y_train: Any, settings: TrainingSettings | None = None,
               **changes: Any) -> Path:
    """The file ``train`` with these arguments reads or writes (it may not exist yet)."""
    return _prepare(name, x_train, y_train, _settings(settings, changes))[-1]


def train(name: str, x_train: Any, y_train: Any, settings: TrainingSettings | None = None, *,
          cache: bool = True, verbose: int | None = None, **changes: Any) -> TrainedModel:
    """Train model ``name`` on ``(x_train, y_train)``, or load it if it was trained before.

    ``settings`` defaults to the article's (:class:`TrainingSettings`); keyword ``changes``
    replace single settings, e.g. ``seed=1``. ``cache=False`` always trains and writes
    nothing. ``verbose=None`` picks one line per epoch in a book build and a progress bar
    otherwise.
    """
    settings = _settings(settings, changes)
    x, y, recorded, key, path = _prepare(name, x_train, y_train, settings)
    if not cache:
        model, history, seconds = _fit(name, x, y, settings, verbose)
        return TrainedModel(name, model, history, recorded, key, None, from_cache=False,
                            fit_seconds=seconds, info=versions())

    def train_now() -> tuple[TrainedModel, list[np.ndarray], dict[str, Any]]:
        model, history, seconds = _fit(name, x, y, settings, verbose)
        trained = TrainedModel(name, model, history, recorded, key, path, from_cache=False,
                               fit_seconds=seconds, info=versions())
        return trained, model.get_weights(), _meta(trained)

    trained, from_cache = load_or_train(
        path, lambda meta: _mismatch(meta, recorded, key),
        lambda meta, weights: _rebuild(path, recorded, key, meta, weights), train_now)
    if from_cache and verbose != 0:
        print(f"{name}: loaded from the cache (trained in {trained.fit_seconds:.0f} s)")
    return trained


def train_imdb(name: str, *, vocab_size: int = models.VOCAB_SIZE,
               max_len: int = models.MAX_LEN, **kwargs: Any) -> TrainedModel:
    """``train`` on the IMDB training reviews from ``lessons_lib.data.load_imdb``."""
    from lessons_lib.data import load_imdb

    (x_train, y_train), _ = load_imdb(vocab_size=vocab_size, max_len=max_len)
    return train(name, x_train, y_train, vocab_size=vocab_size, **kwargs)


# --- the cache file --------------------------------------------------------------------------


def _meta(trained: TrainedModel) -> dict[str, Any]:
    """What a cache file records beside the weights of ``trained``."""
    return {"format": CACHE_FORMAT, "key": trained.key, "settings": trained.settings,
            "history": trained.history, "fit_seconds": trained.fit_seconds,
            "versions": versions()}


def _mismatch(meta: dict[str, Any], settings: dict[str, Any], key: str) -> str | None:
    """Why the cached metadata does not belong to this training, or None if it does."""
    if meta.get("format") != CACHE_FORMAT:
        return f"format {meta.get('format')!r}, expected {CACHE_FORMAT!r}"
    for what, here in versions().items():
        there = meta.get("versions", {}).get(what)
        if there != here:
            return f"written with {what} {there}, this is {what} {here}"
    if meta.get("settings") != settings or meta.get("key") != key:
        return "written for other settings or data"
    history = meta.get("history", {})
    if any(len(history.get(k, [])) != settings["epochs"] for k in HISTORY_KEYS):
        return "its history does not have one entry per epoch"
    return None


def _rebuild(path: Path, settings: dict[str, Any], key: str, meta: dict[str, Any],
             weights: list[np.ndarray]) -> TrainedModel:
    """The model a cache file holds, rebuilt from its weights and metadata."""
    model = _build(settings["name"], _training_settings(settings), settings["input_length"])
    expected = [tuple(w.shape) for w in model.get_weights()]
    if [tuple(w.shape) for w in weights] != expected:
        raise ValueError(f"weights of shapes {[w.shape for w in weights]}, expected {expected}")
    model.set_weights(weights)
    history = {k: [float(v) for v in vals] for k, vals in meta["history"].items()}
    return TrainedModel(settings["name"], model, history, settings, key, path, from_cache=True,
                        fit_seconds=float(meta.get("fit_seconds", 0.0)),
                        info=dict(meta["versions"]))


def _training_settings(recorded: dict[str, Any]) -> TrainingSettings:
    """The :class:`TrainingSettings` inside a recorded settings dict."""
    return TrainingSettings(**{f.name: recorded[f.name] for f in fields(TrainingSettings)})


def clear_cache(name: str | None = None) -> int:
    """Delete the cached models (all, or those of model ``name``); return how many."""
    folder = model_dir()
    pattern = f"{models.check_name(name)}-*" if name else "*"
    removed = 0
    for path in folder.glob(pattern):
        if path.is_file():
            path.unlink()
            removed += path.suffix != ".lock"  # lock files are not models
    return removed


# --- predictions -----------------------------------------------------------------------------


def predict(trained: TrainedModel, x: Any, cache: bool = True,
            jit_compile: bool = True) -> np.ndarray:
    """P(positive) for every review in ``x``, as float32 ``(n,)``; cached next to the model.

    ``trained``: anything with the ``model``, ``settings`` and ``path`` of a
    :class:`TrainedModel` (chapter 10's classifiers too). ``jit_compile``: as for
    :func:`predict_uncached`, when the predictions are not cached yet.
    """
    x, _ = check_data(x, np.zeros(len(np.asarray(x)), np.int32), trained.settings["vocab_size"])
    path = None
    if cache and trained.path is not None:
        path = trained.path.with_name(f"{trained.path.stem}-pred-{fingerprint(x)[:16]}.npy")
        if path.exists():
            try:
                cached = np.load(path, allow_pickle=False)
                if cached.shape == (len(x),):
                    return cached
            except Exception as exc:  # noqa: BLE001 - an unreadable file is recomputed
                warnings.warn(f"ignoring the cached predictions {path}: {exc}", stacklevel=2)
    probabilities = predict_uncached(trained.model, x, jit_compile=jit_compile)
    if path is not None:
        with atomic_file(path) as handle:
            np.save(handle, probabilities)
    return probabilities


def predict_uncached(model: keras.Model, x: np.ndarray, batch_size: int = EVAL_BATCH_SIZE,
                     jit_compile: bool = True) -> np.ndarray:
    """P(positive) for every row of ``x``, in batches of one fixed shape.

    One compiled forward pass (XLA; a plain TensorFlow graph with ``jit_compile=False``)
    serves every batch: the last batch is padded to full size and the padding's outputs
    dropped, so nothing is traced or compiled twice.
    """
    import tensorflow as tf

    # autograph=False: the forward pass has no Python control flow to convert, and AutoGraph's
    # attempt to parse a lambda's source printed "AutoGraph could not transform ..." warnings
    # into the book's pages (cold builds of chapter 10).
    @tf.function(jit_compile=jit_compile, autograph=False)
    def forward(batch: tf.Tensor) -> tf.Tensor:
        return model(batch, training=False)

    outputs = []
    for start in range(0, len(x), batch_size):
        batch = x[start:start + batch_size]
        padded = np.zeros((batch_size, x.shape[1]), np.int32)
        padded[:len(batch)] = batch
        outputs.append(np.asarray(forward(tf.constant(padded)))[:len(batch), 0])
    return np.concatenate(outputs).astype(np.float32) if outputs else np.zeros(0, np.float32)


def binary_cross_entropy(y: Any, probabilities: Any) -> float:
    """The mean binary cross-entropy, with Keras's clipping of probabilities to [1e-7, 1-1e-7]."""
    eps = keras.config.epsilon()
    p = np.clip(np.asarray(probabilities, dtype=np.float64), eps, 1 - eps)
    y = np.asarray(y, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def evaluate(trained: TrainedModel, x: Any, y: Any) -> dict[str, float]:
    """Test loss and accuracy of ``trained`` on ``(x, y)``, from the cached predictions."""
    x, y = check_data(x, y, trained.settings["vocab_size"])
    probabilities = predict(trained, x)
    return {"loss": binary_cross_entropy(y, probabilities),
            "accuracy": float(np.mean((probabilities > 0.5) == (y == 1)))}

