"""Plot training curves from per-epoch columns: a `History.history`, or a CSVLogger file read back."""

import matplotlib.pyplot as plt

from callbacks_course.style import BLACK, MARKERS


def plot_curves(columns, keys, ax=None, title=None):
    """Draw one line per key against the epoch number.

    Args:
        columns: a mapping from a metric name to its per-epoch values, for example
            `history.history` or the columns of a CSVLogger file. When it has an `"epoch"`
            column, that is the x axis; otherwise epochs count from 0.
        keys: the names to draw, e.g. `["loss", "val_loss"]`.
        ax: the matplotlib axes to draw on; a new figure when None.
        title: the axes title.

    Returns:
        The matplotlib axes.

    Example:

    ```python
    history = model.fit(x, y, epochs=5, validation_split=0.2)
    plot_curves(history.history, ["loss", "val_loss"], title="loss")
    ```
    """
    missing = [key for key in keys if key not in columns]
    if missing:
        raise KeyError(f"no column {missing}; the columns are {sorted(columns)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    for number, key in enumerate(keys):
        values = [float(v) for v in columns[key]]
        epochs = [int(float(e)) for e in columns["epoch"]] if "epoch" in columns else range(len(values))
        ax.plot(epochs, values, marker=MARKERS[number % len(MARKERS)], markersize=4, label=key)
    ax.set_xlabel("epoch")
    ax.legend()
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    return ax


def plot_rate_and_loss(columns, loss_keys=("loss", "val_loss"), rate_key="learning_rate", title=None):
    """The loss curves and the learning rate on one picture: losses on the left axis, the rate
    (log scale) on a right-hand axis sharing the epochs.

    Args:
        columns: per-epoch columns holding `loss_keys` and `rate_key`, e.g. `history.history` of a
            run with `ReduceLROnPlateau` or `LearningRateScheduler` (they log the rate).
        loss_keys: the loss columns to draw.
        rate_key: the learning-rate column.
        title: the figure title.

    Returns:
        `(loss_axes, rate_axes)`.

    Example:

    ```python
    history = model.fit(x, y, epochs=20, validation_split=0.2,
                        callbacks=[keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=2)])
    plot_rate_and_loss(history.history)
    ```
    """
    loss_ax = plot_curves(columns, list(loss_keys), title=title)
    if rate_key not in columns:
        raise KeyError(f"no column {rate_key!r}; the columns are {sorted(columns)}")
    rate_ax = loss_ax.twinx()
    rates = [float(v) for v in columns[rate_key]]
    rate_ax.step(range(len(rates)), rates, where="post", color=BLACK, linestyle=(0, (1, 1)), label=rate_key)
    rate_ax.set_yscale("log")
    rate_ax.set_ylabel(rate_key)
    rate_ax.legend(loc="upper center")
    return loss_ax, rate_ax
