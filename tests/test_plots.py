"""The course's figure colours (lessons_lib.plots) for every reader: each stands out against the
white background, and every two stay apart when seen with each kind of colour blindness.

Colour blindness is simulated with Machado, Oliveira and Fernandes's matrices (2009, severity
1.0) in linear RGB; two colours are "apart" when they differ by at least 15 in CIELAB (ΔE*76;
2.3 is just noticeable, and lines in a plot need far more). Contrast is WCAG 2.1's, 3:1 for
the parts of a graphic (success criterion 1.4.11).
"""

from __future__ import annotations

import itertools

import matplotlib as mpl
import numpy as np
import pytest

from lessons_lib import plots

MIN_DELTA_E = 15.0
MIN_CONTRAST = 3.0
SIMULATIONS = {
    "normal vision": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}


def linear_rgb(color: str) -> np.ndarray:
    srgb = np.array(mpl.colors.to_rgb(color))
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def lab(linear: np.ndarray) -> np.ndarray:
    """CIELAB (D65 white) of a linear-RGB colour."""
    to_xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                       [0.0193, 0.1192, 0.9505]])
    xyz = to_xyz @ np.clip(linear, 0, 1) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def contrast(a: str, b: str) -> float:
    """WCAG's contrast ratio of two colours."""
    lum = [float(np.dot([0.2126, 0.7152, 0.0722], linear_rgb(c))) for c in (a, b)]
    return (max(lum) + 0.05) / (min(lum) + 0.05)


@pytest.mark.parametrize("color", plots.PALETTE)
def test_every_colour_stands_out_against_white(color):
    assert contrast(color, "white") >= MIN_CONTRAST, (color, contrast(color, "white"))


@pytest.mark.parametrize("vision", SIMULATIONS)
def test_every_two_colours_stay_apart(vision):
    seen = {c: lab(SIMULATIONS[vision] @ linear_rgb(c)) for c in plots.PALETTE}
    for a, b in itertools.combinations(plots.PALETTE, 2):
        delta = float(np.linalg.norm(seen[a] - seen[b]))
        assert delta >= MIN_DELTA_E, f"{a} and {b} differ by {delta:.1f} with {vision}"


def test_the_check_tells_a_red_green_pair_apart_from_a_safe_one():
    # Red and green that differ plainly to normal vision but not with deuteranopia.
    red, green = "#C44E52", "#55A868"
    deutan = SIMULATIONS["deuteranopia"]
    assert np.linalg.norm(lab(linear_rgb(red)) - lab(linear_rgb(green))) > 40
    assert np.linalg.norm(lab(deutan @ linear_rgb(red)) - lab(deutan @ linear_rgb(green))) < 15
    assert contrast("#CCB974", "white") < MIN_CONTRAST  # a light olive fails against white


def test_the_models_keep_their_colours_and_the_cycle_starts_with_them():
    plots.use_course_style()
    cycle = list(mpl.rcParams["axes.prop_cycle"])
    assert [entry["color"] for entry in cycle[:4]] == list(plots.MODEL_COLORS.values())
    assert all(entry["linestyle"] == "-" for entry in cycle[:len(plots.PALETTE)])
    # Past the palette, the colours repeat with another dash: no two lines look the same.
    assert len({(e["color"], e["linestyle"]) for e in cycle}) == len(cycle) >= 15


@pytest.mark.parametrize("name", ["INPUT_COLOR", "OUTPUT_COLOR", "STATE_COLOR",
                                  "ATTENTION_COLOR"])
def test_diagram_labels_are_readable_text_on_white(name):
    from lessons_lib import diagrams

    assert contrast(getattr(diagrams, name), "white") >= 4.5  # WCAG AA for text


@pytest.mark.parametrize("fill", ["CELL_COLOR", "DECODER_COLOR"])
def test_cell_labels_are_readable_on_their_cells(fill):
    from lessons_lib import diagrams

    assert contrast(diagrams.CELL_TEXT_COLOR, getattr(diagrams, fill)) >= 4.5
    for layer_fill in diagrams.LAYER_COLORS.values():
        assert contrast("black", layer_fill) >= 4.5
