"""A simple recurrent layer written in numpy: y_t = tanh(W x_t + U y_{t-1} + b).

The layer keeps its state between calls on purpose, so a chapter can show what that means
(a second call does not start from zero); ``reset_state`` starts a new sequence.
"""

from __future__ import annotations

import numpy as np


class SimpleRNN:
    """A fully connected recurrent layer with a tanh activation.

    ``W`` has shape ``(output_features, input_features)``, ``U`` has shape
    ``(output_features, output_features)`` and ``b`` has shape ``(output_features,)``.
    The weights are drawn the way Keras initialises its ``SimpleRNN`` (Glorot-uniform ``W``,
    orthogonal ``U``, zero ``b``) so the layer does not saturate ``tanh`` from the start.
    """

    def __init__(self, input_features: int, output_features: int, seed: int | None = None):
        for name, value in (("input_features", input_features),
                            ("output_features", output_features)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.input_features = int(input_features)
        self.output_features = int(output_features)
        rng = np.random.default_rng(seed)
        limit = np.sqrt(6.0 / (input_features + output_features))
        self.W = rng.uniform(-limit, limit, size=(output_features, input_features))
        # An orthogonal U keeps the size of the state steady from step to step.
        q, r = np.linalg.qr(rng.standard_normal((output_features, output_features)))
        self.U = q * np.sign(np.diag(r))
        self.b = np.zeros(output_features)
        self.state: np.ndarray | None = None

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
        x = self._check_inputs(inputs)
        batched = x.ndim == 3
        if not batched:
            x = x[np.newaxis]
        batch, time_steps, _ = x.shape
        state = self._initial_state(batch)
        outputs = np.empty((batch, time_steps, self.output_features))
        for t in range(time_steps):
            # Row vectors: x_t @ W.T is the same as W @ x_t for every sequence in the batch.
            state = np.tanh(x[:, t] @ self.W.T + state @ self.U.T + self.b)
            outputs[:, t] = state
        self.state = state if batched else state[0]
        if concatenate:
            outputs = outputs.reshape(batch, time_steps * self.output_features)
        return outputs if batched else outputs[0]

    @classmethod
    def from_keras(cls, layer) -> SimpleRNN:
        """Build a numpy layer that computes what a built ``keras.layers.SimpleRNN`` computes.

        Keras stores the kernel as ``(input, output)`` and applies it to row vectors, so our
        ``W`` is its transpose; the same holds for the recurrent kernel and ``U``.
        """
        weights = layer.get_weights()
        if len(weights) != 3:
            raise ValueError(
                "expected a built keras.layers.SimpleRNN with use_bias=True "
                f"(kernel, recurrent kernel, bias), got {len(weights)} weight arrays; "
                "call the layer on an input first so its weights exist"
            )
        kernel, recurrent_kernel, bias = (np.asarray(w, dtype=np.float64) for w in weights)
        if kernel.ndim != 2:
            raise ValueError(f"expected a 2-D kernel, got shape {kernel.shape}")
        input_features, output_features = kernel.shape
        if recurrent_kernel.shape != (output_features, output_features):
            raise ValueError(
                f"expected a recurrent kernel of shape {(output_features, output_features)}, "
                f"got {recurrent_kernel.shape}"
            )
        if bias.shape != (output_features,):
            raise ValueError(f"expected a bias of shape {(output_features,)}, got {bias.shape}")
        activation = getattr(getattr(layer, "activation", None), "__name__", "tanh")
        if activation != "tanh":
            raise ValueError(f"expected a tanh activation, got {activation!r}")
        rnn = cls(input_features, output_features)
        rnn.W, rnn.U, rnn.b = kernel.T, recurrent_kernel.T, bias
        return rnn

    def _check_inputs(self, inputs: np.ndarray) -> np.ndarray:
        x = np.asarray(inputs, dtype=np.float64)
        if x.ndim not in (2, 3):
            raise ValueError(
                "expected inputs of shape (time_steps, input_features) or "
                f"(batch, time_steps, input_features), got a {x.ndim}-D array of shape {x.shape}"
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
        state = np.broadcast_to(self.state, (batch, self.output_features))
        if self.state.ndim == 2 and self.state.shape[0] != batch:
            raise ValueError(
                f"the kept state belongs to a batch of {self.state.shape[0]} sequences, "
                f"but this call has {batch}; call reset_state() to start new sequences"
            )
        return state
