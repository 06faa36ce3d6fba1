"""Diagrams drawn with matplotlib: a recurrent layer unrolled, an encoder-decoder, a Keras model.

Chapter 1 (``book/01_recurrence``) draws the recurrence with :func:`draw_unrolled`: the cell
folded, as one box with a loop that feeds its output back in, and unrolled, as one copy of the
same box per time step with the state passed from left to right. Chapter 5
(``book/05_four_models``) draws each model with :func:`draw_model`: one box per layer, with the
shape it reads, the shape it writes and its number of weights.

Chapter 11 (``book/11_char_language_model``) draws a language model unrolled with
:func:`draw_language_model`: an output at every step, and where truncated backpropagation
through time cuts the text into windows.

Chapter 12 (``book/12_seq2seq_attention``) draws an encoder-decoder unrolled with
:func:`draw_encoder_decoder`, with or without attention.

Every box, arrow and label is drawn here from the code (the number of steps, the model's layers),
with matplotlib alone: no stock images and no system program such as Graphviz, which
``keras.utils.plot_model`` needs, so the book builds the same on any machine.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from lessons_lib.plots import MODEL_COLORS

# The course's colours (lessons_lib.plots). Labels are written on white in colours of 4.5:1
# contrast or more (WCAG's rule for text); a cell's label is black on its colour.
CELL_COLOR = MODEL_COLORS["simple_rnn"]  # vermillion: an encoder's cells
DECODER_COLOR = MODEL_COLORS["simple_lstm"]  # bluish green: a decoder's cells
INPUT_COLOR = MODEL_COLORS["feed_forward"]  # blue, 5.2:1 on white
OUTPUT_COLOR = "#007A5A"  # the bluish green, darkened to 5.3:1 for text on white
STATE_COLOR = "#595959"  # grey, 7:1
CELL_TEXT_COLOR = "black"

_BOX_W, _BOX_H = 1.0, 0.8


def _cell(ax: Axes, x: float, y: float, text: str) -> None:
    """A rounded box centred on (x, y) standing for one application of the recurrence."""
    box = FancyBboxPatch((x - _BOX_W / 2, y - _BOX_H / 2), _BOX_W, _BOX_H,
                         boxstyle="round,pad=0.05", facecolor=CELL_COLOR, edgecolor="black",
                         alpha=0.85, linewidth=1.2)
    ax.add_patch(box)
    ax.text(x, y, text, ha="center", va="center", fontsize=10, color=CELL_TEXT_COLOR,
            weight="bold")


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], color: str,
           **kwargs) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12,
                                 color=color, linewidth=1.4, **kwargs))


def _column(ax: Axes, x: float, step: str) -> None:
    """One time step: the input below the cell, the output above it."""
    _cell(ax, x, 0.0, "tanh")
    _arrow(ax, (x, -1.05), (x, -_BOX_H / 2 - 0.07), INPUT_COLOR)
    ax.text(x, -1.25, f"$x_{{{step}}}$", ha="center", va="center", fontsize=12,
            color=INPUT_COLOR)
    ax.text(x + 0.08, -0.75, "$W$", ha="left", va="center", fontsize=9)
    _arrow(ax, (x, _BOX_H / 2 + 0.07), (x, 1.05), OUTPUT_COLOR)
    ax.text(x, 1.25, f"$y_{{{step}}}$", ha="center", va="center", fontsize=12,
            color=OUTPUT_COLOR)


def draw_unrolled(steps: int = 4, ax: Axes | None = None, show_folded: bool = True) -> Figure:
    """Draw a recurrent layer folded (one cell with a loop) and unrolled over ``steps`` steps.

    The input ``x_t`` enters each copy of the cell from below through ``W``; the state
    ``y_{t-1}`` enters from the left through ``U``; the output ``y_t`` leaves upwards and also
    to the right, as the state of the next step. The first step starts from ``y_0 = 0``.
    Returns the figure; draws into ``ax`` when one is given.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"expected a positive whole number of steps, got {steps!r}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, 2.6))
    else:
        fig = ax.figure
    spacing = 1.9
    start = 0.0
    if show_folded:
        _column(ax, 0.0, "t")
        # The loop: out of the cell's right side and straight back in, carrying y_{t-1}.
        ax.add_patch(FancyArrowPatch(
            (_BOX_W / 2 + 0.07, 0.22), (_BOX_W / 2 + 0.07, -0.22),
            connectionstyle="arc,angleA=0,angleB=0,armA=28,armB=28,rad=8",
            arrowstyle="-|>", mutation_scale=12, color=STATE_COLOR, linewidth=1.4))
        ax.text(1.08, 0.0, "$U$", ha="left", va="center", fontsize=9)
        ax.text(0.75, 0.55, "$y_{t-1}$", ha="left", va="center", fontsize=9,
                color=STATE_COLOR)
        ax.text(2.05, 0.0, "=", ha="center", va="center", fontsize=20)
        start = 3.3
    ax.text(start, 0.0, "$y_0=0$", ha="right", va="center", fontsize=10, color=STATE_COLOR)
    previous_right = start + 0.1
    for i in range(steps):
        x = start + 1.2 + i * spacing
        _column(ax, x, str(i + 1))
        _arrow(ax, (previous_right, 0.0), (x - _BOX_W / 2 - 0.07, 0.0), STATE_COLOR)
        ax.text((previous_right + x - _BOX_W / 2) / 2, 0.1, "$U$", ha="center", va="bottom",
                fontsize=9)
        previous_right = x + _BOX_W / 2 + 0.07
    ax.set_xlim(-0.8 if show_folded else start - 0.9, previous_right + 0.3)
    ax.set_ylim(-1.5, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"A recurrent layer, folded and unrolled over {steps} steps" if show_folded
                 else f"A recurrent layer unrolled over {steps} steps")
    return fig


