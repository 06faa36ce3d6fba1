"""A character-level language model in numpy, trained with truncated backpropagation through time.

Taught in chapter 11, *A language model that writes movie reviews*
(``book/11_char_language_model``).

Nothing here is a second RNN: the state is chapter 2's :class:`~lessons_lib.numpy_rnn.SimpleRNN`
(``H_t = tanh(W x_t + U H_{t-1} + b)``) and its gradient is chapter 7's
:func:`lessons_lib.bptt.backward`. What is new is an output at every step, separate from the
state,

    O_t = H_t V + c,    P(next character | characters so far) = softmax(O_t),

and a loss at every step: the cross-entropy of the character that really comes next. The
gradient of that loss with respect to ``O_t`` is ``softmax(O_t) - onehot(next)``; multiplied by
``V^T`` it is the direct gradient ``dL/dH_t`` that ``bptt.backward`` takes.

A text is far too long to backpropagate through whole. *Truncated* BPTT cuts it into windows:
the forward pass carries the state from one window into the next, so the model reads on, but
the backward pass stops at the window's first step (``bptt.forward_cached``'s
``initial_state`` is treated as a constant). :func:`train_truncated` trains that way with Adam;
:func:`train_cached` trains the chapter's model once and keeps it in the course's cache
(``lessons_lib.cache``), as every trained model of the course is kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from lessons_lib import bptt
from lessons_lib.cache import fingerprint, load_or_train, model_dir, settings_key, written_for
from lessons_lib.decoding import log_softmax, sample_next
from lessons_lib.numpy_rnn import SimpleRNN

# The chapter's numpy model and its training budget, shared with benchmarks/char_lm.py.
TRAINING = {"units": 128, "batch": 32, "window": 32, "updates": 1500, "learning_rate": 3e-3}
CACHE_FORMAT = "char-rnn-1"


@dataclass
class CharRNN:
    """A ``SimpleRNN`` state layer and an output layer ``O_t = H_t V + c`` over the alphabet."""

    rnn: SimpleRNN
    V: np.ndarray  # (units, vocab_size)
    c: np.ndarray  # (vocab_size,)

    @classmethod
    def create(cls, vocab_size: int, units: int, seed: int = 0) -> CharRNN:
        """Fresh weights: the RNN's own initialisation, a small random ``V``, a zero ``c``."""
        rnn = SimpleRNN(vocab_size, units, seed=seed)
        rng = np.random.default_rng(seed + 1)
        return cls(rnn, rng.normal(0.0, 1.0 / np.sqrt(units), (units, vocab_size)),
                   np.zeros(vocab_size))

    @property
    def vocab_size(self) -> int:
        return self.V.shape[1]

    @property
    def units(self) -> int:
        return self.V.shape[0]

    def weights(self) -> dict[str, np.ndarray]:
        """Every weight array by name; the arrays themselves, so a step can change them."""
        return {"W": self.rnn.W, "U": self.rnn.U, "b": self.rnn.b, "V": self.V, "c": self.c}


def one_hot(ids: np.ndarray, size: int) -> np.ndarray:
    """Ids as one-hot rows: shape ``ids.shape + (size,)``."""
    return np.eye(size)[np.asarray(ids)]


def _check_ids(model: CharRNN, inputs: np.ndarray, targets: np.ndarray) -> None:
    inputs, targets = np.asarray(inputs), np.asarray(targets)
    if inputs.ndim != 2 or inputs.shape != targets.shape:
        raise ValueError(f"expected inputs and targets of the same shape (batch, time_steps), "
                         f"got {inputs.shape} and {targets.shape}")
    for name, ids in (("inputs", inputs), ("targets", targets)):
        if ids.min() < 0 or ids.max() >= model.vocab_size:
            raise ValueError(f"{name} must be ids from 0 to {model.vocab_size - 1}, got "
                             f"{ids.min()} to {ids.max()}")


