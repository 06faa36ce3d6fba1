"""One figure style for the whole book, and the plots that more than one chapter draws.

Used by every chapter that draws a figure.

Call ``use_course_style()`` once at the top of a chapter. Figures are sized for the book's text
column (7 inches at 110 dpi is the column's width in pixels, so text in a figure reads at the
size of the prose) and every axis gets a label with its unit. The colours are a
colour-blind-friendly palette; ``MODEL_COLORS`` gives each of the four models its colour from
it, so a model looks the same in every chapter. Figures are drawn on white whatever the page's
theme, so that they stay readable in dark mode.
"""

from __future__ import annotations

import matplotlib as mpl

# One colour per model, so the same model looks the same in every chapter.
MODEL_COLORS = {
    "feed_forward": "#4C72B0",
    "simple_rnn": "#DD8452",
    "simple_lstm": "#55A868",
    "simple_cnn": "#C44E52",
}

# The colour cycle: the four model colours first, then six more from the same palette.
PALETTE = [
    *MODEL_COLORS.values(),
    "#8172B3",
    "#937860",
    "#DA8BC3",
    "#8C8C8C",
    "#CCB974",
    "#64B5CD",
]

COURSE_STYLE = {
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "figure.constrained_layout.use": True,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "image.cmap": "viridis",
    "lines.linewidth": 1.8,
    "axes.formatter.use_mathtext": True,
}


def use_course_style() -> None:
    """Apply the book's figure style to every figure drawn after this call."""
    mpl.rcParams.update(COURSE_STYLE)
