"""The diagrams: the unrolled RNN of chapter 1 and the models of chapter 5, matplotlib only."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from lessons_lib import diagrams
from lessons_lib.diagrams import draw_unrolled


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.mark.parametrize("steps", [1, 3, 6])
def test_unrolled_diagram_has_one_labelled_column_per_step(steps):
    fig = draw_unrolled(steps)
    assert isinstance(fig, Figure)
    labels = texts(fig)
    for t in range(1, steps + 1):
        assert f"$x_{{{t}}}$" in labels and f"$y_{{{t}}}$" in labels
    assert f"$x_{{{steps + 1}}}$" not in labels
    assert "$x_{t}$" in labels and "$y_0=0$" in labels  # the folded cell and the start state
    assert labels.count("tanh") == steps + 1
    assert str(steps) in fig.axes[0].get_title()
    plt.close(fig)


def test_unrolled_only_and_given_axes():
    fig, ax = plt.subplots()
    assert draw_unrolled(2, ax=ax, show_folded=False) is fig
    labels = texts(fig)
    assert "$x_{t}$" not in labels and labels.count("tanh") == 2
    assert "unrolled over 2 steps" in ax.get_title()
    plt.close(fig)


@pytest.mark.parametrize("steps", [0, -2, 2.5, True])
def test_bad_step_count(steps):
    with pytest.raises(ValueError, match="positive whole number of steps"):
        draw_unrolled(steps)


# --- draw_model: a Keras model, layer by layer, without Graphviz ------------------------------


def test_model_rows_follow_the_layers_of_each_model():
    from lessons_lib import models
    from lessons_lib.diagrams import model_rows

    for name in models.MODELS:
        model = models.build_model(name)
        rows = model_rows(model)
        assert [r["name"] for r in rows] == [layer.name for layer in model.layers]
        assert sum(r["weights"] for r in rows) == model.count_params()
        assert rows[0]["call"] == "Input" and rows[-1]["call"] == "Dense(1, sigmoid)"
        assert rows[1]["output_shape"] == "(None, 100, 16)"
    rnn = model_rows(models.build_model("simple_rnn"))
    assert rnn[2]["call"] == "SimpleRNN(32, return_sequences)"
    assert (rnn[3]["input_shape"], rnn[3]["output_shape"]) == ("(None, 100, 32)", "(None, 32)")


def test_draw_model_labels_every_layer():
    from lessons_lib import models
    from lessons_lib.diagrams import draw_model

    model = models.build_model("simple_cnn")
    fig = draw_model(model)
    labels = texts(fig)
    assert "conv_1: Conv1D(32, 7, relu)" in labels and "3,616 weights" in labels
    assert "in (None, 100, 16)  →  out (None, 94, 32)" in labels
    assert "26,849 weights" in fig.axes[0].get_title()
    plt.close(fig)


def test_draw_model_refuses_a_branching_model():
    import keras

    from lessons_lib.diagrams import draw_model

    inputs = keras.Input(shape=(4,))
    left, right = keras.layers.Dense(2)(inputs), keras.layers.Dense(2)(inputs)
    model = keras.Model(inputs, keras.layers.Concatenate()([left, right]))
    with pytest.raises(ValueError, match="draws chains of layers"):
        draw_model(model)


def test_drawing_needs_no_program_on_the_path(tmp_path, monkeypatch):
    """No Graphviz: the four models are drawn with an empty PATH (make notebooks then runs
    every chapter with only the virtual environment on PATH; see test_makefile.py)."""
    import shutil

    from lessons_lib import models
    from lessons_lib.diagrams import draw_model

    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no dot, no anything
    assert shutil.which("dot") is None
    for name in models.MODELS:
        fig = draw_model(models.build_model(name))
        fig.savefig(tmp_path / f"{name}.png")
        plt.close(fig)
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000


def test_encoder_decoder_has_a_cell_per_character_and_attention_lines():
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    plain = diagrams.draw_encoder_decoder("3/3/98", "1998-03-03")
    boxes = [p for p in plain.axes[0].patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == 6 + 10
    with_attention = diagrams.draw_encoder_decoder("3/3/98", "1998-03-03", attention_step=5)
    arrows = [p for p in with_attention.axes[0].patches if isinstance(p, FancyArrowPatch)]
    plain_arrows = [p for p in plain.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(plain_arrows) + 6  # one line from every encoder state
    texts = [t.get_text() for t in plain.axes[0].texts]
    assert "<s>" in texts and "$s_0$" in texts
    plt.close("all")
    with pytest.raises(ValueError, match="attention_step"):
        diagrams.draw_encoder_decoder("ab", "xyz", attention_step=3)
    with pytest.raises(ValueError, match="non-empty"):
        diagrams.draw_encoder_decoder("", "xyz")


def test_language_model_diagram_labels_every_step_and_the_cut():
    fig = diagrams.draw_language_model("a fine", window=2)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "$H_{5}$" in texts and "$O_{5}$" in texts and "$H_{6}$" not in texts
    assert "window 2" in texts and any("gradients stop" in t for t in texts)
    plt.close(fig)
    with pytest.raises(ValueError, match="window must be"):
        diagrams.draw_language_model("ab", window=1)
