"""LSTM and GRU layers written in numpy, equal to ``keras.layers.LSTM`` and ``keras.layers.GRU``.

Taught in chapter 8, *Gated cells from scratch* (``book/08_gated_cells``).

Each gate has its own input weights ``W[g]`` (``(units, input_features)``), recurrent weights
``U[g]`` (``(units, units)``) and bias ``b[g]`` (``(units,)``), stored in dicts keyed by the
gate's letter, so the code of a step reads like its equations (``sigma`` is the logistic
function, ``*`` the element-wise product):

LSTM (gates ``i``, ``f``, ``c``, ``o``; Keras' kernel order)::

    i_t = sigma(W_i x_t + U_i h_{t-1} + b_i)        input gate
    f_t = sigma(W_f x_t + U_f h_{t-1} + b_f)        forget gate
    g_t = tanh(W_c x_t + U_c h_{t-1} + b_c)         candidate cell
    o_t = sigma(W_o x_t + U_o h_{t-1} + b_o)        output gate
    c_t = f_t * c_{t-1} + i_t * g_t                 cell state
    h_t = o_t * tanh(c_t)                           output

GRU (gates ``z``, ``r``, ``h``; Keras' order), with Keras 3's default ``reset_after=True``,
where every block has a second, recurrent bias (``b'_g``, ``b_rec[g]`` here), added to its
recurrent part; in the candidate the reset gate scales it too::

    z_t = sigma(W_z x_t + b_z + U_z h_{t-1} + b'_z)             update gate
    r_t = sigma(W_r x_t + b_r + U_r h_{t-1} + b'_r)             reset gate
    n_t = tanh(W_h x_t + b_h + r_t * (U_h h_{t-1} + b'_h))      candidate
    h_t = z_t * h_{t-1} + (1 - z_t) * n_t                       output

With ``reset_after=False`` the candidate is ``tanh(W_h x_t + U_h (r_t * h_{t-1}) + b_h)``. In
Keras 3 the GRU's bias is ``(2, 3 * units)`` when ``reset_after`` is on: row 0 is added to the
input part, row 1 to the recurrent part of every gate (``b`` and ``b_rec`` here).
"""

from __future__ import annotations

from typing import Any

import numpy as np

LSTM_GATES = ("i", "f", "c", "o")
GRU_GATES = ("z", "r", "h")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-z))``, without overflow for large ``|z|``."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _init_gates(gates: tuple[str, ...], input_features: int, units: int,
                seed: int | None) -> tuple[dict, dict, dict]:
    """Keras-like initial weights: Glorot-uniform ``W``, orthogonal ``U``, zero ``b``."""
    rng = np.random.default_rng(seed)
    k = len(gates)
    limit = np.sqrt(6.0 / (input_features + k * units))
    kernel = rng.uniform(-limit, limit, size=(k * units, input_features))
    q, r = np.linalg.qr(rng.standard_normal((k * units, units)))
    recurrent = q * np.sign(np.diag(r))
    W = {g: kernel[j * units:(j + 1) * units] for j, g in enumerate(gates)}
    U = {g: recurrent[j * units:(j + 1) * units] for j, g in enumerate(gates)}
    b = {g: np.zeros(units) for g in gates}
    return W, U, b


def _split_kernel(kernel: np.ndarray, gates: tuple[str, ...], units: int) -> dict:
    """Keras stores gates side by side in columns, ``(rows, k * units)``; we want each gate's
    matrix transposed, ``(units, rows)``."""
    return {g: kernel[:, j * units:(j + 1) * units].T.copy() for j, g in enumerate(gates)}


def _split_bias(bias: np.ndarray, gates: tuple[str, ...], units: int) -> dict:
    return {g: bias[j * units:(j + 1) * units].copy() for j, g in enumerate(gates)}


