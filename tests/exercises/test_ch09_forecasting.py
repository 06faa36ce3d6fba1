"""The checks of chapter 9's exercises (lessons_lib.exercises.ch09_forecasting)."""

from __future__ import annotations

import numpy as np

from lessons_lib import forecasting as fc
from lessons_lib.exercises import run_check


def _windows_solution(values, input_len, horizon):
    values = np.asarray(values, dtype=float)
    n = len(values) - input_len - horizon + 1
    return np.stack([values[i:i + input_len] for i in range(n)]), values[input_len - 1 + horizon:]


def _two_day(X):
    return (X[:, -1] + X[:, -25]) / 2


def _stub(*args):
    raise NotImplementedError


def _two_day_test_mae():
    _, _, test = fc.chronological_split(fc.load_seattle_temps("C"))
    X, y = fc.make_windows(test.values, 48, 24)
    return fc.mean_absolute_error(y, _two_day(X))


def test_windows_check_passes_fails_and_sees_stub():
    assert run_check("ex-forecast-windows", _windows_solution)["status"] == "passed"
    off_by_one = lambda v, n, h: _windows_solution(v, n, h + 1)  # noqa: E731
    verdict = run_check("ex-forecast-windows", off_by_one)
    assert verdict["status"] == "failed" and "shape" in verdict["feedback"]
    assert run_check("ex-forecast-windows", _stub)["status"] == "not attempted"


def test_two_day_check_passes_fails_and_sees_stub():
    mae = _two_day_test_mae()
    assert run_check("ex-forecast-two-days", _two_day, mae)["status"] == "passed"
    wrong_rule = run_check("ex-forecast-two-days", lambda X: X[:, -1], mae)
    assert wrong_rule["status"] == "failed"
    in_fahrenheit = run_check("ex-forecast-two-days", _two_day, mae * 9 / 5)
    assert in_fahrenheit["status"] == "failed" and "°C" in in_fahrenheit["feedback"]
    assert run_check("ex-forecast-two-days", _stub, None)["status"] == "not attempted"
    assert run_check("ex-forecast-two-days", _two_day, None)["status"] == "not attempted"