def loss_and_gradients(model: CharRNN, inputs: np.ndarray, targets: np.ndarray,
                       state: np.ndarray | None = None
                       ) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
    """The mean next-character cross-entropy (nats) over a window, its gradients, and the state
    after the window's last step (to carry into the next window).

    ``inputs`` and ``targets`` are ids of shape ``(batch, time_steps)``: ``targets`` is
    ``inputs`` shifted by one character (teacher forcing: every step reads the true previous
    character, not the model's guess). ``state`` is where the window starts (zeros if None).
    """
    _check_ids(model, inputs, targets)
    batch = len(inputs)
    start = np.zeros((batch, model.units)) if state is None else state
    cache = bptt.forward_cached(model.rnn, one_hot(inputs, model.vocab_size), start)
    states = cache.states[:, 1:]  # H_t, (batch, time_steps, units)
    log_p = log_softmax(states @ model.V + model.c)
    loss = -np.take_along_axis(log_p, targets[..., None], axis=-1).mean()
    d_logits = np.exp(log_p)
    np.put_along_axis(d_logits, targets[..., None], np.take_along_axis(
        d_logits, targets[..., None], axis=-1) - 1.0, axis=-1)
    d_logits /= targets.size  # the loss is a mean over every step of every sequence
    grads = bptt.backward(model.rnn, cache, d_logits @ model.V.T)
    flat_states = states.reshape(-1, model.units)
    flat_d = d_logits.reshape(-1, model.vocab_size)
    return float(loss), {"W": grads.W, "U": grads.U, "b": grads.b, "V": flat_states.T @ flat_d,
                         "c": flat_d.sum(axis=0)}, states[:, -1].copy()


def gradient_check(model: CharRNN, inputs: np.ndarray, targets: np.ndarray,
                   state: np.ndarray | None = None, entries: int = 12, eps: float = 1e-5,
                   seed: int = 0) -> dict[str, float]:
    """The worst relative error between the analytic and the central-difference gradient, per
    weight array, over ``entries`` entries of each drawn at random."""
    rng = np.random.default_rng(seed)
    _, grads, _ = loss_and_gradients(model, inputs, targets, state)
    worst = {}
    for name, array in model.weights().items():
        errors = []
        for flat in rng.choice(array.size, size=min(entries, array.size), replace=False):
            index = np.unravel_index(flat, array.shape)
            original = array[index]
            array[index] = original + eps
            plus = loss_and_gradients(model, inputs, targets, state)[0]
            array[index] = original - eps
            minus = loss_and_gradients(model, inputs, targets, state)[0]
            array[index] = original
            numeric = (plus - minus) / (2 * eps)
            errors.append(bptt.relative_error(np.array([grads[name][index]]),
                                              np.array([numeric])))
        worst[name] = max(errors)
    return worst


@dataclass
class Adam:
    """Adam (Kingma and Ba, 2015), the optimizer Keras uses in this book, for numpy arrays."""

    learning_rate: float = 3e-3
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    steps: int = 0
    _moments: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def apply(self, weights: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """One step: changes every array of ``weights`` in place."""
        self.steps += 1
        for name, w in weights.items():
            m, v = self._moments.get(name, (np.zeros_like(w), np.zeros_like(w)))
            m = self.beta_1 * m + (1 - self.beta_1) * grads[name]
            v = self.beta_2 * v + (1 - self.beta_2) * grads[name] ** 2
            self._moments[name] = (m, v)
            m_hat = m / (1 - self.beta_1 ** self.steps)
            v_hat = v / (1 - self.beta_2 ** self.steps)
            w -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)


def lanes(ids: np.ndarray, batch: int) -> np.ndarray:
    """A stream of ids cut into ``batch`` contiguous lanes, shape ``(batch, length)``: row ``i``
    continues where it left off from one window to the next, so a carried state fits it."""
    ids = np.asarray(ids)
    length = len(ids) // batch
    if length < 2:
        raise ValueError(f"{len(ids)} ids are too few for {batch} lanes of at least 2")
    return ids[:batch * length].reshape(batch, length)


@dataclass
class TrainingLog:
    """What :func:`train_truncated` did: the characters read and the training loss (bits per
    character, averaged over the updates since the last entry) after every ``log_every``."""

    characters: list[int] = field(default_factory=list)
    bits: list[float] = field(default_factory=list)
    seconds: float = 0.0


def train_truncated(model: CharRNN, ids: np.ndarray, *, updates: int, batch: int = 32,
                    window: int = 32, learning_rate: float = 3e-3, max_norm: float = 5.0,
                    log_every: int = 100) -> TrainingLog:
    """Train ``model`` on a stream of ids by truncated BPTT with Adam and gradient clipping.

    The stream is cut into ``batch`` lanes (:func:`lanes`); every update reads the next
    ``window`` characters of every lane, starting from the state the last window left. At the
    end of the lanes reading starts again from their beginning, with a zero state.
    """
    rows = lanes(ids, batch)
    optimizer, log = Adam(learning_rate), TrainingLog()
    state, position, total = None, 0, []
    started = time.perf_counter()
    for update in range(1, updates + 1):
        if position + window + 1 > rows.shape[1]:
            state, position = None, 0
        inputs = rows[:, position:position + window]
        targets = rows[:, position + 1:position + window + 1]
        loss, grads, state = loss_and_gradients(model, inputs, targets, state)
        optimizer.apply(model.weights(), bptt.clip_by_global_norm(grads, max_norm))
        position += window
        total.append(loss)
        if update % log_every == 0 or update == updates:
            log.characters.append(update * batch * window)
            log.bits.append(float(np.mean(total)) / np.log(2))
            total = []
    log.seconds = time.perf_counter() - started
    return log


