"""Forecasting temperatures: data, chronological splits, windows, baselines and small networks.

Taught in chapter 9, *Forecasting the weather* (``book/09_forecasting``); chapter 1 plots the
hourly series.

Two series ship with the ``vega_datasets`` package (no download). ``load_seattle_temps`` is the
hourly air temperature of Seattle in 2010, smooth as a climate normal: the chapter's warm-up.
``load_seattle_weather`` is four years (2012-2015) of real daily observations of Seattle:
maximum and minimum temperature, precipitation and wind. ``chronological_split`` cuts a series
into train, validation and test parts that follow each other in time, ``Normalizer`` rescales
with statistics of the training part only, and ``make_windows`` turns one part into supervised
pairs: the previous ``input_len`` steps of one or several variables as input, the target
``horizon`` steps (or several horizons) after the last of them. Windows are cut inside one part
at a time, so no window mixes steps of two parts.

The baselines need no learning: ``persistence_forecast`` (tomorrow as today),
``seasonal_normal`` (the training years' smoothed mean for each day of the year) and
``blend_weight``, which mixes two forecasts with a weight chosen on validation data.
``build_forecaster`` and ``fit_forecaster`` make and train the small dense and recurrent
networks that try to beat them.

Consecutive windows share most of their inputs and the weather comes in spells, so their errors
are correlated: a test set of 350 days holds fewer independent pieces of evidence.
``block_bootstrap_mean``, ``mae_interval`` and ``mae_difference_interval`` measure how uncertain
a test MAE, or the difference between two forecasters' MAEs on the same windows, is by
resampling whole blocks of consecutive windows (a moving block bootstrap) instead of single
windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lessons_lib.resources import book_build, require_memory

UNITS = ("F", "C")
# The daily observations of load_seattle_weather, with their units.
WEATHER_VARIABLES = {"temp_max": "°C", "temp_min": "°C", "precipitation": "mm", "wind": "m/s"}


def fahrenheit_to_celsius(temp_f: np.ndarray | pd.Series | float) -> np.ndarray | pd.Series:
    """Convert degrees Fahrenheit to degrees Celsius."""
    return (temp_f - 32.0) * 5.0 / 9.0


def load_seattle_temps(unit: str = "C") -> pd.Series:
    """The hourly temperature of Seattle in 2010, one value per hour, in ``unit`` ("F" or "C").

    The source lists 8,759 hours: one hour is missing on the night clocks move forward for
    daylight saving time (14 March: the table goes from 02:00 to 04:00). We put it back,
    linearly interpolated, so that every step of the series is exactly one hour and "24 steps"
    always means "24 hours".
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
    from vega_datasets import data

    frame = data.seattle_temps()
    series = frame.set_index("date")["temp"].astype("float64")
    hourly = pd.date_range(series.index[0], series.index[-1], freq="h")
    series = series.reindex(hourly).interpolate(method="linear")
    series.index.name = "time"
    series.name = f"temperature_{unit}"
    return fahrenheit_to_celsius(series) if unit == "C" else series


def load_seattle_weather() -> pd.DataFrame:
    """Daily weather observed in Seattle, 2012-2015: one row per day, indexed by date.

    The columns are ``WEATHER_VARIABLES``: the day's maximum and minimum temperature (°C), its
    precipitation (mm) and its mean wind speed (m/s). The source's ``weather`` label (sun, rain,
    fog, ...) is left out: chapter 9 shows why. Every day is present, so one step is one day.
    """
    from vega_datasets import data

    frame = data.seattle_weather().set_index("date")[list(WEATHER_VARIABLES)]
    frame = frame.astype("float64")
    gaps = (np.diff(frame.index.values) != np.timedelta64(1, "D")).any()
    if gaps or frame.isna().to_numpy().any():
        raise ValueError("the seattle_weather table of vega_datasets is expected to list every "
                         "day once, without gaps or missing values: reinstall vega_datasets")
    return frame


