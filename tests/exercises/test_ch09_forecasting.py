"""The checks of chapter 9's exercises (lessons_lib.exercises.ch09_forecasting)."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib import forecasting as fc

# --- ex-forecast-windows -----------------------------------------------------------------------


def _windows(values, input_len, horizon, start=0, extra=0, target_shift=0):
    """Windows as a student writes them with a loop; the keywords make the usual slips."""
    values = np.asarray(values, dtype=float)
    n = len(values) - input_len - horizon + 1 + extra
    X = np.stack([values[start + i:start + i + input_len] for i in range(n)])
    first = input_len - 1 + horizon + target_shift
    return X, values[first:first + n]


def _windows_as_lists(values, input_len, horizon):
    """Right, written with plain lists."""
    values = list(values)
    n = len(values) - input_len - horizon + 1
    X = [values[i:i + input_len] for i in range(n)]
    y = [values[i + input_len - 1 + horizon] for i in range(n)]
    return X, y


def test_windows(verdicts):
    verdicts("ex-forecast-windows", _windows, [
        (lambda v, n, h: _windows(v, h, n), "input_len and horizon are swapped"),
        (lambda v, n, h: _windows(v, 48, 24), "use input_len and horizon, not 48 and 24"),
        (lambda v, n, h: _windows(v, n, 24), "the chapter's horizon of 24"),
        (lambda v, n, h: _windows(v, 48, h), "the chapter's 48-hour windows"),
        (lambda v, n, h: _windows(v, n, h, extra=-1), "off by one in the number of windows"),
        (lambda v, n, h: _windows(v, n, h, target_shift=1), "one step late (off by one)"),
        (lambda v, n, h: _windows(v, n, h, target_shift=-1), "one step early (off by one)"),
        (lambda v, n, h: _windows(v, n, h, start=1, extra=-1), "start one step late"),
        (lambda v, n, h: (_windows(v, n, h)[0], _windows(v, n, h)[0][:, -1]),
         "y is the last value of each input window"),
        (lambda v, n, h: _windows(v, n, h)[::-1], "order (X, y)"),
        (lambda v, n, h: _windows(v, n, h)[0], "expected a pair (X, y)"),
        (lambda v, n, h: (_windows(v, n, h)[0],
                          np.asarray(v)[h:h + len(_windows(v, n, h)[1])]),
         "counted from the window's first value"),
        (lambda v, n, h: (_windows(v, n, h)[0], np.round(_windows(v, n, h)[1])),
         "right shape but not the right values"),
    ])
    verdicts("ex-forecast-windows", _windows_as_lists, [])


# --- ex-forecast-two-days ------------------------------------------------------------------------


def _two_day(X):
    return (X[:, -1] + X[:, -25]) / 2


def _stub(X):
    raise NotImplementedError


@pytest.fixture(scope="module")
def test_windows_and_targets():
    _, _, test = fc.chronological_split(fc.load_seattle_temps("C"))
    return fc.make_windows(test.values, 48, 24)


def _mae_of(X, y, forecast=_two_day):
    return fc.mean_absolute_error(y, forecast(X))


def test_two_days_forecast(verdicts, test_windows_and_targets):
    mae = _mae_of(*test_windows_and_targets)
    verdicts("ex-forecast-two-days", (_two_day, mae), [
        ((lambda X: X[:, -1], mae), "That is persistence"),
        ((lambda X: (X[:, -1] + X[:, -24]) / 2, mae), "23 hours before the last hour"),
        ((lambda X: (X[:, -1] + X[:, -26]) / 2, mae), "25 hours before the last hour"),
        ((lambda X: (X[:, -1] + X[:, 0]) / 2, mae), "the window's first hour"),
        ((lambda X: (X[:, -1] + X[:, 23]) / 2, mae), "only in a 48-hour window"),
        ((lambda X: X[:, -1] + X[:, -25], mae), "not their average"),
        ((lambda X: X.mean(axis=1), mae), "the mean of the whole window"),
        ((lambda X: X.mean(axis=0), mae), "expected the forecast of 6 random windows"),
        ((lambda X: (X[:, -2] + X[:, -26]) / 2, mae), "right shape but not the right values"),
        ((lambda X: 0.5 * (X[:, 0] + X[:, 24]), mae), "counted from the window's start"),
        ((lambda X: (X[:, 47] + X[:, 23]) / 2, mae), "not every X has 48 columns"),
    ], placeholders=[(_stub, None), (_two_day, None), (None, None)])
    # Right answers written differently: a list, a loop over rows, a numpy number, rounded.
    verdicts("ex-forecast-two-days", (lambda X: [(r[-1] + r[-25]) / 2 for r in X],
                                      np.float32(mae)), [], placeholders=[(None, None)])
    verdicts("ex-forecast-two-days", (lambda X: np.mean(X[:, [-1, -25]], axis=1),
                                      round(mae, 3)), [], placeholders=[(None, None)])


def test_two_days_mae(verdicts, test_windows_and_targets):
    X, y = test_windows_and_targets
    mae = _mae_of(X, y)
    train, val, _ = fc.chronological_split(fc.load_seattle_temps("C"))
    errors = y - _two_day(X)
    verdicts("ex-forecast-two-days", (_two_day, mae), [
        ((_two_day, mae * 9 / 5), "in °F"),
        ((_two_day, _mae_of(*fc.make_windows(val.values, 48, 24))), "validation windows"),
        ((_two_day, _mae_of(*fc.make_windows(train.values, 48, 24))), "training windows"),
        ((_two_day, _mae_of(X, y, fc.persistence_forecast)), "persistence's test MAE"),
        ((_two_day, float(np.mean(errors ** 2))), "mean squared error"),
        ((_two_day, float(np.sqrt(np.mean(errors ** 2)))), "root mean squared error"),
        ((_two_day, float(np.mean(errors))), "mean signed error"),
        ((_two_day, float(np.mean(-errors))), "mean signed error"),
        ((_two_day, mae / fc.Normalizer.fit(train).std), "normalised units"),
        ((_two_day, 0.5), "should be the test MAE in °C"),
        ((_two_day, "0.14"), "should be a number"),
    ], placeholders=[(_two_day, None)])


# --- ex-forecast-horizons ------------------------------------------------------------------------


def _persistence_maes(part=2, input_len=48, horizons=(1, 6, 12, 24), unit="C"):
    parts = fc.chronological_split(fc.load_seattle_temps(unit))
    maes = []
    for horizon in horizons:
        X, y = fc.make_windows(parts[part].values, input_len, horizon)
        maes.append(fc.mean_absolute_error(y, fc.persistence_forecast(X)))
    return maes


def test_horizons(verdicts):
    right = _persistence_maes()
    shorter = [0.0] + _persistence_maes(horizons=(5, 11, 23))
    verdicts("ex-forecast-horizons", right, [
        (right[::-1], "reverse order"),
        (_persistence_maes(unit="F"), "in °F"),
        (_persistence_maes(part=1), "validation windows"),
        (_persistence_maes(part=0), "training windows"),
        (_persistence_maes(horizons=(2, 7, 13, 25)), "one hour too far ahead (off by one)"),
        (shorter, "one hour too close (off by one)"),
        ([right[-1]] * 4, "Every entry is the 24-hour MAE"),
        (_persistence_maes(input_len=24), "24-hour input windows"),
        (right[:3], "should hold 4 numbers"),
        ({1: right[0], 6: right[1], 12: right[2]}, "as keys"),
        ("0.25, 1.23", "should be a list of 4 numbers"),
        ([0.2, 1.0, 1.5, 0.1], "should be persistence's test MAEs"),
    ], placeholders=[None, [None, None, None, None]])
    # Right answers written differently: an array, a dict by horizon, numbers rounded to 3 places.
    verdicts("ex-forecast-horizons", np.array(right), [])
    verdicts("ex-forecast-horizons", dict(zip((1, 6, 12, 24), right, strict=True)), [])
    verdicts("ex-forecast-horizons", [round(m, 3) for m in right], [])


# --- ex-forecast-days-ahead -----------------------------------------------------------------


def _daily_maes(years=("2014", "2014"), days=range(1, 8), variable="temp_max", input_len=1,
                error=np.abs):
    """Persistence's MAEs of a daily variable as a student computes them, with the usual slips."""
    values = fc.load_seattle_weather().loc[years[0]:years[1], variable].values
    maes = []
    for h in days:
        if h == 0:
            maes.append(0.0)
            continue
        X, y = fc.make_windows(values, input_len, h)
        maes.append(float(np.mean(error(y - fc.persistence_forecast(X)))))
    return maes


