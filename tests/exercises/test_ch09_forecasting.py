"""The checks of chapter 9's exercises (lessons_lib.exercises.ch09_forecasting)."""

from __future__ import annotations

import numpy as np

from lessons_lib import forecasting as fc


def _windows(values, input_len, horizon):
    values = np.asarray(values, dtype=float)
    n = len(values) - input_len - horizon + 1
    return np.stack([values[i:i + input_len] for i in range(n)]), values[input_len - 1 + horizon:]


def test_windows(verdicts):
    verdicts("ex-forecast-windows", _windows, [
        (lambda v, n, h: _windows(v, n, h + 1), "shape"),
    ])


def _two_day(X):
    return (X[:, -1] + X[:, -25]) / 2


def _stub(X):
    raise NotImplementedError


def test_two_days(verdicts):
    _, _, test = fc.chronological_split(fc.load_seattle_temps("C"))
    X, y = fc.make_windows(test.values, 48, 24)
    mae = fc.mean_absolute_error(y, _two_day(X))
    verdicts("ex-forecast-two-days", (_two_day, mae), [
        ((lambda X: X[:, -1], mae), "the forecast of 6 random windows"),
        ((_two_day, mae * 9 / 5), "°C"),
    ], placeholders=[(_stub, None), (_two_day, None), (None, None)])