def chronological_split(series: pd.Series, fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
                        ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Cut ``series`` into train, validation and test parts that follow each other in time.

    ``fractions`` gives the share of each part; they must be positive and sum to 1. Nothing is
    shuffled: the validation part starts where the training part ends, and the test part where
    the validation part ends.
    """
    if len(fractions) != 3 or any(f <= 0 for f in fractions):
        raise ValueError(f"fractions must be three positive numbers, got {fractions!r}")
    if not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"fractions must sum to 1, got {sum(fractions):.6g}")
    n = len(series)
    n_train = int(round(fractions[0] * n))
    n_val = int(round(fractions[1] * n))
    if min(n_train, n_val, n - n_train - n_val) < 1:
        raise ValueError(f"a series of {n} values is too short for three parts")
    return (series.iloc[:n_train], series.iloc[n_train:n_train + n_val],
            series.iloc[n_train + n_val:])


@dataclass(frozen=True, eq=False)
class Normalizer:
    """Subtract a mean and divide by a standard deviation, both measured on training data.

    Fitted on a 1-D series, ``mean`` and ``std`` are numbers; fitted on a table of several
    variables (one column each), they hold one number per column, and each column is scaled
    by its own.
    """

    mean: float | np.ndarray
    std: float | np.ndarray

    @classmethod
    def fit(cls, train: np.ndarray | pd.Series | pd.DataFrame) -> Normalizer:
        """Measure the mean and standard deviation of the training values (and only those),
        per column for a 2-D table."""
        values = np.asarray(train, dtype=np.float64)
        if values.ndim not in (1, 2):
            raise ValueError(f"train must be a series or a table (1-D or 2-D), got shape "
                             f"{values.shape}")
        if len(values) < 2:
            raise ValueError(f"need at least 2 training values to fit, got {len(values)}")
        mean, std = values.mean(axis=0), values.std(axis=0)
        if np.any(std == 0.0):
            raise ValueError("the training values are constant (in at least one column): their "
                             "standard deviation is 0")
        if values.ndim == 1:
            return cls(float(mean), float(std))
        return cls(mean, std)

    def transform(self, values: np.ndarray | pd.Series | pd.DataFrame) -> np.ndarray:
        """Values in units of training standard deviations away from the training mean (the
        last axis holds the variables of a table)."""
        return (np.asarray(values, dtype=np.float64) - self.mean) / self.std

    def inverse(self, values: np.ndarray) -> np.ndarray:
        """Undo ``transform``: back to the original unit."""
        return np.asarray(values, dtype=np.float64) * self.std + self.mean


def _check_positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def make_windows(values: np.ndarray | pd.Series | pd.DataFrame, input_len: int = 48,
                 horizon: int | Sequence[int] = 24,
                 target: np.ndarray | pd.Series | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into (input window, target) pairs.

    Window ``i`` holds ``values[i : i + input_len]`` and its target is the value of ``target``
    (by default ``values`` itself, which must then be 1-D) ``horizon`` steps after the window's
    last step, ``target[i + input_len - 1 + horizon]``.

    - ``values`` 1-D: ``X`` has shape ``(n_windows, input_len)``; 2-D (one column per
      variable): ``(n_windows, input_len, n_variables)``.
    - ``horizon`` a number: ``y`` has shape ``(n_windows,)``; a sequence of horizons:
      ``(n_windows, len(horizon))``, one column per horizon, on the same windows.

    ``n_windows = len(values) - input_len - max(horizon) + 1``: the last window's furthest
    target is the series' last value.
    """
    input_len = _check_positive_int("input_len", input_len)
    several = not isinstance(horizon, (int, np.integer))
    horizons = [_check_positive_int("horizon", h)
                for h in (horizon if several else [horizon])]
    if not horizons:
        raise ValueError("horizon must be a positive integer or a non-empty sequence of them")
    values = np.asarray(values, dtype=np.float64)
    if values.ndim not in (1, 2):
        raise ValueError(f"values must be a 1-D series or a 2-D table (steps, variables), got "
                         f"an array of shape {values.shape}")
    if target is None:
        if values.ndim != 1:
            raise ValueError("values is a table of several variables: say which series is "
                             "forecast with target= (a 1-D array as long as values)")
        target = values
    target = np.asarray(target, dtype=np.float64)
    if target.shape != (len(values),):
        raise ValueError(f"target must be a 1-D series as long as values ({len(values)}), got "
                         f"shape {target.shape}")
    n_windows = len(values) - input_len - max(horizons) + 1
    if n_windows < 1:
        raise ValueError(f"a series of {len(values)} values is too short for windows of "
                         f"input_len={input_len} plus horizon={max(horizons)}: it needs at "
                         f"least {input_len + max(horizons)} values")
    windows = np.lib.stride_tricks.sliding_window_view(values, input_len, axis=0)[:n_windows]
    X = np.moveaxis(windows, -1, 1).copy() if values.ndim == 2 else windows.copy()
    y = np.stack([target[input_len - 1 + h:input_len - 1 + h + n_windows] for h in horizons],
                 axis=1)
    return X, (y if several else y[:, 0].copy())


def persistence_forecast(X: np.ndarray, column: int | None = None) -> np.ndarray:
    """The naive forecast: the value later will be the last one observed.

    ``X`` holds windows, ``(n_windows, input_len)``, or ``(n_windows, input_len, n_variables)``
    with ``column`` naming the variable forecast. With hourly data and a horizon of 24 hours
    this is also the "same hour yesterday" (seasonal naive) forecast seen from the target.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 2 and X.shape[1] >= 1 and column is None:
        return X[:, -1].copy()
    if X.ndim == 3 and column is not None and -X.shape[2] <= column < X.shape[2]:
        return X[:, -1, column].copy()
    raise ValueError(f"X must have shape (n_windows, input_len), or (n_windows, input_len, "
                     f"n_variables) with column= one of its variables; got shape {X.shape} "
                     f"and column={column!r}")


def seasonal_normal(series: pd.Series, half_width: int = 15) -> pd.Series:
    """The typical value of each day of the year in ``series`` (daily, with a date index).

    For each day of the year (1 to 366) it averages the days of ``series`` that lie within
    ``half_width`` days of it, across the turn of the year too: a mean over the training years,
    smoothed over ``2 * half_width + 1`` days (a month by default, at most a year), so that it
    follows the seasons and not one year's spells. Returns a Series indexed by day of the year;
    ``normal.loc[dates.dayofyear]`` forecasts ``dates``.
    """
    half_width = _check_positive_int("half_width", half_width)
    if half_width > 182:
        raise ValueError(f"half_width must be at most 182 days (a window of a year), got "
                         f"{half_width}")
    if not isinstance(series.index, pd.DatetimeIndex) or series.isna().any():
        raise ValueError("series must be daily values without gaps, indexed by date")
    by_day = series.groupby(series.index.dayofyear).agg(["sum", "count"]).reindex(
        range(1, 367), fill_value=0)
    kernel = np.ones(2 * half_width + 1)
    sums, counts = (np.convolve(np.concatenate([by_day[c].values[-half_width:],
                                                by_day[c].values,
                                                by_day[c].values[:half_width]]),
                                kernel, mode="valid") for c in ("sum", "count"))
    if (counts == 0).any():
        raise ValueError(f"series leaves some days of the year without any value within "
                         f"{half_width} days: give it at least a whole year")
    return pd.Series(sums / counts, index=pd.RangeIndex(1, 367, name="day of year"),
                     name=f"normal of {series.name}")


def blend_weight(first: np.ndarray, second: np.ndarray, y: np.ndarray, steps: int = 21
                 ) -> float:
    """The weight ``w`` in 0, 1/(steps-1), ..., 1 whose blend ``w * first + (1 - w) * second``
    has the lowest mean absolute error against ``y``. Pass validation data, never test data."""
    steps = _check_positive_int("steps", steps)
    if steps < 2:
        raise ValueError(f"steps must be at least 2 (the weights 0 and 1), got {steps}")
    _same_shape(y, first)
    _same_shape(y, second)
    weights = np.linspace(0.0, 1.0, steps)
    maes = [mean_absolute_error(y, w * np.asarray(first) + (1 - w) * np.asarray(second))
            for w in weights]
    return float(weights[int(np.argmin(maes))])


def mean_absolute_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The mean absolute difference between two arrays of the same shape."""
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} "
                         f"and {y_pred.shape}")
    return float(np.mean(np.abs(y_true - y_pred)))