class _GatedLayer:
    """What the LSTM and GRU layers share: shapes, input checks and the loop over time."""

    gates: tuple[str, ...] = ()
    keras_name = ""

    def __init__(self, input_features: int, units: int, seed: int | None = None):
        self.input_features = _positive_int("input_features", input_features)
        self.units = _positive_int("units", units)
        self.W, self.U, self.b = _init_gates(self.gates, self.input_features, self.units, seed)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(input_features={self.input_features}, "
                f"units={self.units})")

    def _check_inputs(self, inputs: np.ndarray) -> np.ndarray:
        x = np.asarray(inputs, dtype=np.float64)
        if x.ndim not in (2, 3):
            raise ValueError(
                "expected inputs of shape (time_steps, input_features) or (batch, time_steps, "
                f"input_features), got a {x.ndim}-D array of shape {x.shape}"
            )
        if x.shape[-1] != self.input_features:
            raise ValueError(
                f"expected {self.input_features} input features on the last axis, "
                f"got shape {x.shape}"
            )
        if x.shape[-2] < 1:
            raise ValueError(f"expected at least one time step, got shape {x.shape}")
        return x

    def _check_weights(self) -> None:
        m, u = self.input_features, self.units
        for g in self.gates:
            for name, array, shape in (("W", self.W, (u, m)), ("U", self.U, (u, u)),
                                       ("b", self.b, (u,))):
                if g not in array or np.shape(array[g]) != shape:
                    got = np.shape(array[g]) if g in array else "nothing"
                    raise ValueError(f"expected {name}[{g!r}] of shape {shape}, got {got}")

    def _initial_state(self, batch: int) -> tuple[np.ndarray, ...]:
        return (np.zeros((batch, self.units)),)

    def step(self, x_t: np.ndarray, *state: np.ndarray) -> tuple[np.ndarray, ...]:
        """One step; returns the new state, whose first entry is the output ``h_t``."""
        raise NotImplementedError

    def forward(self, inputs: np.ndarray, return_sequences: bool = False) -> np.ndarray:
        """Run the layer over a sequence (or a batch of them) from a zero state.

        ``inputs`` is ``(time_steps, input_features)`` or ``(batch, time_steps,
        input_features)``. Like Keras, the result is the last output, ``(units,)`` or
        ``(batch, units)``, or with ``return_sequences=True`` every output, ``(time_steps,
        units)`` or ``(batch, time_steps, units)``.
        """
        self._check_weights()
        x = self._check_inputs(inputs)
        batched = x.ndim == 3
        if not batched:
            x = x[np.newaxis]
        state = self._initial_state(x.shape[0])
        outputs = np.empty((x.shape[0], x.shape[1], self.units))
        for t in range(x.shape[1]):
            state = self.step(x[:, t], *state)
            outputs[:, t] = state[0]
        result = outputs if return_sequences else outputs[:, -1]
        return result if batched else result[0]

    @classmethod
    def _keras_weights(cls, layer: Any, count: int) -> list[np.ndarray]:
        """The layer's weights as float64 arrays, after checking its kind and settings."""
        kind = type(layer).__name__
        if kind != cls.keras_name:
            raise ValueError(f"expected a keras.layers.{cls.keras_name}, got {kind}")
        weights = [np.asarray(w, dtype=np.float64) for w in layer.get_weights()]
        if len(weights) != count:
            raise ValueError(
                f"expected a built {cls.keras_name} with use_bias=True ({count} weight arrays: "
                f"kernel, recurrent kernel, bias), got {len(weights)}; call the layer on an "
                "input first so its weights exist"
            )
        for attribute, expected in (("activation", "tanh"), ("recurrent_activation", "sigmoid")):
            name = getattr(getattr(layer, attribute, None), "__name__", expected)
            if name != expected:
                raise ValueError(f"expected {attribute}={expected!r}, got {name!r}")
        return weights

    @classmethod
    def _layer_from_kernels(cls, kernel: np.ndarray, recurrent: np.ndarray) -> _GatedLayer:
        k = len(cls.gates)
        if kernel.ndim != 2 or kernel.shape[1] % k:
            raise ValueError(f"expected a kernel of shape (input_features, {k} * units), "
                             f"got {kernel.shape}")
        units = kernel.shape[1] // k
        if recurrent.shape != (units, k * units):
            raise ValueError(f"expected a recurrent kernel of shape {(units, k * units)}, "
                             f"got {recurrent.shape}")
        layer = cls(kernel.shape[0], units)
        layer.W = _split_kernel(kernel, cls.gates, units)
        layer.U = _split_kernel(recurrent, cls.gates, units)
        return layer


