"""Encoder-decoder networks, with and without attention, and how they write their answers.

Taught in chapter 12, *Sequence to sequence, and attention* (``book/12_seq2seq_attention``).

``build_seq2seq`` makes the chapter's two models, alike but for one thing. The encoder reads the
source characters with a bidirectional ``GRU``; the decoder is a ``GRU`` whose first state is
the encoder's two final states side by side, and which reads the target shifted by one step
(the start symbol, then the true answer: *teacher forcing*). Without attention the decoder's
state alone predicts each output character; with attention (:class:`DotAttention`, scaled
dot-product attention written out: the scores, a softmax that skips the padding, the context
vector) each output step also reads a weighted average of the encoder's states.

``train_seq2seq`` fits one with a fixed seed and keeps it in the course's model cache
(``lessons_lib.cache``), with its per-epoch history and training time.

Writing an answer needs no teacher: :class:`Decoder` is the trained decoder in numpy, one step
at a time (its ``GRU`` is chapter 8's :class:`lessons_lib.gated_cells.GRU`, loaded from the
Keras layer), so that :func:`greedy_decode` and :func:`beam_search` are written out in plain
array code; the step's pieces (the softmax, :func:`lessons_lib.decoding.attend`,
:func:`lessons_lib.decoding.beam_step`) are in ``lessons_lib.decoding``. :func:`greedy_decode`
returns each step's attention weights too, for the chapter's heatmaps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from lessons_lib import gated_cells, training
from lessons_lib.cache import fingerprint, load_or_train, model_dir, settings_key, written_for
from lessons_lib.decoding import attend, beam_step, log_softmax
from lessons_lib.resources import book_build, require_memory

CACHE_FORMAT = "lessons_lib.seq2seq/1"
# Memory training adds to the kernel: chapter 12 peaked at 1,103 MB training both models and at
# 885 MB with them cached (measured); 400 MB leaves room.
SEQ2SEQ_MEMORY_MB = 400
# The chapter's settings, shared with benchmarks/seq2seq.py.
ARCHITECTURE = {"embed_dim": 32, "units": 64}
TRAINING = {"epochs": 8, "batch_size": 64, "learning_rate": 3e-3}
# How many days the chapter trains on (of the 32,525 left after validation and test).
TRAIN_DAYS = 10_000


class DotAttention(keras.layers.Layer):
    """Scaled dot-product attention of decoder states over encoder states.

    For every decoder state ``s_t`` (the *query*) and encoder state ``h_j``: the key
    ``k_j = h_j W`` (a learned projection), the score ``e_tj = s_t . k_j / sqrt(d)``, the
    weights ``a_t = softmax(e_t)`` over the source positions that are not padding, and the
    context ``c_t = sum_j a_tj h_j``. Returns ``(contexts, weights)``.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The encoder's states arrive with the source's padding mask; the layer applies it
        # itself (its third input) and passes no mask on.
        self.supports_masking = True

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None

    def build(self, input_shape: Any) -> None:
        queries, states, _ = input_shape
        self.key = self.add_weight(shape=(states[-1], queries[-1]), name="key")

    def call(self, inputs: Any) -> tuple[Any, Any]:
        queries, states, source_mask = inputs
        ops = keras.ops
        keys = ops.matmul(states, self.key)  # (batch, source steps, d)
        scores = ops.matmul(queries, ops.transpose(keys, (0, 2, 1)))
        scores = scores / float(np.sqrt(queries.shape[-1]))
        # Padding gets a score so low that its weight is 0 after the softmax.
        scores = ops.where(ops.expand_dims(source_mask, 1), scores, -1e9)
        weights = ops.softmax(scores, axis=-1)  # (batch, target steps, source steps)
        return ops.matmul(weights, states), weights

    def compute_output_shape(self, input_shape: Any) -> tuple:
        queries, states, _ = input_shape
        return ((queries[0], queries[1], states[-1]), (queries[0], queries[1], states[1]))


