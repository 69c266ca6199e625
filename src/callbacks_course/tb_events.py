"""Read what the Keras `TensorBoard` callback wrote, with TensorBoard's own event reader.

Keras 3 writes each scalar as a *tensor* summary (plugin `scalars`), not as an old-style
scalar event, so `EventAccumulator.Scalars()` finds nothing: the values are under
`EventAccumulator.Tensors(tag)`. With `write_graph=True` it also writes the model's
configuration as JSON under the tag `keras` (plugin `graph_keras_model`); with `histogram_freq=N`
a histogram of every weight each N-th epoch (plugin `histograms`).

Example:

```python
tensorboard = keras.callbacks.TensorBoard("runs/demo")
model.fit(x, y, epochs=3, validation_split=0.2, callbacks=[tensorboard])
read_scalars("runs/demo/train")["epoch_loss"]   # [(0, 1.9), (1, 1.2), (2, 0.8)]
```
"""

import json
import pathlib

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util.tensor_util import make_ndarray

KERAS_MODEL_TAG = "keras"


def _accumulator(run_dir):
    run_dir = pathlib.Path(run_dir)
    if not any(run_dir.glob("events.out.tfevents.*")):
        raise FileNotFoundError(f"no TensorBoard event file in {run_dir}")
    accumulator = EventAccumulator(str(run_dir), size_guidance={"tensors": 0})  # 0: keep every point
    accumulator.Reload()
    return accumulator


def read_scalars(run_dir):
    """All scalar series of one run folder (e.g. `<log_dir>/train` or `<log_dir>/validation`).

    Args:
        run_dir: a folder holding `events.out.tfevents.*` files.

    Returns:
        A dict mapping each scalar tag to its `(step, value)` pairs in step order.

    Raises:
        FileNotFoundError: when the folder holds no event file.
    """
    return {tag: [(step, float(value)) for step, value in points]
            for tag, points in _plugin_series(run_dir, "scalars").items()}


def read_histograms(run_dir):
    """All histograms of one run folder, as `TensorBoard(histogram_freq=N)` writes them.

    Args:
        run_dir: a folder holding `events.out.tfevents.*` files (a run's `train` folder).

    Returns:
        A dict mapping each histogram tag (`<weight path>/histogram`) to its `(step, buckets)`
        pairs in step order; `buckets` is an array with one row per bucket: left edge, right
        edge, count.

    Raises:
        FileNotFoundError: when the folder holds no event file.

    Example:

    ```python
    model.fit(x, y, epochs=3, callbacks=[keras.callbacks.TensorBoard("runs/h", histogram_freq=1)])
    step, buckets = read_histograms("runs/h/train")["mnist_dense/dense/kernel/histogram"][-1]
    plt.stairs(buckets[:, 2], [*buckets[:, 0], buckets[-1, 1]])
    ```
    """
    return _plugin_series(run_dir, "histograms")


def _plugin_series(run_dir, plugin):
    accumulator = _accumulator(run_dir)
    return {tag: sorted(((event.step, make_ndarray(event.tensor_proto)) for event in accumulator.Tensors(tag)),
                        key=lambda point: point[0])
            for tag in accumulator.Tags()["tensors"]
            if accumulator.SummaryMetadata(tag).plugin_data.plugin_name == plugin}


def keras_model_config(run_dir):
    """The model configuration `TensorBoard(write_graph=True)` stored, as a dict; None when absent.

    Args:
        run_dir: the run's `train` folder.
    """
    accumulator = _accumulator(run_dir)
    if KERAS_MODEL_TAG not in accumulator.Tags()["tensors"]:
        return None
    (event,) = accumulator.Tensors(KERAS_MODEL_TAG)[:1]
    return json.loads(make_ndarray(event.tensor_proto).item())
