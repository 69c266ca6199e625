"""`interact` for a slider over a few values that also works on the static website.

`ipywidgets.interact` calls the function again on every move, so on a page without a kernel
(the course website) the slider moves and nothing else changes. `browse` calls the function
once per slider value up front, keeps each result in an `Output` widget of a `Stack`, and links
the slider to the stack in the browser (`jslink`): moving the slider (mouse, or Tab to it and
the arrow keys) shows the matching figure with or without a kernel.

Example:

```python
def show_frame(frame_number):
    plt.imshow(gallery.frames[frame_number]); plt.show()

browse(show_frame, frame_number=widgets.IntSlider(0, 0, 7, description="frame"))
```
"""

import ipywidgets as widgets
MAX_VALUES = 50  # each value's output is kept in the page: a slider over more is a job for interact


def browse(function, **slider):
    """Show `function(value)` for the slider's current value; precomputed for every value.

    Args:
        function: called once per value with the slider's name as keyword; whatever it displays
            or prints (e.g. a figure) is that value's view.
        **slider: exactly one `name=IntSlider(...)` from 0 in steps of 1 (its value is the index of
            the view shown); its description labels it for screen readers (the name when it has none).

    Returns:
        The `VBox` holding the slider and the views (displayed in a notebook cell).

    Raises:
        ValueError: for anything but one such IntSlider over at most MAX_VALUES values.
    """
    controls = list(slider.values())
    if len(controls) != 1 or not isinstance(controls[0], widgets.IntSlider) or controls[0].min != 0 \
            or controls[0].step != 1:
        raise ValueError(f"browse takes exactly one name=IntSlider(min=0, step=1), got {slider}")
    (name, control), = slider.items()
    values = range(control.max + 1)
    if len(values) > MAX_VALUES:
        raise ValueError(f"{name}: {len(values)} values; browse keeps at most {MAX_VALUES} (use interact)")
    control.description = control.description or name
    views = []
    for value in values:
        view = widgets.Output()
        with view:
            function(**{name: value})
        views.append(view)
    stack = widgets.Stack(views, selected_index=control.value)
    widgets.jslink((control, "value"), (stack, "selected_index"))
    box = widgets.VBox([control, stack])
    box.add_class("course-browse")
    return box
