"""One figure style for the whole book, and the plots that more than one chapter draws.

Used by every chapter that draws a figure.

Call ``use_course_style()`` once at the top of a chapter. Figures are sized for the book's text
column (7 inches at 110 dpi is the column's width in pixels, so text in a figure reads at the
size of the prose) and every axis gets a label with its unit. The colours are Okabe and Ito's
(blue, vermillion, bluish green, reddish purple) and a dark grey: each stands out against white
(contrast 3:1 or more, WCAG's rule for parts of a graphic) and every two of them stay apart
for readers with protanopia, deuteranopia or tritanopia (``tests/test_plots.py`` simulates
them). ``MODEL_COLORS`` gives each of the four models its colour, so a model looks the same in
every chapter. A sixth line or more repeats the colours, dashed, then dotted. Figures are drawn
on white whatever the page's theme, so that they stay readable in dark mode.
"""

from __future__ import annotations

import matplotlib as mpl

# One colour per model, so the same model looks the same in every chapter (Okabe and Ito's
# palette, 2008: the four of its colours dark enough to read against white).
MODEL_COLORS = {
    "feed_forward": "#0072B2",  # blue
    "simple_rnn": "#D55E00",  # vermillion
    "simple_lstm": "#009E73",  # bluish green
    "simple_cnn": "#CC79A7",  # reddish purple
}

# And a marker per model, so that no figure tells the models apart by colour alone.
MODEL_MARKERS = {"feed_forward": "o", "simple_rnn": "s", "simple_lstm": "^", "simple_cnn": "D"}

# The colour cycle: the four model colours, then a dark grey. Five is all that stay apart for
# every kind of colour blindness and against white; more lines repeat them with another dash.
PALETTE = [*MODEL_COLORS.values(), "#333333"]
LINESTYLES = ["-", "--", ":"]

COURSE_STYLE = {
    "axes.prop_cycle": mpl.cycler(linestyle=LINESTYLES) * mpl.cycler(color=PALETTE),
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