@dataclass(frozen=True)
class BootstrapInterval:
    """A mean measured on the test windows and its block-bootstrap percentile interval."""

    estimate: float
    low: float
    high: float
    level: float
    block_len: int

    @property
    def excludes_zero(self) -> bool:
        """Whether the whole interval lies on one side of 0 (a difference it resolves)."""
        return self.low > 0 or self.high < 0

    def verdict(self, margin: float = 0.0) -> str:
        """What the interval says about the sign of the mean: ``"below"`` or ``"above"`` where
        it lies wholly more than ``margin`` below or above 0, ``"borderline"`` where an end lies
        within ``margin`` of 0 (the bootstrap's own randomness could put it on either side),
        else ``"contains zero"``."""
        if not margin >= 0:
            raise ValueError(f"margin must be a number >= 0, got {margin!r}")
        if min(abs(self.low), abs(self.high)) <= margin:
            return "borderline"
        if self.high < 0:
            return "below"
        if self.low > 0:
            return "above"
        return "contains zero"


def block_bootstrap_mean(values: np.ndarray, block_len: int, n_resamples: int = 2000,
                         level: float = 0.95, seed: int = 0) -> BootstrapInterval:
    """The mean of ``values`` and a moving-block-bootstrap percentile interval for it.

    ``values`` holds one number per window, in time order (an absolute error, or the difference
    of two forecasters' absolute errors). Neighbouring windows are alike, so a resample does not
    draw single windows: it draws blocks of ``block_len`` consecutive windows, each starting at a
    uniformly random position, strings ``ceil(n / block_len)`` of them together and cuts the
    result to ``n`` values. What happens inside a block, correlation included, is kept. The
    series must hold at least two blocks. The same ``seed`` and length give the same blocks, so
    two calls on the same windows resample the same hours.
    """
    block_len = _check_positive_int("block_len", block_len)
    n_resamples = _check_positive_int("n_resamples", n_resamples)
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"values must be 1-D, one number per window, got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError("values must be finite numbers, got NaN or infinity")
    n = len(values)
    if n < 2 * block_len:
        raise ValueError(f"{n} values are too few for blocks of {block_len}: the bootstrap needs "
                         f"at least two blocks, {2 * block_len} values")
    n_blocks = -(-n // block_len)
    starts = np.random.default_rng(seed).integers(0, n - block_len + 1,
                                                  size=(n_resamples, n_blocks))
    rows = (starts[:, :, None] + np.arange(block_len)).reshape(n_resamples, -1)[:, :n]
    means = values[rows].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return BootstrapInterval(float(values.mean()), float(low), float(high), float(level),
                             block_len)


def mae_interval(y_true: np.ndarray, y_pred: np.ndarray, block_len: int,
                 **bootstrap: float) -> BootstrapInterval:
    """A forecaster's MAE on the windows and its block-bootstrap interval
    (``bootstrap``: ``n_resamples``, ``level``, ``seed`` of :func:`block_bootstrap_mean`)."""
    _same_shape(y_true, y_pred)
    errors = np.abs(np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64))
    return block_bootstrap_mean(errors, block_len, **bootstrap)


