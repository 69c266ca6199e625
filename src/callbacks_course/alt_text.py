"""Text alternatives for figures, written from the data of what they draw.

`describe_figure(fig)` reads a matplotlib figure's artists (lines, bars, images, grids of
titled pictures, reference lines) and states their numbers, for example
"loss falls from 2.1 to 0.3 over epochs 0 to 9 (lowest 0.3 at 9)". A plotting helper that knows
more sets its own text with `set_alt_text(ax_or_fig, text)`.

`figure_bundle(fig)` is a figure's display data: a PNG whose output metadata holds `{"alt": text}`
(what nbconvert's classic template reads) plus an HTML `<img alt=...>` of the same PNG (what
JupyterLab, nbgrader's feedback and MyST-NB render: they read no image metadata);
`animation_bundle` does the same for a GIF shown with `IPython.display.Image`.
`callbacks_course.notebook.install()` makes IPython use them for every figure and GIF.

Example:

```python
fig, ax = plt.subplots()
ax.plot([2.1, 0.9, 0.3], label="loss")
describe_figure(fig)   # 'A figure. loss falls from 2.1 to 0.3 over x 0 to 2 (3 points; ...).'
```
"""

import base64
import collections
import hashlib
import html
import io
import math

import numpy as np

ALT_ATTRIBUTE = "_callbacks_course_alt"
MAX_ITEMS = 12  # items listed one by one before a summary takes over
_PICTURES = collections.OrderedDict()  # hash of an RGB array -> what it shows (see remember_picture)
_PICTURES_KEPT = 256


def number(value):
    """A value as a short number: 3 significant digits, integers without a decimal point."""
    value = round(float(value), 12) + 0.0  # float noise such as -5.6e-17 is 0 (and + 0.0 drops -0)
    if math.isfinite(value) and value == round(value) and abs(value) < 1e6:
        return str(int(round(value)))
    return f"{value:.3g}"


def set_alt_text(artist, text):
    """Give a figure or one of its axes a text of its own, used instead of the automatic one.

    Args:
        artist: a matplotlib `Figure` or `Axes`.
        text: what it shows, with its numbers.

    Returns:
        `artist`.

    Example:

    ```python
    set_alt_text(ax, "val_loss is lowest at epoch 4 (0.41)")
    ```
    """
    setattr(artist, ALT_ATTRIBUTE, " ".join(str(text).split()))
    return artist


def _pixels_key(pixels):
    pixels = np.ascontiguousarray(pixels)
    return hashlib.sha256(repr((pixels.shape, pixels.dtype.str)).encode() + pixels.tobytes()).hexdigest()


def remember_picture(pixels, text):
    """Record what an RGB(A) array drawn from a figure shows, so a later `imshow` of it is described.

    Args:
        pixels: the array, e.g. a frame returned by `gallery.draw_gallery`.
        text: its description.

    Returns:
        `pixels`.
    """
    key = _pixels_key(pixels)
    _PICTURES[key] = text
    _PICTURES.move_to_end(key)
    while len(_PICTURES) > _PICTURES_KEPT:
        _PICTURES.popitem(last=False)
    return pixels


def picture_text(pixels):
    """What `remember_picture` recorded for this array, or None."""
    return _PICTURES.get(_pixels_key(pixels))


def _name(label, fallback):
    return fallback if not label or str(label).startswith("_") else str(label)


def _line_text(line, ax):
    xy = np.asarray(line.get_xydata(), dtype=float).reshape(-1, 2)  # in plot units: dates, categories as numbers
    x, y = xy[:, 0], xy[:, 1]
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if not len(y):
        return None
    name = _name(line.get_label(), ax.get_ylabel() or "a line")
    if len(y) == 2 and y[0] == y[1] and list(x) == [0, 1]:
        return f"{name}: a horizontal line at {number(y[0])}"
    if len(x) == 2 and x[0] == x[1] and list(y) == [0, 1]:
        return f"{name}: a vertical line at {number(x[0])}"
    if line.get_linestyle() in ("None", "none", "", " "):
        points = ", ".join(f"{number(a)} ({number(b)})" for a, b in zip(x[:MAX_ITEMS], y[:MAX_ITEMS]))
        more = f" and {len(x) - MAX_ITEMS} more" if len(x) > MAX_ITEMS else ""
        return f"{name}: marked at {points}{more}"
    if len(y) == 1:
        return f"{name}: one point, {number(y[0])} at {number(x[0])}"
    low, high = int(np.argmin(y)), int(np.argmax(y))
    trend = "falls" if y[-1] < y[0] else "rises" if y[-1] > y[0] else "stays"
    return (f"{name} {trend} from {number(y[0])} to {number(y[-1])} over {ax.get_xlabel() or 'x'} "
            f"{number(x[0])} to {number(x[-1])} ({len(y)} points; lowest {number(y[low])} at {number(x[low])}, "
            f"highest {number(y[high])} at {number(x[high])})")