@dataclass
class TrainedCharRNN:
    """A numpy model :func:`train_cached` trained, or loaded because it had trained it before."""

    model: CharRNN
    log: TrainingLog
    from_cache: bool


def train_cached(vocab_size: int, ids: np.ndarray, *, seed: int = 0, log_every: int = 100,
                 **changes: object) -> TrainedCharRNN:
    """A fresh :class:`CharRNN` trained on ``ids`` by :func:`train_truncated` with
    :data:`TRAINING` (``changes`` replace single settings), or the same model loaded from the
    course's cache when these settings and ids trained it before."""
    settings = {**TRAINING, **changes, "vocab_size": int(vocab_size), "seed": int(seed),
                "log_every": int(log_every), "format": CACHE_FORMAT,
                "data": fingerprint(np.asarray(ids))}
    path = model_dir() / f"char-rnn-{settings_key(settings)[:16]}.npz"

    def train() -> tuple[TrainedCharRNN, list[np.ndarray], dict[str, object]]:
        model = CharRNN.create(vocab_size, settings["units"], seed=seed)
        log = train_truncated(model, ids, updates=settings["updates"], batch=settings["batch"],
                              window=settings["window"],
                              learning_rate=settings["learning_rate"], log_every=log_every)
        return TrainedCharRNN(model, log, False), list(model.weights().values()), {
            "format": CACHE_FORMAT, "settings": settings, "characters": log.characters,
            "bits": log.bits, "seconds": log.seconds}

    def rebuild(meta: dict[str, object], weights: list[np.ndarray]) -> TrainedCharRNN:
        model = CharRNN.create(vocab_size, settings["units"], seed=seed)
        for (name, fresh), stored in zip(model.weights().items(), weights, strict=True):
            if fresh.shape != stored.shape:
                raise ValueError(f"{name} has shape {stored.shape}, expected {fresh.shape}")
            fresh[...] = stored
        log = TrainingLog(list(meta["characters"]), list(meta["bits"]), float(meta["seconds"]))
        return TrainedCharRNN(model, log, True)

    return load_or_train(path, written_for(CACHE_FORMAT, settings), rebuild, train)[0]


def bits_per_char(model: CharRNN, ids: np.ndarray, batch: int = 64) -> float:
    """Cross-entropy in bits per character of the model on a stream of ids, read in ``batch``
    lanes with the state carried all the way (the first character of each lane is not
    scored: nothing comes before it)."""
    rows = lanes(ids, batch)
    state = np.zeros((batch, model.units))
    total = 0.0
    W, U, b = model.rnn.W, model.rnn.U, model.rnn.b
    for t in range(rows.shape[1] - 1):
        state = np.tanh(W[:, rows[:, t]].T + state @ U.T + b)  # W x_t, x_t one-hot
        log_p = log_softmax(state @ model.V + model.c)
        total -= log_p[np.arange(batch), rows[:, t + 1]].sum()
    return float(total / (batch * (rows.shape[1] - 1)) / np.log(2))


def generate(model: CharRNN, prompt: np.ndarray, length: int, temperature: float = 1.0,
             seed: int = 0) -> np.ndarray:
    """``length`` ids written after ``prompt`` (ids), one at a time, each drawn from the
    softmax of the output at ``temperature`` and read back in as the next input."""
    rng = np.random.default_rng(seed)
    W, U, b = model.rnn.W, model.rnn.U, model.rnn.b
    state = np.zeros(model.units)
    prompt = np.asarray(prompt, dtype=np.int64)
    for i in prompt[:-1]:
        state = np.tanh(W[:, i] + U @ state + b)
    written, previous = [], int(prompt[-1])
    for _ in range(length):
        state = np.tanh(W[:, previous] + U @ state + b)
        logits = state @ model.V + model.c
        previous = int(sample_next(logits[None], rng, temperature)[0])
        written.append(previous)
    return np.array(written, dtype=np.int64)

