"""Accessible figures in a notebook: installed by `import callbacks_course` inside IPython.

Every matplotlib figure IPython displays gets its text alternative (`alt_text.figure_bundle`),
every GIF shown with `IPython.display.Image` too (`alt_text.animation_bundle`), and matplotlib
takes the colour-blind-safe style (`style.apply`) as soon as it is loaded. Nothing heavy is
imported here: a quiz kernel that never plots pays nothing for it.

Example:

```python
from callbacks_course import notebook
notebook.install()   # done by `import callbacks_course` in a kernel
```
"""

import sys


def _figure(shell):
    def bundle(fig, include=None, exclude=None):
        from callbacks_course.alt_text import figure_bundle

        # The inline backend's own PNG formatter would draw the figure a second time.
        shell.display_formatter.formatters["image/png"].pop(type(fig), None)
        return figure_bundle(fig, include, exclude)

    return bundle


def _image(image, include=None, exclude=None):
    from callbacks_course.alt_text import animation_bundle

    return animation_bundle(image, include, exclude)


def _style_once_matplotlib_is_loaded(shell):
    from callbacks_course import style

    if "matplotlib" in sys.modules:
        style.apply()
        return

    def check(*_):  # before each cell: plots from the cell after matplotlib's import on take the style
        if "matplotlib" in sys.modules:
            style.apply()
            shell.events.unregister("pre_run_cell", check)

    shell.events.register("pre_run_cell", check)


def install(shell=None):
    """Make IPython show every figure and GIF with its text alternative, and plots colour-blind safe.

    Args:
        shell: the IPython shell; the running one when None (none outside IPython: nothing is done).

    Returns:
        True when installed.
    """
    if shell is None:
        ipython = sys.modules.get("IPython")  # not imported: not in IPython
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    bundles = shell.display_formatter.mimebundle_formatter
    bundles.for_type_by_name("matplotlib.figure", "Figure", _figure(shell))
    bundles.for_type_by_name("IPython.core.display", "Image", _image)
    if hasattr(shell, "events"):
        _style_once_matplotlib_is_loaded(shell)
    return True