def _is_number(text):
    try:
        float(text.replace("\u2212", "-"))  # matplotlib writes minus signs as U+2212
    except ValueError:
        return False
    return True


def _bar_text(container, ax):
    across = getattr(container, "orientation", "vertical") == "horizontal"  # barh: lengths along x
    spans = [(bar.get_y(), bar.get_height()) if across else (bar.get_x(), bar.get_width()) for bar in container]
    values = [float(bar.get_width() if across else bar.get_height()) for bar in container]
    if not values:
        return None
    axis = ax.yaxis if across else ax.xaxis
    ticks = [(float(tick), label.get_text()) for tick, label in zip(axis.get_ticklocs(), axis.get_ticklabels())
             if label.get_text() and not _is_number(label.get_text())]  # categories, not a numeric axis
    names = []
    for start, size in spans:  # a bar is named by the category under it (bars side by side sit off the tick)
        near = [text for tick, text in ticks if abs(tick - (start + size / 2)) <= size / 2 + 1e-9]
        names.append(near[0] if near else f"{number(start)} to {number(start + size)}")
    name = _name(container.get_label(), (ax.get_xlabel() if across else ax.get_ylabel()) or "bars")
    if len(values) <= MAX_ITEMS:
        listed = ", ".join(f"{n}: {number(v)}" for n, v in zip(names, values))
        return f"{name}: {len(values)} bars: {listed}"
    low, high = int(np.argmin(values)), int(np.argmax(values))
    return (f"{name}: {len(values)} bars from {names[0]} to {names[-1]}; highest {number(values[high])} "
            f"at {names[high]}, lowest {number(values[low])} at {names[low]}")


def _image_text(image):
    data = np.asarray(image.get_array())
    if data.ndim == 3:
        return picture_text(data) or f"a picture of {data.shape[1]} by {data.shape[0]} pixels"
    shown = np.ma.compressed(image.get_array()).astype(float)  # masked cells are not drawn
    finite = shown[np.isfinite(shown)]
    span = f" from {number(finite.min())} to {number(finite.max())}" if finite.size else ""
    return f"a grid of {data.shape[0]} by {data.shape[1]} values{span}"


def _patch_text(patch):
    x0, x1 = patch.get_x(), patch.get_x() + patch.get_width()
    return f"{patch.get_label()}: shaded from {number(x0)} to {number(x1)}"


def _stairs_text(patch):
    """A histogram drawn with `ax.stairs`: its buckets' span and its highest bucket."""
    values, edges = np.asarray(patch.get_data().values, float), np.asarray(patch.get_data().edges, float)
    label = patch.get_label()
    named = "" if label.startswith("_") else f"{label}: "
    if not values.size:
        return f"{named}an empty histogram"
    top = int(np.argmax(values))
    return (f"{named}a histogram of {values.size} buckets from {number(edges[0])} to {number(edges[-1])}, "
            f"highest {number(values[top])} between {number(edges[top])} and {number(edges[top + 1])}")


