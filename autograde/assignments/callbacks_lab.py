"""The lab `callbacks_lab`: one graded item per test cell, checked by `callbacks_course.lab`.

Each exercise k has one answer cell `exk`; its items run that cell alone, then train real
Keras models with the student's callback (see the check modules for what each observes).
"""

from callbacks_course.grading import Item
from callbacks_course.lab import CHECKS

TIMEOUT = 60.0  # seconds per item; a correct answer needs under 10 s here

ITEMS = [
    Item(grade_id=check.grade_id, answer_cells=(check.exercise,), collect=check.collect,
         score=check.score, expect=check.expect, timeout=TIMEOUT)
    for check in CHECKS.values()
]
