"""Unit tests of lessons_lib.forecasting: data, splits, windows, baselines and forecasters."""

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


def test_seattle_weather_is_daily_four_years_four_variables():
    weather = fc.load_seattle_weather()
    assert list(weather) == list(fc.WEATHER_VARIABLES) == [
        "temp_max", "temp_min", "precipitation", "wind"]
    assert len(weather) == 4 * 365 + 1  # 2012 is a leap year
    assert weather.index[0] == pd.Timestamp("2012-01-01")
    assert weather.index[-1] == pd.Timestamp("2015-12-31")
    assert (weather["temp_max"] >= weather["temp_min"]).all()
    assert not weather.isna().to_numpy().any()


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


def test_normalizer_scales_each_column_of_a_table_by_its_own():
    train = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 20.0]])
    norm = fc.Normalizer.fit(pd.DataFrame(train, columns=["a", "b"]))
    np.testing.assert_allclose(norm.mean, [3.0, 20.0])
    np.testing.assert_allclose(norm.std, train.std(axis=0))
    scaled = norm.transform(train)
    np.testing.assert_allclose(scaled.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(scaled.std(axis=0), 1.0)
    # Windows of shape (n, steps, variables) are scaled along their last axis.
    windows = np.stack([train, train])
    np.testing.assert_allclose(norm.transform(windows)[1], scaled)
    np.testing.assert_allclose(norm.inverse(norm.transform(windows)), windows)


def test_normalizer_rejects_constant_or_tiny_data():
    with pytest.raises(ValueError, match="constant"):
        fc.Normalizer.fit([5.0, 5.0])
    with pytest.raises(ValueError, match="at least 2"):
        fc.Normalizer.fit([5.0])
    with pytest.raises(ValueError, match="at least one column"):
        fc.Normalizer.fit(np.array([[1.0, 2.0], [3.0, 2.0]]))
    with pytest.raises(ValueError, match=r"1-D or 2-D\), got shape \(2, 2, 2\)"):
        fc.Normalizer.fit(np.zeros((2, 2, 2)))


# --- windows ----------------------------------------------------------------------------------


def test_window_shapes_and_alignment():
    values = np.arange(100.0)
    X, y = fc.make_windows(values, input_len=48, horizon=24)
    assert X.shape == (100 - 48 - 24 + 1, 48) and y.shape == (29,)
    np.testing.assert_array_equal(X[0], np.arange(48.0))
    # The target is 24 steps after the window's last value (47 + 24 = 71).
    assert y[0] == 71.0
    np.testing.assert_array_equal(y - X[:, -1], np.full(29, 24.0))


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


def test_windows_of_a_table_and_several_horizons():
    # Column 0 counts the steps, column 1 is ten times that: each value names its step.
    steps = np.arange(30.0)
    table = np.column_stack([steps, 10 * steps])
    X, y = fc.make_windows(table, 5, (1, 2, 3), target=steps)
    assert X.shape == (30 - 5 - 3 + 1, 5, 2) and y.shape == (23, 3)
    np.testing.assert_array_equal(X[0], table[:5])
    np.testing.assert_array_equal(X[-1], table[22:27])
    # Window i ends at step i + 4; its targets lie 1, 2 and 3 steps later.
    np.testing.assert_array_equal(y - X[:, -1, :1], np.tile([1.0, 2.0, 3.0], (23, 1)))
    assert y[-1, -1] == steps[-1]
    # One horizon given as a number: y is 1-D; given as a sequence of one: one column.
    _, y_one = fc.make_windows(table, 5, 2, target=10 * steps)
    _, y_seq = fc.make_windows(table, 5, [2], target=10 * steps)
    assert y_one.shape == (24,) and y_seq.shape == (24, 1)
    np.testing.assert_array_equal(y_one, y_seq[:, 0])
    np.testing.assert_array_equal(y_one, 10 * np.arange(6.0, 30.0))  # 2 after steps 4..27


def test_several_horizons_keep_the_windows_of_the_furthest():
    values = np.arange(40.0)
    X, y = fc.make_windows(values, 6, (1, 4))
    X4, y4 = fc.make_windows(values, 6, 4)
    np.testing.assert_array_equal(X, X4)
    np.testing.assert_array_equal(y[:, 1], y4)


@pytest.mark.parametrize("args, kwargs, message", [
    ((np.zeros((10, 2)), 3, 1), {}, "say which series is forecast with target="),
    ((np.zeros((10, 2, 2)), 3, 1), {}, r"1-D series or a 2-D table.*shape \(10, 2, 2\)"),
    ((np.zeros((10, 2)), 3, 1), {"target": np.zeros(9)}, r"as long as values \(10\)"),
    ((np.zeros(10), 3, []), {}, "non-empty sequence"),
    ((np.zeros(10), 3, (1, 0)), {}, "horizon must be a positive integer, got 0"),
    ((np.zeros(10), 3, (1, 8)), {}, "needs at least 11 values"),
])
def test_window_errors_for_tables_and_horizons(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fc.make_windows(*args, **kwargs)


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


def test_persistence_of_one_variable_of_a_table():
    X = np.arange(24.0).reshape(2, 4, 3)  # 2 windows, 4 steps, 3 variables
    np.testing.assert_array_equal(fc.persistence_forecast(X, column=1), [10.0, 22.0])
    np.testing.assert_array_equal(fc.persistence_forecast(X, column=-1), [11.0, 23.0])


def test_seasonal_normal_averages_nearby_days_across_years_and_new_year():
    days = pd.date_range("2013-01-01", "2014-12-31", freq="D")
    # A value that depends on the day of the year only, plus +1 in 2013 and -1 in 2014.
    base = np.where(days.dayofyear <= 10, 100.0, 0.0)
    series = pd.Series(base + np.where(days.year == 2013, 1.0, -1.0), index=days, name="t")
    normal = fc.seasonal_normal(series, half_width=1)
    assert list(normal.index[[0, -1]]) == [1, 366]
    assert normal.loc[5] == pytest.approx(100.0)  # the years' +1 and -1 cancel
    assert normal.loc[200] == pytest.approx(0.0)
    # With half_width=2, day 1 averages days 365, 366 (missing in these years), 1, 2 and 3:
    # across the new year, two values of day 365 and six of 100.
    assert fc.seasonal_normal(series, half_width=2).loc[1] == pytest.approx(600 / 8)
    wide = fc.seasonal_normal(series, half_width=5)
    assert wide.loc[8] == pytest.approx(100 * 8 / 11)  # days 3..13, of which 3..10 are 100


def test_seasonal_normal_rejects_bad_input():
    days = pd.date_range("2013-01-01", periods=40, freq="D")
    with pytest.raises(ValueError, match="half_width must be a positive integer"):
        fc.seasonal_normal(pd.Series(np.zeros(40), index=days), half_width=0)
    with pytest.raises(ValueError, match="at most 182 days"):
        fc.seasonal_normal(pd.Series(np.zeros(40), index=days), half_width=183)
    with pytest.raises(ValueError, match="at least a whole year"):
        fc.seasonal_normal(pd.Series(np.zeros(40), index=days))
    with pytest.raises(ValueError, match="indexed by date"):
        fc.seasonal_normal(pd.Series(np.zeros(400)))


def test_blend_weight_finds_the_mix_that_fits():
    rng = np.random.default_rng(3)
    first, second = rng.normal(size=500), rng.normal(size=500)
    y = 0.25 * first + 0.75 * second
    assert fc.blend_weight(first, second, y) == pytest.approx(0.25)
    assert fc.blend_weight(first, second, first) == 1.0
    assert fc.blend_weight(first, second, second, steps=3) == 0.0
    with pytest.raises(ValueError, match="steps must be at least 2"):
        fc.blend_weight(first, second, y, steps=1)
    with pytest.raises(ValueError, match="same shape"):
        fc.blend_weight(first[:-1], second, y)


def test_baseline_errors():
    with pytest.raises(ValueError, match="shape"):
        fc.persistence_forecast(np.arange(5.0))
    with pytest.raises(ValueError, match=r"column= one of its variables.*column=None"):
        fc.persistence_forecast(np.zeros((2, 4, 3)))
    with pytest.raises(ValueError, match="column=3"):
        fc.persistence_forecast(np.zeros((2, 4, 3)), column=3)
    with pytest.raises(ValueError, match="same shape"):
        fc.mean_absolute_error(np.zeros(3), np.zeros(4))


def test_build_forecaster_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        fc.build_forecaster("transformer", 24)
    with pytest.raises(ValueError, match="outputs must be a positive integer"):
        fc.build_forecaster("gru", 24, 4, 0)


@pytest.mark.parametrize("train, message", [
    ((np.zeros((8, 5, 2)), np.zeros(7)), r"shapes \(8, 5, 2\) and \(7, 1\)"),
    ((np.zeros((8, 5, 2, 1)), np.zeros(8)), "train must be"),
    ((np.zeros((8, 6, 2)), np.zeros((8, 3))), "same shape per window"),
])
def test_fit_forecaster_checks_the_windows_before_training(train, message):
    validation = (np.zeros((4, 5, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=message):
        fc.fit_forecaster("dense", train, validation)


def test_forecasters_map_windows_to_one_number_per_horizon():
    X = np.random.default_rng(0).normal(size=(16, 7, 4)).astype("float32")
    y = X[:, -1, :1] + np.array([[0.0, 0.5, 1.0]], dtype="float32")
    for kind in fc.FORECASTERS:
        model, history = fc.fit_forecaster(kind, (X, y), (X, y), epochs=2, progress=False)
        assert model(X).shape == (16, 3)
        assert len(history.history["val_loss"]) == 2


# --- uncertainty: the block bootstrap -------------------------------------------------------


def test_block_bootstrap_brackets_the_mean_and_is_repeatable():
    values = np.random.default_rng(1).normal(size=300)
    interval = fc.block_bootstrap_mean(values, block_len=10, n_resamples=500, seed=3)
    assert interval.estimate == pytest.approx(values.mean())
    assert interval.low < interval.estimate < interval.high
    assert (interval.level, interval.block_len) == (0.95, 10)
    assert fc.block_bootstrap_mean(values, 10, n_resamples=500, seed=3) == interval
    assert fc.block_bootstrap_mean(values, 10, n_resamples=500, seed=4) != interval


def test_block_bootstrap_of_a_constant_is_that_constant():
    interval = fc.block_bootstrap_mean(np.full(50, 0.25), block_len=5, n_resamples=100)
    assert interval.low == pytest.approx(0.25) and interval.high == pytest.approx(0.25)
    assert interval.excludes_zero


def test_blocks_of_one_match_the_textbook_interval_on_independent_values():
    values = np.random.default_rng(2).normal(size=2000)
    interval = fc.block_bootstrap_mean(values, block_len=1, n_resamples=4000)
    half_width = 1.96 * values.std() / np.sqrt(values.size)
    assert (interval.high - interval.low) / 2 == pytest.approx(half_width, rel=0.1)


def test_blocks_widen_the_interval_of_correlated_values():
    """Each value repeated 24 times: 24 neighbours carry the evidence of one."""
    values = np.repeat(np.random.default_rng(5).normal(size=60), 24)
    single = fc.block_bootstrap_mean(values, block_len=1, n_resamples=1000)
    blocks = fc.block_bootstrap_mean(values, block_len=48, n_resamples=1000)
    assert (blocks.high - blocks.low) > 3 * (single.high - single.low)


def test_mae_interval_and_paired_difference():
    rng = np.random.default_rng(6)
    y = rng.normal(size=400)
    a, b = y + rng.normal(scale=0.1, size=400), y + rng.normal(scale=0.3, size=400)
    one = fc.mae_interval(y, a, block_len=20, n_resamples=300)
    assert one.estimate == pytest.approx(fc.mean_absolute_error(y, a))
    diff = fc.mae_difference_interval(y, a, b, block_len=20, n_resamples=300)
    assert diff.estimate == pytest.approx(fc.mean_absolute_error(y, a)
                                          - fc.mean_absolute_error(y, b))
    assert diff.high < 0 and diff.excludes_zero  # a is clearly the better forecaster
    same = fc.mae_difference_interval(y, a, a, block_len=20, n_resamples=300)
    assert (same.estimate, same.low, same.high) == (0.0, 0.0, 0.0) and not same.excludes_zero
    # A forecaster better by exactly 0.5 on every window: no uncertainty about the difference.
    exact = fc.mae_difference_interval(y, y + 0.5, y + 1.0, block_len=20, n_resamples=300)
    assert exact.low == pytest.approx(-0.5) and exact.high == pytest.approx(-0.5)


@pytest.mark.parametrize("low, high, verdict", [
    (-0.5, -0.2, "below"), (0.1, 0.4, "above"), (-0.3, 0.2, "contains zero"),
    (-0.83, 0.005, "borderline"), (-0.11, -0.01, "borderline"), (0.008, 0.3, "borderline"),
    (-0.4, -0.011, "below"),
])
def test_verdict_treats_an_end_near_zero_as_borderline(low, high, verdict):
    interval = fc.BootstrapInterval((low + high) / 2, low, high, 0.95, 14)
    assert interval.verdict(0.01) == verdict
    # Without a margin only the sign of the ends counts.
    assert interval.verdict() == ("below" if high < 0 else "above" if low > 0
                                  else "contains zero")


def test_verdict_refuses_a_negative_margin():
    with pytest.raises(ValueError, match="margin must be a number >= 0"):
        fc.BootstrapInterval(0.0, -1.0, 1.0, 0.95, 14).verdict(-0.01)


@pytest.mark.parametrize("args, kwargs, message", [
    ((np.zeros(100), 0), {}, "block_len must be a positive integer"),
    ((np.zeros(100), 2.5), {}, "block_len must be a positive integer"),
    ((np.zeros(100), 10), {"n_resamples": 0}, "n_resamples must be a positive integer"),
    ((np.zeros(100), 10), {"level": 95}, "level must be between 0 and 1"),
    ((np.zeros((10, 10)), 2), {}, r"1-D, one number per window, got shape \(10, 10\)"),
    ((np.array([1.0, np.nan] * 10), 2), {}, "finite"),
    ((np.zeros(30), 20), {}, "too few for blocks of 20.*at least two blocks, 40 values"),
])
def test_block_bootstrap_rejects_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fc.block_bootstrap_mean(*args, **kwargs)


def test_mae_intervals_need_forecasts_of_the_targets_shape():
    with pytest.raises(ValueError, match=r"same shape, got \(40,\) and \(39,\)"):
        fc.mae_interval(np.zeros(40), np.zeros(39), block_len=4)
    with pytest.raises(ValueError, match="same shape"):
        fc.mae_difference_interval(np.zeros(40), np.zeros(40), np.zeros(41), block_len=4)


# --- training output -------------------------------------------------------------------------


def test_progress_shows_in_live_sessions_only(monkeypatch, capsys):
    monkeypatch.setenv("LESSONS_BOOK_BUILD", "1")
    assert fc.book_build()
    monkeypatch.setenv("LESSONS_BOOK_BUILD", "0")
    assert not fc.book_build()
    line = fc._progress_line("gru", 15)
    line.on_epoch_end(2, {"val_loss": 0.125})
    line.on_train_end()
    line = "gru: epoch 3/15, validation loss 0.1250"
    assert capsys.readouterr().out == f"\r{line}\r{' ' * len(line)}\r"


# --- the chapter's exercise checks ---------------------------------------------------------
