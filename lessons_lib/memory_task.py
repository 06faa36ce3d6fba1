"""A sequence task that only a network with memory can solve: recall the first sign.

Every sequence has ``gap + 1`` steps and two input features. Feature 0 is a random sign
(``-1`` or ``+1``) at every step; feature 1 is a marker, ``1`` at the first step and ``0`` after.
The label is the sign at the marked first step (``1`` for ``+1``, ``0`` for ``-1``), and it is
asked for at the *last* step, ``gap`` steps later. The signs after the first are distractors:
they look exactly like the one to remember, so a model can only answer if it carries that one
bit through ``gap`` steps of noise. Guessing gives an accuracy of 0.5.
"""

from __future__ import annotations

import numpy as np

FEATURES = 2


def recall_task(n: int, gap: int, seed: int = 0,
                distractor_scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences of the recall task with the given ``gap``.

    Returns ``(inputs, labels)``: ``inputs`` of shape ``(n, gap + 1, 2)`` (float32, to feed
    Keras as is) and ``labels`` of shape ``(n,)`` (int, 0 or 1). Seeded, so the same arguments
    give the same data.
    """
    for name, value in (("n", n), ("gap", gap)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    rng = np.random.default_rng(seed)
    inputs = np.zeros((n, gap + 1, FEATURES), dtype=np.float32)
    inputs[:, :, 0] = rng.choice([-1.0, 1.0], size=(n, gap + 1))
    inputs[:, 1:, 0] *= distractor_scale
    inputs[:, 0, 1] = 1.0
    labels = (inputs[:, 0, 0] > 0).astype(np.int64)
    return inputs, labels


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The share of sequences whose predicted probability of label 1 is on the right side of
    0.5."""
    p = np.asarray(probabilities).reshape(-1)
    y = np.asarray(labels).reshape(-1)
    if p.shape != y.shape:
        raise ValueError(f"expected one probability per label ({y.shape[0]}), got {p.shape[0]}")
    return float(np.mean((p > 0.5) == (y == 1)))


CELLS = ("SimpleRNN", "LSTM", "GRU")


def keras_recall_model(cell: str, gap: int, units: int = 16, learning_rate: float = 0.01,
                       seed: int = 0, jit_compile: bool = False):
    """A compiled Keras model for the task: one recurrent layer of kind ``cell``, then a
    sigmoid unit. Every cell gets the same size, optimiser and seed."""
    import keras

    if cell not in CELLS:
        raise ValueError(f"expected cell to be one of {CELLS}, got {cell!r}")
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input(shape=(gap + 1, FEATURES)),
        getattr(keras.layers, cell)(units),
        keras.layers.Dense(1, activation="sigmoid"),
    ], name=f"{cell.lower()}_gap{gap}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  metrics=["accuracy"], jit_compile=jit_compile)
    return model


def train_keras_recall(cell: str, gap: int, epochs: int = 20, n_train: int = 1024,
                       n_test: int = 1000, batch_size: int = 32, units: int = 16,
                       learning_rate: float = 0.01, seed: int = 0,
                       solved_at: float = 0.99, distractor_scale: float = 1.0) -> dict:
    """Train one cell on the task with a fixed budget of ``epochs`` and measure it.

    Training stops early once the training accuracy of an epoch reaches ``solved_at`` (more
    epochs could not change the verdict; this only saves time). Returns a dict with
    ``test_accuracy`` (on fresh sequences), ``epochs`` (run), ``seconds`` and ``accuracy``
    (the training accuracy of every epoch).
    """
    import time

    import keras

    class StopWhenSolved(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if (logs or {}).get("accuracy", 0.0) >= solved_at:
                self.model.stop_training = True

    x, y = recall_task(n_train, gap, seed=seed, distractor_scale=distractor_scale)
    x_test, y_test = recall_task(n_test, gap, seed=seed + 1, distractor_scale=distractor_scale)
    model = keras_recall_model(cell, gap, units=units, learning_rate=learning_rate, seed=seed)
    start = time.perf_counter()
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0,
                        callbacks=[StopWhenSolved()])
    probabilities = model.predict(x_test, batch_size=500, verbose=0)
    return {
        "cell": cell,
        "gap": gap,
        "test_accuracy": accuracy(probabilities, y_test),
        "epochs": len(history.history["accuracy"]),
        "seconds": time.perf_counter() - start,
        "accuracy": [float(a) for a in history.history["accuracy"]],
    }
