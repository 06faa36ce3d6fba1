"""The unrolled-RNN diagram: a labelled matplotlib figure whose steps follow the argument."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

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
