"""Replay a recorded training run through Keras's own `EarlyStopping`, without training again.

`EpochSnapshots` records, during a real `fit`, each epoch's `logs` and a copy of the model's
weights. `replay_early_stopping()` then feeds those epochs one by one to a real
`keras.callbacks.EarlyStopping` attached to a real model, exactly as `fit` would: set the
weights the model had at the end of the epoch, call `on_epoch_end`, stop as soon as the
callback sets `model.stop_training`. At the end it calls `on_train_end`, so with
`restore_best_weights=True` Keras itself puts the best weights back, and the replay finds
out which recorded epoch those weights belong to.

Epochs are counted from 1 in the results, as Keras prints them (callbacks receive them from 0).

Example:

```python
snapshots = EpochSnapshots()
model.fit(x, y, epochs=25, validation_data=(x_val, y_val), callbacks=[snapshots])
result = replay_early_stopping(snapshots.recording(), model, patience=2, restore_best_weights=True)
result.describe()   # 'stopped at epoch 11 (early), keeps the weights of epoch 9'
```
"""

import dataclasses

import keras
import numpy as np


@dataclasses.dataclass(frozen=True)
class Recording:
    """The per-epoch logs and end-of-epoch weights of one real run.

    Args:
        logs: one dict per epoch, the `logs` Keras passed to `on_epoch_end`.
        weights: one list of arrays per epoch, the model's weights at that epoch's end.
    """

    logs: tuple
    weights: tuple

    def __post_init__(self):
        if len(self.logs) != len(self.weights):
            raise ValueError(f"{len(self.logs)} epochs of logs but {len(self.weights)} of weights")
        if not self.logs:
            raise ValueError("the recording has no epochs")

    def series(self, key):
        """The per-epoch values of one logged quantity, e.g. `"val_loss"`."""
        missing = [epoch for epoch, logs in enumerate(self.logs, 1) if key not in logs]
        if missing:
            raise KeyError(f"{key!r} is not in the logs of epochs {missing}; keys: {sorted(self.logs[0])}")
        return [logs[key] for logs in self.logs]

    def epoch_of(self, weights):
        """The epoch (from 1) whose recorded weights equal `weights`; None when none does."""
        for epoch, recorded in enumerate(self.weights, 1):
            if len(recorded) == len(weights) and all(np.array_equal(a, b) for a, b in zip(recorded, weights)):
                return epoch
        return None


class EpochSnapshots(keras.callbacks.Callback):
    """Records each epoch's `logs` and a copy of the model's weights at the epoch's end.

    Example:

    ```python
    snapshots = EpochSnapshots()
    model.fit(x, y, epochs=5, validation_split=0.2, callbacks=[snapshots])
    snapshots.recording().series("val_loss")   # five floats
    ```
    """

    def on_train_begin(self, logs=None):
        self.logs, self.weights = [], []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append({key: float(value) for key, value in (logs or {}).items()})
        self.weights.append([np.array(w, copy=True) for w in self.model.get_weights()])

    def recording(self):
        """The run so far as a `Recording`."""
        return Recording(tuple(self.logs), tuple(self.weights))


@dataclasses.dataclass(frozen=True)
class Replay:
    """What `EarlyStopping` did with a recorded run.

    Attributes:
        params: the `EarlyStopping` arguments used.
        epochs_run: how many epochs `fit` would have run (the last one is the stop epoch).
        stopped_early: True when the callback stopped the run before its last recorded epoch.
        kept_epoch: the epoch whose weights the model holds after `on_train_end`.
        best_epoch: the callback's `best_epoch`, counted from 1 (None if it never compared).
        best: the callback's `best` value (None if it never compared).
    """

    params: dict
    epochs_run: int
    stopped_early: bool
    kept_epoch: int | None
    best_epoch: int | None
    best: float | None

    def describe(self):
        """One line: where the run stops and which epoch's weights it keeps."""
        how = "(early)" if self.stopped_early else "(the last one: no early stop)"
        return f"stopped at epoch {self.epochs_run} {how}, keeps the weights of epoch {self.kept_epoch}"


def replay_early_stopping(recording, model, **params):
    """Feed `recording` epoch by epoch to a new `keras.callbacks.EarlyStopping(**params)`.

    Args:
        recording: a `Recording` (from `EpochSnapshots.recording()`).
        model: a compiled model with the recorded architecture (for `mode="auto"`, one whose
            metrics have been built, e.g. the model that was recorded). Its weights are
            overwritten: afterwards it holds the weights the callback leaves it with.
        **params: `EarlyStopping` arguments (`monitor`, `patience`, `min_delta`, `baseline`,
            `restore_best_weights`, `start_from_epoch`, `mode`).

    Returns:
        A `Replay`.
    """
    callback = keras.callbacks.EarlyStopping(**params)
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin()
    epochs_run = 0
    for epoch, (logs, weights) in enumerate(zip(recording.logs, recording.weights)):
        model.set_weights(weights)
        epochs_run = epoch + 1
        callback.on_epoch_end(epoch, dict(logs))
        if model.stop_training:
            break
    stopped_early = bool(model.stop_training) and epochs_run < len(recording.logs)
    model.stop_training = False
    callback.on_train_end()
    compared = callback.best is not None
    return Replay(
        params=dict(params),
        epochs_run=epochs_run,
        stopped_early=stopped_early,
        kept_epoch=recording.epoch_of(model.get_weights()),
        best_epoch=callback.best_epoch + 1 if compared else None,
        best=float(callback.best) if compared else None,
    )
