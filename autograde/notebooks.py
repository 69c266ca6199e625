"""Read graded notebooks: the roles of their cells, and a student's submission made safe to grade.

Cell conventions (nbgrader metadata):

- answer cell: a solution cell (`solution: true`) with a `grade_id`; the student writes there.
- test cell: a grade cell (`grade: true`, not a solution) with `points`; its `grade_id` names an
  `Item` of the assignment's registry. Its code is never run by the engine.
- setup cell: a locked code cell that is neither; it runs before the student's code of every item.

Example:

```python
layout = Layout.read("solutions/sample/sample.ipynb")
nb = load_notebook(path)        # raises SubmissionError when unusable
answers = student_answers(nb)
```
"""

import copy
import json
import os

from callbacks_course.sandbox import limits
from callbacks_course.sandbox.protocol import bounded_json


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
        import nbformat  # imported on use: about 1 s (jsonschema), which grading overlaps with the workers' start

        return cls.of(nbformat.read(str(path), as_version=4))


def read_submitted(path):
    """The bytes of a submitted notebook: a regular file (never a link, FIFO or device) within the size cap.

    Raises:
        SubmissionError: why the file cannot be read; at most `limits.NOTEBOOK_BYTES`
            are ever read.
    """
    try:
        return bounded_json.read_regular_file(path, max_bytes=limits.NOTEBOOK_BYTES)
    except bounded_json.BoundedJSONError as exc:
        if os.path.islink(path):
            raise SubmissionError("the notebook is a symbolic link; submit the file itself") from None
        raise SubmissionError(f"the notebook cannot be read: {exc}") from None


def load_notebook(path):
    """Read any nbformat version as a v4 notebook; SubmissionError with a clear reason otherwise.

    `read_submitted` reads the file, `parse_notebook` the bytes.
    """
    return parse_notebook(read_submitted(path))


def parse_notebook(raw):
    """A v4 notebook from the bytes of any nbformat version; SubmissionError with a clear reason otherwise.

    The JSON is parsed by `bounded_json` (nested at most `DEFAULT_MAX_DEPTH` deep) and the
    parts the engine reads must have nbformat's types (`check_shape`).
    """
    try:
        data = bounded_json.loads(raw, max_bytes=limits.NOTEBOOK_BYTES)
    except bounded_json.BoundedJSONError as exc:
        raise SubmissionError(f"the file is not a notebook: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells", data.get("worksheets")), list):
        raise SubmissionError("the file is not a notebook: it has no list of cells")
    if "cells" in data:  # nbformat 4: check before nbformat reads it; older versions once converted
        check_shape(data)
    import nbformat

    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # nbformat raises several types for unreadable versions
        raise SubmissionError(f"the notebook could not be read as nbformat 4 ({type(exc).__name__})") from None
    check_shape(nb)
    return nb


_NBGRADER_TYPES = {"grade_id": (str,), "solution": (bool,), "grade": (bool,), "locked": (bool,),
                   "points": (int, float)}


def check_shape(nb):
    """SubmissionError unless the cells have the types the engine reads (nbformat's, nbgrader's).

    Cells must be objects with a string `cell_type`, a `source` that is a string or a list of
    strings and an object `metadata`; nbgrader's metadata, when present, an object whose
    `grade_id` is a string, `solution`/`grade`/`locked` booleans and `points` a number.

    Example:

    ```python
    check_shape(nbformat.reads(text, as_version=4))
    ```
    """
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise SubmissionError("the file is not a notebook: it has no list of cells")
    for index, cell in enumerate(cells, 1):
        where = f"the notebook is damaged: cell {index}"
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise SubmissionError(f"{where} is not a cell (no cell_type)")
        source = cell.get("source", "")
        if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(s, str) for s in source)):
            raise SubmissionError(f"{where} has a source of type {type(source).__name__}, not text")
        metadata = cell.get("metadata", {})
        if not isinstance(metadata, dict):
            raise SubmissionError(f"{where} has metadata of type {type(metadata).__name__}, not an object")
        grading = metadata.get("nbgrader", {})
        if not isinstance(grading, dict):
            raise SubmissionError(f"{where} has nbgrader metadata of type {type(grading).__name__}, not an object")
        for key, types in _NBGRADER_TYPES.items():
            value = grading.get(key)
            if value is not None and (not isinstance(value, types) or isinstance(value, bool) and bool not in types):
                raise SubmissionError(f"{where} has nbgrader {key} of type {type(value).__name__}")


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
