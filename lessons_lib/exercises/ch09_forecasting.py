"""Chapter 9's exercise checks, in the order of ``book/09_forecasting.ipynb``."""

from __future__ import annotations

from typing import Any

import numpy as np

from lessons_lib.exercises import (
    ExerciseFailed,
    call_student,
    exercise,
    expect_answer,
    expect_close,
)


@exercise("ex-forecast-windows")
def check_forecast_windows(windows: Any) -> str:
    """``windows(values, input_len, horizon)``: the ``(X, y)`` pairs of ``make_windows``."""
    from lessons_lib.forecasting import make_windows

    values = np.random.default_rng(9).normal(size=40)
    for input_len, horizon in ((5, 3), (1, 1), (10, 20)):
        expected_X, expected_y = make_windows(values, input_len, horizon)
        answer = call_student(windows, values, input_len, horizon)
        if not isinstance(answer, tuple) or len(answer) != 2:
            raise ExerciseFailed(f"expected a pair (X, y), got {type(answer).__name__}")
        where = f"for input_len={input_len}, horizon={horizon}"
        expect_close(answer[0], expected_X, f"X {where}")
        expect_close(answer[1], expected_y, f"y {where}")
    return "your windows match make_windows, targets included"


@exercise("ex-forecast-two-days")
def check_forecast_two_days(two_day_forecast: Any, two_day_mae: Any) -> str:
    """``two_day_forecast(X)``: mean of now and 24 h ago; ``two_day_mae``: its test MAE in °C."""
    from lessons_lib import forecasting as fc

    X = np.random.default_rng(9).normal(size=(6, 48))
    expect_close(call_student(two_day_forecast, X), (X[:, -1] + X[:, -25]) / 2,
                 "the forecast of 6 random windows")
    _, _, test = fc.chronological_split(fc.load_seattle_temps("C"))
    X_test, y_test = fc.make_windows(test.values, 48, 24)
    expected = fc.mean_absolute_error(y_test, (X_test[:, -1] + X_test[:, -25]) / 2)
    try:
        mae = float(expect_answer(two_day_mae))
    except (TypeError, ValueError) as exc:
        raise ExerciseFailed(f"two_day_mae should be a number, got {two_day_mae!r}") from exc
    if not np.isclose(mae, expected, rtol=1e-3):
        raise ExerciseFailed(f"two_day_mae should be the test MAE in °C, {expected:.4f}; got "
                             f"{mae:.4f} (test windows of 48 hours, horizon 24, in °C?)")
    return f"test MAE {expected:.3f} °C"
