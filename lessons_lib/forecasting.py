"""Forecasting an hourly temperature series: data, chronological splits, windows and baselines.

Taught in chapter 9, *Forecasting a temperature series* (``book/09_forecasting``); chapter 1
plots the same series.

The series is the hourly air temperature of Seattle in 2010, which ships with the
``vega_datasets`` package (no download). ``load_seattle_temps`` returns it as a pandas Series in
degrees Fahrenheit (the unit of the source) or Celsius. ``chronological_split`` cuts it into
train, validation and test parts that follow each other in time, ``Normalizer`` rescales with
statistics of the training part only, and ``make_windows`` turns one part into supervised
pairs: the previous ``input_len`` hours as input, the temperature ``horizon`` hours after the
last of them as target. Windows are cut inside one part at a time, so no window mixes hours
of two parts. ``persistence_forecast`` is the naive baseline every model must beat.

Consecutive windows share all but one hour, so their errors are strongly correlated: a test set
of 1,200 windows holds far fewer independent pieces of evidence. ``block_bootstrap_mean``,
``mae_interval`` and ``mae_difference_interval`` measure how uncertain a test MAE, or the
difference between two forecasters' MAEs on the same windows, is by resampling whole blocks of
consecutive windows (a moving block bootstrap) instead of single windows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lessons_lib.resources import book_build, require_memory

UNITS = ("F", "C")


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


@dataclass(frozen=True)
class Normalizer:
    """Subtract a mean and divide by a standard deviation, both measured on training data."""

    mean: float
    std: float

    @classmethod
    def fit(cls, train: np.ndarray | pd.Series) -> Normalizer:
        """Measure the mean and standard deviation of the training values (and only those)."""
        values = np.asarray(train, dtype=np.float64)
        if values.size < 2:
            raise ValueError(f"need at least 2 training values to fit, got {values.size}")
        std = float(values.std())
        if std == 0.0:
            raise ValueError("the training values are constant: their standard deviation is 0")
        return cls(float(values.mean()), std)

    def transform(self, values: np.ndarray | pd.Series) -> np.ndarray:
        """Values in units of training standard deviations away from the training mean."""
        return (np.asarray(values, dtype=np.float64) - self.mean) / self.std

    def inverse(self, values: np.ndarray) -> np.ndarray:
        """Undo ``transform``: back to the original unit."""
        return np.asarray(values, dtype=np.float64) * self.std + self.mean


def _check_positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def make_windows(values: np.ndarray | pd.Series, input_len: int = 48, horizon: int = 24
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Cut a 1-D series into (input window, target) pairs.

    Window ``i`` holds ``values[i : i + input_len]`` and its target is the value ``horizon``
    steps after the window's last value, ``values[i + input_len - 1 + horizon]``. Returns ``X``
    with shape ``(n_windows, input_len)`` and ``y`` with shape ``(n_windows,)``, where
    ``n_windows = len(values) - input_len - horizon + 1``.
    """
    input_len = _check_positive_int("input_len", input_len)
    horizon = _check_positive_int("horizon", horizon)
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"values must be a 1-D series, got an array of shape {values.shape}")
    n_windows = len(values) - input_len - horizon + 1
    if n_windows < 1:
        raise ValueError(f"a series of {len(values)} values is too short for windows of "
                         f"input_len={input_len} plus horizon={horizon}: it needs at least "
                         f"{input_len + horizon} values")
    X = np.lib.stride_tricks.sliding_window_view(values, input_len)[:n_windows].copy()
    y = values[input_len - 1 + horizon:].copy()
    return X, y


def target_times(index: pd.Index, input_len: int = 48, horizon: int = 24) -> pd.Index:
    """The time stamps of the targets of ``make_windows`` applied to a series with ``index``."""
    input_len = _check_positive_int("input_len", input_len)
    horizon = _check_positive_int("horizon", horizon)
    if len(index) < input_len + horizon:
        raise ValueError(f"an index of {len(index)} stamps is too short for input_len="
                         f"{input_len} plus horizon={horizon}")
    return index[input_len - 1 + horizon:]


def persistence_forecast(X: np.ndarray) -> np.ndarray:
    """The naive forecast: the temperature later will be the last one observed.

    With a horizon of 24 hours this is also the "same hour yesterday" (seasonal naive)
    forecast seen from the target: the last observed hour is the target's hour, one day earlier.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] < 1:
        raise ValueError(f"X must have shape (n_windows, input_len), got {X.shape}")
    return X[:, -1].copy()


def mean_absolute_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The mean absolute difference between two arrays of the same shape."""
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} "
                         f"and {y_pred.shape}")
    return float(np.mean(np.abs(y_true - y_pred)))


