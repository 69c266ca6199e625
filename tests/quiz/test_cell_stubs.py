"""ClearSolutionsWithCellStubs: a cell's own stub replaces its solution; other cells get nbgrader's stub."""

import nbformat
from autograde.cell_stubs import ClearSolutionsWithCellStubs
from traitlets.config import Config


def solution_cell(source, stub=None):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": "x", "locked": False, "schema_version": 3,
                                 "solution": True}
    if stub is not None:
        cell.metadata["autograde"] = {"stub": stub}
    return cell


def test_cell_stub_and_course_stub():
    config = Config()
    config.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    nb = nbformat.v4.new_notebook(cells=[
        solution_cell('### BEGIN SOLUTION\nq07 = {"A", "B"}\n### END SOLUTION', stub="q07 = set()"),
        solution_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"),
        solution_cell('q08 = {"C"}', stub="q08 = set()"),
    ])
    nb.metadata["kernelspec"] = {"language": "python", "name": "python3", "display_name": "Python 3"}
    cleared, _ = ClearSolutionsWithCellStubs(config=config).preprocess(nb, {})
    assert [cell.source for cell in cleared.cells] == [
        "q07 = set()", "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()", "q08 = set()"]
