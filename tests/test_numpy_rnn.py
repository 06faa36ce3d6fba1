"""The numpy SimpleRNN: shapes, state, clear errors, and equality with keras.layers.SimpleRNN."""

from __future__ import annotations

import os
import re

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from lessons_lib.numpy_rnn import SimpleRNN, rnn_step

keras = pytest.importorskip("keras")


def keras_layer(input_features: int, units: int, seed: int, **kwargs) -> keras.layers.SimpleRNN:
    """A built Keras SimpleRNN with random (non-default) weights, bias included.

    The matrices are scaled by one over the square root of their fan-in so the layer is not
    chaotic: over 100 steps a chaotic layer would amplify float32 rounding (Keras) against
    float64 (numpy) until the two disagree, whatever the code.
    """
    layer = keras.layers.SimpleRNN(units, **kwargs)
    layer.build((None, None, input_features))
    rng = np.random.default_rng(seed)
    layer.set_weights([
        (rng.normal(0, 0.8 / np.sqrt(w.shape[0]), w.shape) if w.ndim == 2
         else rng.normal(0, 0.5, w.shape)).astype("float32")
        for w in layer.get_weights()
    ])
    return layer


# --- equality with Keras ---------------------------------------------------------------------

SHAPES = [  # (seed, batch, time_steps, input_features, units)
    (0, 1, 1, 1, 1),
    (1, 3, 7, 5, 4),
    (2, 2, 30, 16, 32),
    (3, 4, 100, 32, 64),
    (4, 5, 12, 3, 9),
]


@pytest.mark.parametrize("seed,batch,time_steps,features,units", SHAPES)
def test_matches_keras_return_sequences(seed, batch, time_steps, features, units):
    layer = keras_layer(features, units, seed, return_sequences=True)
    x = np.random.default_rng(seed + 100).normal(size=(batch, time_steps, features))
    expected = np.asarray(layer(x.astype("float32")))
    rnn = SimpleRNN.from_keras(layer)
    np.testing.assert_allclose(rnn.forward(x), expected, atol=1e-4)
    # One sequence at a time, without a batch axis, gives the same rows.
    for i in range(batch):
        rnn.reset_state()
        np.testing.assert_allclose(rnn.forward(x[i]), expected[i], atol=1e-4)


@pytest.mark.parametrize("seed,batch,time_steps,features,units", SHAPES)
def test_matches_keras_last_step(seed, batch, time_steps, features, units):
    layer = keras_layer(features, units, seed)  # return_sequences=False: the last output only
    x = np.random.default_rng(seed + 200).uniform(-1, 1, size=(batch, time_steps, features))
    expected = np.asarray(layer(x.astype("float32")))
    rnn = SimpleRNN.from_keras(layer)
    outputs = rnn.forward(x)
    np.testing.assert_allclose(outputs[:, -1], expected, atol=1e-4)
    np.testing.assert_allclose(rnn.state, expected, atol=1e-4)
    rnn.reset_state()
    np.testing.assert_allclose(rnn.forward(x[0])[-1], expected[0], atol=1e-4)


def test_from_keras_copies_weights_transposed():
    layer = keras_layer(3, 5, seed=7)
    kernel, recurrent_kernel, bias = layer.get_weights()
    rnn = SimpleRNN.from_keras(layer)
    assert (rnn.input_features, rnn.output_features) == (3, 5)
    np.testing.assert_allclose(rnn.W, kernel.T)
    np.testing.assert_allclose(rnn.U, recurrent_kernel.T)
    np.testing.assert_allclose(rnn.b, bias)


def test_comparison_can_fail():
    """A different layer does not pass the same comparison: the equality tests have teeth."""
    layer = keras_layer(4, 6, seed=1, return_sequences=True)
    x = np.random.default_rng(0).normal(size=(2, 5, 4))
    other = SimpleRNN(4, 6, seed=0)
    assert np.abs(other.forward(x) - np.asarray(layer(x.astype("float32")))).max() > 1e-2


# --- shapes ----------------------------------------------------------------------------------


def test_article_shapes():
    rnn = SimpleRNN(32, 64, seed=0)
    x = np.random.default_rng(0).random((100, 32))
    assert rnn.W.shape == (64, 32) and rnn.U.shape == (64, 64) and rnn.b.shape == (64,)
    assert rnn.forward(x).shape == (100, 64)
    rnn.reset_state()
    assert rnn.forward(x, concatenate=True).shape == (6400,)
    rnn.reset_state()
    assert rnn.forward(np.stack([x, x, x]), concatenate=True).shape == (3, 6400)


def test_concatenate_joins_steps_in_order():
    rnn = SimpleRNN(3, 2, seed=1)
    x = np.random.default_rng(1).normal(size=(4, 3))
    steps = rnn.forward(x)
    rnn.reset_state()
    np.testing.assert_array_equal(rnn.forward(x, concatenate=True), steps.reshape(-1))


def test_forward_is_the_recurrence():
    rnn = SimpleRNN(2, 3, seed=2)
    rnn.b = np.array([0.1, -0.2, 0.3])
    x = np.random.default_rng(2).normal(size=(5, 2))
    y = np.zeros(3)
    expected = []
    for x_t in x:
        y = np.tanh(rnn.W @ x_t + rnn.U @ y + rnn.b)
        expected.append(y)
    np.testing.assert_allclose(rnn.forward(x), np.array(expected), atol=1e-12)
    np.testing.assert_allclose(rnn_step(x[0], np.zeros(3), rnn.W, rnn.U, rnn.b), expected[0])


