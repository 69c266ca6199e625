"""Draw one per-epoch curve with chosen epochs marked: saved checkpoints, the stop, the kept weights."""

import matplotlib.pyplot as plt

from callbacks_course.style import BLUE

MARKERS = ("o", "*", "s", "D", "v", "^")


def plot_marked_curve(values, marks=None, ax=None, label="val_loss", title=None):
    """Plot `values` against epochs counted from 1 (as Keras prints them), with marked epochs.

    Args:
        values: the per-epoch values, e.g. `history.history["val_loss"]`.
        marks: a dict mapping a legend label to the epochs (from 1) to mark on the curve.
        ax: the matplotlib axes to draw on; a new figure when None.
        label: the legend label of the curve.
        title: the axes title.

    Returns:
        The matplotlib axes.

    Raises:
        ValueError: when a marked epoch is outside 1..len(values).

    Example:

    ```python
    plot_marked_curve(history.history["val_loss"], {"checkpoint saved": [1, 2, 4]})
    ```
    """
    values = [float(v) for v in values]
    marks = marks or {}
    for name, epochs in marks.items():
        outside = [e for e in epochs if not 1 <= e <= len(values)]
        if outside:
            raise ValueError(f"{name!r}: epochs {outside} are outside 1..{len(values)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2))
    epochs = range(1, len(values) + 1)
    ax.plot(epochs, values, color=BLUE, marker=".", label=label)
    for (name, marked), marker in zip(marks.items(), MARKERS):
        ax.plot(marked, [values[e - 1] for e in marked], marker, linestyle="none", markersize=12,
                markerfacecolor="none", markeredgewidth=2, label=name)
    ax.set_xlabel("epoch")
    ax.set_xticks(list(epochs) if len(values) <= 30 else ax.get_xticks())
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return ax
