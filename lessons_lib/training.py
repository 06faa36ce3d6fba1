"""Train the course's models once, with fixed seeds, and keep them on disk.

The main entry point::

    trained = train("simple_lstm", x_train, y_train)          # the article's settings
    trained.model            # the trained, compiled keras.Model
    trained.history          # {"loss": [...], "accuracy": [...], "val_loss": [...],
                             #  "val_accuracy": [...], "epoch_seconds": [...]}, one entry per epoch
    trained.from_cache       # True when the weights were read from disk instead of trained
    probabilities = predict(trained, x_test)                  # P(positive) per review, cached
    evaluate(trained, x_test, y_test)                         # {"loss": ..., "accuracy": ...}

``train(name, x_train, y_train, *, epochs=10, batch_size=32, validation_split=0.2, seed=0,
output_dim=16, vocab_size=1000, fast=True, cache=True, verbose=None)`` builds model ``name``
(see ``lessons_lib.models.MODELS``), sets every random seed with ``keras.utils.set_random_seed``
and fits it like the article: the last 20% of the training reviews are held out for validation,
batches of 32, 10 epochs. ``train_imdb(name, ...)`` does the same on
``lessons_lib.data.load_imdb(vocab_size, max_len)``.

Caching. The trained weights and the history are stored in one ``.npz`` file under
``$LESSONS_CACHE_DIR/models`` (default ``~/.cache/lessons_lib/models``), written atomically
(temporary file, then ``os.replace``). The file name holds a hash of everything that changes the
result: the model name, every setting above, a fingerprint of the training data, the Keras,
TensorFlow and NumPy versions and ``TRAINING_VERSION`` (bumped whenever this module changes
how models are trained). A file that cannot be read, or whose recorded settings or versions do
not match, is reported with a warning and the model is trained again and the file replaced: a
cache never silently hands back a different model.

Speed (``fast=True``). Nothing here changes what is trained - same architecture, batch size,
epochs, validation split, data and optimizer - only how the work is scheduled:

* XLA compilation (``jit_compile=True``), which Keras leaves off on CPU-only machines. It fuses
  the hundred steps of a recurrent layer into one compiled loop; the first epoch pays for the
  compilation.
* ``steps_per_execution=STEPS_PER_EXECUTION``: Keras runs that many batches per call into the
  compiled function, so Python's per-batch overhead is paid once per group.
* Validation and prediction in batches of ``EVAL_BATCH_SIZE`` (they do not learn, so the batch
  size changes nothing but speed).

The reductions are compiled differently from the plain settings, so ``fast=True`` and
``fast=False`` agree in distribution but not bit for bit; each is repeatable run to run on CPU.

Output. With ``LESSONS_BOOK_BUILD=1`` (book builds and tests) training prints one line per
epoch; otherwise Keras's progress bar. ``verbose=0`` silences both.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from lessons_lib import models
from lessons_lib.data import cache_dir

# Bump this whenever a change here changes the weights a given setting produces: every model
# cached by an older version is then trained again.
TRAINING_VERSION = 1
CACHE_FORMAT = "lessons_lib.training/1"

# The article's training settings.
EPOCHS = 10
BATCH_SIZE = 32
VALIDATION_SPLIT = 0.2

# Speed settings (see the module docstring); they never change what is taught.
STEPS_PER_EXECUTION = 32
EVAL_BATCH_SIZE = 500

HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


@dataclass
class TrainedModel:
    """A trained model with what it learned from: its settings, history and cache file."""

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


# --- where the cache lives -------------------------------------------------------------------


def model_cache_dir() -> Path:
    """Where trained models are kept: ``cache_dir() / "models"``."""
    return cache_dir() / "models"


def book_build() -> bool:
    """True while the book is being built or tested (``LESSONS_BOOK_BUILD=1``)."""
    return os.environ.get("LESSONS_BOOK_BUILD", "") not in ("", "0")


# --- fingerprints and keys -------------------------------------------------------------------


def fingerprint(*arrays: np.ndarray) -> str:
    """A SHA-256 of the arrays' dtypes, shapes and bytes: equal only for equal data."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """The library versions a trained model depends on."""
    import tensorflow as tf

    return {"keras": keras.__version__, "tensorflow": tf.__version__,
            "numpy": np.__version__, "backend": keras.backend.backend(),
            "training_version": str(TRAINING_VERSION)}


