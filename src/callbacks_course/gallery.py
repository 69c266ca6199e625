"""Draw a grid of digits with predicted and true labels as an image array; write frames as a GIF.

Drawing uses a bare matplotlib `Figure` on an Agg canvas, not pyplot: nothing is shown in the
notebook, nothing stays open, and it works headless.

Example:

```python
frames = [draw_gallery(x_test[:10], predicted=p, true=y_test[:10], title=f"epoch {e}")
          for e, p in enumerate(predictions_per_epoch)]
write_gif(frames, "runs/demo/progress.gif")
```
"""

import math
import pathlib

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from callbacks_course.alt_text import picture_text, remember_picture
from callbacks_course.style import BLUE, VERMILLION

RIGHT, WRONG = BLUE, VERMILLION  # told apart by colour-blind readers too; the text P≠T says it anyway


def draw_gallery(images, predicted, true, title=None, columns=5):
    """Render digits in a grid, each titled "P:<predicted> T:<true>", green when right, red when wrong.

    Args:
        images: array of shape `(N, 28, 28)` (or any `(N, H, W)`), uint8 or floats in [0, 1].
        predicted: the N predicted labels.
        true: the N true labels.
        title: the figure title, e.g. "epoch 3 — 7/10 right".
        columns: digits per row.

    Returns:
        An RGB image as a uint8 array of shape `(height, width, 3)`. What it shows is remembered
        (`alt_text.remember_picture`): `imshow` of it, or a GIF of such frames, is described.
    """
    images, predicted, true = np.asarray(images), np.asarray(predicted), np.asarray(true)
    if images.ndim != 3 or not len(images) == len(predicted) == len(true):
        raise ValueError(
            f"expected N images of shape (N, H, W) with N predicted and N true labels, got images "
            f"{images.shape}, {len(predicted)} predicted and {len(true)} true labels"
        )
    rows = math.ceil(len(images) / columns)
    figure = Figure(figsize=(1.3 * columns, 1.5 * rows + 0.4), dpi=80)
    canvas = FigureCanvasAgg(figure)
    for i, (image, p, t) in enumerate(zip(images, predicted, true)):
        ax = figure.add_subplot(rows, columns, i + 1)
        ax.imshow(image, cmap="gray_r")
        ax.set_title(f"P:{p} T:{t}", color=RIGHT if p == t else WRONG, fontsize=11, fontweight="bold")
        ax.axis("off")
    if title:
        figure.suptitle(title, fontsize=12)
    figure.tight_layout()
    canvas.draw()
    right = int(np.sum(predicted == true))
    guesses = ", ".join(f"{p}" if p == t else f"{p} (true {t})" for p, t in zip(predicted, true))
    text = f"{title + ': ' if title else ''}{len(images)} digits, {right} of {len(images)} predicted right; predicted: {guesses}"
    return remember_picture(np.asarray(canvas.buffer_rgba())[..., :3].copy(), text)


def write_gif(frames, path, seconds_per_frame=0.7):
    """Write RGB frames as an animated GIF that loops forever.

    Args:
        frames: a non-empty sequence of uint8 arrays of one shape `(height, width, 3)`.
            Pillow merges a frame identical to the one before it into a longer frame.
        path: the file to write; missing folders are created.
        seconds_per_frame: how long each frame is shown.

    Returns:
        The path written, as a `pathlib.Path`. Frames from `draw_gallery` are described in the
        GIF's comment, which `alt_text.describe_animation` reads.
    """
    frames = [np.asarray(frame) for frame in frames]
    if not frames:
        raise ValueError("no frames to write: did training run at least one epoch?")
    shapes = {frame.shape for frame in frames}
    if len(shapes) != 1 or frames[0].ndim != 3 or frames[0].dtype != np.uint8:
        raise ValueError(f"frames must be uint8 RGB arrays of one shape, got shapes {sorted(shapes)}")
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    first, *rest = [Image.fromarray(frame) for frame in frames]
    comment = "; ".join(f"frame {n}: {text}" for n, text in enumerate(map(picture_text, frames), 1) if text)
    first.save(path, save_all=True, append_images=rest, duration=int(seconds_per_frame * 1000), loop=0,
               disposal=1, **({"comment": comment} if comment else {}))
    return path