def build_seq2seq(source_vocab: int, target_vocab: int, *, attention: bool,
                  embed_dim: int = ARCHITECTURE["embed_dim"], units: int = ARCHITECTURE["units"],
                  learning_rate: float = TRAINING["learning_rate"]) -> keras.Model:
    """An encoder-decoder whose inputs are ``[source ids, decoder input ids]`` and whose output
    is the logits of every target step; with ``attention`` the decoder attends to the source.

    The encoder is a bidirectional ``GRU`` of ``units`` per direction; the decoder a ``GRU`` of
    ``2 * units`` that starts from the encoder's two final states, concatenated.
    """
    source = keras.Input(shape=(None,), dtype="int32", name="source")
    decoder_input = keras.Input(shape=(None,), dtype="int32", name="decoder_input")
    embedded = keras.layers.Embedding(source_vocab, embed_dim, mask_zero=True,
                                      name="source_embedding")(source)
    states, forward, backward = keras.layers.Bidirectional(
        keras.layers.GRU(units, return_sequences=True, return_state=True),
        name="encoder")(embedded)
    first_state = keras.layers.Concatenate(name="first_state")([forward, backward])
    target_embedded = keras.layers.Embedding(target_vocab, embed_dim,
                                             name="target_embedding")(decoder_input)
    queries = keras.layers.GRU(2 * units, return_sequences=True, name="decoder")(
        target_embedded, initial_state=first_state)
    if attention:
        source_mask = keras.ops.not_equal(source, 0)
        contexts, _ = DotAttention(name="attention")([queries, states, source_mask])
        queries = keras.layers.Concatenate(name="state_and_context")([queries, contexts])
    logits = keras.layers.Dense(target_vocab, name="output")(queries)
    model = keras.Model([source, decoder_input], logits,
                        name="attention" if attention else "plain")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def teacher_forcing(targets: np.ndarray, start: int) -> np.ndarray:
    """The decoder's input under teacher forcing: the start symbol, then the targets but the
    last (step ``t`` reads the true character ``t - 1``)."""
    targets = np.asarray(targets)
    return np.concatenate([np.full((len(targets), 1), start, targets.dtype), targets[:, :-1]],
                          axis=1)


@dataclass
class TrainedSeq2Seq:
    """A trained encoder-decoder, its settings, per-epoch history and training time."""

    model: keras.Model
    settings: dict[str, Any]
    history: dict[str, list[float]]
    fit_seconds: float
    fit_cpu_seconds: float
    from_cache: bool


def _arch(settings: dict[str, Any]) -> dict[str, Any]:
    keys = ("source_vocab", "target_vocab", "attention", "embed_dim", "units", "learning_rate")
    return {k: settings[k] for k in keys}


def train_seq2seq(source: np.ndarray, targets: np.ndarray, validation: tuple[np.ndarray,
                  np.ndarray], *, source_vocab: int, target_vocab: int, attention: bool,
                  start: int = 1, seed: int = 0, cache: bool = True,
                  verbose: bool | None = None, **changes: Any) -> TrainedSeq2Seq:
    """Train a ``build_seq2seq`` model with teacher forcing and a fixed seed, or load it.

    ``source`` and ``targets`` are rows of ids (``targets`` without the start symbol);
    ``validation`` is a ``(source, targets)`` pair scored after every epoch (the per-character
    accuracy under teacher forcing). ``changes`` overrides :data:`ARCHITECTURE` and
    :data:`TRAINING`. Training runs every epoch (no early stopping) and keeps the last weights.
    ``verbose=None``: one line per epoch in a book build, Keras's progress bar in a live session.
    """
    unknown = set(changes) - {*ARCHITECTURE, *TRAINING}
    if unknown:
        raise TypeError(f"unknown settings {sorted(unknown)}; expected some of "
                        f"{sorted({*ARCHITECTURE, *TRAINING})}")
    arrays = [np.asarray(a, dtype=np.int32) for a in (source, targets, *validation)]
    for name, array, vocab in zip(("source", "targets", "validation source",
                                   "validation targets"), arrays,
                                  (source_vocab, target_vocab) * 2, strict=True):
        if array.ndim != 2 or array.size == 0 or array.min() < 0 or array.max() >= vocab:
            raise ValueError(f"{name} must be a 2-D array of ids from 0 to {vocab - 1}, got "
                             f"shape {array.shape}"
                             + (f" and ids {array.min()}..{array.max()}" if array.size else ""))
    if len(arrays[0]) != len(arrays[1]) or len(arrays[2]) != len(arrays[3]):
        raise ValueError("source and targets must have one row per example, got "
                         f"{len(arrays[0])} and {len(arrays[1])} (validation: "
                         f"{len(arrays[2])} and {len(arrays[3])})")
    settings = {**ARCHITECTURE, **TRAINING, **changes, "source_vocab": int(source_vocab),
                "target_vocab": int(target_vocab), "attention": bool(attention),
                "start": int(start), "seed": seed, "format": CACHE_FORMAT,
                "data": fingerprint(*arrays), **training.versions()}
    build_seq2seq(**_arch(settings))  # bad settings fail here, before any training
    path = model_dir() / f"seq2seq-{settings_key(settings)[:16]}.npz"
    if not cache:
        return _fit(arrays, settings, verbose)

    def rebuild(meta: dict[str, Any], weights: list[np.ndarray]) -> TrainedSeq2Seq:
        model = build_seq2seq(**_arch(settings))
        model.set_weights(weights)
        return TrainedSeq2Seq(model, settings, meta["history"], float(meta["fit_seconds"]),
                              float(meta["fit_cpu_seconds"]), True)

    def train() -> tuple[TrainedSeq2Seq, list[np.ndarray], dict[str, Any]]:
        trained = _fit(arrays, settings, verbose)
        return trained, trained.model.get_weights(), {
            "format": CACHE_FORMAT, "settings": settings, "history": trained.history,
            "fit_seconds": trained.fit_seconds, "fit_cpu_seconds": trained.fit_cpu_seconds}

    return load_or_train(path, written_for(CACHE_FORMAT, settings), rebuild, train)[0]


