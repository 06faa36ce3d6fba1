"""Chapter 9's exercise checks, in the order of ``book/09_forecasting.ipynb``.

A check of a function tries the answer on several cases with different sizes, so that an
answer written for the chapter's 48-hour windows only does not pass; a check of numbers
recomputes them. Each names the slip behind a wrong answer by comparing it with what each
common slip would have produced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lessons_lib.exercises import (
    ExerciseFailed,
    NotAttempted,
    PartlyRight,
    as_numbers,
    call_student,
    exercise,
    expect_answer,
    expect_close,
)

# The chapter's windows: 48 hours in, the temperature 24 hours after the last of them.
CHAPTER_INPUT_LEN, CHAPTER_HORIZON = 48, 24
# ex-forecast-windows: (series length, input_len, horizon).
# The chapter's own sizes come first, and a long enough series next, so that sizes hard-coded
# to 48 and 24 pass the first case and are named in the second instead of crashing.
WINDOW_CASES = ((90, 48, 24), (100, 7, 2), (40, 5, 3), (40, 1, 1), (40, 10, 20), (60, 3, 30))
# ex-forecast-horizons: how far ahead persistence forecasts, in hours.
HORIZONS = (1, 6, 12, 24)


def _alike(got: np.ndarray, reference: np.ndarray) -> bool:
    """Whether ``got`` is ``reference`` give or take one row at the end (same row width)."""
    if got.shape[1:] != reference.shape[1:] or abs(len(got) - len(reference)) > 1:
        return False
    rows = min(len(got), len(reference))
    return rows > 0 and bool(np.allclose(got[:rows], reference[:rows]))



def _window_rows(values: np.ndarray, input_len: int, start: int = 0) -> np.ndarray:
    """Every window of ``input_len`` values, the first starting at ``values[start]``."""
    return np.lib.stride_tricks.sliding_window_view(values[start:], input_len)


def _slipped_windows(values: np.ndarray, input_len: int, horizon: int
                     ) -> list[tuple[tuple[np.ndarray, np.ndarray], str]]:
    """The windows ``(X, y)`` that swapped or hard-coded sizes give, with the slip's name."""
    from lessons_lib.forecasting import make_windows

    chapter = "the chapter's {}: use the argument {} instead"
    slips = (((horizon, input_len), "input_len and horizon are swapped: each row of X holds "
                                    "input_len values, and the target lies horizon steps after "
                                    "the row's last value"),
             ((CHAPTER_INPUT_LEN, CHAPTER_HORIZON),
              "the windows have the chapter's sizes whatever the arguments: use input_len and "
              "horizon, not 48 and 24"),
             ((input_len, CHAPTER_HORIZON), chapter.format("horizon of 24", "horizon")),
             ((CHAPTER_INPUT_LEN, horizon), chapter.format("48-hour windows", "input_len")))
    found = []
    for (slip_len, slip_horizon), description in slips:
        if (slip_len, slip_horizon) != (input_len, horizon) and (
                len(values) >= slip_len + slip_horizon):
            found.append((make_windows(values, slip_len, slip_horizon), description))
    return found


def _same(got: np.ndarray, reference: np.ndarray) -> bool:
    return got.shape == reference.shape and bool(np.allclose(got, reference))


def _x_mistake(X: np.ndarray, values: np.ndarray, input_len: int, horizon: int) -> str:
    """The slip that produced the wrong windows ``X``, or ``""`` if none is recognised."""
    from lessons_lib.forecasting import make_windows

    expected_X, expected_y = make_windows(values, input_len, horizon)
    if X.ndim == 1 and _alike(X[:, None], expected_y[:, None]):
        return "the first element is y: return the pair in the order (X, y)"
    if X.ndim != 2:
        return f"X should be 2-D, one window per row; got {X.ndim} dimension(s)"
    for (slip_X, _), description in _slipped_windows(values, input_len, horizon):
        if _same(X, slip_X):
            return description
    if X.shape[1] == input_len and len(X) != len(expected_X) and _alike(X, expected_X):
        return (f"off by one in the number of windows: got {len(X)}, expected "
                f"{len(expected_X)} = len(values) - input_len - horizon + 1 (the last "
                f"window's target is the series' last value)")
    late = _window_rows(values, input_len, 1)
    if X.shape[1] == input_len and 0 < len(X) <= len(late) and _same(X, late[:len(X)]):
        return "the windows start one step late: row 0 of X is values[0 : input_len]"
    return ""


