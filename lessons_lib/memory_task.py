"""A sequence task that only a network with memory can solve: recall the first sign.

Used in chapters 7 and 8 (``book/07_bptt``, ``book/08_gated_cells``).

Every sequence has ``gap + 1`` steps and two input features. Feature 0 is a random sign
(``-1`` or ``+1``) at every step; feature 1 is a marker, ``1`` at the first step and ``0`` after.
The label is the sign at the marked first step (``1`` for ``+1``, ``0`` for ``-1``), and it is
asked for at the *last* step, ``gap`` steps later. The signs after the first are distractors:
they look exactly like the one to remember, so a model can only answer if it carries that one
bit through ``gap`` steps of noise. Guessing gives an accuracy of 0.5.
"""

from __future__ import annotations

import numpy as np

from lessons_lib.resources import require_memory

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
# Memory training the recall models adds to the kernel: small.
RECALL_MEMORY_MB = 250


def keras_recall_model(gap: int, cells: tuple[str, ...] = CELLS, units: int = 16,
                       learning_rate: float = 0.01, seed: int = 0):
    """One compiled Keras model with a branch per recurrent cell, side by side.

    Every branch reads the same input through its own recurrent layer (``units`` wide) into
    its own sigmoid output, named after the cell. The branches share no weights, and the loss
    is the sum of their losses, so each branch gets exactly the gradient it would get alone
    and Adam (which scales every weight separately) updates it exactly as it would alone: the
    cells are trained on the same batches, in the same order, with the same budget, at the
    cost of one model instead of several.
    """
    import keras

    unknown = [cell for cell in cells if cell not in CELLS]
    if unknown or not cells:
        raise ValueError(f"expected cells from {CELLS}, got {cells!r}")
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(gap + 1, FEATURES))
    outputs = {
        cell: keras.layers.Dense(1, activation="sigmoid", name=cell)(
            getattr(keras.layers, cell)(units, name=f"{cell.lower()}_layer")(inputs))
        for cell in cells
    }
    model = keras.Model(inputs, outputs, name=f"recall_gap{gap}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss={cell: "binary_crossentropy" for cell in cells},
                  metrics={cell: ["accuracy"] for cell in cells})
    return model


def compare_cells_on_recall(gap: int, cells: tuple[str, ...] = CELLS, epochs: int = 25,
                            n_train: int = 1024, n_test: int = 1000, batch_size: int = 32,
                            units: int = 16, learning_rate: float = 0.01, seed: int = 0,
                            solved_at: float = 0.99,
                            distractor_scale: float = 1.0) -> list[dict]:
    """Train the cells side by side on the task (``keras_recall_model``) and measure each.

    Training stops early once every cell has had a training epoch with accuracy of at least
    ``solved_at`` (more epochs could not change the verdict; this only saves time). Returns one
    dict per cell: ``cell``, ``gap``, ``test_accuracy`` (on ``n_test`` fresh sequences),
    ``solved_epoch`` (the first epoch at ``solved_at``, or ``None``), ``epochs`` (run),
    ``test_interval`` (its 95 % Wilson interval), ``accuracy`` (the training accuracy of every
    epoch) and ``seconds`` (for all cells).
    """
    import time

    import keras

    from lessons_lib.evaluation import accuracy_interval, correct

    def accuracy_key(cell: str) -> str:
        return f"{cell}_accuracy" if len(cells) > 1 else "accuracy"

    class StopWhenSolved(keras.callbacks.Callback):
        best = dict.fromkeys(cells, 0.0)

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            logs = logs or {}
            for cell in cells:
                self.best[cell] = max(self.best[cell], logs.get(accuracy_key(cell), 0.0))
            if min(self.best.values()) >= solved_at:
                self.model.stop_training = True

    require_memory(RECALL_MEMORY_MB, f"Training {', '.join(cells)} on the recall task")
    x, y = recall_task(n_train, gap, seed=seed, distractor_scale=distractor_scale)
    x_test, y_test = recall_task(n_test, gap, seed=seed + 1, distractor_scale=distractor_scale)
    model = keras_recall_model(gap, cells, units=units, learning_rate=learning_rate, seed=seed)
    start = time.perf_counter()
    history = model.fit(x, {cell: y for cell in cells}, batch_size=batch_size, epochs=epochs,
                        verbose=0, callbacks=[StopWhenSolved()]).history
    predictions = model(x_test, training=False)
    seconds = time.perf_counter() - start
    results = []
    for cell in cells:
        curve = [float(a) for a in history[accuracy_key(cell)]]
        solved = [epoch + 1 for epoch, a in enumerate(curve) if a >= solved_at]
        right = correct(np.asarray(predictions[cell]), y_test)
        results.append({
            "cell": cell, "gap": gap,
            "test_accuracy": accuracy(np.asarray(predictions[cell]), y_test),
            "test_interval": accuracy_interval(right),
            "solved_epoch": solved[0] if solved else None,
            "epochs": len(curve), "accuracy": curve, "seconds": seconds,
        })
    return results