def _by_differences(year="2014"):
    """Right, written without windows: every pair of days h apart."""
    v = fc.load_seattle_weather().loc[year, "temp_max"].values
    return [float(np.abs(v[h:] - v[:-h]).mean()) for h in range(1, 8)]


def test_days_ahead(verdicts):
    right = _daily_maes()
    verdicts("ex-forecast-days-ahead", right, [
        (right[::-1], "reverse order"),
        (_daily_maes(years=("2015", "2015")), "test year 2015"),
        (_daily_maes(years=("2012", "2013")), "training years"),
        (_daily_maes(years=("2012", "2015")), "all four years"),
        (_daily_maes(days=range(2, 9)), "one day too far ahead (off by one)"),
        (_daily_maes(days=range(0, 7)), "one day too close (off by one)"),
        (_daily_maes(variable="temp_min"), "daily minimum"),
        (_daily_maes(input_len=14), "windows of 14 days"),
        ([right[0]] * 7, "Every entry is the 1-day MAE"),
        (_daily_maes(error=np.square), "mean squared error"),
        (_daily_maes(error=lambda e: e), "mean signed error"),
        (right[:3], "should hold 7 numbers"),
        ({1: right[0], 2: right[1]}, "as keys"),
        ("2.28, 3.08", "should be a list of 7 numbers"),
        ([2.0, 3.0, 3.5, 3.9, 4.0, 4.0, 4.0], "should be persistence's validation MAEs"),
    ], placeholders=[None, [None] * 7])
    # Right answers written differently: without windows, an array, a dict, rounded to 2 places.
    verdicts("ex-forecast-days-ahead", _by_differences(), [])
    verdicts("ex-forecast-days-ahead", np.array(right), [])
    verdicts("ex-forecast-days-ahead", dict(zip(range(1, 8), right, strict=True)), [])
    verdicts("ex-forecast-days-ahead", [round(m, 2) for m in right], [])
    # The chapter's own pattern, one set of windows for all seven horizons, is right too.
    values = fc.load_seattle_weather().loc["2014", "temp_max"].values
    X, y = fc.make_windows(values, 1, range(1, 8))
    shared = np.abs(y - fc.persistence_forecast(X)[:, None]).mean(axis=0)
    assert np.abs(shared - np.array(right)).max() > 0.006  # so this case tests something
    verdicts("ex-forecast-days-ahead", [round(float(m), 2) for m in shared], [])
    # Wrong answers copied from a printout to two decimals are still named.
    verdicts("ex-forecast-days-ahead", right, [
        ([round(m, 2) for m in _daily_maes(years=("2015", "2015"))], "test year 2015"),
        ([round(m, 2) for m in _daily_maes(days=range(2, 9))], "off by one"),
        ([round(m, 2) for m in _daily_maes(input_len=14)], "windows of 14 days"),
    ])