class LSTM(_GatedLayer):
    """A long short-term memory layer; the state is the pair ``(h, c)``."""

    gates = LSTM_GATES
    keras_name = "LSTM"

    def _initial_state(self, batch: int) -> tuple[np.ndarray, ...]:
        return np.zeros((batch, self.units)), np.zeros((batch, self.units))

    def step(self, x_t: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, ...]:
        """One LSTM step (row vectors: ``x @ W.T`` is ``W x``); returns ``(h_t, c_t)``."""
        W, U, b = self.W, self.U, self.b
        i = sigmoid(x_t @ W["i"].T + h @ U["i"].T + b["i"])
        f = sigmoid(x_t @ W["f"].T + h @ U["f"].T + b["f"])
        g = np.tanh(x_t @ W["c"].T + h @ U["c"].T + b["c"])
        o = sigmoid(x_t @ W["o"].T + h @ U["o"].T + b["o"])
        c = f * c + i * g
        h = o * np.tanh(c)
        return h, c

    @classmethod
    def from_keras(cls, layer: Any) -> LSTM:
        """A numpy LSTM that computes what a built ``keras.layers.LSTM`` computes."""
        kernel, recurrent, bias = cls._keras_weights(layer, 3)
        lstm = cls._layer_from_kernels(kernel, recurrent)
        if bias.shape != (4 * lstm.units,):
            raise ValueError(f"expected a bias of shape {(4 * lstm.units,)}, got {bias.shape}")
        lstm.b = _split_bias(bias, cls.gates, lstm.units)
        return lstm


class GRU(_GatedLayer):
    """A gated recurrent unit layer, by default in Keras 3's ``reset_after=True`` form."""

    gates = GRU_GATES
    keras_name = "GRU"

    def __init__(self, input_features: int, units: int, seed: int | None = None,
                 reset_after: bool = True):
        super().__init__(input_features, units, seed)
        self.reset_after = bool(reset_after)
        # The recurrent biases exist only with reset_after; zero ones change nothing.
        self.b_rec = {g: np.zeros(self.units) for g in self.gates}

    def step(self, x_t: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, ...]:
        """One GRU step (row vectors: ``x @ W.T`` is ``W x``); returns ``(h_t,)``."""
        W, U, b, br = self.W, self.U, self.b, self.b_rec
        if self.reset_after:
            z = sigmoid(x_t @ W["z"].T + b["z"] + h @ U["z"].T + br["z"])
            r = sigmoid(x_t @ W["r"].T + b["r"] + h @ U["r"].T + br["r"])
            n = np.tanh(x_t @ W["h"].T + b["h"] + r * (h @ U["h"].T + br["h"]))
        else:
            z = sigmoid(x_t @ W["z"].T + h @ U["z"].T + b["z"])
            r = sigmoid(x_t @ W["r"].T + h @ U["r"].T + b["r"])
            n = np.tanh(x_t @ W["h"].T + (r * h) @ U["h"].T + b["h"])
        return (z * h + (1.0 - z) * n,)

    @classmethod
    def from_keras(cls, layer: Any) -> GRU:
        """A numpy GRU that computes what a built ``keras.layers.GRU`` computes."""
        kernel, recurrent, bias = cls._keras_weights(layer, 3)
        gru = cls._layer_from_kernels(kernel, recurrent)
        reset_after = bool(getattr(layer, "reset_after", True))
        expected = (2, 3 * gru.units) if reset_after else (3 * gru.units,)
        if bias.shape != expected:
            raise ValueError(f"expected a bias of shape {expected} for reset_after="
                             f"{reset_after}, got {bias.shape}")
        gru.reset_after = reset_after
        if reset_after:
            gru.b = _split_bias(bias[0], cls.gates, gru.units)
            gru.b_rec = _split_bias(bias[1], cls.gates, gru.units)
        else:
            gru.b = _split_bias(bias, cls.gates, gru.units)
        return gru


def parameter_count(layer: _GatedLayer) -> int:
    """How many numbers the layer learns (what Keras' ``count_params`` reports)."""
    arrays = [*layer.W.values(), *layer.U.values(), *layer.b.values()]
    if isinstance(layer, GRU) and layer.reset_after:
        arrays += list(layer.b_rec.values())
    return int(sum(np.size(a) for a in arrays))
