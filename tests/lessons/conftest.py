import pathlib

import pytest

from notebook_runner import NotebookRun

COURSE = pathlib.Path(__file__).resolve().parents[2] / "course"


@pytest.fixture(scope="module")
def lesson(request, tmp_path_factory):
    """Execute the module's lesson (its LESSON constant) twice in one kernel; yield the live NotebookRun.

    A student may "Run All" twice, or rerun a cell: every test of a lesson checks the kernel state
    and the files of the second pass, which must be those of a single one.
    """
    name = request.module.LESSON
    with NotebookRun(COURSE / f"{name}.ipynb", tmp_path_factory.mktemp(name), passes=2) as run:
        yield run
