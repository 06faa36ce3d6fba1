"""Keras's SimpleRNN layer with its backward pass written out, so that it trains faster.

Used by ``lessons_lib.training`` (chapter 6, ``book/06_training``) to train the article's
stacked SimpleRNN; the equations are chapter 7's backpropagation through time
(``book/07_bptt``).

Why: on a CPU, a recurrent layer's backward pass costs far more than its forward pass when
TensorFlow differentiates the loop itself: it keeps and replays a long chain of small
operations for every step. Written out by hand, the backward loop does one small matrix
product per step - the gradient that flows to the previous state, ``dz_{t+1} U^T`` - and every
weight's gradient is one large product over all steps at once, after the loop:

    dz_t = (dL/dh_t + dz_{t+1} U^T) * (1 - h_t^2)
    dW = sum_t x_t^T dz_t,    dU = sum_t h_{t-1}^T dz_t,    db = sum_t dz_t.

``benchmarks/training.py`` measures the effect on the whole training. (Written out the same
way, the LSTM's backward pass was no faster than Keras's own on the course's machine, so the
LSTM keeps Keras's layer.)

``SimpleRNN`` here subclasses ``keras.layers.SimpleRNN``: the same weights, initialisers and
forward computation, so a model built with it has exactly the weights of the model built with
Keras's layer, and ``get_weights`` of one loads into the other. Only the way the gradient is
computed differs, which changes each gradient in the last bits of a float, as any reordering of
floating-point sums does; over many training steps such differences can grow, so a model
trained with this layer and one trained with Keras's are two runs of the same training, not
copies. A call that uses what :func:`simple_rnn_sequence` does not implement
(a mask, dropout while training, states passed in or returned, ``go_backwards``, ``unroll``,
no bias, another activation, sequences of unknown length, another backend than TensorFlow)
runs Keras's own code instead.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf


def _steps(values: Any) -> Any:
    """A ``(T, ...)`` tensor as a TensorArray, so that a loop can read step ``t`` cheaply."""
    return tf.TensorArray(values.dtype, size=values.shape[0]).unstack(values)


def _loop(steps: int, body: Any, state: tuple, reverse: bool = False) -> tuple:
    """Run ``state = body(t, *state)`` for t = 0 .. steps - 1 (or back), as one XLA loop."""
    first, last = (steps - 1, -1) if reverse else (0, steps)
    move = -1 if reverse else 1

    def cond(t: Any, *state: Any) -> Any:
        return t > last if reverse else t < last

    def advance(t: Any, *state: Any) -> tuple:
        return (t + move, *body(t, *state))

    return tf.while_loop(cond, advance, (tf.constant(first), *state),
                         maximum_iterations=steps)[1:]


def simple_rnn_sequence(x: Any, kernel: Any, recurrent_kernel: Any, bias: Any) -> Any:
    """Every state of ``h_t = tanh(x_t W + b + h_{t-1} U)``, ``h_0 = 0``; shape ``(B, T, U)``.

    ``x`` has shape ``(batch, steps, features)``; the gradient is written out (module docstring).
    """

    @tf.custom_gradient
    def forward(x: Any, kernel: Any, recurrent_kernel: Any, bias: Any) -> Any:
        x_steps = tf.transpose(x, [1, 0, 2])  # (T, B, F): the loops run over the first axis
        steps, h0 = x.shape[1], tf.zeros([tf.shape(x)[0], recurrent_kernel.shape[0]], x.dtype)
        inputs = _steps(x_steps)

        def step(t: Any, h: Any, states: Any) -> tuple:
            h = tf.tanh(inputs.read(t) @ kernel + bias + h @ recurrent_kernel)
            return h, states.write(t, h)

        _, states = _loop(steps, step, (h0, tf.TensorArray(x.dtype, size=steps)))
        states = states.stack()  # (T, B, U)

        def backward(d_states: Any) -> tuple[Any, Any, Any, Any]:
            d_outputs, hs = _steps(tf.transpose(d_states, [1, 0, 2])), _steps(states)
            recurrent_t = tf.transpose(recurrent_kernel)

            def step_back(t: Any, dz_next: Any, dzs: Any) -> tuple:
                h = hs.read(t)
                dz = (d_outputs.read(t) + dz_next @ recurrent_t) * (1.0 - h * h)
                return dz, dzs.write(t, dz)

            _, dz = _loop(steps, step_back, (h0, tf.TensorArray(x.dtype, size=steps)),
                          reverse=True)
            dz = dz.stack()
            previous = tf.concat([h0[None], states[:-1]], axis=0)
            return (tf.transpose(tf.einsum("tbu,fu->tbf", dz, kernel), [1, 0, 2]),
                    tf.einsum("tbf,tbu->fu", x_steps, dz),
                    tf.einsum("tbv,tbu->vu", previous, dz),
                    tf.reduce_sum(dz, axis=[0, 1]))

        return tf.transpose(states, [1, 0, 2]), backward

    return forward(x, kernel, recurrent_kernel, bias)


def _same_as_keras(layer: keras.layers.SimpleRNN, sequences: Any, mask: Any,
                   initial_state: Any, training: bool) -> bool:
    """Whether :func:`simple_rnn_sequence` computes exactly what Keras would for this call."""
    cell = layer.cell
    return (keras.backend.backend() == "tensorflow" and sequences.shape[1] is not None
            and mask is None and initial_state is None
            and not (layer.stateful or layer.go_backwards or layer.return_state or layer.unroll)
            and cell.use_bias and not (training and (cell.dropout or cell.recurrent_dropout))
            and cell.activation is keras.activations.tanh)


def _weights(cell: Any) -> tuple[Any, Any, Any]:
    """The cell's kernel, recurrent kernel and bias as tensors (reads the tape records)."""
    return tuple(tf.convert_to_tensor(w) for w in (cell.kernel, cell.recurrent_kernel, cell.bias))


class SimpleRNN(keras.layers.SimpleRNN):
    """``keras.layers.SimpleRNN`` with the backward pass of :func:`simple_rnn_sequence`."""

    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None,
             training: bool = False) -> Any:
        """Keras's ``call``, with the written-out loop wherever it computes the same thing."""
        if not _same_as_keras(self, sequences, mask, initial_state, training):
            return super().call(sequences, initial_state=initial_state, mask=mask,
                                training=training)
        states = simple_rnn_sequence(sequences, *_weights(self.cell))
        return states if self.return_sequences else states[:, -1]
