"""Tests of lessons_lib.bptt (backpropagation through time) and lessons_lib.memory_task."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib import bptt, memory_task
from lessons_lib.numpy_rnn import SimpleRNN


def _layer(inputs: int, outputs: int, seed: int) -> SimpleRNN:
    rnn = SimpleRNN(inputs, outputs, seed=seed)
    rnn.b = np.random.default_rng(seed).normal(scale=0.3, size=outputs)
    return rnn


def _targets(rng: np.random.Generator, x: np.ndarray, outputs: int, on: str) -> np.ndarray:
    shape = x.shape[:-1] + (outputs,)
    return rng.normal(size=shape[:-2] + shape[-1:] if on == "last" else shape)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("on", bptt.LOSS_ON)
def test_gradients_match_finite_differences_for_random_shapes(seed: int, on: str) -> None:
    rng = np.random.default_rng(seed)
    inputs, outputs, steps = (int(v) for v in rng.integers(1, 5, size=3))
    batched = seed % 2 == 0
    x = rng.normal(size=((3,) if batched else ()) + (steps, inputs))
    rnn = _layer(inputs, outputs, seed)
    targets = _targets(rng, x, outputs, on)
    _, analytic = bptt.loss_and_gradients(rnn, x, targets, on=on)
    numeric = bptt.numerical_gradients(rnn, x, targets, on=on)
    assert analytic.inputs.shape == x.shape
    assert bptt.max_relative_error(analytic, numeric) < 1e-6


def test_gradient_check_catches_a_wrong_gradient() -> None:
    rng = np.random.default_rng(1)
    rnn, x = _layer(3, 4, 1), rng.normal(size=(2, 5, 3))
    targets = rng.normal(size=(2, 4))
    _, analytic = bptt.loss_and_gradients(rnn, x, targets)
    numeric = bptt.numerical_gradients(rnn, x, targets)
    assert bptt.relative_error(analytic.U.T, numeric.U) > 1e-2  # a missing transpose shows


@pytest.mark.parametrize("on", bptt.LOSS_ON)
def test_gradients_match_tensorflow_autodiff(on: str) -> None:
    pytest.importorskip("tensorflow")
    rng = np.random.default_rng(5)
    rnn, x = _layer(3, 5, 5), rng.normal(size=(4, 6, 3))
    targets = _targets(rng, x, 5, on)
    loss, analytic = bptt.loss_and_gradients(rnn, x, targets, on=on)
    tf_loss, autodiff = bptt.tensorflow_gradients(rnn, x, targets, on=on)
    assert abs(loss - tf_loss) < 1e-10
    assert bptt.max_relative_error(analytic, autodiff) < 1e-10
    _, single = bptt.tensorflow_gradients(rnn, x[0], targets[0], on=on)
    assert single.inputs.shape == x[0].shape


def test_forward_cached_equals_the_layer_and_leaves_its_state_alone() -> None:
    rng = np.random.default_rng(2)
    rnn, x = _layer(2, 3, 2), rng.normal(size=(4, 5, 2))
    rnn.reset_state()
    expected = rnn.forward(x)
    kept = rnn.state.copy()
    cache = bptt.forward_cached(rnn, x)
    np.testing.assert_allclose(cache.outputs, expected)
    np.testing.assert_array_equal(rnn.state, kept)
    assert bptt.forward_cached(rnn, x[0]).outputs.shape == (5, 3)


def test_bad_shapes_raise_clear_errors() -> None:
    rnn = SimpleRNN(2, 3, seed=0)
    with pytest.raises(ValueError, match=r"\(time_steps, 2\)"):
        bptt.forward_cached(rnn, np.zeros((5, 4)))
    cache = bptt.forward_cached(rnn, np.zeros((2, 5, 2)))
    with pytest.raises(ValueError, match=r"expected output gradients of shape \(2, 5, 3\)"):
        bptt.backward(rnn, cache, np.zeros((5, 3)))
    with pytest.raises(ValueError, match="expected targets of shape"):
        bptt.loss_and_gradients(rnn, np.zeros((2, 5, 2)), np.zeros((2, 5, 3)), on="last")
    with pytest.raises(ValueError, match="expected on to be one of"):
        bptt.loss_and_gradients(rnn, np.zeros((5, 2)), np.zeros(3), on="first")
    with pytest.raises(ValueError, match="max_norm"):
        bptt.clip_by_global_norm({"W": np.ones(2)}, 0.0)


def test_state_gradients_vanish_below_and_explode_above_radius_one() -> None:
    x, _ = memory_task.recall_task(1, gap=40, seed=0)
    rnn = SimpleRNN(2, 16, seed=0)
    base = rnn.U.copy()
    rnn.U = bptt.with_spectral_radius(base, 0.5)
    small = bptt.state_gradient_norms(rnn, x[0])
    rnn.U = bptt.with_spectral_radius(base, 3.0)
    large = bptt.state_gradient_norms(rnn, x[0])
    assert small[-1] == pytest.approx(1.0) and large[-1] == pytest.approx(1.0)
    assert small[0] < 1e-8 < 1e2 < large[0]
    assert np.max(np.abs(np.linalg.eigvals(rnn.U))) == pytest.approx(3.0)


def test_spectral_norm_bounds_the_gradient_and_the_radius_does_not() -> None:
    x, _ = memory_task.recall_task(1, gap=30, seed=1)
    rnn = SimpleRNN(2, 8, seed=1)
    rnn.U = bptt.with_spectral_norm(np.random.default_rng(2).normal(size=(8, 8)), 0.9)
    assert np.linalg.norm(rnn.U, 2) == pytest.approx(0.9)
    norms = bptt.state_gradient_norms(rnn, x[0])
    steps_back = np.arange(len(norms))[::-1]
    assert np.all(norms <= 0.9 ** steps_back * (1 + 1e-12))
    # A non-normal U with spectral radius 0.5 but a large norm: the gradient grows first.
    rnn = SimpleRNN(2, 2, seed=0)
    rnn.W = np.zeros((2, 2))
    rnn.U = np.array([[0.5, 4.0], [0.0, 0.5]])
    assert np.max(np.abs(np.linalg.eigvals(rnn.U))) == pytest.approx(0.5)
    norms = bptt.state_gradient_norms(rnn, x[0], direction=np.array([1.0, 0.0]))
    assert norms[-2] > 1.5 and norms[0] < 1e-3
    with pytest.raises(ValueError, match="zero"):
        bptt.with_spectral_norm(np.zeros((2, 2)), 1.0)


def test_clip_by_global_norm_scales_only_large_gradients() -> None:
    grads = {"W": np.full((2, 2), 3.0), "b": np.full(2, 4.0)}
    norm = bptt.global_norm(grads)
    assert norm == pytest.approx(np.sqrt(4 * 9 + 2 * 16))
    clipped = bptt.clip_by_global_norm(grads, 1.0)
    assert bptt.global_norm(clipped) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped["W"], grads["W"] / norm)
    kept = bptt.clip_by_global_norm(grads, 2 * norm)
    np.testing.assert_array_equal(kept["b"], grads["b"])


def test_classification_gradients_match_finite_differences() -> None:
    x, y = memory_task.recall_task(8, gap=3, seed=4)
    rnn = _layer(2, 3, 4)
    readout = bptt.Readout(v=np.random.default_rng(4).normal(size=3), c=0.2)
    _, grads = bptt.classification_step(rnn, readout, x, y)

    def loss() -> float:
        return bptt.classification_step(rnn, readout, x, y)[0]

    for name, array in (("W", rnn.W), ("U", rnn.U), ("b", rnn.b), ("v", readout.v)):
        numeric = bptt.numerical_gradient(loss, array)
        assert bptt.relative_error(grads[name], numeric) < 1e-6, name


def test_gradient_descent_learns_the_recall_task() -> None:
    x, y = memory_task.recall_task(256, gap=3, seed=0)
    x_test, y_test = memory_task.recall_task(500, gap=3, seed=1)
    rnn = SimpleRNN(2, 8, seed=0)
    readout = bptt.Readout(v=np.random.default_rng(0).normal(scale=0.1, size=8))
    before = memory_task.accuracy(readout.probabilities(rnn, x_test), y_test)
    history = bptt.train_gradient_descent(rnn, readout, x, y, steps=150, learning_rate=1.0)
    after = memory_task.accuracy(readout.probabilities(rnn, x_test), y_test)
    assert history["loss"][-1] < 0.1 * history["loss"][0]
    assert before < 0.7 < 0.95 < after


def test_recall_task_is_seeded_and_well_formed() -> None:
    x, y = memory_task.recall_task(50, gap=4, seed=3, distractor_scale=2.0)
    x2, y2 = memory_task.recall_task(50, gap=4, seed=3, distractor_scale=2.0)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert x.shape == (50, 5, 2) and y.shape == (50,)
    np.testing.assert_array_equal(y, (x[:, 0, 0] > 0).astype(int))
    assert set(np.abs(x[:, 0, 0])) == {1.0} and set(np.abs(x[:, 1:, 0]).ravel()) == {2.0}
    np.testing.assert_array_equal(x[:, :, 1], np.eye(5)[0][None].repeat(50, axis=0))
    assert 0 < y.mean() < 1
    with pytest.raises(ValueError, match="gap must be a positive integer"):
        memory_task.recall_task(5, gap=0)
    with pytest.raises(ValueError, match="one probability per label"):
        memory_task.accuracy(np.ones(3), np.ones(4))
