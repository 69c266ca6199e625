"""The lab `callbacks_lab`: one graded item per test cell, checked by `callbacks_course.lab`.

Each exercise k has one answer cell `exk`; its items run that cell alone in the student's
confined process, then train real Keras models in the grader with the student's callback
(see the check modules for what each observes; the callback gets a real mirror of the
grader's model). `forbid` names the Keras classes disabled in the student's process for that
item (ex3: Keras's own EarlyStopping).
"""

from callbacks_course.grading import Item
from callbacks_course.lab.checks import CHECKS

TIMEOUT = 60.0  # seconds per item; a correct answer needs under 10 s here

ITEMS = [
    Item(grade_id=check.grade_id, answer_cells=(check.exercise,), collect=check.collect,
         score=check.score, expect=check.expect, timeout=TIMEOUT, forbid=check.forbid)
    for check in CHECKS.values()
]