def _fit(arrays: list[np.ndarray], settings: dict[str, Any],
         verbose: bool | None) -> TrainedSeq2Seq:
    source, targets, val_source, val_targets = arrays
    require_memory(SEQ2SEQ_MEMORY_MB, "Training the encoder-decoder")
    keras.utils.set_random_seed(settings["seed"])
    model = build_seq2seq(**_arch(settings))
    live = verbose is None and not book_build()
    label = "attention" if settings["attention"] else "plain"
    timer = training.EpochTimer(label if (verbose or (verbose is None and not live)) else None,
                                settings["epochs"])
    start, cpu_start = time.perf_counter(), time.process_time()
    result = model.fit([source, teacher_forcing(targets, settings["start"])], targets,
                       validation_data=([val_source, teacher_forcing(val_targets,
                                                                     settings["start"])],
                                        val_targets),
                       epochs=settings["epochs"], batch_size=settings["batch_size"],
                       callbacks=[timer], verbose=1 if live else 0)
    history = {k: [float(v) for v in vals] for k, vals in result.history.items()}
    history["epoch_seconds"], history["epoch_cpu_seconds"] = timer.seconds, timer.cpu_seconds
    return TrainedSeq2Seq(model, settings, history, time.perf_counter() - start,
                          time.process_time() - cpu_start, False)


# --- writing answers, one step at a time, in numpy ---------------------------------------------


