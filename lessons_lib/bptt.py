"""Backpropagation through time for the numpy ``SimpleRNN``: y_t = tanh(W x_t + U y_{t-1} + b).

Taught in chapter 7, *Backpropagation through time* (``book/07_bptt``).

``forward_cached`` runs the layer from a zero state and keeps every output; ``backward`` takes
the gradient of a loss with respect to every output, ``dL/dy_t``, and walks the sequence
backwards to the gradients with respect to ``W``, ``U``, ``b`` and the inputs.
``loss_and_gradients`` wraps both for a squared-error loss on the last output or on every
output. ``numerical_gradients`` (central finite differences) and ``tensorflow_gradients``
(``tf.GradientTape``) compute the same gradients two other ways, so they can be checked.
``state_gradient_norms``, ``with_spectral_norm`` and ``clip_by_global_norm`` are the tools of
the vanishing- and exploding-gradient part of the chapter.

Shapes follow ``SimpleRNN``: one sequence is ``(time_steps, input_features)``, a batch is
``(batch, time_steps, input_features)``; ``W`` is ``(output_features, input_features)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lessons_lib.numpy_rnn import SimpleRNN

LOSS_ON = ("last", "all")


@dataclass
class Cache:
    """What the backward pass needs from the forward pass.

    ``inputs`` is ``(batch, time_steps, input_features)``; ``states`` is
    ``(batch, time_steps + 1, output_features)`` with the initial state at index 0, so
    ``states[:, t + 1]`` is the output ``y_t`` of step ``t``. ``batched`` records whether the
    caller passed a batch, so results come back in the caller's shape.
    """

    inputs: np.ndarray
    states: np.ndarray
    batched: bool

    @property
    def outputs(self) -> np.ndarray:
        """The outputs ``y_0 ... y_{T-1}`` in the caller's shape."""
        outputs = self.states[:, 1:]
        return outputs if self.batched else outputs[0]


@dataclass
class Gradients:
    """Gradients of a scalar loss with respect to the weights and the inputs of the layer."""

    W: np.ndarray
    U: np.ndarray
    b: np.ndarray
    inputs: np.ndarray

    def weights(self) -> dict[str, np.ndarray]:
        """The weight gradients by name (``W``, ``U``, ``b``), e.g. for a gradient step."""
        return {"W": self.W, "U": self.U, "b": self.b}


def _as_batch(rnn: SimpleRNN, inputs: np.ndarray) -> tuple[np.ndarray, bool]:
    x = np.asarray(inputs, dtype=np.float64)
    if x.ndim not in (2, 3) or x.shape[-1] != rnn.input_features:
        raise ValueError(
            f"expected inputs of shape (time_steps, {rnn.input_features}) or "
            f"(batch, time_steps, {rnn.input_features}), got shape {x.shape}"
        )
    if x.shape[-2] < 1:
        raise ValueError(f"expected at least one time step, got shape {x.shape}")
    return (x, True) if x.ndim == 3 else (x[np.newaxis], False)


def forward_cached(rnn: SimpleRNN, inputs: np.ndarray,
                   initial_state: np.ndarray | None = None) -> Cache:
    """Run ``rnn`` over ``inputs`` from a zero state and keep every state for ``backward``.

    The layer's own kept state (``rnn.state``) is neither used nor changed: a gradient belongs
    to one sequence that starts from zero. ``initial_state`` (``(batch, output_features)``, or
    ``(output_features,)`` for one sequence) starts it elsewhere instead: *truncated*
    backpropagation through time (chapter 11) carries the state from one window of a long
    text to the next and treats it as a constant, so ``backward`` stops there.
    """
    x, batched = _as_batch(rnn, inputs)
    batch, time_steps, _ = x.shape
    states = np.zeros((batch, time_steps + 1, rnn.output_features))
    if initial_state is not None:
        start = np.asarray(initial_state, dtype=np.float64)
        expected = (batch, rnn.output_features) if batched else (rnn.output_features,)
        if start.shape != expected:
            raise ValueError(f"expected an initial state of shape {expected}, got {start.shape}")
        states[:, 0] = start
    for t in range(time_steps):
        states[:, t + 1] = np.tanh(x[:, t] @ rnn.W.T + states[:, t] @ rnn.U.T + rnn.b)
    return Cache(inputs=x, states=states, batched=batched)