def _y_mistake(y: np.ndarray, values: np.ndarray, input_len: int, horizon: int) -> str:
    """The slip that produced the wrong targets ``y``, or ``""`` if none is recognised."""
    n = len(values) - input_len - horizon + 1
    if y.ndim != 1:
        return f"y should be 1-D, one target per window, shape ({n},); got shape {y.shape}"
    if _same(y, values[input_len - 1:input_len - 1 + n]):
        return ("y is the last value of each input window: the target lies horizon steps "
                "after it, values[i + input_len - 1 + horizon]")
    if input_len > 1 and _same(y, values[horizon:horizon + n]):
        return ("y[i] is values[i + horizon], counted from the window's first value: the "
                "target lies horizon steps after the window's *last* value, values[i + "
                "input_len - 1 + horizon]")
    for (_, slip_y), description in _slipped_windows(values, input_len, horizon):
        if _same(y, slip_y):
            return description
    slips = (("one step late", input_len + horizon), ("one step early", input_len + horizon - 2))
    for when, first in slips:
        if _alike(y[:, None], values[first:first + n][:, None]):
            return (f"the targets are {when} (off by one): y[i] is values[i + input_len - 1 + "
                    f"horizon], horizon steps after the window's last value")
    if y.shape != (n,):
        return f"y should hold one target per window, shape ({n},); got shape {y.shape}"
    return ""


@exercise("ex-forecast-windows", reference=("lessons_lib.forecasting.make_windows",))
def check_forecast_windows(windows: Any) -> str:
    """``windows(values, input_len, horizon)``: the ``(X, y)`` pairs of ``make_windows``."""
    from lessons_lib.forecasting import make_windows

    rng = np.random.default_rng(9)
    for length, input_len, horizon in WINDOW_CASES:
        values = rng.normal(10.0, 3.0, size=length)
        expected_X, expected_y = make_windows(values, input_len, horizon)
        answer = call_student(windows, values.copy(), input_len, horizon)
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            raise ExerciseFailed(f"expected a pair (X, y), got {type(answer).__name__}")
        where = f"for {length} values, input_len={input_len}, horizon={horizon}"
        X, y = as_numbers(answer[0], "X"), as_numbers(answer[1], "y")
        if X.shape != expected_X.shape or not np.allclose(X, expected_X):
            mistake = _x_mistake(X, values, input_len, horizon)
            if mistake:
                raise ExerciseFailed(f"X {where}: {mistake}")
            expect_close(X, expected_X, f"X {where}")
        if y.shape != expected_y.shape or not np.allclose(y, expected_y):
            mistake = _y_mistake(y, values, input_len, horizon)
            if mistake:
                raise ExerciseFailed(f"y {where}: {mistake}")
            expect_close(y, expected_y, f"y {where}")
    return "your windows match make_windows, targets included"


