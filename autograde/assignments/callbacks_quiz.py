"""Registry of the quiz `callbacks_quiz`: one Item per question, partial credit against the proven key.

The key lives in `autograde/keys/callbacks_quiz.json` (the test suite proves every option of it
against the installed Keras, see tests/quiz/). It is read here, in the trusted grading process,
only when a score is computed; the worker runs `callbacks_course.quiz.collect_answer` (the answer arrives as data), which
knows no key. With per-student variants on (`python -m autograde variants on`), `variant` gives the
grader a student's option order (`callbacks_course.quiz_variant`), the pinned options read from
the source notebook; the grader maps the student's letters to the original ones before scoring.
"""

import functools
import json
import pathlib

from callbacks_course.grading import Item, Result
from callbacks_course.quiz import collect_answer, normalize_answer, partial_credit, tally
from callbacks_course.quiz_variant import Variant, pins

KEY_FILE = pathlib.Path(__file__).resolve().parents[1] / "keys" / "callbacks_quiz.json"
SOURCE = pathlib.Path(__file__).resolve().parents[2] / "solutions" / "callbacks_quiz" / "callbacks_quiz.ipynb"
QUESTIONS = tuple(f"q{n:02d}" for n in range(1, 21))
SELFCHECK_TAG = "selfcheck-data"
EXAM_SELFCHECK = ("from callbacks_course.quiz_selfcheck import SelfCheck\n\n"
                  "check = SelfCheck()  # exam: no feedback, check() only confirms your answer is readable")


@functools.cache
def answer_key():
    """{question: {"answer": [letters], "why": {letter: reason}}}, read once per process."""
    return json.loads(KEY_FILE.read_text())


@functools.cache
def pinned_options():
    """{question: letters that keep their place in every variant}, from the source notebook."""
    import nbformat

    return pins(nbformat.read(str(SOURCE), as_version=4))


def variant(token, question_order=False):
    """The quiz's `Variant` for a student's token (`Course.variant` calls it, in the trusted process)."""
    return Variant(token, pins=pinned_options(), question_order=question_order)


def score_answer(question, observed, expected=None):
    """Partial credit for the letters `observed`; the message counts right and wrong choices only."""
    key = answer_key()[question]["answer"]
    try:
        if not normalize_answer(observed):
            return Result(0.0, f'No answer: assign your letters to {question}, e.g. {question} = {{"A", "C"}}.')
        return Result(partial_credit(observed, key), tally(observed, key), "".join(sorted(normalize_answer(observed))))
    except ValueError as error:
        return Result(0.0, f"{question}: {error}")


ITEMS = [
    Item(f"{question}_check", (question,), functools.partial(collect_answer, question),
         functools.partial(score_answer, question), timeout=30)
    for question in QUESTIONS
]


def exam_filter(nb):
    """The exam release: the self-check cell loses its data, so nothing in the notebook encodes the key."""
    cells = [cell for cell in nb.cells if SELFCHECK_TAG in cell.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"expected one cell tagged {SELFCHECK_TAG!r}, found {len(cells)}")
    cells[0].source = EXAM_SELFCHECK
    return nb
