"""One figure style for the whole book, and the plots that more than one chapter draws.

Call ``use_course_style()`` once at the top of a chapter. Figures are sized for the book's text
column (about 7 inches wide) and every axis gets a label with its unit.
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

COURSE_STYLE = {
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
}


def use_course_style() -> None:
    """Apply the book's figure style to every figure drawn after this call."""
    mpl.rcParams.update(COURSE_STYLE)