def _number(value: Any, what: str) -> float:
    """A student's number as a float; the placeholder is "not attempted"."""
    value = expect_answer(value)
    if isinstance(value, (bool, str)):
        raise ExerciseFailed(f"{what} should be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ExerciseFailed(f"{what} should be a number, got {value!r}") from exc


def _matches(got: float | np.ndarray, expected: float | np.ndarray) -> bool:
    # Three decimals are enough: a number rounded for printing still passes.
    return bool(np.allclose(got, expected, rtol=1e-3, atol=5e-4))


def _first_mistake(got: float | np.ndarray,
                   mistakes: Sequence[tuple[Callable[[], Any], str]],
                   matches: Callable[[Any, Any], bool] = _matches) -> str:
    """The description of the first slip whose result ``got`` matches, or ``""``."""
    for result, description in mistakes:
        if matches(got, result()):
            return f" {description}"
    return ""


def _two_day_rule(X: np.ndarray) -> np.ndarray:
    return (X[:, -1] + X[:, -25]) / 2


def _test_windows(part: int = 2, input_len: int = CHAPTER_INPUT_LEN,
                  horizon: int = CHAPTER_HORIZON) -> tuple[np.ndarray, np.ndarray]:
    """The chapter's windows of one part of the Celsius series (0 train, 1 validation, 2 test)."""
    from lessons_lib import forecasting as fc

    parts = fc.chronological_split(fc.load_seattle_temps("C"))
    return fc.make_windows(parts[part].values, input_len, horizon)


def _train_std() -> float:
    """The standard deviation of the training part in °C, the chapter's normalising unit."""
    from lessons_lib import forecasting as fc

    train = fc.chronological_split(fc.load_seattle_temps("C"))[0]
    return fc.Normalizer.fit(train).std


@exercise("ex-forecast-two-days")
def check_forecast_two_days(two_day_forecast: Any, two_day_mae: Any) -> str:
    """``two_day_forecast(X)``: mean of now and 24 h ago; ``two_day_mae``: its test MAE in °C.
    Half the points when only one of the two is right."""
    try:
        _check_two_day_forecast(two_day_forecast)
        forecast_problem = None
    except NotAttempted:
        raise
    except ExerciseFailed as exc:
        forecast_problem = exc
    try:
        message = _check_two_day_mae(two_day_mae)
    except NotAttempted:
        if forecast_problem is not None:
            raise forecast_problem from None
        raise
    except ExerciseFailed as exc:
        if forecast_problem is not None:
            raise forecast_problem from None
        raise PartlyRight(f"the forecast is right, the MAE is not: {exc}", 1, 2) from exc
    if forecast_problem is not None:
        raise PartlyRight(f"{forecast_problem} (two_day_mae is right)", 1, 2) \
            from forecast_problem
    return message


def _check_two_day_forecast(two_day_forecast: Any) -> None:
    """The forecast part of ex-forecast-two-days: raises unless it is right."""
    rng = np.random.default_rng(19)
    # Windows of two lengths, so that counting hours from the window's start does not pass.
    for n, steps in ((6, 48), (4, 30)):
        X = rng.normal(8.0, 4.0, size=(n, steps))
        try:
            forecast = call_student(two_day_forecast, X.copy())
        except ExerciseFailed as exc:
            if isinstance(exc.__cause__, IndexError) and steps != CHAPTER_INPUT_LEN:
                raise ExerciseFailed(
                    f"{exc}, on windows of {steps} hours: not every X has 48 columns. Count "
                    f"the columns from the end, X[:, -1] and X[:, -25], rather than "
                    f"hard-coding their numbers for 48-hour windows") from exc
            raise
        got = as_numbers(forecast, "the forecast")
        expected = _two_day_rule(X)
        if got.shape == expected.shape and np.allclose(got, expected):
            continue
        what = f"the forecast of {n} random windows of {steps} hours"
        forecast_slips = (
            (X[:, -1], "That is persistence: average the last hour with the same hour one "
                       "day earlier, X[:, -25]."),
            ((X[:, -1] + X[:, -24]) / 2, "X[:, -24] is 23 hours before the last hour, not 24 "
                                         "(off by one): the same hour a day earlier is X[:, -25]."),
            ((X[:, -1] + X[:, -26]) / 2, "X[:, -26] is 25 hours before the last hour, not 24 "
                                         "(off by one): the same hour a day earlier is X[:, -25]."),
            ((X[:, -1] + X[:, 0]) / 2, "X[:, 0] is the window's first hour, not the same hour "
                                       "one day (24 hours) before the last: use X[:, -25]."),
            ((X[:, -1] + X[:, 23]) / 2, "X[:, 23] is 24 hours before the last hour only in a "
                                        "48-hour window: count from the end, X[:, -25]."),
            (X[:, -1] + X[:, -25], "That is the sum of the two hours, not their average: "
                                   "divide by 2."),
            (X.mean(axis=1), "That is the mean of the whole window, not of two hours."),
            ((X[:, 0] + X[:, 24]) / 2, "X[:, 0] and X[:, 24] are counted from the window's "
                                       "start: the forecast averages its last hour, X[:, -1], "
                                       "with the same hour a day earlier, X[:, -25]."),
        )
        for slip, description in forecast_slips:
            if got.shape == slip.shape and np.allclose(got, slip):
                raise ExerciseFailed(f"{what}: {description}")
        expect_close(got, expected, what)



def _check_two_day_mae(two_day_mae: Any) -> str:
    """The MAE part of ex-forecast-two-days: its success message, else raises."""
    from lessons_lib import forecasting as fc

    X_test, y_test = _test_windows()
    expected = fc.mean_absolute_error(y_test, _two_day_rule(X_test))
    mae = _number(two_day_mae, "two_day_mae")
    if _matches(mae, expected):
        return f"test MAE {expected:.3f} °C"

    def on(part: int) -> float:
        X, y = _test_windows(part)
        return fc.mean_absolute_error(y, _two_day_rule(X))

    def errors() -> np.ndarray:
        return y_test - _two_day_rule(X_test)

    mistake = _first_mistake(mae, (
        (lambda: expected * 9 / 5, "That is the error in °F: convert the series to °C first."),
        (lambda: on(1), "That is the MAE on the validation windows: use the test windows."),
        (lambda: on(0), "That is the MAE on the training windows: use the test windows."),
        (lambda: fc.mean_absolute_error(y_test, fc.persistence_forecast(X_test)),
         "That is persistence's test MAE, not the two-day forecast's."),
        (lambda: float(np.mean(errors() ** 2)), "That is the mean squared error: take the "
                                                "mean of the absolute errors."),
        (lambda: float(np.sqrt(np.mean(errors() ** 2))), "That is the root mean squared "
                                                         "error: take the mean absolute error."),
        (lambda: float(np.mean(errors())), "That is the mean signed error: take absolute "
                                           "values before averaging."),
        (lambda: -float(np.mean(errors())), "That is the mean signed error (forecast minus "
                                            "truth): take absolute values before averaging."),
        (lambda: expected / _train_std(), "That is the MAE in normalised units (divided by "
                                          "the training standard deviation): give it in °C."),
    ))
    raise ExerciseFailed(f"two_day_mae should be the test MAE in °C, {expected:.4f}; got "
                         f"{mae:.4f}.{mistake}")


def _persistence_maes(part: int = 2, input_len: int = CHAPTER_INPUT_LEN,
                      horizons: Sequence[int] = HORIZONS, unit: str = "C") -> np.ndarray:
    """Persistence's MAE at each horizon on one part of the series, windows of ``input_len``."""
    from lessons_lib import forecasting as fc

    parts = fc.chronological_split(fc.load_seattle_temps(unit))
    maes = []
    for horizon in horizons:
        values = parts[part].values
        if horizon == 0:  # a target at the window's last hour: persistence is exact
            maes.append(0.0)
            continue
        X, y = fc.make_windows(values, input_len, horizon)
        maes.append(fc.mean_absolute_error(y, fc.persistence_forecast(X)))
    return np.array(maes)


def _one_mae_per(answer: Any, name: str, keys: tuple[int, ...], each: str, plural: str
                 ) -> np.ndarray:
    """One number per key of ``keys`` (horizons, days ahead), in their order, from a list, an
    array or a dict by key; ``name`` is the answer's variable, ``each`` names one key ("horizon",
    "day ahead") and ``plural`` the keys in a dict's message ("horizons", "days")."""
    answer = expect_answer(answer)
    if isinstance(answer, dict):
        if sorted(answer) != sorted(keys):
            raise ExerciseFailed(f"a dict of MAEs should have the {plural} {list(keys)} as "
                                 f"keys, got {sorted(answer)}")
        answer = [answer[k] for k in keys]
    if isinstance(answer, (str, bytes)) or np.ndim(answer) != 1:
        raise ExerciseFailed(f"{name} should be a list of {len(keys)} numbers, one per {each} "
                             f"{list(keys)}; got {answer!r:.80}")
    if any(v is None for v in answer):
        raise NotAttempted(f"{name} still holds None: compute every {each.split()[0]}'s MAE")
    values = as_numbers(answer, name)
    if values.shape != (len(keys),):
        raise ExerciseFailed(f"{name} should hold {len(keys)} numbers, one per {each} "
                             f"{list(keys)}; got {values.size}")
    return values


@exercise("ex-forecast-horizons")
def check_forecast_horizons(horizon_maes: Any) -> str:
    """``horizon_maes``: persistence's test MAE in °C, 48-hour windows, 1, 6, 12, 24 h ahead."""
    got = _one_mae_per(horizon_maes, "horizon_maes", HORIZONS, "horizon", "horizons")
    expected = _persistence_maes()
    if _matches(got, expected):
        return "MAE 1, 6, 12, 24 h: " + ", ".join(f"{m:.3f}" for m in expected) + " °C"
    mistake = _first_mistake(got, (
        (lambda: expected[::-1], "They are in reverse order: give them for 1, 6, 12, then 24 "
                                 "hours ahead."),
        (lambda: expected * 9 / 5, "These are errors in °F: convert the series to °C first."),
        (lambda: _persistence_maes(part=1), "These are MAEs on the validation windows: use "
                                            "the test windows."),
        (lambda: _persistence_maes(part=0), "These are MAEs on the training windows: use the "
                                            "test windows."),
        (lambda: _persistence_maes(horizons=[h + 1 for h in HORIZONS]),
         "The targets are one hour too far ahead (off by one): with horizon h the target is "
         "values[i + input_len - 1 + h]."),
        (lambda: _persistence_maes(horizons=[h - 1 for h in HORIZONS]),
         "The targets are one hour too close (off by one): with horizon h the target is "
         "values[i + input_len - 1 + h]."),
        (lambda: np.full(len(HORIZONS), expected[-1]),
         "Every entry is the 24-hour MAE: make the windows anew for each horizon."),
        (lambda: _persistence_maes(input_len=24), "These use 24-hour input windows: cut "
                                                  "windows of 48 hours, as the chapter does."),
    ))
    shown = ", ".join(f"{m:.4f}" for m in got)
    wanted = ", ".join(f"{m:.4f}" for m in expected)
    raise ExerciseFailed(f"horizon_maes should be persistence's test MAEs in °C for horizons "
                         f"{list(HORIZONS)}, {wanted}; got {shown}.{mistake}")


# ex-forecast-days-ahead: how many days ahead persistence forecasts the daily maximum.
DAYS_AHEAD = tuple(range(1, 8))


def _matches_printed(got: float | np.ndarray, expected: float | np.ndarray) -> bool:
    # The chapter prints these MAEs to two decimals: a number copied from the printout (off by
    # at most 0.005) still passes.
    return bool(np.allclose(got, expected, rtol=0, atol=0.006))


def _shared_windows_maes(year: str = "2014") -> np.ndarray:
    """Persistence's MAEs 1 to 7 days ahead on one set of windows for all horizons
    (``make_windows(values, 1, range(1, 8))``, the chapter's own pattern): the year's last six
    days are left out at every horizon, which moves each MAE by at most about 0.01 °C."""
    from lessons_lib import forecasting as fc

    values = fc.load_seattle_weather().loc[year, "temp_max"].values
    X, y = fc.make_windows(values, 1, DAYS_AHEAD)
    return np.abs(y - fc.persistence_forecast(X)[:, None]).mean(axis=0)


def _daily_persistence_maes(year: str = "2014", days: Sequence[int] = DAYS_AHEAD,
                            variable: str = "temp_max", input_len: int = 1,
                            last_year: str | None = None) -> np.ndarray:
    """Persistence's MAE of one daily variable over a year (or years up to ``last_year``),
    ``days`` ahead, on windows of ``input_len`` days (1: every pair of days that far apart)."""
    from lessons_lib import forecasting as fc

    values = fc.load_seattle_weather().loc[year:last_year or year, variable].values
    maes = []
    for ahead in days:
        if ahead == 0:  # a forecast of the day it is made on: persistence is exact
            maes.append(0.0)
            continue
        X, y = fc.make_windows(values, input_len, ahead)
        maes.append(fc.mean_absolute_error(y, fc.persistence_forecast(X)))
    return np.array(maes)


@exercise("ex-forecast-days-ahead")
def check_forecast_days_ahead(persistence_by_day: Any) -> str:
    """``persistence_by_day``: persistence's MAE of the daily maximum (°C) over the validation
    year 2014, 1 to 7 days ahead (every pair of days that far apart)."""
    got = _one_mae_per(persistence_by_day, "persistence_by_day", DAYS_AHEAD, "day ahead",
                       "days")
    expected = _daily_persistence_maes()
    if _matches_printed(got, expected):
        return "MAEs " + ", ".join(f"{m:.2f}" for m in expected) + " °C"
    if _matches_printed(got, _shared_windows_maes()):
        return ("MAEs " + ", ".join(f"{m:.2f}" for m in got) + " °C, on one set of windows "
                "for all seven horizons (the year's last six days left out; windows cut anew "
                "for each horizon give " + ", ".join(f"{m:.2f}" for m in expected) + " °C)")
    error_terms = (
        (lambda: _daily_persistence_maes_of(np.square), "That is the mean squared error: "
                                                        "average the absolute errors."),
        (lambda: _daily_persistence_maes_of(lambda e: e), "That is the mean signed error: take "
                                                          "absolute values before averaging."),
    )
    mistake = _first_mistake(got, (
        (lambda: expected[::-1], "They are in reverse order: give them for 1, 2, ..., 7 days "
                                 "ahead."),
        (lambda: _daily_persistence_maes("2015"), "These are MAEs on the test year 2015: use "
                                                  "the validation year 2014."),
        (lambda: _daily_persistence_maes("2012", last_year="2013"),
         "These are MAEs on the training years: use the validation year 2014."),
        (lambda: _daily_persistence_maes("2012", last_year="2015"),
         "These are MAEs over all four years: use the validation year 2014 only."),
        (lambda: _daily_persistence_maes(days=[d + 1 for d in DAYS_AHEAD]),
         "Each target is one day too far ahead (off by one): with horizon h the target lies h "
         "days after the window's last day."),
        (lambda: _daily_persistence_maes(days=[d - 1 for d in DAYS_AHEAD]),
         "Each target is one day too close (off by one): the first entry is 1 day ahead."),
        (lambda: _daily_persistence_maes(variable="temp_min"),
         "These are for the daily minimum: forecast temp_max."),
        (lambda: _daily_persistence_maes(input_len=14), "These use windows of 14 days, which "
                                                        "drop the year's first days: cut "
                                                        "windows of one day."),
        (lambda: np.full(len(DAYS_AHEAD), expected[0]),
         "Every entry is the 1-day MAE: cut the windows anew for each horizon."),
        *error_terms,
    ), matches=_matches_printed)
    shown_got = ", ".join(f"{m:.3f}" for m in got)
    wanted = ", ".join(f"{m:.3f}" for m in expected)
    raise ExerciseFailed(f"persistence_by_day should be persistence's validation MAEs in °C, 1 "
                         f"to 7 days ahead, {wanted}; got {shown_got}.{mistake}")


def _daily_persistence_maes_of(error_term: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Persistence's mean of ``error_term(target - forecast)`` on the validation year, 1 to 7
    days ahead: what a slip in the error measure gives."""
    from lessons_lib import forecasting as fc

    values = fc.load_seattle_weather().loc["2014", "temp_max"].values
    results = []
    for ahead in DAYS_AHEAD:
        X, y = fc.make_windows(values, 1, ahead)
        results.append(float(np.mean(error_term(y - fc.persistence_forecast(X)))))
    return np.array(results)
