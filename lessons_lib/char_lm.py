"""A Keras character language model that can be asked for a positive or a negative review.

Taught in chapter 11, *A language model that writes movie reviews*
(``book/11_char_language_model``).

:func:`build_char_model` reads characters and, at every step, a *sentiment code* (0: none
given, 1: negative, 2: positive), each through its own embedding; the two vectors side by side
go into a ``GRU`` whose state at every step feeds a ``Dense`` layer with one logit per character
of the alphabet: many-to-many, the output separate from the state. Training hides the sentiment
(code 0) of a share of the windows (``label_dropout``), so one model learns to write both with
and without being told which review it is writing.

:func:`train_char_model` trains it on windows cut from the training stream, with a fixed seed,
a learning rate that warms up and then follows a cosine down, and the course's model cache; it
records the validation bits per character against the characters read (the learning curve).
:class:`Writer` is the trained model in numpy, one character at a time (its ``GRU`` is chapter
8's :class:`lessons_lib.gated_cells.GRU`, loaded from the Keras layer), for sampling.
:func:`finetune_char_model` goes on training a copy on the reviews of one sentiment, and
:class:`Steered` writes with two such *experts* (one for the sentiment wanted, one against it).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from lessons_lib import gated_cells, training
from lessons_lib.cache import fingerprint, load_or_train, model_dir, settings_key, written_for
from lessons_lib.decoding import log_softmax, sample_next
from lessons_lib.resources import book_build, hand_back_memory, require_memory

CACHE_FORMAT = "lessons_lib.char_lm/1"
NO_LABEL, NEGATIVE, POSITIVE = 0, 1, 2  # the sentiment codes the model reads
# Memory training adds to the kernel: about 450 MB with XLA at the chapter's settings, 220 MB
# without (measured); 600 MB leaves room.
CHAR_LM_MEMORY_MB = 600
# The chapter's settings, shared with benchmarks/char_lm.py.
ARCHITECTURE = {"units": 256, "embed_dim": 32, "label_dim": 8}
TRAINING = {"characters": 6_000_000, "window": 100, "batch_size": 128, "learning_rate": 3e-2,
            "warmup_updates": 40, "label_dropout": 0.2, "clipnorm": 1.0, "curve_points": 12}
# Fine-tuning a copy on the reviews of one sentiment (the experts of chapter 11's last section).
FINETUNING = {"characters": 1_000_000, "learning_rate": 2e-3}


def build_char_model(vocab_size: int, *, units: int, embed_dim: int, label_dim: int,
                     learning_rate: float | Any = 1e-3, clipnorm: float = 1.0,
                     jit_compile: bool = True) -> keras.Model:
    """Characters and sentiment codes in, one logit per character of the alphabet out, at
    every step (inputs of any length; ``(batch, steps)`` int32 each). ``jit_compile``: train
    with XLA, about twice as fast on a 2-core CPU, but the compiled step holds about 300 MB
    more while training (measured)."""
    chars = keras.Input((None,), dtype="int32", name="chars")
    labels = keras.Input((None,), dtype="int32", name="labels")
    read = keras.layers.Concatenate(name="read")([
        keras.layers.Embedding(vocab_size, embed_dim, name="char_embedding")(chars),
        keras.layers.Embedding(3, label_dim, name="label_embedding")(labels)])
    states = keras.layers.GRU(units, return_sequences=True, name="gru")(read)
    logits = keras.layers.Dense(vocab_size, name="logits")(states)
    model = keras.Model([chars, labels], logits, name="char_lm")
    model.compile(keras.optimizers.Adam(learning_rate, clipnorm=clipnorm),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  jit_compile=jit_compile)
    return model


def review_labels(texts: list[str], labels: np.ndarray) -> np.ndarray:
    """Each character's sentiment code: that of the review it belongs to (``labels`` 0/1 per
    review become :data:`NEGATIVE`/:data:`POSITIVE`)."""
    lengths = [len(t) for t in texts]
    return np.repeat(np.asarray(labels, dtype=np.int32) + 1, lengths)


def windows(ids: np.ndarray, labels: np.ndarray, window: int) -> tuple[np.ndarray, ...]:
    """The stream cut into windows of ``window`` characters: inputs, sentiment codes and the
    targets (each input's next character), shape ``(n_windows, window)`` each. The code beside
    an input is that of the character to predict, so the step that reads a review's end
    already knows the sentiment of the review it starts."""
    n = (len(ids) - 1) // window
    cut = slice(0, n * window)
    shifted = slice(1, n * window + 1)
    return (ids[cut].reshape(n, window), labels[shifted].reshape(n, window),
            ids[shifted].reshape(n, window))


def character_bits(model: keras.Model, ids: np.ndarray, labels: np.ndarray | None = None,
                   length: int = 2000, batch_size: int = 8,
                   temperature: float = 1.0) -> np.ndarray:
    """``-log2 P`` of each character ``ids[1]``, ``ids[2]``, ... the model reads its way to, in
    pieces of ``length`` (the state starts from zero at each piece's start, a piece being long
    enough for that not to matter; the characters after the last whole piece are left out).
    ``labels``: the sentiment code of each character (none given: :data:`NO_LABEL`).
    ``temperature``: score ``softmax(logits / temperature)``, the distribution sampling at that
    temperature draws from."""
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    ids = np.asarray(ids, dtype=np.int32)
    labels = np.zeros_like(ids) if labels is None else np.asarray(labels, dtype=np.int32)
    n = (len(ids) - 1) // length
    if n < 1:
        raise ValueError(f"a stream of {len(ids)} characters is shorter than one piece of "
                         f"{length} + 1")
    x, code, y = windows(ids[:n * length + 1], labels[:n * length + 1], length)
    bits = np.empty(y.shape, dtype=np.float32)
    # A few pieces at a time: the layer's states and logits for all of them would be large.
    for start in range(0, n, batch_size):
        rows = slice(start, start + batch_size)
        logits = model.predict_on_batch([x[rows], code[rows]])
        log_p = log_softmax(np.asarray(logits, dtype=np.float64) / temperature)
        bits[rows] = -np.take_along_axis(log_p, y[rows, :, None], axis=-1)[..., 0] / np.log(2)
    return bits.ravel()


def bits_per_char(model: keras.Model, ids: np.ndarray, labels: np.ndarray | None = None,
                  length: int = 2000, temperature: float = 1.0) -> float:
    """Cross-entropy in bits per character on a stream: the mean of :func:`character_bits`."""
    bits = character_bits(model, ids, labels, length, temperature=temperature)
    return float(bits.mean(dtype=np.float64))


@dataclass
class TrainedCharModel:
    """A trained character model, its settings, its learning curve and its training time.

    ``history`` holds ``characters`` (read so far), ``bits`` (validation bits per character
    then, no sentiment given), ``seconds`` and ``cpu_seconds`` (of training so far), and
    ``cores``: how many the machine that trained it had.
    """

    model: keras.Model
    settings: dict[str, Any]
    history: dict[str, list[float]]
    fit_seconds: float
    fit_cpu_seconds: float
    from_cache: bool


def _arch(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: settings[k] for k in ("vocab_size", *ARCHITECTURE, "clipnorm")}


def train_char_model(ids: np.ndarray, labels: np.ndarray, validation_ids: np.ndarray, *,
                     vocab_size: int, seed: int = 0, cache: bool = True,
                     verbose: bool | None = None, **changes: Any) -> TrainedCharModel:
    """Train a ``build_char_model`` model on the training stream, or load it from the cache.

    ``ids`` is the training stream and ``labels`` each character's sentiment code;
    ``validation_ids`` a held-out stream whose bits per character (no sentiment given) are
    measured ``curve_points`` times along the way. The model reads ``characters`` characters:
    windows of the stream in a seeded random order (more than one pass if the stream is
    shorter). ``changes`` overrides :data:`ARCHITECTURE` and :data:`TRAINING`.
    """
    unknown = set(changes) - {*ARCHITECTURE, *TRAINING}
    if unknown:
        raise TypeError(f"unknown settings {sorted(unknown)}; expected some of "
                        f"{sorted({*ARCHITECTURE, *TRAINING})}")
    ids, labels = np.asarray(ids, dtype=np.int32), np.asarray(labels, dtype=np.int32)
    validation_ids = np.asarray(validation_ids, dtype=np.int32)
    for name, array, top in (("ids", ids, vocab_size), ("validation_ids", validation_ids,
                                                         vocab_size), ("labels", labels, 3)):
        if array.ndim != 1 or array.size < 2 or array.min() < 0 or array.max() >= top:
            raise ValueError(f"{name} must be a 1-D stream of at least 2 ids from 0 to "
                             f"{top - 1}, got shape {array.shape}")
    if labels.shape != ids.shape:
        raise ValueError(f"expected one sentiment code per character ({len(ids)}), got "
                         f"{len(labels)}")
    settings = {**ARCHITECTURE, **TRAINING, **changes, "vocab_size": int(vocab_size),
                "seed": seed, "format": CACHE_FORMAT,
                "data": fingerprint(ids, labels, validation_ids), **training.versions()}
    build_char_model(**_arch(settings))  # bad settings fail here, before any training
    path = model_dir() / f"char-lm-{settings_key(settings)[:16]}.npz"
    arrays = (ids, labels, validation_ids)
    if not cache:
        return _rebuilt(_fit(arrays, settings, verbose))

    def rebuild(meta: dict[str, Any], weights: list[np.ndarray]) -> TrainedCharModel:
        model = build_char_model(**_arch(settings))
        model.set_weights(weights)
        return TrainedCharModel(model, settings, meta["history"], float(meta["fit_seconds"]),
                                float(meta["fit_cpu_seconds"]), True)

    def train() -> tuple[TrainedCharModel, list[np.ndarray], dict[str, Any]]:
        trained = _rebuilt(_fit(arrays, settings, verbose))
        return trained, trained.model.get_weights(), {
            "format": CACHE_FORMAT, "settings": settings, "history": trained.history,
            "fit_seconds": trained.fit_seconds, "fit_cpu_seconds": trained.fit_cpu_seconds}

    return load_or_train(path, written_for(CACHE_FORMAT, settings), rebuild, train)[0]


def finetune_char_model(base: TrainedCharModel, ids: np.ndarray, labels: np.ndarray, *,
                        seed: int = 0, cache: bool = True, verbose: bool | None = None,
                        **changes: Any) -> TrainedCharModel:
    """Go on training a copy of ``base`` on another stream (chapter 11: the reviews of one
    sentiment), for :data:`FINETUNING`'s characters at its constant learning rate, or load it.
    The base model is not changed. ``changes`` overrides :data:`FINETUNING`."""
    unknown = set(changes) - set(FINETUNING)
    if unknown:
        raise TypeError(f"unknown settings {sorted(unknown)}; expected some of "
                        f"{sorted(FINETUNING)}")
    ids, labels = np.asarray(ids, dtype=np.int32), np.asarray(labels, dtype=np.int32)
    vocab_size = base.settings["vocab_size"]
    if ids.ndim != 1 or ids.size < 2 or ids.min() < 0 or ids.max() >= vocab_size \
            or labels.shape != ids.shape:
        raise ValueError(f"expected a 1-D stream of ids from 0 to {vocab_size - 1} and one "
                         f"sentiment code per id, got shapes {ids.shape} and {labels.shape}")
    settings = {**FINETUNING, **changes, "base": settings_key(base.settings), "seed": seed,
                "format": CACHE_FORMAT, "data": fingerprint(ids, labels),
                **training.versions()}
    path = model_dir() / f"char-lm-tuned-{settings_key(settings)[:16]}.npz"

    def tune() -> TrainedCharModel:
        require_memory(CHAR_LM_MEMORY_MB, "Fine-tuning the character model")
        hand_back_memory()
        keras.utils.set_random_seed(seed)
        # Without XLA: a short run, where the compiled step's memory would cost more than
        # its speed saves (chapter 11 fine-tunes two experts in a kernel that holds much else).
        model = build_char_model(**{**_arch(base.settings), "jit_compile": False,
                                    "learning_rate": settings["learning_rate"]})
        model.set_weights(base.model.get_weights())
        x, code, y = windows(ids, labels, base.settings["window"])
        batch = base.settings["batch_size"]
        updates = max(1, settings["characters"] // (batch * base.settings["window"]))
        rng = np.random.default_rng(seed)
        order = np.concatenate([rng.permutation(len(x))
                                for _ in range(-(-updates * batch // len(x)))])
        order = order[:updates * batch]
        live = verbose is None and not book_build()
        start, cpu_start = time.perf_counter(), time.process_time()
        model.fit(_Batches(x, code, y, order, batch), epochs=1, shuffle=False,
                  verbose=1 if live else 0)
        return TrainedCharModel(model, {**base.settings, "finetuning": settings}, {},
                                time.perf_counter() - start, time.process_time() - cpu_start,
                                False)

    if not cache:
        return _rebuilt(tune())

    def rebuild(meta: dict[str, Any], weights: list[np.ndarray]) -> TrainedCharModel:
        model = build_char_model(**_arch(base.settings))
        model.set_weights(weights)
        return TrainedCharModel(model, {**base.settings, "finetuning": settings}, {},
                                float(meta["fit_seconds"]), float(meta["fit_cpu_seconds"]), True)

    def train() -> tuple[TrainedCharModel, list[np.ndarray], dict[str, Any]]:
        tuned = _rebuilt(tune())
        return tuned, tuned.model.get_weights(), {
            "format": CACHE_FORMAT, "settings": settings, "fit_seconds": tuned.fit_seconds,
            "fit_cpu_seconds": tuned.fit_cpu_seconds}

    return load_or_train(path, written_for(CACHE_FORMAT, settings), rebuild, train)[0]


class _Batches(keras.utils.PyDataset):
    """Batches of windows in a given order, cut from the window arrays as they are asked for:
    no copy of the whole training set in the shuffled order."""

    def __init__(self, x: np.ndarray, code: np.ndarray, y: np.ndarray, order: np.ndarray,
                 batch_size: int) -> None:
        super().__init__()
        self.x, self.code, self.y, self.order, self.batch_size = x, code, y, order, batch_size

    def __len__(self) -> int:
        return len(self.order) // self.batch_size

    def __getitem__(self, i: int) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
        rows = self.order[i * self.batch_size:(i + 1) * self.batch_size]
        return (self.x[rows], self.code[rows]), self.y[rows]


def _rebuilt(trained: TrainedCharModel) -> TrainedCharModel:
    """``trained`` with its model rebuilt from its weights: the functions Keras traced to
    train it, and what training left in memory, are let go (chapter 11 must fit in 1.5 GB)."""
    weights = trained.model.get_weights()
    trained.model = None
    hand_back_memory()
    trained.model = build_char_model(**_arch(trained.settings))
    trained.model.set_weights(weights)
    return trained


class _Curve(keras.callbacks.Callback):
    """Validation bits per character every ``every`` updates, with the time spent so far (the
    measuring itself left out of the time)."""

    def __init__(self, validation_ids: np.ndarray, every: int, characters_per_update: int,
                 show: bool) -> None:
        super().__init__()
        self.validation_ids, self.every = validation_ids, every
        self.per_update, self.show = characters_per_update, show
        self.history: dict[str, list[float]] = {"characters": [], "bits": [], "seconds": [],
                                                "cpu_seconds": []}
        self.updates, self.paused, self.paused_cpu = 0, 0.0, 0.0
        # The clocks start here, just before fit: its setup and first compilation count.
        self.start, self.cpu_start = time.perf_counter(), time.process_time()

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        self.updates += 1
        if self.updates % self.every == 0:
            self.measure()

    def measure(self) -> None:
        seconds = time.perf_counter() - self.start - self.paused
        cpu = time.process_time() - self.cpu_start - self.paused_cpu
        before, before_cpu = time.perf_counter(), time.process_time()
        bits = bits_per_char(self.model, self.validation_ids)
        self.paused += time.perf_counter() - before
        self.paused_cpu += time.process_time() - before_cpu
        for key, value in (("characters", self.updates * self.per_update), ("bits", bits),
                           ("seconds", seconds), ("cpu_seconds", cpu)):
            self.history[key].append(float(value))
        if self.show:
            print(f"{self.updates * self.per_update / 1e6:.1f} M characters read: validation "
                  f"{bits:.3f} bits per character ({seconds:.0f} s, {cpu:.0f} CPU-s)",
                  flush=True)


def _fit(arrays: tuple[np.ndarray, ...], settings: dict[str, Any],
         verbose: bool | None) -> TrainedCharModel:
    ids, labels, validation_ids = arrays
    require_memory(CHAR_LM_MEMORY_MB, "Training the character model")
    hand_back_memory()
    keras.utils.set_random_seed(settings["seed"])
    rng = np.random.default_rng(settings["seed"])
    x, code, y = windows(ids, labels, settings["window"])
    # Hide the sentiment of a share of the windows: the model learns to write without it too.
    code = np.where(rng.random((len(x), 1)) < settings["label_dropout"], NO_LABEL, code)
    batch = settings["batch_size"]
    updates = max(1, settings["characters"] // (batch * settings["window"]))
    passes = -(-updates * batch // len(x))
    order = np.concatenate([rng.permutation(len(x)) for _ in range(passes)])[:updates * batch]
    # Warm-up, then a cosine over the remaining updates down to 2 % of the peak (Keras counts
    # the cosine's steps after the warm-up's).
    warmup = min(settings["warmup_updates"], updates // 10)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, updates - warmup, alpha=0.02, warmup_target=settings["learning_rate"],
        warmup_steps=warmup)
    model = build_char_model(**{**_arch(settings), "learning_rate": schedule})
    live = verbose is None and not book_build()
    curve = _Curve(validation_ids, max(1, updates // settings["curve_points"]),
                   batch * settings["window"], show=bool(verbose or verbose is None))
    model.fit(_Batches(x, code, y, order, batch), epochs=1, shuffle=False,
              callbacks=[curve], verbose=1 if live else 0)
    if curve.updates % curve.every:
        curve.measure()  # the end of training is always on the curve
    # The training time is the curve's last point, so that the two agree: Keras's own work
    # outside the updates took 37 s more in one measured run.
    seconds, cpu = curve.history["seconds"][-1], curve.history["cpu_seconds"][-1]
    history = {**curve.history, "cores": [float(os.cpu_count() or 1)]}  # of the machine used
    return TrainedCharModel(model, settings, history, seconds, cpu, False)


class Writer:
    """A trained character model in numpy, one character at a time, for writing.

    ``step`` reads the previous character and sentiment code of every row and returns the
    next character's logits and the new state: the embedding rows, chapter 8's GRU step, the
    output layer.
    """

    def __init__(self, model: keras.Model) -> None:
        self.char_embedding = model.get_layer("char_embedding").get_weights()[0]
        self.label_embedding = model.get_layer("label_embedding").get_weights()[0]
        self.gru = gated_cells.GRU.from_keras(model.get_layer("gru"))
        self.kernel, self.bias = model.get_layer("logits").get_weights()

    def initial_state(self, rows: int) -> Any:
        """The state before the first character: zeros, one row per text."""
        return np.zeros((rows, self.gru.units))

    def step(self, previous: np.ndarray, labels: np.ndarray, state: Any
             ) -> tuple[np.ndarray, Any]:
        """The logits of the next character after ``previous`` (one id per row) and the new
        state."""
        read = np.concatenate([self.char_embedding[previous], self.label_embedding[labels]],
                              axis=1)
        (state,) = self.gru.step(read, state)
        return state @ self.kernel + self.bias, state

    def write(self, prompt: np.ndarray, labels: np.ndarray, length: int, *,
              temperature: float = 1.0, top_k: int | None = None, seed: int | None = 0,
              end: int | None = 0) -> list[np.ndarray]:
        """One text per entry of ``labels`` (sentiment codes): the ``prompt`` ids (the same
        for every row; start it with the end-of-review id to begin a fresh review), then up to
        ``length`` characters drawn by :func:`lessons_lib.decoding.sample_next`, each read back
        as the next input. A row stops at the ``end`` id (not included)."""
        labels = np.asarray(labels, dtype=np.int64).ravel()
        prompt = np.asarray(prompt, dtype=np.int64).ravel()
        if prompt.size == 0:
            raise ValueError("the prompt needs at least one id: start with the end-of-review "
                             "id to begin a new review")
        rng = np.random.default_rng(seed)
        state = self.initial_state(len(labels))
        for i in prompt:
            logits, state = self.step(np.full(len(labels), i), labels, state)
        written = np.zeros((len(labels), length), dtype=np.int64)
        for t in range(length):
            written[:, t] = sample_next(logits, rng, temperature, top_k)
            logits, state = self.step(written[:, t], labels, state)
        texts = []
        for row in written:
            stop = np.flatnonzero(row == end) if end is not None else []
            texts.append(row[:stop[0]] if len(stop) else row)
        return texts


class Steered(Writer):
    """Writing steered by two experts (DExperts, Liu et al. 2021): an *expert* fine-tuned on
    the kind of text wanted and an *anti-expert* fine-tuned on the opposite kind read the same
    characters, each with the sentiment code it was fine-tuned with (``codes``), and the logits
    drawn from are

        expert + weight * (expert - anti-expert),

    the expert's prediction pushed further from what the anti-expert predicts. ``weight=0``
    is the expert alone. The codes passed to ``write`` and ``step`` are not used."""

    def __init__(self, expert: Writer, anti_expert: Writer, weight: float,
                 codes: tuple[int, int]) -> None:
        if weight < 0:
            raise ValueError(f"weight must be 0 (the expert alone) or positive, got {weight}")
        self.expert, self.anti_expert, self.weight = expert, anti_expert, float(weight)
        self.codes = codes

    def initial_state(self, rows: int) -> Any:
        return (self.expert.initial_state(rows), self.anti_expert.initial_state(rows))

    def step(self, previous: np.ndarray, labels: np.ndarray, state: Any
             ) -> tuple[np.ndarray, Any]:
        wanted, wanted_state = self.expert.step(
            previous, np.full(len(previous), self.codes[0]), state[0])
        opposite, opposite_state = self.anti_expert.step(
            previous, np.full(len(previous), self.codes[1]), state[1])
        return wanted + self.weight * (wanted - opposite), (wanted_state, opposite_state)
