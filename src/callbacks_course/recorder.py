"""A callback that records every hook Keras calls, in order, with its index and `logs`."""

import dataclasses

import keras

EPOCH_HOOKS = ("on_epoch_begin", "on_epoch_end")
BATCH_HOOKS = tuple(
    f"on_{phase}_batch_{edge}" for phase in ("train", "test", "predict") for edge in ("begin", "end")
)
RUN_HOOKS = tuple(f"on_{phase}_{edge}" for phase in ("train", "test", "predict") for edge in ("begin", "end"))
ALL_HOOKS = RUN_HOOKS + EPOCH_HOOKS + BATCH_HOOKS


@dataclasses.dataclass(frozen=True)
class Event:
    """One hook call: its name, the epoch or batch index (None for run hooks), and `logs`."""

    hook: str
    index: int | None
    logs: dict


def _plain(value):
    """A log value as a Python float when it is a number, unchanged otherwise."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _recording(hook, indexed):
    if indexed:

        def method(self, index, logs=None):
            self._record(hook, index, logs)

    else:

        def method(self, logs=None):
            self._record(hook, None, logs)

    method.__name__ = hook
    method.__doc__ = f"Record a call of `{hook}`."
    return method


class EventRecorder(keras.callbacks.Callback):
    """Records every callback hook call as an `Event`, in the order Keras makes them.

    Args:
        hooks: the hook names to record; all of them by default. Hooks not listed are
            not overridden, so Keras can skip them (batch hooks cost time).

    Attributes:
        events: the list of recorded `Event`s; it is never reset, so one recorder can
            watch `fit`, `evaluate` and `predict` in turn.

    Example:

    ```python
    recorder = EventRecorder()
    model.fit(x, y, epochs=2, validation_split=0.2, callbacks=[recorder])
    [e.hook for e in recorder.events][:3]
    # ['on_train_begin', 'on_epoch_begin', 'on_train_batch_begin']
    ```
    """

    def __init__(self, hooks=ALL_HOOKS):
        super().__init__()
        unknown = set(hooks) - set(ALL_HOOKS)
        if unknown:
            raise ValueError(f"unknown hooks {sorted(unknown)}; choose from {list(ALL_HOOKS)}")
        self.hooks = tuple(hooks)
        self.events = []
        for hook in self.hooks:
            bound = _recording(hook, hook not in RUN_HOOKS).__get__(self)
            setattr(self, hook, bound)

    def _record(self, hook, index, logs):
        plain_logs = {key: _plain(value) for key, value in (logs or {}).items()}
        self.events.append(Event(hook, None if index is None else int(index), plain_logs))

    def hooks_called(self):
        """The hook names in call order."""
        return [event.hook for event in self.events]

    def count(self, hook):
        """How many times `hook` was called."""
        return sum(event.hook == hook for event in self.events)


def log_keys_by_hook(events):
    """Map each hook to the sorted `logs` keys it received (the union over its calls)."""
    keys = {}
    for event in events:
        keys.setdefault(event.hook, set()).update(event.logs)
    return {hook: sorted(names) for hook, names in keys.items()}
