import pytest

from support.notebooks import lesson_run


@pytest.fixture(scope="module")
def lesson(request, tmp_path_factory):
    """Execute the module's lesson (its LESSON constant) once; yield the live NotebookRun.

    Twice in one kernel when the lesson writes files (support.notebooks.WRITES_FILES names them and
    what they write): a student may "Run All" twice, and every test of such a lesson checks the
    kernel state and the files of the second pass, which must be those of a single one. Every
    lesson's first pass is stored for `make site` (build/executed/).
    """
    name = request.module.LESSON
    with lesson_run(name, tmp_path_factory.mktemp(name)) as run:
        yield run