def backward(rnn: SimpleRNN, cache: Cache, output_grads: np.ndarray) -> Gradients:
    """Backpropagation through time, given ``dL/dy_t`` for every output ``y_t``.

    ``output_grads`` has the shape of the outputs (``cache.outputs``); it holds the *direct*
    gradient of the loss with respect to each output (zero everywhere but the last step for a
    loss on the last output). Walking from the last step to the first, the gradient reaching
    ``y_t`` is its direct part plus what flows back from step ``t + 1`` through ``U``:

        g_t = dL/dy_t (direct) + U^T delta_{t+1},    delta_t = g_t * (1 - y_t ** 2)

    and each step adds ``delta_t x_t^T`` to ``dW``, ``delta_t y_{t-1}^T`` to ``dU`` and
    ``delta_t`` to ``db``; the input gets ``W^T delta_t``.
    """
    x, states = cache.inputs, cache.states
    dy = np.asarray(output_grads, dtype=np.float64)
    expected = states[:, 1:].shape if cache.batched else states[0, 1:].shape
    if dy.shape != expected:
        raise ValueError(f"expected output gradients of shape {expected}, got {dy.shape}")
    if not cache.batched:
        dy = dy[np.newaxis]
    dW, dU, db = np.zeros_like(rnn.W), np.zeros_like(rnn.U), np.zeros_like(rnn.b)
    dx = np.zeros_like(x)
    carried = np.zeros_like(states[:, 0])  # U^T delta_{t+1}, zero after the last step
    for t in reversed(range(x.shape[1])):
        y_t, y_prev = states[:, t + 1], states[:, t]
        delta = (dy[:, t] + carried) * (1.0 - y_t**2)  # through tanh
        dW += delta.T @ x[:, t]
        dU += delta.T @ y_prev
        db += delta.sum(axis=0)
        dx[:, t] = delta @ rnn.W
        carried = delta @ rnn.U
    return Gradients(W=dW, U=dU, b=db, inputs=dx if cache.batched else dx[0])


def squared_error(outputs: np.ndarray, targets: np.ndarray,
                  on: str = "last") -> tuple[float, np.ndarray]:
    """The loss ``0.5 * sum((y - target) ** 2)`` on the last output or on every output.

    Returns the loss and its gradient with respect to every output (the shape of
    ``outputs``). ``targets`` has the shape of the last output for ``on="last"`` and the shape
    of all outputs for ``on="all"``.
    """
    if on not in LOSS_ON:
        raise ValueError(f"expected on to be one of {LOSS_ON}, got {on!r}")
    targets = np.asarray(targets, dtype=np.float64)
    grads = np.zeros_like(outputs)
    predicted = outputs[..., -1, :] if on == "last" else outputs
    if targets.shape != predicted.shape:
        raise ValueError(f"expected targets of shape {predicted.shape} for a loss on {on} "
                         f"output(s), got {targets.shape}")
    error = predicted - targets
    if on == "last":
        grads[..., -1, :] = error
    else:
        grads[...] = error
    return 0.5 * float(np.sum(error**2)), grads


def loss_and_gradients(rnn: SimpleRNN, inputs: np.ndarray, targets: np.ndarray,
                       on: str = "last") -> tuple[float, Gradients]:
    """The squared-error loss of ``rnn`` on ``inputs`` and its gradients, by BPTT."""
    cache = forward_cached(rnn, inputs)
    loss, output_grads = squared_error(cache.outputs, targets, on=on)
    return loss, backward(rnn, cache, output_grads)


def loss_value(rnn: SimpleRNN, inputs: np.ndarray, targets: np.ndarray,
               on: str = "last") -> float:
    """The squared-error loss alone (what finite differences perturb)."""
    return squared_error(forward_cached(rnn, inputs).outputs, targets, on=on)[0]