class Decoder:
    """A trained model's decoder in numpy, one output step at a time.

    ``encode`` runs the Keras encoder over source ids; ``step`` reads the previous output
    character and the state and returns the next character's log-probabilities, the new state
    and the attention weights (None without attention). Everything a step does is here in
    plain array code: the embedding row, chapter 8's GRU step, ``decoding.attend``, the output
    layer.
    """

    def __init__(self, model: keras.Model) -> None:
        self.attention = any(layer.name == "attention" for layer in model.layers)
        self.embedding = model.get_layer("target_embedding").get_weights()[0]
        self.gru = gated_cells.GRU.from_keras(model.get_layer("decoder"))
        self.key = model.get_layer("attention").get_weights()[0] if self.attention else None
        self.output_kernel, self.output_bias = model.get_layer("output").get_weights()
        self._encoder = keras.Model(model.get_layer("source").output,
                                    [model.get_layer("encoder").output[i] for i in range(3)])

    def encode(self, source: np.ndarray) -> dict[str, np.ndarray]:
        """The encoder's states, the keys, the source mask and the decoder's first state."""
        # Called directly, not through predict, which traces a new function for every new
        # batch shape.
        parts = [self._encoder(source[i:i + 512], training=False)
                 for i in range(0, len(source), 512)]
        states, forward, backward = (np.concatenate([np.asarray(p[k]) for p in parts])
                                     for k in range(3))
        memory = {"states": states, "mask": np.asarray(source) != 0,
                  "first_state": np.concatenate([forward, backward], axis=-1)}
        if self.attention:
            memory["keys"] = states @ self.key
        return memory

    def step(self, previous: np.ndarray, state: np.ndarray, memory: dict[str, np.ndarray]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``(log-probabilities (batch, vocab), new state, attention weights or None)``."""
        (state,) = self.gru.step(self.embedding[previous], state)
        features, weights = state, None
        if self.attention:
            weights, context = attend(state, memory["keys"], memory["states"], memory["mask"])
            features = np.concatenate([state, context], axis=-1)
        return log_softmax(features @ self.output_kernel + self.output_bias), state, weights


def _repeat(memory: dict[str, np.ndarray], times: int) -> dict[str, np.ndarray]:
    """Every example's memory ``times`` times in a row, one copy per beam."""
    return {k: np.repeat(v, times, axis=0) for k, v in memory.items()}


def greedy_decode(decoder: Decoder, source: np.ndarray, steps: int, start: int = 1
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    """The most likely character at every step, fed back as the next input.

    Returns ``(ids (batch, steps), attention (batch, steps, source steps) or None)``.
    """
    memory = decoder.encode(source)
    state, previous = memory["first_state"], np.full(len(source), start)
    ids, attention = [], []
    for _ in range(steps):
        log_probs, state, weights = decoder.step(previous, state, memory)
        previous = log_probs.argmax(axis=-1)
        ids.append(previous)
        attention.append(weights)
    stacked = np.stack(attention, axis=1) if decoder.attention else None
    return np.stack(ids, axis=1), stacked


def beam_search(decoder: Decoder, source: np.ndarray, steps: int, width: int,
                start: int = 1, chunk: int = 250) -> tuple[np.ndarray, np.ndarray]:
    """The most likely output of ``steps`` characters that beam search of ``width`` finds, for
    every source row. Returns ``(ids (batch, steps), log-probabilities (batch,))``.

    Runs ``chunk`` rows at a time: every beam holds a copy of its row's encoder states.
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be a positive int, got {width!r}")
    found = [_beam_search(decoder, source[i:i + chunk], steps, width, start)
             for i in range(0, len(source), chunk)]
    return np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])


def _beam_search(decoder: Decoder, source: np.ndarray, steps: int, width: int,
                 start: int) -> tuple[np.ndarray, np.ndarray]:
    memory = decoder.encode(source)
    batch = len(source)
    # Every example starts from one beam; after the first step it has ``width`` of them.
    beam_lp = np.zeros((batch, 1))
    sequences = np.zeros((batch, 1, 0), dtype=np.int64)
    state = memory["first_state"][:, None, :]
    previous = np.full((batch, 1), start)
    repeated = {1: memory}
    for _ in range(steps):
        beams = beam_lp.shape[1]
        if beams not in repeated:
            repeated[beams] = _repeat(memory, beams)
        log_probs, new_state, _ = decoder.step(previous.ravel(), state.reshape(batch * beams, -1),
                                               repeated[beams])
        log_probs = log_probs.reshape(batch, beams, -1)
        new_state = new_state.reshape(batch, beams, -1)
        kept = [beam_step(beam_lp[b], log_probs[b], width) for b in range(batch)]
        beam_lp = np.stack([k[0] for k in kept])
        parents = np.stack([k[1] for k in kept])
        previous = np.stack([k[2] for k in kept])
        rows = np.arange(batch)[:, None]
        sequences = np.concatenate([sequences[rows, parents], previous[..., None]], axis=-1)
        state = new_state[rows, parents]
    return sequences[:, 0], beam_lp[:, 0]


def exact_match(predicted: list[str], targets: list[str]) -> np.ndarray:
    """True where a predicted answer equals its target, character for character."""
    if len(predicted) != len(targets):
        raise ValueError(f"expected one prediction per target, got {len(predicted)} "
                         f"predictions for {len(targets)} targets")
    return np.array([p == t for p, t in zip(predicted, targets, strict=True)])


def sequence_log_prob(decoder: Decoder, source: np.ndarray, ids: np.ndarray,
                      start: int = 1) -> np.ndarray:
    """The log-probability the model gives each row of output ``ids`` for its source row: the
    sum over the steps of ``log p(id_t | id_<t, source)``, read under teacher forcing."""
    ids = np.asarray(ids)
    memory = decoder.encode(source)
    state, previous = memory["first_state"], np.full(len(source), start)
    total = np.zeros(len(source))
    rows = np.arange(len(source))
    for t in range(ids.shape[1]):
        log_probs, state, _ = decoder.step(previous, state, memory)
        total += log_probs[rows, ids[:, t]]
        previous = ids[:, t]
    return total
