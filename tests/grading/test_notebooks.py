"""Reading submissions safely: what counts as the student's answer, and clear reasons for unusable files."""

import json

import nbformat
import pytest

from autograde.notebooks import Layout, SubmissionError, graded_copy, load_notebook, student_answers
from support.grading import SAMPLE

SOURCE = SAMPLE / "solutions" / "sample" / "sample.ipynb"


def _solution(grade_id, source):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": True, "grade": False, "locked": False}
    return cell


def test_layout_of_the_sample_source():
    layout = Layout.read(SOURCE)
    assert [name for name, _ in layout.setup] == ["setup"]
    assert sorted(layout.answers) == ["ex1", "ex2"]
    assert layout.tests == {"ex1_basic": 1.0, "ex1_hidden": 1.0, "ex2_epochs": 2.0}


def test_last_copy_of_a_duplicated_answer_cell_wins():
    nb = nbformat.v4.new_notebook(cells=[_solution("ex1", "first"), nbformat.v4.new_code_cell("added"),
                                         _solution("ex1", "last")])
    assert student_answers(nb) == {"ex1": "last"}


def test_garbage_cells_are_ignored_not_fatal():
    nb = nbformat.from_dict({"cells": [1, "x", {"metadata": None}, {"metadata": {"nbgrader": "no"}},
                                       {"metadata": {"nbgrader": {"solution": True, "grade_id": "ex1"}},
                                        "source": ["def add(a, b):\n", "    return a + b"]}]})
    assert student_answers(nb) == {"ex1": "def add(a, b):\n    return a + b"}


def test_graded_copy_restores_the_released_structure():
    released = nbformat.read(str(SOURCE), as_version=4)
    copy = graded_copy(released, {"ex1": "def add(a, b):\n    return 0", "unknown": "x = 1"})
    assert [c.metadata.get("nbgrader", {}).get("grade_id") for c in copy.cells] == \
           [c.metadata.get("nbgrader", {}).get("grade_id") for c in released.cells]
    assert student_answers(copy)["ex1"] == "def add(a, b):\n    return 0"
    assert released.cells[3].source != copy.cells[3].source  # the original is untouched


@pytest.mark.parametrize("content, reason", [
    (b"this is not { json", "not valid JSON"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"[1, 2, 3]", "no list of cells"),
    (b'{"cells": "nope"}', "no list of cells"),
    (b'{"cells": [], "nbformat": 99, "nbformat_minor": 0, "metadata": {}}', "could not be read as nbformat 4"),
])
def test_unusable_files_have_a_clear_reason(tmp_path, content, reason):
    path = tmp_path / "sample.ipynb"
    path.write_bytes(content)
    with pytest.raises(SubmissionError, match=reason):
        load_notebook(path)


def test_nbformat_3_is_converted(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[_solution("ex1", "def add(a, b):\n    return a + b")])
    path = tmp_path / "v3.ipynb"
    path.write_text(nbformat.writes(nbformat.convert(nb, 3), version=3))
    assert json.loads(path.read_text())["nbformat"] == 3
    assert student_answers(load_notebook(path)) == {"ex1": "def add(a, b):\n    return a + b"}


def test_symlinked_notebook_is_refused(tmp_path):
    (tmp_path / "link.ipynb").symlink_to(SOURCE)
    with pytest.raises(SubmissionError, match="symbolic link"):
        load_notebook(tmp_path / "link.ipynb")