def test_initialisation_is_seeded_and_keras_like():
    a, b = SimpleRNN(8, 16, seed=3), SimpleRNN(8, 16, seed=3)
    np.testing.assert_array_equal(a.W, b.W)
    assert not np.array_equal(a.W, SimpleRNN(8, 16, seed=4).W)
    assert np.abs(a.W).max() <= np.sqrt(6 / (8 + 16))
    np.testing.assert_allclose(a.U @ a.U.T, np.eye(16), atol=1e-12)
    np.testing.assert_array_equal(a.b, np.zeros(16))


# --- state -----------------------------------------------------------------------------------


def test_state_carries_into_the_next_call_until_reset():
    rnn = SimpleRNN(4, 5, seed=5)
    x = np.random.default_rng(5).normal(size=(6, 4))
    assert rnn.state is None
    first = rnn.forward(x)
    np.testing.assert_array_equal(rnn.state, first[-1])
    second = rnn.forward(x)
    assert np.abs(first - second).max() > 1e-3  # same input, different output: the state leaked
    rnn.reset_state()
    assert rnn.state is None
    np.testing.assert_array_equal(rnn.forward(x), first)


def test_two_calls_equal_one_call_on_the_joined_sequence():
    rnn = SimpleRNN(3, 4, seed=6)
    x = np.random.default_rng(6).normal(size=(10, 3))
    whole = rnn.forward(x)
    rnn.reset_state()
    halves = np.concatenate([rnn.forward(x[:4]), rnn.forward(x[4:])])
    np.testing.assert_allclose(halves, whole, atol=1e-12)


def test_batched_state_and_batch_size_change():
    rnn = SimpleRNN(3, 4, seed=7)
    x = np.random.default_rng(7).normal(size=(2, 5, 3))
    rnn.forward(x)
    assert rnn.state.shape == (2, 4)
    with pytest.raises(ValueError, match=r"batch of 2 sequences.*has 3.*reset_state"):
        rnn.forward(np.zeros((3, 5, 3)))
    rnn.reset_state()
    assert rnn.forward(np.zeros((3, 5, 3))).shape == (3, 5, 4)


# --- clear errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("shape,message", [
    ((10, 7), "expected inputs of shape (time_steps, 5), got shape (10, 7)"),
    ((2, 10, 4), "expected inputs of shape (batch, time_steps, 5), got shape (2, 10, 4)"),
    ((5,), "got a 1-D array of shape (5,)"),
    ((1, 2, 3, 5), "got a 4-D array of shape (1, 2, 3, 5)"),
    ((), "got a 0-D array of shape ()"),
])
def test_bad_input_shapes_raise_clear_errors(shape, message):
    rnn = SimpleRNN(5, 3, seed=0)
    with pytest.raises(ValueError, match=re.escape(message)):
        rnn.forward(np.zeros(shape))
    assert rnn.state is None  # a failed call leaves the state alone


def test_bad_constructor_arguments():
    for args in [(0, 3), (3, -1), (2.5, 3), (True, 3)]:
        with pytest.raises(ValueError, match="must be a positive integer"):
            SimpleRNN(*args)


def test_weights_assigned_with_wrong_shapes_are_reported():
    rnn = SimpleRNN(3, 4, seed=0)
    rnn.U = np.zeros((3, 3))
    with pytest.raises(ValueError, match=re.escape("expected U of shape (4, 4), got (3, 3)")):
        rnn.forward(np.zeros((2, 3)))


def test_from_keras_rejects_layer_without_bias():
    layer = keras.layers.SimpleRNN(4, use_bias=False)
    layer.build((None, None, 3))
    with pytest.raises(ValueError, match="use_bias=True.*3 weight arrays.*got 2"):
        SimpleRNN.from_keras(layer)


def test_from_keras_rejects_unbuilt_layer():
    with pytest.raises(ValueError, match="got 0; call the layer on an input first"):
        SimpleRNN.from_keras(keras.layers.SimpleRNN(4))


@pytest.mark.parametrize("activation", ["relu", "sigmoid", None])
def test_from_keras_rejects_other_activations(activation):
    layer = keras.layers.SimpleRNN(4, activation=activation)
    layer.build((None, None, 3))
    expected = activation or "linear"
    with pytest.raises(ValueError, match=f"expected a tanh activation, got '{expected}'"):
        SimpleRNN.from_keras(layer)


def test_from_keras_rejects_backwards_layer():
    layer = keras.layers.SimpleRNN(4, go_backwards=True)
    layer.build((None, None, 3))
    with pytest.raises(ValueError, match="go_backwards=True"):
        SimpleRNN.from_keras(layer)


def test_from_keras_rejects_something_else():
    with pytest.raises(ValueError, match="expected a keras.layers.SimpleRNN, got int"):
        SimpleRNN.from_keras(3)


class FakeLayer:
    """Stands in for a layer whose weights do not fit together (Keras itself refuses to set
    mismatched shapes, so a stand-in is the way to reach these checks)."""

    activation = staticmethod(np.tanh)  # __name__ == "tanh"

    def __init__(self, *shapes):
        self.shapes = shapes

    def get_weights(self):
        return [np.zeros(s) for s in self.shapes]


@pytest.mark.parametrize("shapes,message", [
    (((3, 4), (4, 5), (4,)), "expected a recurrent kernel of shape (4, 4), got (4, 5)"),
    (((3, 4), (4, 4), (5,)), "expected a bias of shape (4,), got (5,)"),
    (((3, 4, 1), (4, 4), (4,)), "expected a 2-D kernel of shape (input_features, units), "
                                "got shape (3, 4, 1)"),
])
def test_from_keras_rejects_mismatched_weights(shapes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        SimpleRNN.from_keras(FakeLayer(*shapes))


def test_fake_layer_with_fitting_weights_is_accepted():
    rnn = SimpleRNN.from_keras(FakeLayer((3, 4), (4, 4), (4,)))
    assert rnn.W.shape == (4, 3)