def cache_key(settings: dict[str, Any]) -> str:
    """The hash that names a cache file: of the settings, the data and the versions."""
    blob = json.dumps({"settings": settings, "versions": versions()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


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


def _check_settings(epochs: int, batch_size: int, validation_split: float, seed: int) -> None:
    """Raise a ValueError for settings that Keras would reject later or misread."""
    for what, value, lowest in (("epochs", epochs, 1), ("batch_size", batch_size, 1),
                                ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
            raise ValueError(f"{what} must be an int >= {lowest}, received {value!r}")
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be between 0 and 1, received {validation_split}")


# --- training --------------------------------------------------------------------------------


class _EpochTimer(keras.callbacks.Callback):
    """Record the wall time of every epoch (training and validation)."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self._start)


class _EpochLine(keras.callbacks.Callback):
    """Print one compact line per epoch (used when the book is built)."""

    def __init__(self, name: str, epochs: int, timer: _EpochTimer) -> None:
        super().__init__()
        self.label, self.total, self.timer = name, epochs, timer

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        values = "  ".join(f"{k} {logs[k]:.4f}" for k in HISTORY_KEYS if k in logs)
        seconds = self.timer.seconds[-1] if self.timer.seconds else float("nan")
        print(f"{self.label}  epoch {epoch + 1:2d}/{self.total}  {values}  ({seconds:.1f} s)",
              flush=True)


def compile_for_training(model: keras.Model, fast: bool) -> keras.Model:
    """Compile ``model`` as the course does, with the speed settings when ``fast``."""
    if fast:
        model.compile(**models.compile_settings(), jit_compile=True,
                      steps_per_execution=STEPS_PER_EXECUTION)
    else:
        model.compile(**models.compile_settings())
    return model


def _fit(name: str, x: np.ndarray, y: np.ndarray, settings: dict[str, Any],
         verbose: int | None) -> tuple[keras.Model, dict[str, list[float]], float]:
    """Build model ``name`` from the seed and fit it; return it, its history and the time."""
    keras.utils.set_random_seed(settings["seed"])
    model = models.build_model(name, settings["vocab_size"], settings["output_dim"],
                               settings["input_length"])
    compile_for_training(model, settings["fast"])
    timer = _EpochTimer()
    callbacks: list[keras.callbacks.Callback] = [timer]
    if verbose is None:
        verbose = 0 if book_build() else 1
        if book_build():
            callbacks.append(_EpochLine(name, settings["epochs"], timer))
    start = time.perf_counter()
    result = model.fit(
        x, y, batch_size=settings["batch_size"], epochs=settings["epochs"],
        validation_split=settings["validation_split"], verbose=verbose, callbacks=callbacks,
        validation_batch_size=EVAL_BATCH_SIZE if settings["fast"] else None,
    )
    seconds = time.perf_counter() - start
    history = {k: [float(v) for v in result.history[k]] for k in HISTORY_KEYS}
    history["epoch_seconds"] = [float(s) for s in timer.seconds]
    return model, history, seconds


def _settings(name: str, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int,
              validation_split: float, seed: int, output_dim: int, vocab_size: int,
              fast: bool) -> dict[str, Any]:
    """Everything that changes the trained weights, as a JSON-able dict."""
    return {
        "name": name, "epochs": epochs, "batch_size": batch_size,
        "validation_split": float(validation_split), "seed": seed, "output_dim": output_dim,
        "vocab_size": vocab_size, "input_length": int(x.shape[1]), "fast": bool(fast),
        "data": fingerprint(x, y),
    }


def _prepare(name: str, x_train: Any, y_train: Any, epochs: int, batch_size: int,
             validation_split: float, seed: int, output_dim: int, vocab_size: int,
             fast: bool) -> tuple[np.ndarray, np.ndarray, dict[str, Any], str, Path]:
    """Check the arguments; return the data, the settings, their key and the cache path."""
    models.check_name(name)
    _check_settings(epochs, batch_size, validation_split, seed)
    x, y = check_data(x_train, y_train, vocab_size)
    settings = _settings(name, x, y, epochs, batch_size, validation_split, seed, output_dim,
                         vocab_size, fast)
    key = cache_key(settings)
    return x, y, settings, key, model_cache_dir() / f"{name}-seed{seed}-{key[:16]}.npz"


def cache_file(name: str, x_train: Any, y_train: Any, *, epochs: int = EPOCHS,
               batch_size: int = BATCH_SIZE, validation_split: float = VALIDATION_SPLIT,
               seed: int = 0, output_dim: int = models.OUTPUT_DIM,
               vocab_size: int = models.VOCAB_SIZE, fast: bool = True) -> Path:
    """The file ``train`` with these arguments reads or writes (it may not exist yet)."""
    return _prepare(name, x_train, y_train, epochs, batch_size, validation_split, seed,
                    output_dim, vocab_size, fast)[-1]


def train(name: str, x_train: Any, y_train: Any, *, epochs: int = EPOCHS,
          batch_size: int = BATCH_SIZE, validation_split: float = VALIDATION_SPLIT,
          seed: int = 0, output_dim: int = models.OUTPUT_DIM,
          vocab_size: int = models.VOCAB_SIZE, fast: bool = True, cache: bool = True,
          verbose: int | None = None) -> TrainedModel:
    """Train model ``name`` on ``(x_train, y_train)``, or load it if it was trained before.

    The defaults are the article's settings. ``cache=False`` always trains and writes nothing.
    ``verbose=None`` picks one line per epoch in a book build and a progress bar otherwise.
    """
    x, y, settings, key, path = _prepare(name, x_train, y_train, epochs, batch_size,
                                         validation_split, seed, output_dim, vocab_size, fast)
    if not cache:
        model, history, seconds = _fit(name, x, y, settings, verbose)
        return TrainedModel(name, model, history, settings, key, None, from_cache=False,
                            fit_seconds=seconds, info=versions())
    with _exclusive(path):
        if path.exists():
            trained = load_trained(path, settings, key)
            if trained is not None:
                if verbose != 0:
                    print(f"{name}: loaded from the cache "
                          f"(trained in {trained.fit_seconds:.0f} s)")
                return trained
        model, history, seconds = _fit(name, x, y, settings, verbose)
        trained = TrainedModel(name, model, history, settings, key, path, from_cache=False,
                               fit_seconds=seconds, info=versions())
        save_trained(trained, path)
    return trained


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock beside ``path`` while a model is looked up or trained.

    Chapters built in parallel can ask for the same model at once (chapter 10 uses chapter 6's
    LSTM): the second waits, then loads what the first trained, instead of training it again.
    """
    try:
        import fcntl
    except ImportError:  # no POSIX locks (Windows): at worst a model is trained twice
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def train_imdb(name: str, *, vocab_size: int = models.VOCAB_SIZE,
               max_len: int = models.MAX_LEN, **kwargs: Any) -> TrainedModel:
    """``train`` on the IMDB training reviews from ``lessons_lib.data.load_imdb``."""
    from lessons_lib.data import load_imdb

    (x_train, y_train), _ = load_imdb(vocab_size=vocab_size, max_len=max_len)
    return train(name, x_train, y_train, vocab_size=vocab_size, **kwargs)


# --- the cache file --------------------------------------------------------------------------


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_trained(trained: TrainedModel, path: Path) -> None:
    """Store the weights, history and settings of ``trained`` in one ``.npz`` file."""
    meta = {"format": CACHE_FORMAT, "key": trained.key, "settings": trained.settings,
            "history": trained.history, "fit_seconds": trained.fit_seconds,
            "versions": versions()}
    weights = trained.model.get_weights()
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(json.dumps(meta)),
             **{f"w{i:03d}": w for i, w in enumerate(weights)})
    atomic_write(path, buffer.getvalue())


def _read_cache(path: Path) -> tuple[dict[str, Any], list[np.ndarray]]:
    """The metadata and weight arrays of a cache file (raises if it is unreadable)."""
    with np.load(path, allow_pickle=False) as archive:
        meta = json.loads(str(archive["meta"]))
        names = sorted(k for k in archive.files if k.startswith("w"))
        weights = [archive[k] for k in names]
    return meta, weights


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


def load_trained(path: Path, settings: dict[str, Any], key: str) -> TrainedModel | None:
    """Load a cached model, or warn and return None if the file is unusable."""
    try:
        meta, weights = _read_cache(path)
        reason = _mismatch(meta, settings, key)
        if reason is None:
            model = models.build_model(settings["name"], settings["vocab_size"],
                                       settings["output_dim"], settings["input_length"])
            expected = [tuple(w.shape) for w in model.get_weights()]
            if [tuple(w.shape) for w in weights] != expected:
                reason = f"weights of shapes {[w.shape for w in weights]}, expected {expected}"
            else:
                model.set_weights(weights)
    except Exception as exc:  # noqa: BLE001 - any unreadable file means: train again
        reason = f"unreadable ({type(exc).__name__}: {exc})"
    if reason is not None:
        warnings.warn(f"ignoring the cached model {path}: {reason}; training it again",
                      stacklevel=3)
        return None
    history = {k: [float(v) for v in vals] for k, vals in meta["history"].items()}
    return TrainedModel(settings["name"], model, history, settings, key, path, from_cache=True,
                        fit_seconds=float(meta.get("fit_seconds", 0.0)),
                        info=dict(meta["versions"]))


def clear_cache(name: str | None = None) -> int:
    """Delete the cached models (all, or those of model ``name``); return how many."""
    folder = model_cache_dir()
    pattern = f"{models.check_name(name)}-*" if name else "*"
    removed = 0
    for path in folder.glob(pattern):
        if path.is_file():
            path.unlink()
            removed += path.suffix != ".lock"  # lock files are not models
    return removed


# --- predictions -----------------------------------------------------------------------------


def predict(trained: TrainedModel, x: Any, cache: bool = True) -> np.ndarray:
    """P(positive) for every review in ``x``, as float32 ``(n,)``; cached next to the model."""
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
    probabilities = predict_uncached(trained.model, x)
    if path is not None:
        buffer = io.BytesIO()
        np.save(buffer, probabilities)
        atomic_write(path, buffer.getvalue())
    return probabilities


def predict_uncached(model: keras.Model, x: np.ndarray,
                     batch_size: int = EVAL_BATCH_SIZE) -> np.ndarray:
    """P(positive) for every row of ``x``, in batches of one fixed shape.

    One compiled forward pass (XLA) serves every batch: the last batch is padded to full size
    and the padding's outputs dropped, so nothing is traced or compiled twice.
    """
    import tensorflow as tf

    forward = tf.function(lambda batch: model(batch, training=False), jit_compile=True)
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

