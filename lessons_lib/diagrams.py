"""Diagrams of recurrent layers, drawn with matplotlib (no stock images).

``draw_unrolled`` draws the recurrent cell twice: folded, as one box with a loop that feeds its
output back in, and unrolled, as one copy of the same box per time step with the state passed
from left to right. Every box, arrow and label is drawn here, so the picture changes with the
code (for example the number of steps).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

CELL_COLOR = "#DD8452"
INPUT_COLOR = "#4C72B0"
OUTPUT_COLOR = "#55A868"
STATE_COLOR = "#8C8C8C"

_BOX_W, _BOX_H = 1.0, 0.8


def _cell(ax: Axes, x: float, y: float, text: str) -> None:
    """A rounded box centred on (x, y) standing for one application of the recurrence."""
    box = FancyBboxPatch((x - _BOX_W / 2, y - _BOX_H / 2), _BOX_W, _BOX_H,
                         boxstyle="round,pad=0.05", facecolor=CELL_COLOR, edgecolor="black",
                         alpha=0.85, linewidth=1.2)
    ax.add_patch(box)
    ax.text(x, y, text, ha="center", va="center", fontsize=10, color="white", weight="bold")


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
