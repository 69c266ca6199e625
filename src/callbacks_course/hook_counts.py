"""Compare several recorded runs: how often each callback hook fired in each of them."""

import matplotlib.pyplot as plt
import numpy as np

from callbacks_course.alt_text import set_alt_text
from callbacks_course.recorder import ALL_HOOKS


def hook_counts(recorders):
    """Count the calls of every hook in each recorded run.

    Args:
        recorders: a dict mapping a run's name to its `EventRecorder`.

    Returns:
        A dict mapping each run's name to `{hook: number of calls}`, every hook of
        `recorder.ALL_HOOKS` included (zero when it never fired).

    Example:

    ```python
    hook_counts({"evaluate": recorder})["evaluate"]["on_test_batch_end"]
    # 4
    ```
    """
    return {name: {hook: recorder.count(hook) for hook in ALL_HOOKS} for name, recorder in recorders.items()}


def plot_hook_counts(recorders, ax=None, title="How often each hook fired"):
    """Draw `hook_counts(recorders)` as a table of coloured cells (hooks that never fired are left out).

    Args:
        recorders: a dict mapping a run's name to its `EventRecorder`.
        ax: the matplotlib axes to draw on; a new figure when None.
        title: the axes title.

    Returns:
        The matplotlib axes.
    """
    counts = hook_counts(recorders)
    names = list(counts)
    hooks = [hook for hook in ALL_HOOKS if any(counts[name][hook] for name in names)]
    table = np.array([[counts[name][hook] for name in names] for hook in hooks])
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 * len(names) + 3, 0.38 * len(hooks) + 1.2))
    ax.imshow(np.where(table > 0, 1.0, 0.0), cmap="Blues", vmin=0, vmax=2.5, aspect="auto")
    for row, col in np.ndindex(table.shape):
        ax.text(col, row, str(table[row, col]) if table[row, col] else "·", ha="center", va="center")
    ax.set_xticks(range(len(names)), names)
    ax.set_yticks(range(len(hooks)), hooks)
    ax.xaxis.tick_top()
    ax.set_title(title)
    rows = "; ".join(f"{hook}: " + ", ".join(f"{name} {counts[name][hook]}" for name in names) for hook in hooks)
    set_alt_text(ax, f"{title}, a table of calls per run: {rows}")
    return ax