def numerical_gradient(f: Callable[[], float], array: np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    """Central finite differences of ``f()`` with respect to every entry of ``array``.

    ``array`` is changed in place, one entry at a time, and restored; ``f`` reads it.
    """
    grad = np.zeros_like(array, dtype=np.float64)
    for index in np.ndindex(array.shape):
        original = array[index]
        array[index] = original + eps
        plus = f()
        array[index] = original - eps
        minus = f()
        array[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def numerical_gradients(rnn: SimpleRNN, inputs: np.ndarray, targets: np.ndarray,
                        on: str = "last", eps: float = 1e-6) -> Gradients:
    """The gradients of ``loss_value`` by central finite differences (slow: 2 runs per entry)."""
    x = np.array(inputs, dtype=np.float64)

    def f() -> float:
        return loss_value(rnn, x, targets, on=on)

    return Gradients(W=numerical_gradient(f, rnn.W, eps), U=numerical_gradient(f, rnn.U, eps),
                     b=numerical_gradient(f, rnn.b, eps), inputs=numerical_gradient(f, x, eps))


def tensorflow_gradients(rnn: SimpleRNN, inputs: np.ndarray, targets: np.ndarray,
                         on: str = "last") -> tuple[float, Gradients]:
    """The same loss and gradients by TensorFlow's automatic differentiation, in float64."""
    import tensorflow as tf

    x_np, batched = _as_batch(rnn, inputs)
    W, U, b, x = (tf.Variable(np.asarray(a, dtype=np.float64)) for a in (rnn.W, rnn.U, rnn.b,
                                                                         x_np))
    with tf.GradientTape() as tape:
        y = tf.zeros((x_np.shape[0], rnn.output_features), dtype=tf.float64)
        outputs = []
        for t in range(x_np.shape[1]):
            y = tf.tanh(tf.matmul(x[:, t], W, transpose_b=True)
                        + tf.matmul(y, U, transpose_b=True) + b)
            outputs.append(y)
        stacked = tf.stack(outputs, axis=1)
        if not batched:
            stacked = stacked[0]
        predicted = stacked[..., -1, :] if on == "last" else stacked
        loss = 0.5 * tf.reduce_sum((predicted - np.asarray(targets, dtype=np.float64)) ** 2)
    dW, dU, db, dx = (g.numpy() for g in tape.gradient(loss, [W, U, b, x]))
    return float(loss), Gradients(W=dW, U=dU, b=db, inputs=dx if batched else dx[0])


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``|a - b| / max(|a| + |b|, tiny)``, the usual yardstick of a gradient check."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare arrays of shapes {a.shape} and {b.shape}")
    denominator = max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)
    return float(np.linalg.norm(a - b) / denominator)


def max_relative_error(a: Gradients, b: Gradients) -> float:
    """The worst ``relative_error`` over ``W``, ``U``, ``b`` and the inputs."""
    return max(relative_error(getattr(a, n), getattr(b, n)) for n in ("W", "U", "b", "inputs"))


def state_gradient_norms(rnn: SimpleRNN, inputs: np.ndarray,
                         direction: np.ndarray | None = None) -> np.ndarray:
    """``||dL/dy_t||`` for every step ``t`` of one sequence, for a loss on the last output.

    The loss is ``direction . y_{T-1}`` (a unit vector; by default all entries equal), so its
    gradient at the last step has norm 1 and the result shows how much of it survives the walk
    back to each earlier step. Returns an array of shape ``(time_steps,)``.
    """
    x = np.asarray(inputs, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected one sequence of shape (time_steps, {rnn.input_features}), "
                         f"got shape {x.shape}")
    cache = forward_cached(rnn, x)
    n = rnn.output_features
    v = np.full(n, 1 / np.sqrt(n)) if direction is None else np.asarray(direction, float)
    norms = np.empty(x.shape[0])
    g = v
    for t in reversed(range(x.shape[0])):
        norms[t] = np.linalg.norm(g)
        y_t = cache.states[0, t + 1]
        g = (g * (1.0 - y_t**2)) @ rnn.U
    return norms


def with_spectral_radius(U: np.ndarray, radius: float) -> np.ndarray:
    """``U`` rescaled so that its largest eigenvalue modulus (spectral radius) is ``radius``."""
    U = np.asarray(U, dtype=np.float64)
    current = float(np.max(np.abs(np.linalg.eigvals(U))))
    if current == 0:
        raise ValueError("U has spectral radius 0 and cannot be rescaled")
    return U * (radius / current)


