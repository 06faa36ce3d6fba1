"""Unit tests of lessons_lib.forecasting: data, splits, windows and baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lessons_lib import forecasting as fc


def toy_series(n: int = 200) -> pd.Series:
    index = pd.date_range("2010-01-01", periods=n, freq="h")
    return pd.Series(np.arange(n, dtype=float), index=index)


# --- the data ------------------------------------------------------------------------------


def test_seattle_series_is_hourly_without_gaps():
    series = fc.load_seattle_temps("F")
    assert len(series) == 365 * 24
    steps = np.diff(series.index.values).astype("timedelta64[h]").astype(int)
    assert set(steps) == {1}
    assert not series.isna().any()
    assert series.index[0] == pd.Timestamp("2010-01-01 00:00")


def test_celsius_is_fahrenheit_converted():
    f, c = fc.load_seattle_temps("F"), fc.load_seattle_temps("C")
    np.testing.assert_allclose(c.values, (f.values - 32) * 5 / 9)
    assert fc.fahrenheit_to_celsius(212.0) == pytest.approx(100.0)


def test_unknown_unit_is_rejected():
    with pytest.raises(ValueError, match="unit must be one of"):
        fc.load_seattle_temps("K")


# --- splits and normalisation --------------------------------------------------------------


def test_split_is_chronological_and_complete():
    series = toy_series(100)
    train, val, test = fc.chronological_split(series, (0.7, 0.15, 0.15))
    assert (len(train), len(val), len(test)) == (70, 15, 15)
    assert train.index.max() < val.index.min() and val.index.max() < test.index.min()
    pd.testing.assert_series_equal(pd.concat([train, val, test]), series)


@pytest.mark.parametrize("fractions, message", [
    ((0.5, 0.5), "three positive"), ((0.7, 0.0, 0.3), "three positive"),
    ((0.5, 0.3, 0.3), "sum to 1"),
])
def test_split_rejects_bad_fractions(fractions, message):
    with pytest.raises(ValueError, match=message):
        fc.chronological_split(toy_series(), fractions)


def test_split_rejects_too_short_series():
    with pytest.raises(ValueError, match="too short"):
        fc.chronological_split(toy_series(3), (0.8, 0.1, 0.1))


def test_normalizer_uses_training_statistics_only():
    train = np.array([1.0, 2.0, 3.0])
    norm = fc.Normalizer.fit(train)
    assert norm.mean == pytest.approx(2.0) and norm.std == pytest.approx(np.std(train))
    # A test value far outside the training range is not used to fit, only transformed.
    assert norm.transform([100.0])[0] == pytest.approx((100.0 - 2.0) / np.std(train))
    np.testing.assert_allclose(norm.inverse(norm.transform(train)), train)


def test_normalizer_rejects_constant_or_tiny_data():
    with pytest.raises(ValueError, match="constant"):
        fc.Normalizer.fit([5.0, 5.0])
    with pytest.raises(ValueError, match="at least 2"):
        fc.Normalizer.fit([5.0])


# --- windows ----------------------------------------------------------------------------------


def test_window_shapes_and_alignment():
    values = np.arange(100.0)
    X, y = fc.make_windows(values, input_len=48, horizon=24)
    assert X.shape == (100 - 48 - 24 + 1, 48) and y.shape == (29,)
    np.testing.assert_array_equal(X[0], np.arange(48.0))
    # The target is 24 steps after the window's last value (47 + 24 = 71).
    assert y[0] == 71.0
    np.testing.assert_array_equal(y - X[:, -1], np.full(29, 24.0))


def test_window_target_times_match_targets():
    series = toy_series(100)
    _, y = fc.make_windows(series.values, 10, 5)
    times = fc.target_times(series.index, 10, 5)
    np.testing.assert_array_equal(series.loc[times].values, y)


def test_windows_of_one_split_never_see_another():
    """Windows cut split by split hold only that split's hours, targets included."""
    series = toy_series(500)  # each value is its own position, so it names its hour
    parts = fc.chronological_split(series)
    for part in parts:
        X, y = fc.make_windows(part.values, 48, 24)
        lo, hi = part.values.min(), part.values.max()
        assert X.min() >= lo and X.max() <= hi
        assert y.min() >= lo and y.max() <= hi
    train_X, train_y = fc.make_windows(parts[0].values, 48, 24)
    test_X, _ = fc.make_windows(parts[2].values, 48, 24)
    assert train_y.max() < test_X.min()


@pytest.mark.parametrize("kwargs, message", [
    ({"input_len": 0}, "input_len must be a positive integer"),
    ({"horizon": -1}, "horizon must be a positive integer"),
    ({"input_len": 2.5}, "input_len must be a positive integer"),
    ({"input_len": 90, "horizon": 20}, "needs at least 110 values"),
])
def test_window_errors_name_expected_and_received(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fc.make_windows(np.arange(100.0), **kwargs)


def test_windows_need_a_1d_series():
    with pytest.raises(ValueError, match=r"1-D series, got an array of shape \(10, 2\)"):
        fc.make_windows(np.zeros((10, 2)), 3, 1)


# --- baselines ------------------------------------------------------------------------------


def test_persistence_on_a_toy_series():
    # A line rising by 1 per step: persistence is always exactly `horizon` too low.
    X, y = fc.make_windows(np.arange(60.0), input_len=6, horizon=4)
    forecast = fc.persistence_forecast(X)
    np.testing.assert_array_equal(forecast, X[:, -1])
    assert fc.mean_absolute_error(y, forecast) == pytest.approx(4.0)


def test_persistence_is_perfect_on_a_periodic_series():
    values = np.tile(np.sin(np.arange(24) / 24 * 2 * np.pi), 10)
    X, y = fc.make_windows(values, 48, 24)
    assert fc.mean_absolute_error(y, fc.persistence_forecast(X)) == pytest.approx(0.0)


def test_drift_is_exact_on_a_line_and_day_over_day_shape():
    X, y = fc.make_windows(np.arange(200.0) * 0.5, 48, 24)
    assert fc.day_over_day(X).shape == (X.shape[0], 24)
    np.testing.assert_allclose(fc.drift_forecast(X), y)


def test_baseline_errors():
    with pytest.raises(ValueError, match="shape"):
        fc.persistence_forecast(np.arange(5.0))
    with pytest.raises(ValueError, match="input_len > period=24"):
        fc.day_over_day(np.zeros((3, 24)))
    with pytest.raises(ValueError, match="same shape"):
        fc.mean_absolute_error(np.zeros(3), np.zeros(4))


def test_build_forecaster_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        fc.build_forecaster("transformer", 24)


# --- the chapter's exercise checks ---------------------------------------------------------