# --- an encoder-decoder ---------------------------------------------------------------------

ATTENTION_COLOR = "#AA4A8A"  # the reddish purple, darkened to 5.2:1 for text on white


def _small_cell(ax: Axes, x: float, y: float, text: str, color: str) -> None:
    """A box a little smaller than :func:`_cell`'s, for the long rows of an encoder-decoder."""
    ax.add_patch(FancyBboxPatch((x - 0.4, y - 0.35), 0.8, 0.7, boxstyle="round,pad=0.04",
                                facecolor=color, edgecolor="black", alpha=0.85, linewidth=1.0))
    ax.text(x, y, text, ha="center", va="center", fontsize=9, color=CELL_TEXT_COLOR,
            weight="bold")


def draw_encoder_decoder(source: str = "3/3/98", target: str = "1998-03-03",
                         attention_step: int | None = None, ax: Axes | None = None) -> Figure:
    """Draw an encoder-decoder unrolled: the encoder reading ``source`` both ways, the decoder
    writing ``target`` one character a step, reading the character before (``<s>``, the start
    symbol, first), and starting from the encoder's final states ``s_0``.

    With ``attention_step`` (counted from 0), lines from every encoder state to that decoder
    step show attention: that step reads a weighted average of all of them.
    """
    if not source or not target:
        raise ValueError("expected a non-empty source and target to draw")
    if attention_step is not None and not 0 <= attention_step < len(target):
        raise ValueError(f"attention_step must be from 0 to {len(target) - 1}, "
                         f"got {attention_step!r}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(9.0, 2.4 if attention_step is None else 3.4))
    else:
        fig = ax.figure
    gap = 1.35
    encoder_x = [i * gap for i in range(len(source))]
    decoder_x = [encoder_x[-1] + 2.2 + i * gap for i in range(len(target))]
    for j, (x, char) in enumerate(zip(encoder_x, source, strict=True)):
        _small_cell(ax, x, 0.0, f"$h_{{{j + 1}}}$", CELL_COLOR)
        _arrow(ax, (x, -1.0), (x, -0.42), INPUT_COLOR)
        ax.text(x, -1.2, char, ha="center", va="center", fontsize=11, color=INPUT_COLOR,
                family="monospace")
    for left, right in zip(encoder_x, encoder_x[1:], strict=False):
        # Read both ways: one arrow forwards, one backwards.
        _arrow(ax, (left + 0.45, 0.12), (right - 0.45, 0.12), STATE_COLOR)
        _arrow(ax, (right - 0.45, -0.12), (left + 0.45, -0.12), STATE_COLOR)
    _arrow(ax, (encoder_x[-1] + 0.45, 0.0), (decoder_x[0] - 0.45, 0.0), STATE_COLOR)
    ax.text((encoder_x[-1] + decoder_x[0]) / 2, 0.12, "$s_0$", ha="center", va="bottom",
            fontsize=10, color=STATE_COLOR)
    previous = ["<s>", *target[:-1]]
    for t, (x, read, written) in enumerate(zip(decoder_x, previous, target, strict=True)):
        _small_cell(ax, x, 0.0, f"$s_{{{t + 1}}}$", DECODER_COLOR)
        _arrow(ax, (x, -1.0), (x, -0.42), INPUT_COLOR)
        ax.text(x, -1.2, read, ha="center", va="center", fontsize=9 if read == "<s>" else 11,
                color=INPUT_COLOR, family="monospace")
        _arrow(ax, (x, 0.42), (x, 1.0), OUTPUT_COLOR)
        ax.text(x, 1.2, written, ha="center", va="center", fontsize=11, color=OUTPUT_COLOR,
                family="monospace")
        if t:
            _arrow(ax, (decoder_x[t - 1] + 0.45, 0.0), (x - 0.45, 0.0), STATE_COLOR)
    top = 1.5
    if attention_step is not None:
        x_t = decoder_x[attention_step]
        for x in encoder_x:
            ax.add_patch(FancyArrowPatch((x, 0.4), (x_t - 0.15, 0.42),
                                         connectionstyle="arc3,rad=-0.45", arrowstyle="-|>",
                                         mutation_scale=9, color=ATTENTION_COLOR, linewidth=1.0,
                                         alpha=0.8))
        # The label sits right of the arcs, which end at the attending step.
        ax.text(x_t + 0.6, 2.2, f"attention: step {attention_step + 1}\nreads every $h_j$",
                ha="left", va="center", fontsize=10, color=ATTENTION_COLOR)
        top = 4.0
    ax.text(sum(encoder_x) / len(encoder_x), -1.65, "encoder (reads both ways)", ha="center",
            fontsize=10)
    ax.text(sum(decoder_x) / len(decoder_x), -1.65, "decoder (writes one character a step)",
            ha="center", fontsize=10)
    ax.set_xlim(encoder_x[0] - 0.7, decoder_x[-1] + 0.7)
    ax.set_ylim(-1.9, top)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def draw_language_model(text: str = "a fine film", window: int | None = 6,
                        ax: Axes | None = None) -> Figure:
    """Draw a character language model unrolled over ``text``: each step reads one character
    (the true one, under teacher forcing), updates the state ``H_t`` and predicts the next
    character through the output ``O_t = H_t V + c``. With ``window``, a dashed line marks
    where truncated backpropagation through time cuts the text: the state crosses it going
    forwards, the gradient does not cross it going back.
    """
    if len(text) < 2:
        raise ValueError(f"expected a text of at least 2 characters to draw, got {text!r}")
    if window is not None and not 1 <= window < len(text) - 1:
        raise ValueError(f"window must be from 1 to {len(text) - 2} characters, got {window!r}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(9.0, 3.2))
    else:
        fig = ax.figure
    gap = 1.3
    xs = [i * gap for i in range(len(text) - 1)]
    shown = {" ": "␣"}
    for t, x in enumerate(xs):
        _small_cell(ax, x, 0.0, f"$H_{{{t + 1}}}$", CELL_COLOR)
        _arrow(ax, (x, -1.0), (x, -0.42), INPUT_COLOR)
        ax.text(x, -1.2, shown.get(text[t], text[t]), ha="center", va="center", fontsize=11,
                color=INPUT_COLOR, family="monospace")
        _arrow(ax, (x, 0.42), (x, 0.95), OUTPUT_COLOR)
        _small_cell(ax, x, 1.35, f"$O_{{{t + 1}}}$", OUTPUT_COLOR)
        ax.text(x, 2.15, shown.get(text[t + 1], text[t + 1]), ha="center", va="center",
                fontsize=11, color=OUTPUT_COLOR, family="monospace")
        if t:
            _arrow(ax, (xs[t - 1] + 0.45, 0.0), (x - 0.45, 0.0), STATE_COLOR)
    ax.text(xs[0] - 0.75, -1.2, "reads", ha="right", va="center", fontsize=9,
            color=INPUT_COLOR)
    ax.text(xs[0] - 0.75, 2.15, "predicts", ha="right", va="center", fontsize=9,
            color=OUTPUT_COLOR)
    if window is not None:
        cut = (xs[window - 1] + xs[window]) / 2
        ax.plot([cut, cut], [-1.5, 2.5], linestyle="--", color="black", linewidth=1.2)
        ax.text(cut - 0.1, -1.7, "window 1", ha="right", va="center", fontsize=9)
        ax.text(cut + 0.1, -1.7, "window 2", ha="left", va="center", fontsize=9)
        ax.text(cut, 2.75, "the state carries on; window 2's gradients stop here",
                ha="center", va="bottom", fontsize=9)
    ax.set_xlim(xs[0] - 2.0, xs[-1] + 0.7)
    ax.set_ylim(-2.0, 3.2 if window is not None else 2.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


# --- a Keras model, layer by layer -----------------------------------------------------------

# Fill colours by kind of layer (light, so that black text on them stays readable).
LAYER_COLORS = {
    "input": "#E6E6E6",
    "embedding": "#C9D6EA",
    "recurrent": "#F3D3BD",
    "convolution": "#EDC2C3",
    "dense": "#CCE2D1",
    "other": "#F2F2F2",
}
_RECURRENT = {"SimpleRNN", "LSTM", "GRU", "Bidirectional", "RNN"}
_CONVOLUTION = {"Conv1D", "MaxPooling1D", "GlobalMaxPooling1D", "AveragePooling1D",
                "GlobalAveragePooling1D"}


def _shape(shape: Any) -> str:
    """A Keras shape as the book writes it: ``(None, 100, 16)``."""
    dims = ", ".join("None" if d is None else str(d) for d in tuple(shape))
    return f"({dims},)" if len(tuple(shape)) == 1 else f"({dims})"


def _kind(layer: Any) -> str:
    name = type(layer).__name__
    if name == "InputLayer":
        return "input"
    if name == "Embedding":
        return "embedding"
    if name in _RECURRENT:
        return "recurrent"
    if name in _CONVOLUTION:
        return "convolution"
    if name == "Dense":
        return "dense"
    return "other"


def describe_layer(layer: Any) -> str:
    """A layer as a short constructor call: ``LSTM(32)``, ``Conv1D(32, 7, relu)``."""
    name = type(layer).__name__
    config = layer.get_config()
    if name == "Bidirectional":
        return f"Bidirectional({describe_layer(layer.forward_layer)})"
    args: list[str] = []
    for key in ("input_dim", "output_dim", "units", "filters", "kernel_size", "pool_size",
                "rate"):
        value = config.get(key)
        if value is not None:
            value = value[0] if isinstance(value, list | tuple) and len(value) == 1 else value
            args.append(str(value))
    activation = config.get("activation")
    if activation not in (None, "linear") and name not in _RECURRENT:
        args.append(str(activation))
    if config.get("return_sequences"):
        args.append("return_sequences")
    if config.get("mask_zero"):
        args.append("mask_zero")
    return f"{name}({', '.join(args)})"


def _layer_input(layer: Any) -> Any:
    """The one tensor a layer was called on (a mask passed along with it is not counted)."""
    nodes = getattr(layer, "_inbound_nodes", [])
    arguments = getattr(nodes[0], "arguments", None) if len(nodes) == 1 else None
    tensors = [a for a in getattr(arguments, "args", ()) if hasattr(a, "shape")]
    if len(tensors) != 1:
        raise ValueError(f"draw_model draws chains of layers, each called once on one input; "
                         f"layer {layer.name!r} is not")
    return tensors[0]


def model_rows(model: Any) -> list[dict[str, Any]]:
    """One dict per layer of a chain-shaped Keras model: name, call, shapes, weights.

    Raises ``ValueError`` for a model whose layers do not form a single chain (one input, each
    layer reading the one before), which this drawing cannot show.
    """
    rows = []
    previous = None
    for layer in model.layers:
        is_input = type(layer).__name__ == "InputLayer"
        inputs = layer.output if is_input else _layer_input(layer)
        if previous is not None and inputs is not previous:
            raise ValueError(f"draw_model draws chains of layers; layer {layer.name!r} of "
                             f"{model.name!r} does not read the layer listed before it")
        previous = layer.output
        rows.append({"name": layer.name, "call": "Input" if is_input else describe_layer(layer),
                     "kind": _kind(layer), "input_shape": _shape(inputs.shape),
                     "output_shape": _shape(layer.output.shape),
                     "weights": int(layer.count_params())})
    return rows


def draw_model(model: Any, ax: Axes | None = None) -> Figure:
    """Draw a chain-shaped Keras model from top (input) to bottom (output), one box per layer.

    Each box names the layer and how it was built (``lstm: LSTM(32)``), the shape it reads and
    the shape it writes (``None`` is the batch size), and its number of weights. Draws into
    ``ax`` when one is given; returns the figure.
    """
    rows = model_rows(model)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, 0.68 * len(rows) + 0.45))
    else:
        fig = ax.figure
    height, gap = 0.52, 0.16
    for i, row in enumerate(rows):
        top = -i * (height + gap)
        ax.add_patch(FancyBboxPatch((0.0, top - height), 1.0, height,
                                    boxstyle="round,pad=0,rounding_size=0.04",
                                    facecolor=LAYER_COLORS[row["kind"]], edgecolor="#333333",
                                    linewidth=1.0))
        ax.text(0.02, top - 0.30 * height, f"{row['name']}: {row['call']}", ha="left",
                va="center", fontsize=9, weight="bold")
        shapes = (f"out {row['output_shape']}" if row["kind"] == "input"
                  else f"in {row['input_shape']}  →  out {row['output_shape']}")
        ax.text(0.02, top - 0.72 * height, shapes, ha="left", va="center", fontsize=8.5,
                family="monospace")
        ax.text(0.98, top - height / 2, f"{row['weights']:,} weights", ha="right", va="center",
                fontsize=9)
        if i:
            _arrow(ax, (0.5, top + gap), (0.5, top), "#333333")
    bottom = -(len(rows) - 1) * (height + gap) - height
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(bottom - 0.05, 0.05)
    ax.axis("off")
    total = sum(row["weights"] for row in rows)
    ax.set_title(f"{model.name}: {total:,} weights", fontsize=10)
    return fig
