"""nbgrader's configuration for this course (read by `python -m autograde` and by Jupyter's formgrader).

The course folder is `.autograde/course/` (ignored by git): `source` links to `solutions/`,
`release` to `quizzes/`; submitted/, autograded/, feedback/ and gradebook.db live there.
`python -m autograde init` creates it (`make lab` runs that). To see the course in formgrader, start
Jupyter with this file's folder on the config path: `JUPYTER_CONFIG_PATH=autograde jupyter lab`
(or `make lab`, which does it).
"""

import pathlib
import sys

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

ROOT = pathlib.Path(__file__).resolve().parents[1]
# nbgrader imports the engine's preprocessors by name, from whatever folder it runs in
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

c.CourseDirectory.course_id = "keras-callbacks"
c.CourseDirectory.root = str(ROOT / ".autograde" / "course")
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.Exchange.root = str(ROOT / ".autograde" / "exchange")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.gif", "runs"]

# The engine runs each graded item with the student's code in a jail of its own (`callbacks_course.sandbox`) instead of
# nbgrader's single kernel: `nbgrader autograde` and formgrader's Autograde button grade the
# submissions they cover through it (GradeWithEngine, cached results reused), then write each test
# cell's outcome (a message on stdout and the points as an execute_result, never stderr).
c.Autograde.autograde_preprocessors = [
    "autograde.nbgrader_autograde.GradeWithEngine",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Deleted test cells come back (graded as if present).
c.OverwriteCells.add_missing_cells = True
# Timeouts for nbgrader's own kernel runs (formgrader, validate) suit real training runs;
# the engine's per-item limits are each Item's `timeout`.
c.Execute.timeout = 600
c.Execute.startup_timeout = 120
c.Execute.interrupt_on_timeout = True
# Feedback: never show hidden tests.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.ClearHiddenTests.enforce_metadata = False
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
# A cell may bring its own stub in metadata `autograde.stub` (quiz answers: `q07 = set()`).
from nbgrader.converters import GenerateAssignment  # noqa: E402

c.GenerateAssignment.preprocessors = [
    "autograde.cell_stubs.ClearSolutionsWithCellStubs" if p.__name__ == "ClearSolutions" else p
    for p in GenerateAssignment.class_traits()["preprocessors"].default()
]
