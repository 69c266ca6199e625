"""Shared code for the *Keras Callbacks, hands-on* course: data, models, recording, plots.

Imported inside IPython (a lesson, the quiz, the lab, a grading kernel), the package makes every
figure accessible (`notebook.install`): a text alternative from its data and a colour-blind-safe
palette. Elsewhere (the grader's own processes) importing it changes nothing.
"""

from callbacks_course import notebook as _notebook

_notebook.install()
