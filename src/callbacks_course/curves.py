"""Plot training curves from per-epoch columns: a `History.history`, or a CSVLogger file read back."""

import matplotlib.pyplot as plt


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
    for key in keys:
        values = [float(v) for v in columns[key]]
        epochs = [int(float(e)) for e in columns["epoch"]] if "epoch" in columns else range(len(values))
        ax.plot(epochs, values, marker="o", markersize=3, label=key)
    ax.set_xlabel("epoch")
    ax.legend()
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    return ax
