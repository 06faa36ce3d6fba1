"""A simple recurrent layer written in numpy: y_t = tanh(W x_t + U y_{t-1} + b).

Taught in chapters 1 and 2, *Recurrence* and *An RNN in numpy* (``book/01_recurrence``,
``book/02_numpy_rnn``); chapter 7 differentiates it.

``rnn_step`` is the recurrence for one time step; ``SimpleRNN`` runs it over whole sequences
(one sequence or a batch of them) and can copy the weights of a ``keras.layers.SimpleRNN``.

The layer keeps its state between calls on purpose, so a chapter can show what that means
(a second call does not start from zero); ``reset_state`` starts a new sequence.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def rnn_step(x_t: np.ndarray, y_prev: np.ndarray, W: np.ndarray, U: np.ndarray,
             b: np.ndarray) -> np.ndarray:
    """One step of the recurrence: ``tanh(W @ x_t + U @ y_prev + b)``.

    ``x_t`` has shape ``(input_features,)`` and ``y_prev`` shape ``(output_features,)``; a
    leading batch axis on both works too (the step is then applied to every row).
    """
    x_t, y_prev = np.asarray(x_t, dtype=np.float64), np.asarray(y_prev, dtype=np.float64)
    # Row vectors: x_t @ W.T is W @ x_t for every sequence of a batch at once.
    return np.tanh(x_t @ np.asarray(W).T + y_prev @ np.asarray(U).T + np.asarray(b))


class SimpleRNN:
    """A fully connected recurrent layer with a tanh activation.

    ``W`` has shape ``(output_features, input_features)``, ``U`` has shape
    ``(output_features, output_features)`` and ``b`` has shape ``(output_features,)``.
    The weights are drawn the way Keras initialises its ``SimpleRNN`` (Glorot-uniform ``W``,
    orthogonal ``U``, zero ``b``) so the layer does not saturate ``tanh`` from the start.
    ``state`` holds the output of the last step of the last call (``None`` before any call
    and after ``reset_state``).
    """

    def __init__(self, input_features: int, output_features: int, seed: int | None = None):
        for name, value in (("input_features", input_features),
                            ("output_features", output_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.input_features = int(input_features)
        self.output_features = int(output_features)
        rng = np.random.default_rng(seed)
        limit = np.sqrt(6.0 / (self.input_features + self.output_features))
        self.W = rng.uniform(-limit, limit, size=(self.output_features, self.input_features))
        # An orthogonal U keeps the size of the state steady from step to step.
        q, r = np.linalg.qr(rng.standard_normal((self.output_features, self.output_features)))
        self.U = q * np.sign(np.diag(r))
        self.b = np.zeros(self.output_features)
        self.state: np.ndarray | None = None

    def __repr__(self) -> str:
        return (f"SimpleRNN(input_features={self.input_features}, "
                f"output_features={self.output_features})")

    def reset_state(self) -> None:
        """Forget the state, so the next call to ``forward`` starts a new sequence."""
        self.state = None

    def forward(self, inputs: np.ndarray, concatenate: bool = False) -> np.ndarray:
        """Run the layer over a sequence and return the output of every step.

        ``inputs`` has shape ``(time_steps, input_features)`` or, for a batch of sequences,
        ``(batch, time_steps, input_features)``. The result has shape
        ``(time_steps, output_features)`` (or ``(batch, time_steps, output_features)``); with
        ``concatenate=True`` the steps are joined end to end into one vector per sequence,
        ``(time_steps * output_features,)`` (or ``(batch, time_steps * output_features)``).

        The state left after the last step is kept in ``self.state`` and used by the next call.
        """
        self._check_weights()
        x = self._check_inputs(inputs)
        batched = x.ndim == 3
        if not batched:
            x = x[np.newaxis]
        batch, time_steps, _ = x.shape
        state = self._initial_state(batch)
        outputs = np.empty((batch, time_steps, self.output_features))
        for t in range(time_steps):
            state = rnn_step(x[:, t], state, self.W, self.U, self.b)
            outputs[:, t] = state
        if time_steps > 0:
            self.state = state if batched else state[0]
        if concatenate:
            outputs = outputs.reshape(batch, time_steps * self.output_features)
        return outputs if batched else outputs[0]

    @classmethod
    def from_keras(cls, layer: Any) -> SimpleRNN:
        """Build a numpy layer that computes what a built ``keras.layers.SimpleRNN`` computes.

        Keras stores the kernel as ``(input, output)`` and applies it to row vectors, so our
        ``W`` is its transpose; the same holds for the recurrent kernel and ``U``. Only what
        this layer can compute is accepted: a tanh activation, a bias, and steps read forwards.
        """
        if not hasattr(layer, "get_weights"):
            raise ValueError(f"expected a keras.layers.SimpleRNN, got {type(layer).__name__}")
        activation = getattr(getattr(layer, "activation", None), "__name__", "tanh")
        if activation != "tanh":
            raise ValueError(f"expected a tanh activation, got {activation!r}")
        if getattr(layer, "go_backwards", False):
            raise ValueError("expected a layer that reads its steps forwards, "
                             "got go_backwards=True")
        weights = layer.get_weights()
        if len(weights) != 3:
            raise ValueError(
                "expected a built keras.layers.SimpleRNN with use_bias=True, which has 3 weight "
                f"arrays (kernel, recurrent kernel, bias), got {len(weights)}"
                + ("; call the layer on an input first so its weights exist" if not weights
                   else "")
            )
        kernel, recurrent_kernel, bias = (np.asarray(w, dtype=np.float64) for w in weights)
        if kernel.ndim != 2:
            raise ValueError(
                f"expected a 2-D kernel of shape (input_features, units), got shape {kernel.shape}"
            )
        input_features, output_features = kernel.shape
        if recurrent_kernel.shape != (output_features, output_features):
            raise ValueError(
                f"expected a recurrent kernel of shape {(output_features, output_features)}, "
                f"got {recurrent_kernel.shape}"
            )
        if bias.shape != (output_features,):
            raise ValueError(f"expected a bias of shape {(output_features,)}, got {bias.shape}")
        rnn = cls(input_features, output_features)
        rnn.W, rnn.U, rnn.b = kernel.T.copy(), recurrent_kernel.T.copy(), bias
        return rnn

    def _check_weights(self) -> None:
        expected = {
            "W": (self.output_features, self.input_features),
            "U": (self.output_features, self.output_features),
            "b": (self.output_features,),
        }
        for name, shape in expected.items():
            got = np.shape(getattr(self, name))
            if got != shape:
                raise ValueError(f"expected {name} of shape {shape}, got {got}")

    def _check_inputs(self, inputs: np.ndarray) -> np.ndarray:
        x = np.asarray(inputs, dtype=np.float64)
        if x.ndim not in (2, 3):
            raise ValueError(
                f"expected inputs of shape (time_steps, {self.input_features}) or "
                f"(batch, time_steps, {self.input_features}), "
                f"got a {x.ndim}-D array of shape {x.shape}"
            )
        if x.shape[-1] != self.input_features:
            expected = ("(time_steps, " if x.ndim == 2 else "(batch, time_steps, ") + \
                f"{self.input_features})"
            raise ValueError(
                f"expected inputs of shape {expected}, got shape {x.shape}: "
                f"the last axis must hold the {self.input_features} input features"
            )
        return x

    def _initial_state(self, batch: int) -> np.ndarray:
        if self.state is None:
            return np.zeros((batch, self.output_features))
        if self.state.ndim == 2 and self.state.shape[0] != batch:
            raise ValueError(
                f"the kept state belongs to a batch of {self.state.shape[0]} sequences, "
                f"but this call has {batch}; call reset_state() to start new sequences"
            )
        return np.broadcast_to(self.state, (batch, self.output_features))