def mae_difference_interval(y_true: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray,
                            block_len: int, **bootstrap: float) -> BootstrapInterval:
    """MAE(a) - MAE(b) on the same windows and its block-bootstrap interval (paired: each
    resample draws the same windows for both forecasters). Below 0 means ``a`` is better."""
    _same_shape(y_true, pred_a)
    _same_shape(y_true, pred_b)
    y_true = np.asarray(y_true, dtype=np.float64)
    difference = (np.abs(y_true - np.asarray(pred_a, dtype=np.float64))
                  - np.abs(y_true - np.asarray(pred_b, dtype=np.float64)))
    return block_bootstrap_mean(difference, block_len, **bootstrap)


def _same_shape(y_true: np.ndarray, y_pred: np.ndarray) -> None:
    if np.shape(y_true) != np.shape(y_pred):
        raise ValueError(f"targets and forecasts must have the same shape, got "
                         f"{np.shape(y_true)} and {np.shape(y_pred)}")


FORECASTERS = ("dense", "lstm", "gru")
# Memory a forecaster's training adds to the kernel (16 units, windows of a few weeks): small.
FORECASTER_MEMORY_MB = 250


def build_forecaster(kind: str, steps: int, variables: int = 1, outputs: int = 1,
                     units: int = 16, learning_rate: float = 3e-3):
    """A small Keras model mapping windows ``(batch, steps, variables)`` to ``outputs`` numbers.

    ``kind`` is ``dense`` (Flatten, Dense(units, relu)) or a recurrent layer of ``units`` cells
    (``lstm``, ``gru``) that reads the window one step at a time; a linear Dense(outputs)
    follows, one output per horizon. Compiled with Adam, mean squared error as loss and mean
    absolute error as metric.
    """
    if kind not in FORECASTERS:
        raise ValueError(f"kind must be one of {FORECASTERS}, got {kind!r}")
    steps = _check_positive_int("steps", steps)
    variables = _check_positive_int("variables", variables)
    outputs = _check_positive_int("outputs", outputs)
    import keras

    inputs = keras.Input(shape=(steps, variables), name="window")
    if kind == "dense":
        x = keras.layers.Dense(units, activation="relu")(keras.layers.Flatten()(inputs))
    else:
        layer = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[kind]
        x = layer(units)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(outputs, name="forecast")(x), name=kind)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse", metrics=["mae"])
    return model