def day_over_day(X: np.ndarray, period: int = 24) -> np.ndarray:
    """How much each hour of a window differs from the same hour ``period`` steps earlier.

    For windows ``X`` of shape ``(n, input_len)`` returns ``X[:, period:] - X[:, :-period]``,
    shape ``(n, input_len - period)``: a description of the window that no longer says how warm
    it was, only how the temperature is changing from one day to the next.
    """
    period = _check_positive_int("period", period)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] <= period:
        raise ValueError(f"X must have shape (n_windows, input_len) with input_len > period="
                         f"{period}, got {X.shape}")
    return X[:, period:] - X[:, :-period]


def drift_forecast(X: np.ndarray, period: int = 24) -> np.ndarray:
    """Persistence plus the last day's change: ``x_t + (x_t - x_{t-period})``.

    It assumes the next ``period`` hours change the temperature as much as the last ones did.
    """
    change = day_over_day(X, period)
    return np.asarray(X, dtype=np.float64)[:, -1] + change[:, -1]


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


FORECASTERS = ("dense", "simple_rnn", "lstm", "gru")
# Memory a forecaster's training adds to the kernel (16 units, 48-hour windows): small.
FORECASTER_MEMORY_MB = 250


def build_forecaster(kind: str, steps: int, units: int = 16, learning_rate: float = 3e-3):
    """A small Keras model mapping ``(batch, steps, 1)`` to one number per window.

    ``kind`` is ``dense`` (Flatten, Dense(units, relu)) or a recurrent layer of ``units`` cells
    (``simple_rnn``, ``lstm``, ``gru``); a Dense(1) output follows. Compiled with Adam, mean
    squared error as loss and mean absolute error as metric.
    """
    if kind not in FORECASTERS:
        raise ValueError(f"kind must be one of {FORECASTERS}, got {kind!r}")
    steps = _check_positive_int("steps", steps)
    import keras

    inputs = keras.Input(shape=(steps, 1), name="window")
    if kind == "dense":
        x = keras.layers.Dense(units, activation="relu")(keras.layers.Flatten()(inputs))
    else:
        layer = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM,
                 "gru": keras.layers.GRU}[kind]
        x = layer(units)(inputs)
    outputs = keras.layers.Dense(1, name="forecast")(x)
    model = keras.Model(inputs, outputs, name=kind)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse", metrics=["mae"],
                  jit_compile=True, steps_per_execution=16)
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


def fit_forecaster(kind: str, train: tuple[np.ndarray, np.ndarray],
                   validation: tuple[np.ndarray, np.ndarray], *, seed: int = 0,
                   epochs: int = 15, patience: int = 3, batch_size: int = 128,
                   progress: bool | None = None):
    """Build and train a forecaster with a fixed seed, stopping early on the validation loss.

    ``train`` and ``validation`` are ``(X, y)`` pairs with ``X`` of shape ``(n, steps)``. The
    weights of the best validation epoch are kept. Returns the model and its Keras history
    (``history.history`` holds the loss and MAE of every epoch, for a learning-curve figure).
    ``progress`` shows the epoch being trained on one line that updates; by default it does in
    a live session and not in the book's build, whose pages show the curves instead.
    """
    import keras

    require_memory(FORECASTER_MEMORY_MB, f"Training the {kind} forecaster")
    (x_tr, y_tr), (x_va, y_va) = train, validation
    for what, x, y in (("train", x_tr, y_tr), ("validation", x_va, y_va)):
        if np.ndim(x) != 2 or np.shape(y) != (np.shape(x)[0],):
            raise ValueError(f"{what} must be (X of shape (n, steps), y of shape (n,)), got "
                             f"shapes {np.shape(x)} and {np.shape(y)}")
    keras.utils.set_random_seed(seed)
    model = build_forecaster(kind, x_tr.shape[1])
    callbacks = [keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True)]
    if progress if progress is not None else not book_build():
        callbacks.append(_progress_line(kind, epochs))
    history = model.fit(x_tr[..., None], y_tr, validation_data=(x_va[..., None], y_va),
                        epochs=epochs, batch_size=batch_size, callbacks=callbacks, verbose=0)
    return model, history
