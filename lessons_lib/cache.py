"""The course's on-disk cache: one folder, one atomic writer, one model-file format, one lock.

Chapters 3 to 10 keep what is slow to make - the tokenized IMDB corpus (``data``), the trained
models of chapter 6 (``training``) and chapter 10 (``stronger``) - in one folder,
:func:`cache_dir`: ``$LESSONS_CACHE_DIR``, else ``~/.cache/lessons_lib``.

- Every file is written atomically (:func:`atomic_file`, :func:`atomic_write`): to a temporary
  file in the same folder, then renamed over the target, so a reader sees the old file or the
  new one and never half of one, even when a build is interrupted.
- A trained model is one ``.npz`` file (:func:`save_weights`, :func:`load_weights`): its
  weight arrays ``w000``, ``w001``, ... and a JSON ``meta`` entry that says what it is (the
  settings, the data's :func:`fingerprint`, the :func:`weights_layout` and whatever else the
  caller records). The caller decides whether the metadata matches what it asked for.
- :func:`exclusive_lock` serialises the look-up-or-train step, so chapters executed in parallel
  train a shared model once: the second process waits, then loads what the first wrote.
- :func:`load_or_train` is that step, the one every trained model of the course goes through:
  under the lock, rebuild the model from its file when the file's metadata fits, else (saying
  why the file was no use, if there was one) train it and store it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

import numpy as np

T = TypeVar("T")

CACHE_ENV = "LESSONS_CACHE_DIR"


def cache_dir() -> Path:
    """The folder of the course's caches: ``$LESSONS_CACHE_DIR``, else ``~/.cache/lessons_lib``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "lessons_lib").expanduser()


def model_dir() -> Path:
    """Where trained models are kept: ``cache_dir() / "models"``."""
    return cache_dir() / "models"


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """Open a temporary file beside ``path`` for writing; on success rename it to ``path``.

    If the body raises, the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.chmod(tmp, 0o644)  # mkstemp makes the file private; a cache is shared like any file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    with atomic_file(path) as handle:
        handle.write(data)


def fingerprint(*arrays: np.ndarray) -> str:
    """A SHA-256 of the arrays' dtypes, shapes and bytes: equal only for equal data."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """The versions of the libraries a model is trained under, recorded beside its weights."""
    import keras
    import tensorflow as tf

    return {"keras": keras.__version__, "tensorflow": tf.__version__,
            "numpy": np.__version__, "backend": keras.backend.backend()}


def weights_layout() -> dict[str, str]:
    """What decides whether stored weights fit a model built here: Keras's major version and
    its backend.

    A model trained under another minor version of Keras, TensorFlow or NumPy is reused: its
    weights are the same arrays, and training again would give another run of the same
    training, not a truer one. So the Colab-like test (``lessons_lib.tooling.colab_env``) and
    a reader who upgrades TensorFlow load the models the book trained.
    """
    import keras

    return {"keras": keras.__version__.split(".")[0], "backend": keras.backend.backend()}


def settings_key(settings: dict[str, Any]) -> str:
    """A SHA-256 of a JSON-able dict, independent of the order of its keys."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def save_weights(path: Path, weights: list[np.ndarray], meta: dict[str, Any]) -> None:
    """Store weight arrays and their JSON-able metadata in one ``.npz`` file, atomically."""
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(json.dumps(meta)),
             **{f"w{i:03d}": w for i, w in enumerate(weights)})
    atomic_write(path, buffer.getvalue())


def load_weights(path: Path) -> tuple[dict[str, Any], list[np.ndarray]]:
    """The metadata and weight arrays of a file :func:`save_weights` wrote.

    Raises whatever reading a damaged or foreign file raises; callers treat that as a miss.
    """
    with np.load(path, allow_pickle=False) as archive:
        meta = json.loads(str(archive["meta"]))
        names = sorted(k for k in archive.files if k.startswith("w"))
        weights = [archive[k] for k in names]
    if not isinstance(meta, dict):
        raise ValueError(f"expected a JSON object as metadata, found {type(meta).__name__}")
    return meta, weights


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path.lock`` (beside ``path``) for the body of the block.

    Chapters built in parallel can ask for the same model at once (chapter 10 uses chapter 6's
    LSTM): the second waits, then loads what the first trained, instead of training it again.
    """
    try:
        import fcntl
    except ImportError:  # no POSIX locks (Windows): at worst a model is trained twice
        yield
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def written_for(fmt: str, settings: dict[str, Any]) -> Callable[[dict[str, Any]], str | None]:
    """The ``mismatch`` test most callers of :func:`load_or_train` need: the stored metadata
    must name this cache format and exactly these settings."""

    def mismatch(meta: dict[str, Any]) -> str | None:
        fits = meta.get("format") == fmt and meta.get("settings") == settings
        return None if fits else "written for other settings"

    return mismatch


def load_or_train(path: Path, mismatch: Callable[[dict[str, Any]], str | None],
                  rebuild: Callable[[dict[str, Any], list[np.ndarray]], T],
                  train: Callable[[], tuple[T, list[np.ndarray], dict[str, Any]]]
                  ) -> tuple[T, bool]:
    """The trained thing stored at ``path``, or a new one trained and stored there.

    Under :func:`exclusive_lock`: when ``path`` holds a file whose metadata fits
    (``mismatch(meta)`` returns None; otherwise it says why not) and ``rebuild(meta, weights)``
    succeeds, returns ``(rebuilt, True)``. Otherwise, after a warning that says why the file is
    unusable (if there was one), ``train()`` returns ``(trained, weights, meta)``, which are
    stored with :func:`save_weights` (``meta`` gains ``trained_with``, the
    :func:`library_versions`), and ``(trained, False)`` is returned.
    """
    with exclusive_lock(path):
        if path.exists():
            try:
                meta, weights = load_weights(path)
                reason = mismatch(meta)
                if reason is None:
                    return rebuild(meta, weights), True
            except Exception as exc:  # noqa: BLE001 - any unusable file means: train again
                reason = f"unreadable ({type(exc).__name__}: {exc})"
            warnings.warn(f"ignoring the cached model {path}: {reason}; training it again",
                          stacklevel=3)
        trained, weights, meta = train()
        save_weights(path, weights, {**meta, "trained_with": library_versions()})
    return trained, False
