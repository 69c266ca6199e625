"""Read graded notebooks: the roles of their cells, and a student's submission made safe to grade.

Cell conventions (nbgrader metadata):

- answer cell: a solution cell (`solution: true`) with a `grade_id`; the student writes there.
- test cell: a grade cell (`grade: true`, not a solution) with `points`; its `grade_id` names an
  `Item` of the assignment's registry. Its code is never run by the engine.
- setup cell: a locked code cell that is neither; it runs before the student's code of every item.

Example:

```python
layout = Layout.read("solutions/sample/sample.ipynb")
answers, notes = read_submission(path, layout)   # raises SubmissionError when unusable
```
"""

import copy
import json
import os

import nbformat


class SubmissionError(Exception):
    """A submitted notebook that cannot be graded at all; the message says why."""


def _meta(cell):
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def role(cell):
    """`answer`, `test`, `setup` or None for a cell of a source or released notebook."""
    meta = _meta(cell)
    if meta.get("solution") and meta.get("grade_id"):
        return "answer"
    if meta.get("grade") and meta.get("grade_id") and cell.get("cell_type") == "code":
        return "test"
    if meta.get("locked") and cell.get("cell_type") == "code":
        return "setup"
    return None


def _source(cell):
    source = cell.get("source", "")
    return "".join(map(str, source)) if isinstance(source, list) else str(source)


class Layout:
    """What a source (or released) notebook says about grading.

    Args:
        setup: [(grade_id, source)] of the setup cells, in order.
        answers: {grade_id: source} of the answer cells (stubs in a released notebook).
        tests: {grade_id: points} of the test cells, in notebook order.
    """

    def __init__(self, setup, answers, tests):
        self.setup, self.answers, self.tests = setup, answers, tests

    @classmethod
    def of(cls, nb):
        setup, answers, tests = [], {}, {}
        for index, cell in enumerate(nb.cells):
            kind = role(cell)
            grade_id = _meta(cell).get("grade_id") or f"cell-{index}"
            if kind == "setup":
                setup.append((grade_id, _source(cell)))
            elif kind == "answer":
                answers[grade_id] = _source(cell)
            elif kind == "test":
                tests[grade_id] = float(_meta(cell).get("points", 0))
        return cls(setup, answers, tests)

    @classmethod
    def read(cls, path):
        return cls.of(nbformat.read(str(path), as_version=4))


def load_notebook(path):
    """Read any nbformat version as a v4 notebook; SubmissionError with a clear reason otherwise."""
    if os.path.islink(path):
        raise SubmissionError("the notebook is a symbolic link; submit the file itself")
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise SubmissionError(f"the notebook cannot be read ({exc.strerror})") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SubmissionError(f"the file is not a notebook: it is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells", data.get("worksheets")), list):
        raise SubmissionError("the file is not a notebook: it has no list of cells")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # nbformat raises several types for unreadable versions
        raise SubmissionError(f"the notebook could not be read as nbformat 4 ({type(exc).__name__})") from None
    if not isinstance(nb.get("cells"), list):
        raise SubmissionError("the file is not a notebook: it has no list of cells")
    return nb


def student_answers(nb):
    """{grade_id: source} of the solution cells of a submission; the last copy of a duplicated cell wins."""
    answers = {}
    for cell in nb.cells:
        meta = _meta(cell)
        if meta.get("solution") is True and isinstance(meta.get("grade_id"), str):
            answers[meta["grade_id"]] = _source(cell)
    return answers


def graded_copy(released, answers):
    """The released notebook with the student's answers filled in: what nbgrader autogrades.

    Deleted or edited locked and test cells come back as released, cells the student added are
    left out, and duplicated answer cells count once (the last copy).
    """
    nb = copy.deepcopy(released)
    for cell in nb.cells:
        grade_id = _meta(cell).get("grade_id")
        if role(cell) == "answer" and grade_id in answers:
            cell.source = answers[grade_id]
        if cell.get("cell_type") == "code":
            cell.outputs, cell.execution_count = [], None
    return nb
