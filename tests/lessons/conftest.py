import pathlib

import pytest

from notebook_runner import NotebookRun

COURSE = pathlib.Path(__file__).resolve().parents[2] / "course"


@pytest.fixture(scope="module")
def lesson(request, tmp_path_factory):
    """Execute the module's lesson (its LESSON constant) once; yield the live NotebookRun."""
    name = request.module.LESSON
    with NotebookRun(COURSE / f"{name}.ipynb", tmp_path_factory.mktemp(name)) as run:
        yield run