def _progress_line(kind: str, epochs: int):
    """A Keras callback that keeps one line up to date while ``kind`` trains (live sessions)."""
    import keras

    class ProgressLine(keras.callbacks.Callback):
        width = 0

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            loss = (logs or {}).get("val_loss", float("nan"))
            line = f"{kind}: epoch {epoch + 1}/{epochs}, validation loss {loss:.4f}"
            self.width = max(self.width, len(line))
            print(f"\r{line}", end="", flush=True)

        def on_train_end(self, logs: dict | None = None) -> None:
            # Blank the line, so that what is printed next starts on a clean one.
            print("\r" + " " * self.width + "\r", end="", flush=True)

    return ProgressLine()


def _as_windows(what: str, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` as ``(n, steps, variables)`` and ``(n, outputs)`` float32 arrays."""
    x, y = np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float32)
    if x.ndim == 2:
        x = x[..., None]
    if y.ndim == 1:
        y = y[:, None]
    if x.ndim != 3 or y.ndim != 2 or len(x) != len(y):
        raise ValueError(f"{what} must be (X of shape (n, steps) or (n, steps, variables), y of "
                         f"shape (n,) or (n, outputs)), got shapes {x.shape} and {y.shape}")
    return x, y


def fit_forecaster(kind: str, train: tuple[np.ndarray, np.ndarray],
                   validation: tuple[np.ndarray, np.ndarray], *, seed: int = 0,
                   epochs: int = 100, patience: int = 10, batch_size: int = 32,
                   progress: bool | None = None):
    """Build and train a forecaster with a fixed seed, stopping early on the validation loss.

    ``train`` and ``validation`` are ``(X, y)`` pairs: ``X`` of shape ``(n, steps,
    variables)`` (or ``(n, steps)`` for one variable), ``y`` of shape ``(n, outputs)`` (or
    ``(n,)``). Training stops ``patience`` epochs after the best validation loss, and the
    weights of that best epoch are kept. Returns the model and its Keras history
    (``history.history`` holds the loss and MAE of every epoch). ``progress`` shows the epoch
    being trained on one line that updates; by default it does in a live session and not in
    the book's build. The seed makes a run repeat on the same machine.
    """
    import keras

    require_memory(FORECASTER_MEMORY_MB, f"Training the {kind} forecaster")
    x_tr, y_tr = _as_windows("train", *train)
    x_va, y_va = _as_windows("validation", *validation)
    if x_tr.shape[1:] != x_va.shape[1:] or y_tr.shape[1] != y_va.shape[1]:
        raise ValueError(f"train and validation windows must have the same shape per window, "
                         f"got {x_tr.shape[1:]}/{y_tr.shape[1:]} and "
                         f"{x_va.shape[1:]}/{y_va.shape[1:]}")
    keras.utils.set_random_seed(seed)
    model = build_forecaster(kind, x_tr.shape[1], x_tr.shape[2], y_tr.shape[1])
    callbacks = [keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True)]
    if progress if progress is not None else not book_build():
        callbacks.append(_progress_line(kind, epochs))
    history = model.fit(x_tr, y_tr, validation_data=(x_va, y_va), epochs=epochs,
                        batch_size=batch_size, callbacks=callbacks, verbose=0)
    return model, history
