"""Shared code for the *Keras Callbacks, hands-on* course: data, models, recording, plots.

Imported inside IPython (a lesson, the quiz, the lab, a grading kernel), the package makes every
figure accessible: a text alternative from its data (`alt_text`) and a colour-blind-safe palette
(`style`). Elsewhere (the grader's own processes) importing it changes nothing.
"""

import sys


def _accessible_figures():
    ipython = sys.modules.get("IPython")  # not imported: not in IPython, nothing to do
    if ipython is not None and ipython.get_ipython() is not None:
        from callbacks_course import alt_text, style

        alt_text.install()
        style.apply()


_accessible_figures()
