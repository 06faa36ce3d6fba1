"""Tests of lessons_lib.gated_cells: numpy LSTM and GRU layers equal to Keras'."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib import gated_cells, memory_task

keras = pytest.importorskip("keras")

SETTINGS = [
    (keras.layers.LSTM, gated_cells.LSTM, {}),
    (keras.layers.GRU, gated_cells.GRU, {}),
    (keras.layers.GRU, gated_cells.GRU, {"reset_after": False}),
]


def _keras_layer(keras_class, units: int, features: int, seed: int, **settings):
    """A built Keras layer with random (not initial) biases, so every weight matters."""
    keras.utils.set_random_seed(seed)
    layer = keras_class(units, **settings)
    layer(np.zeros((1, 2, features), dtype="float32"))
    weights = layer.get_weights()
    weights[-1] = np.random.default_rng(seed).normal(scale=0.5, size=weights[-1].shape)
    layer.set_weights([w.astype("float32") for w in weights])
    return layer


@pytest.mark.parametrize("keras_class, numpy_class, settings", SETTINGS)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_from_keras_reproduces_keras(keras_class, numpy_class, settings,
                                     return_sequences: bool) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 6, 4)).astype("float32")
    layer = _keras_layer(keras_class, 5, 4, seed=1, return_sequences=return_sequences,
                         **settings)
    ours = numpy_class.from_keras(layer)
    batched = ours.forward(x, return_sequences=return_sequences)
    single = ours.forward(x[1], return_sequences=return_sequences)
    expected = np.asarray(layer(x))
    assert batched.shape == expected.shape
    assert single.shape == expected.shape[1:]
    assert np.abs(batched - expected).max() < 1e-4
    assert np.abs(single - expected[1]).max() < 1e-4
    assert gated_cells.parameter_count(ours) == layer.count_params()


def test_default_gru_is_reset_after_with_two_bias_rows() -> None:
    layer = _keras_layer(keras.layers.GRU, 3, 2, seed=2)
    assert layer.get_weights()[2].shape == (2, 9)
    gru = gated_cells.GRU.from_keras(layer)
    assert gru.reset_after
    np.testing.assert_allclose(gru.b_rec["h"], layer.get_weights()[2][1, 6:9])


def test_gate_order_matters() -> None:
    """Swapping two gates' weights breaks the equivalence, so the test above can fail."""
    x = np.random.default_rng(3).normal(size=(2, 5, 3))
    layer = _keras_layer(keras.layers.LSTM, 4, 3, seed=3)
    lstm = gated_cells.LSTM.from_keras(layer)
    lstm.W["i"], lstm.W["f"] = lstm.W["f"], lstm.W["i"]
    assert np.abs(lstm.forward(x) - np.asarray(layer(x))).max() > 1e-3


def test_fresh_layers_have_keras_like_shapes_and_run() -> None:
    lstm = gated_cells.LSTM(3, 4, seed=0)
    gru = gated_cells.GRU(3, 4, seed=0)
    x = np.random.default_rng(0).normal(size=(2, 6, 3))
    for layer in (lstm, gru):
        out = layer.forward(x, return_sequences=True)
        assert out.shape == (2, 6, 4) and np.all(np.abs(out) < 1)
        np.testing.assert_allclose(layer.forward(x), out[:, -1])
    assert gated_cells.parameter_count(lstm) == 4 * (4 * 3 + 16 + 4)
    assert gated_cells.parameter_count(gru) == 3 * (4 * 3 + 16 + 8)


def test_bad_inputs_raise_clear_errors() -> None:
    lstm = gated_cells.LSTM(3, 4, seed=0)
    with pytest.raises(ValueError, match="expected 3 input features on the last axis"):
        lstm.forward(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="got a 1-D array"):
        lstm.forward(np.zeros(5))
    with pytest.raises(ValueError, match="at least one time step"):
        lstm.forward(np.zeros((2, 0, 3)))
    with pytest.raises(ValueError, match="units must be a positive integer"):
        gated_cells.GRU(3, 0)
    lstm.U["o"] = np.zeros((4, 5))
    with pytest.raises(ValueError, match=r"expected U\['o'\] of shape \(4, 4\), got \(4, 5\)"):
        lstm.forward(np.zeros((5, 3)))


def test_from_keras_rejects_the_wrong_layer_or_weights() -> None:
    with pytest.raises(ValueError, match="expected a keras.layers.GRU, got LSTM"):
        gated_cells.GRU.from_keras(_keras_layer(keras.layers.LSTM, 2, 2, seed=0))
    with pytest.raises(ValueError, match="call the layer on an input first"):
        gated_cells.LSTM.from_keras(keras.layers.LSTM(2))
    with pytest.raises(ValueError, match="recurrent_activation='sigmoid'"):
        gated_cells.LSTM.from_keras(_keras_layer(keras.layers.LSTM, 2, 2, seed=0,
                                                 recurrent_activation="hard_sigmoid"))

    class FakeGRU:
        reset_after = True

        def get_weights(self):
            return [np.zeros((3, 6)), np.zeros((2, 6)), np.zeros(6)]

    FakeGRU.__name__ = "GRU"
    with pytest.raises(ValueError, match=r"expected a bias of shape \(2, 6\)"):
        gated_cells.GRU.from_keras(FakeGRU())

    class FakeLSTM:
        def get_weights(self):
            return [np.zeros((3, 8)), np.zeros((3, 8)), np.zeros(8)]

    FakeLSTM.__name__ = "LSTM"
    with pytest.raises(ValueError, match=r"expected a recurrent kernel of shape \(2, 8\)"):
        gated_cells.LSTM.from_keras(FakeLSTM())


def test_side_by_side_training_reports_every_cell() -> None:
    results = memory_task.compare_cells_on_recall(2, epochs=1, n_train=64, n_test=50)
    assert [r["cell"] for r in results] == list(memory_task.CELLS)
    for result in results:
        assert result["epochs"] == 1 and len(result["accuracy"]) == 1
        assert 0.0 <= result["test_accuracy"] <= 1.0
        low, high = result["test_interval"]
        assert 0.0 <= low <= result["test_accuracy"] <= high <= 1.0
    single = memory_task.compare_cells_on_recall(2, cells=("LSTM",), epochs=1, n_train=64,
                                                 n_test=50)
    assert single[0]["cell"] == "LSTM"
    with pytest.raises(ValueError, match="expected cells from"):
        memory_task.keras_recall_model(2, cells=("Transformer",))


def test_side_by_side_branches_are_independent() -> None:
    """Each branch has its own weights: no layer is shared between the cells."""
    model = memory_task.keras_recall_model(3)
    layers = {layer.name for layer in model.layers}
    assert {"simplernn_layer", "lstm_layer", "gru_layer", "SimpleRNN", "LSTM", "GRU"} <= layers
    assert model.count_params() == sum(
        model.get_layer(name).count_params()
        for name in ("simplernn_layer", "lstm_layer", "gru_layer", "SimpleRNN", "LSTM", "GRU"))
