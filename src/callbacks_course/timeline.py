"""Draw a recorded sequence of hook calls as a swimlane timeline."""

import matplotlib.pyplot as plt

from callbacks_course.alt_text import set_alt_text
from callbacks_course.style import BLUE, GREEN, ORANGE, SKY

LANES = (
    ("train", "on_train"),
    ("epoch", "on_epoch"),
    ("train batch", "on_train_batch"),
    ("test", "on_test"),
    ("test batch", "on_test_batch"),
    ("predict", "on_predict"),
    ("predict batch", "on_predict_batch"),
)
COLORS = {"train": SKY, "epoch": BLUE, "test": ORANGE, "predict": GREEN}  # colour-blind safe; lanes are labelled


def spans(events):
    """Pair each `*_begin` event with the next `*_end` of its lane.

    Pairing goes by lane, not by index: under `steps_per_execution=N` a batch group's begin hook
    gets the group's first index and its end hook the last (0 and 3 with N=4).

    Returns:
        A list of `(lane, index, start, stop)`: the lane name, the epoch/batch index of the begin
        call (None for whole runs) and the positions of the begin and end calls in `events`.
    """
    prefixes = {prefix: lane for lane, prefix in LANES}
    open_spans, closed = {}, []
    for position, event in enumerate(events):
        prefix, _, edge = event.hook.rpartition("_")
        lane = prefixes.get(prefix)
        if lane is None:
            continue
        if edge == "begin":
            open_spans[lane] = (event.index, position)
        elif lane in open_spans:
            index, start = open_spans.pop(lane)
            closed.append((lane, index, start, position))
    return sorted(closed, key=lambda span: span[2])


def plot_hook_timeline(events, ax=None, title="Callback hooks in call order"):
    """Draw every begin/end pair of `events` as a bar in its lane; x is the call number.

    Args:
        events: the `Event`s of an `EventRecorder`.
        ax: the matplotlib axes to draw on; a new figure when None.
        title: the axes title.

    Returns:
        The matplotlib axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 3.8))
    lane_names = [lane for lane, _ in LANES]
    used = [lane for lane in lane_names if any(s[0] == lane for s in spans(events))]
    for lane, index, start, stop in spans(events):
        row = used.index(lane)
        color = COLORS[lane.split()[0]]
        ax.broken_barh([(start, max(stop - start, 0.6))], (row - 0.35, 0.7), facecolors=color, alpha=0.75,
                       edgecolor="white")
        if index is not None and lane == "epoch":
            ax.text((start + stop) / 2, row, f"epoch {index}", ha="center", va="center", color="white",
                    fontsize=8)
    ax.set_yticks(range(len(used)), used)
    ax.invert_yaxis()
    ax.set_xlim(-1, len(events))
    ax.set_xlabel("hook call number")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    counts = [f"{lane} {sum(s[0] == lane for s in spans(events))}" for lane in used]
    epochs = [s[1] for s in spans(events) if s[0] == "epoch"]
    set_alt_text(ax, f"{title}: {len(events)} hook calls drawn as begin-to-end bars per lane; bars per lane: "
                     f"{', '.join(counts)}" + (f"; epochs {min(epochs)} to {max(epochs)}" if epochs else ""))
    return ax