def describe_axes(ax):
    """What one axes shows, from its title, labels, lines, bars, histograms, images and texts."""
    from matplotlib.patches import StepPatch

    own = getattr(ax, ALT_ATTRIBUTE, None)
    if own:
        return own
    parts = []
    lines = [text for text in (_line_text(line, ax) for line in ax.get_lines()) if text]
    bars = [text for text in (_bar_text(c, ax) for c in ax.containers if hasattr(c, "patches")) if text]
    images = [_image_text(image) for image in ax.get_images()]
    parts += lines[:MAX_ITEMS] + bars + images
    if len(lines) > MAX_ITEMS:
        parts.append(f"and {len(lines) - MAX_ITEMS} more lines")
    in_bars = {id(patch) for c in ax.containers for patch in getattr(c, "patches", [])}
    parts += [_patch_text(p) for p in ax.patches
              if id(p) not in in_bars and hasattr(p, "get_width") and not p.get_label().startswith("_")]
    parts += [_stairs_text(p) for p in ax.patches if isinstance(p, StepPatch)][:MAX_ITEMS]
    shapes = sum(len(c.get_paths()) for c in ax.collections)
    if shapes:
        parts.append(f"{shapes} drawn shapes or points")
    texts = [t.get_text() for t in ax.texts if t.get_text().strip()]
    if texts:
        shown = ", ".join(texts[:MAX_ITEMS * 2]) + (f" and {len(texts) - MAX_ITEMS * 2} more" if len(texts) > MAX_ITEMS * 2 else "")
        parts.append(f"labels {shown}")
    if ax.get_yscale() == "log":
        parts.append(f"{ax.get_ylabel() or 'y'} on a log scale")
    title = ax.get_title()
    body = "; ".join(parts) or "nothing drawn"
    return f"{title}: {body}" if title else body


def _is_picture_grid(axes):
    return len(axes) > 1 and all(not ax.axison and ax.get_images() and not ax.get_lines() for ax in axes)


def describe_figure(fig):
    """A text alternative for `fig`: its own text if one was set, else one built from its data.

    Args:
        fig: a matplotlib `Figure`.

    Returns:
        The text, e.g. "A figure titled 'loss'. loss falls from 2.1 to 0.3 over epoch 0 to 9 (...)."
    """
    own = getattr(fig, ALT_ATTRIBUTE, None)
    if own:
        return own
    axes = [ax for ax in fig.axes if ax.get_visible()]
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    start = f"A figure titled '{suptitle}'." if suptitle else "A figure."
    if _is_picture_grid(axes):
        shown = [ax.get_title() or _image_text(ax.get_images()[0]) for ax in axes]
        return f"{start} {len(axes)} pictures: {', '.join(shown)}."
    if len(axes) == 1:
        return f"{start} {describe_axes(axes[0])}."
    panels = " ".join(f"Panel {i} of {len(axes)}: {describe_axes(ax)}." for i, ax in enumerate(axes, 1))
    return f"{start} {panels}"


def describe_animation(data):
    """A text alternative for an animated GIF: its comment (if it has one), frames, size and timing.

    Args:
        data: the GIF file's bytes.
    """
    from PIL import Image

    with Image.open(io.BytesIO(data)) as animation:
        frames = getattr(animation, "n_frames", 1)
        comment = animation.info.get("comment", b"")
        durations = []
        for index in range(frames):
            animation.seek(index)
            durations.append(animation.info.get("duration", 0))
        width, height = animation.size
    comment = comment.decode("utf-8", "replace") if isinstance(comment, bytes) else str(comment)
    seconds = sum(durations) / 1000
    text = (f"An animation of {frames} frame{'s' if frames != 1 else ''}, {width} by {height} pixels, {number(seconds)} seconds in all "
            f"({number(seconds / max(frames, 1))} s a frame).")
    return f"{text} {comment}".strip()


def figure_bundle(fig, include=None, exclude=None):
    """The display data of `fig`: a PNG with its alt text in metadata, and the same PNG as `<img alt>`."""
    from IPython.core.pylabtools import print_figure

    png = print_figure(fig, "png", base64=True, bbox_inches="tight")
    if png is None:  # an empty figure: IPython shows nothing either
        return {}, {}
    try:
        alt = describe_figure(fig)
    except Exception as error:  # a figure of a kind not foreseen is still shown
        alt = f"A figure (no description could be made from its data: {type(error).__name__})."
    return ({"image/png": png,
             "text/html": f'<img src="data:image/png;base64,{png}" alt="{html.escape(alt, quote=True)}">'},
            {"image/png": {"alt": alt}})


def animation_bundle(image, include=None, exclude=None):
    """The display data of an `IPython.display.Image`; an embedded GIF also as `<img alt>` and with metadata `alt`."""
    data, metadata = image._repr_mimebundle_(include, exclude)
    if image.embed and image._mimetype == "image/gif" and isinstance(image.data, bytes):
        alt = describe_animation(image.data)
        encoded = base64.b64encode(image.data).decode()
        data = {**data, "text/html": f'<img src="data:image/gif;base64,{encoded}" alt="{html.escape(alt, quote=True)}">'}
        metadata = {**(metadata or {}), "image/gif": {**(metadata or {}).get("image/gif", {}), "alt": alt}}
    return data, metadata