def with_spectral_norm(U: np.ndarray, norm: float) -> np.ndarray:
    """``U`` rescaled so that its largest singular value (spectral norm ``||U||_2``) is ``norm``.

    The spectral norm is what bounds the gradient's walk back through time: each step
    multiplies it by ``U^T`` and by tanh derivatives of at most 1, so after ``k`` steps its norm
    is at most ``||U||_2 ** k`` times what it was. (The spectral radius is at most the spectral
    norm; for an orthogonal ``U`` rescaled by a number the two are equal.)
    """
    U = np.asarray(U, dtype=np.float64)
    current = float(np.linalg.norm(U, 2))
    if current == 0:
        raise ValueError("U is zero and cannot be rescaled to a spectral norm")
    return U * (norm / current)


def global_norm(grads: dict[str, np.ndarray]) -> float:
    """The norm of all gradients together, as if they were one long vector."""
    return float(np.sqrt(sum(np.sum(np.square(g)) for g in grads.values())))


def clip_by_global_norm(grads: dict[str, np.ndarray],
                        max_norm: float) -> dict[str, np.ndarray]:
    """Scale all gradients down together when their global norm exceeds ``max_norm``.

    The direction of the step is kept; only its length is capped. Gradients whose norm is
    already at most ``max_norm`` come back unchanged.
    """
    if max_norm <= 0:
        raise ValueError(f"expected a positive max_norm, got {max_norm}")
    norm = global_norm(grads)
    scale = 1.0 if norm <= max_norm else max_norm / norm
    return {name: g * scale for name, g in grads.items()}


# --- training with plain gradient descent ---------------------------------------------------


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, written so that large ``|z|`` does not overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


@dataclass
class Readout:
    """A linear readout of the last output: ``p = sigmoid(v . y_{T-1} + c)``."""

    v: np.ndarray
    c: float = 0.0

    def probabilities(self, rnn: SimpleRNN, inputs: np.ndarray) -> np.ndarray:
        """The probability of label 1 for every sequence of a batch."""
        last = forward_cached(rnn, inputs).states[:, -1]
        return sigmoid(last @ self.v + self.c)


def classification_step(rnn: SimpleRNN, readout: Readout, inputs: np.ndarray,
                        labels: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """Mean binary cross-entropy of the readout on a batch, and its gradients.

    Returns the loss and a dict of gradients with the keys ``W``, ``U``, ``b`` (the layer, by
    BPTT with the loss on the last output) and ``v``, ``c`` (the readout).
    """
    cache = forward_cached(rnn, inputs)
    y = np.asarray(labels, dtype=np.float64)
    last = cache.states[:, -1]
    p = sigmoid(last @ readout.v + readout.c)
    n = len(y)
    eps = 1e-12
    loss = -float(np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))
    dz = (p - y) / n  # dL/d(v . y + c) for the mean cross-entropy
    output_grads = np.zeros_like(cache.states[:, 1:])
    output_grads[:, -1] = np.outer(dz, readout.v)
    grads = backward(rnn, cache, output_grads).weights()
    grads.update(v=last.T @ dz, c=np.asarray(dz.sum()))
    return loss, grads


def train_gradient_descent(rnn: SimpleRNN, readout: Readout, inputs: np.ndarray,
                           labels: np.ndarray, steps: int, learning_rate: float,
                           clip_norm: float | None = None) -> dict[str, list[float]]:
    """Full-batch gradient descent on ``classification_step``; updates both in place.

    With ``clip_norm`` the gradients are clipped by their global norm before each step.
    Returns the history: ``loss`` and ``grad_norm`` (before clipping) per step.
    """
    history: dict[str, list[float]] = {"loss": [], "grad_norm": []}
    for _ in range(steps):
        loss, grads = classification_step(rnn, readout, inputs, labels)
        history["loss"].append(loss)
        history["grad_norm"].append(global_norm(grads))
        if clip_norm is not None:
            grads = clip_by_global_norm(grads, clip_norm)
        rnn.W -= learning_rate * grads["W"]
        rnn.U -= learning_rate * grads["U"]
        rnn.b -= learning_rate * grads["b"]
        readout.v -= learning_rate * grads["v"]
        readout.c -= learning_rate * float(grads["c"])
    return history
