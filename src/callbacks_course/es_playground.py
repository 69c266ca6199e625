"""An ipywidgets playground: move EarlyStopping's parameters, see where a recorded run would stop.

Every change replays the recorded run through Keras's own `EarlyStopping` (see `replay`) and
redraws the monitored curve with the stop epoch and the epoch whose weights are kept, plus a
line such as "stopped at epoch 11 (early), keeps the weights of epoch 9".

The widgets carry stable descriptions (`monitor`, `mode`, `patience`, `min_delta`,
`use baseline`, `baseline`, `start_from_epoch`, `restore_best_weights`); the verdict line is
an HTML widget (CSS class `es-verdict`) whose text always contains "stopped at epoch N". Tests can set
`playground.controls[name].value` and read `playground.result` / `playground.text`.

Example:

```python
playground = EarlyStoppingPlayground(snapshots.recording(), model)
playground            # displays the sliders, the verdict and the plot
playground.controls["patience"].value = 3
playground.result.epochs_run
```
"""

import html

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display

from callbacks_course.alt_text import describe_figure, set_alt_text
from callbacks_course.marked_curve import plot_marked_curve
from callbacks_course.replay import replay_early_stopping
from callbacks_course.style import GREEN, VERMILLION

VERDICT_CLASS = "es-verdict"


class EarlyStoppingPlayground:
    """Sliders for `EarlyStopping`'s parameters over a recorded run.

    Args:
        recording: the `replay.Recording` to replay.
        model: the model to attach to the callback (the recorded one; its weights are overwritten).
        monitors: the logged quantities offered in the `monitor` menu.

    Attributes:
        controls: the parameter widgets by name.
        verdict: the HTML widget holding the verdict line.
        plot: the Output widget showing the figure.
        figure: the latest matplotlib figure (closed; shown in `plot`).
        result: the latest `replay.Replay`.
    """

    def __init__(self, recording, model, monitors=("val_loss", "val_accuracy", "loss", "accuracy")):
        self.recording, self.model = recording, model
        for key in monitors:
            recording.series(key)  # a clear KeyError now rather than on the first slider move
        last = len(recording.logs) - 1
        self.controls = {
            "monitor": widgets.Dropdown(options=list(monitors), value=monitors[0], description="monitor"),
            "mode": widgets.Dropdown(options=["auto", "min", "max"], value="auto", description="mode"),
            "patience": widgets.IntSlider(value=0, min=0, max=last, description="patience"),
            "min_delta": widgets.FloatSlider(value=0.0, min=0.0, max=0.1, step=0.005, readout_format=".3f",
                                             description="min_delta"),
            "use_baseline": widgets.Checkbox(value=False, description="use baseline"),
            "baseline": widgets.FloatSlider(value=0.0, step=0.005, readout_format=".3f", description="baseline"),
            "start_from_epoch": widgets.IntSlider(value=0, min=0, max=last, description="start_from_epoch"),
            "restore_best_weights": widgets.Checkbox(value=False, description="restore_best_weights"),
        }
        for control in self.controls.values():
            control.style.description_width = "130px"
        self.controls["baseline"].disabled = True
        self.verdict = widgets.HTML()
        self.verdict.add_class(VERDICT_CLASS)
        self.plot = widgets.Output()
        self.result = self.figure = None
        self._fit_baseline_range()
        self.controls["monitor"].observe(lambda _: self._fit_baseline_range(), names="value")
        self.controls["use_baseline"].observe(self._toggle_baseline, names="value")
        for control in self.controls.values():
            control.observe(lambda _: self.update(), names="value")
        self.widget = widgets.VBox([
            widgets.HBox([self.controls["monitor"], self.controls["mode"]]),
            widgets.HBox([self.controls["patience"], self.controls["min_delta"]]),
            widgets.HBox([self.controls["use_baseline"], self.controls["baseline"]]),
            widgets.HBox([self.controls["start_from_epoch"], self.controls["restore_best_weights"]]),
            self.verdict,
            self.plot,
        ])
        self.update()

    def _fit_baseline_range(self):
        values = self.recording.series(self.controls["monitor"].value)
        slider = self.controls["baseline"]
        low, high = min(values), max(values)
        slider.min, slider.max = -1e9, 1e9  # widen first so the new bounds are always valid
        slider.min, slider.max = round(low, 3), round(high, 3)
        slider.value = round((low + high) / 2, 3)

    def _toggle_baseline(self, change):
        self.controls["baseline"].disabled = not change["new"]

    def params(self):
        """The `EarlyStopping` arguments the widgets currently describe."""
        chosen = {name: control.value for name, control in self.controls.items()}
        use_baseline = chosen.pop("use_baseline")
        if not use_baseline:
            chosen["baseline"] = None
        return chosen

    @property
    def text(self):
        """The verdict line, as plain text."""
        return self.result.describe()

    def update(self):
        """Replay the recording with the current parameters; refresh the verdict and the plot."""
        params = self.params()
        self.result = replay_early_stopping(self.recording, self.model, **params)
        self.verdict.value = f"<b>{html.escape(self.text)}</b>"
        values = self.recording.series(params["monitor"])
        marks = {f"stopped (epoch {self.result.epochs_run})": [self.result.epochs_run]}
        if self.result.kept_epoch is not None:
            marks[f"weights kept (epoch {self.result.kept_epoch})"] = [self.result.kept_epoch]
        fig, ax = plt.subplots(figsize=(8, 3.4))
        plot_marked_curve(values, marks, ax=ax, label=params["monitor"])
        if self.result.epochs_run < len(values):
            ax.axvspan(self.result.epochs_run + 0.5, len(values) + 0.5, color="grey", alpha=0.2, label="never trained")
        if params["start_from_epoch"]:
            ax.axvline(params["start_from_epoch"] + 0.5, color=GREEN, linestyle=":", label="start_from_epoch")
        if params["baseline"] is not None:
            ax.axhline(params["baseline"], color=VERMILLION, linestyle="--", label="baseline")
        ax.legend(fontsize=8, loc="upper right")
        ax.set_title("EarlyStopping replayed on the recorded run")
        set_alt_text(fig, f"{params['monitor']} replayed through EarlyStopping: {self.text}. {describe_figure(fig)}")
        plt.close(fig)
        self.figure = fig
        with self.plot:
            self.plot.clear_output(wait=True)
            display(fig)

    def _ipython_display_(self):
        display(self.widget)
