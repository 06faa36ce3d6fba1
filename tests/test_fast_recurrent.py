"""The SimpleRNN with its backward pass written out equals Keras's, forward and backward."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from lessons_lib import fast_recurrent, models


def _outputs_and_gradients(layer: keras.layers.Layer, x: tf.Tensor, weights: tf.Tensor
                           ) -> tuple[np.ndarray, list[np.ndarray]]:
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y * weights)
    grads = tape.gradient(loss, [x, *layer.trainable_variables])
    return y.numpy(), [g.numpy() for g in grads]


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("shape", [(5, 7, 3), (1, 1, 2), (4, 30, 6)])
def test_equals_keras_forward_and_backward(shape: tuple[int, int, int],
                                           return_sequences: bool) -> None:
    rng = np.random.default_rng(sum(shape))
    x = tf.constant(rng.normal(size=shape).astype("float32"))
    ours = fast_recurrent.SimpleRNN(4, return_sequences=return_sequences)
    theirs = keras.layers.SimpleRNN(4, return_sequences=return_sequences)
    theirs.build(x.shape)
    theirs.set_weights([w + rng.normal(0, 0.4, w.shape).astype("float32")
                        for w in theirs.get_weights()])
    ours.build(x.shape)
    ours.set_weights(theirs.get_weights())
    out_shape = (*shape[:2], 4) if return_sequences else (shape[0], 4)
    weights = tf.constant(rng.normal(size=out_shape).astype("float32"))
    y_ours, g_ours = _outputs_and_gradients(ours, x, weights)
    y_theirs, g_theirs = _outputs_and_gradients(theirs, x, weights)
    np.testing.assert_allclose(y_ours, y_theirs, atol=1e-6)
    assert len(g_ours) == len(g_theirs) == 4  # inputs, kernel, recurrent kernel, bias
    for mine, keras_grad in zip(g_ours, g_theirs, strict=True):
        np.testing.assert_allclose(mine, keras_grad, atol=2e-5, rtol=1e-4)


def test_the_comparison_is_tight_enough_to_catch_a_small_error() -> None:
    """Weights 1% off give gradients outside the tolerance used above: the test can fail."""
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(3, 8, 2)).astype("float32"))
    ours, theirs = fast_recurrent.SimpleRNN(3), keras.layers.SimpleRNN(3)
    theirs.build(x.shape)
    ours.build(x.shape)
    kernel, recurrent, bias = theirs.get_weights()
    ours.set_weights([kernel, recurrent * 1.01, bias])
    _, g_ours = _outputs_and_gradients(ours, x, tf.ones((3, 3)))
    _, g_theirs = _outputs_and_gradients(theirs, x, tf.ones((3, 3)))
    assert not all(np.allclose(a, b, atol=2e-5, rtol=1e-4)
                   for a, b in zip(g_ours, g_theirs, strict=True))


def test_the_same_weights_as_the_article_model() -> None:
    keras.utils.set_random_seed(3)
    fast = models.build_model("simple_rnn", fast_layers=True)
    keras.utils.set_random_seed(3)
    plain = models.build_model("simple_rnn")
    assert [type(layer).__name__ for layer in fast.layers] == \
        [type(layer).__name__ for layer in plain.layers]
    assert isinstance(fast.get_layer("simple_rnn_1"), fast_recurrent.SimpleRNN)
    for a, b in zip(fast.get_weights(), plain.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # the same seeded initialisation
    x = np.random.default_rng(0).integers(0, 1000, size=(8, 100)).astype("int32")
    np.testing.assert_allclose(fast.predict(x, verbose=0), plain.predict(x, verbose=0),
                               atol=1e-6)


def _pair(x: tf.Tensor, **kwargs) -> tuple[keras.layers.Layer, keras.layers.Layer]:
    ours, theirs = fast_recurrent.SimpleRNN(2, **kwargs), keras.layers.SimpleRNN(2, **kwargs)
    theirs.build(x.shape)
    ours.build(x.shape)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


@pytest.mark.parametrize("kwargs", [{"go_backwards": True}, {"activation": "relu"},
                                    {"use_bias": False}, {"return_state": True}])
def test_features_it_does_not_implement_run_keras_code(kwargs: dict) -> None:
    x = tf.constant(np.random.default_rng(1).normal(size=(2, 6, 3)).astype("float32"))
    ours, theirs = _pair(x, **kwargs)
    for mine, keras_out in zip(tf.nest.flatten(ours(x)), tf.nest.flatten(theirs(x)),
                               strict=True):
        np.testing.assert_allclose(mine.numpy(), keras_out.numpy(), atol=1e-6)


def test_a_mask_and_dropout_while_training_run_keras_code() -> None:
    x = tf.constant(np.random.default_rng(1).normal(size=(2, 6, 3)).astype("float32"))
    ours, theirs = _pair(x)
    mask = tf.constant([[True] * 4 + [False] * 2, [True] * 6])
    np.testing.assert_allclose(ours(x, mask=mask).numpy(), theirs(x, mask=mask).numpy(),
                               atol=1e-6)
    ours, theirs = _pair(x, dropout=0.5, seed=3)
    keras.utils.set_random_seed(0)
    dropped_ours = ours(x, training=True).numpy()
    keras.utils.set_random_seed(0)
    np.testing.assert_allclose(dropped_ours, theirs(x, training=True).numpy(), atol=1e-6)
    np.testing.assert_allclose(ours(x).numpy(), theirs(x).numpy(), atol=1e-6)  # no dropout


def test_float64_and_compiled_with_xla_as_training_uses_it() -> None:
    rng = np.random.default_rng(2)
    x64 = tf.constant(rng.normal(size=(3, 5, 2)))
    ours, theirs = _pair(x64, dtype="float64")
    np.testing.assert_allclose(ours(x64).numpy(), theirs(x64).numpy(), atol=1e-12)
    x = tf.constant(rng.normal(size=(4, 9, 3)).astype("float32"))
    ours, theirs = _pair(x, return_sequences=True)

    def gradients(layer: keras.layers.Layer) -> list[np.ndarray]:
        @tf.function(jit_compile=True)
        def compiled(x: tf.Tensor) -> list[tf.Tensor]:
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_sum(tf.sin(layer(x)))
            return tape.gradient(loss, [x, *layer.trainable_variables])

        return [g.numpy() for g in compiled(x)]

    for mine, keras_grad in zip(gradients(ours), gradients(theirs), strict=True):
        np.testing.assert_allclose(mine, keras_grad, atol=2e-5, rtol=1e-4)
