"""nbgrader's own autograde (`nbgrader autograde`, formgrader's Autograde button) graded by the engine.

`GradeWithEngine` is the first of nbgrader's `Autograde.autograde_preprocessors` (see
`nbgrader_config.py`). The first time an Autograde run reaches it, it grades every submission
that run covers (`nbgrader autograde ASSIGNMENT`: the whole class; `--student ID` or the
formgrader's button: that student, and with `whole_class` the assignment's other submissions too)
through the engine: one sandbox per item, on `jobs` workers, cached results reused (so only new or
changed submissions run), the progress in nbgrader's log. Then, notebook by notebook, it writes each
test cell's outcome like `ApplyResults`, so nbgrader's gradebook holds the engine's scores and
`generate_feedback` / `release_feedback` deliver the engine's messages (hidden tests stripped by
nbgrader's `ClearHiddenTests`).

The engine reads nbgrader's `submitted/<student>/<assignment>/` copies (never modifying them):
`grade_submitted` is prepare -> run (autograde/steps/), with nbgrader's own run doing the booking.

Example (nbgrader_config.py):

```python
c.Autograde.autograde_preprocessors = ["autograde.nbgrader_autograde.GradeWithEngine", ...]
c.GradeWithEngine.work = "/home/instructor/course/.autograde"
c.GradeWithEngine.jobs = 2
```
"""

import glob
import os
import pathlib
import shutil
import tempfile
import weakref

from traitlets import Bool, Int, Unicode, default

from callbacks_course.sandbox.host.doctor import allowed_by_environment, refusal

from .course import REPO, Course
from .preprocessor import ApplyResults
from .steps.prepare import find, prepare
from .steps.run import Workers, progress, result_path, run

# Autograde runs already graded through the engine (a formgrader server runs many, one per click).
_GRADED_RUNS = weakref.WeakSet()


def _autograde_app(preprocessor):
    """The nbgrader Autograde converter that owns `preprocessor` (exporter's parent)."""
    owner = preprocessor.parent
    while owner is not None and not hasattr(owner, "coursedir"):
        owner = owner.parent
    return owner


def submitted_folders(app, whole_class=False):
    """{(student, assignment): folder} of the submissions an Autograde run covers.

    Args:
        app: nbgrader's Autograde converter.
        whole_class: also every other student's submitted folder of the run's assignments.
    """
    folders = [pathlib.Path(folder) for folder in getattr(app, "assignments", {}) or {}]
    if whole_class:
        for assignment in {path.name for path in folders}:
            pattern = app.coursedir.format_path(app.coursedir.submitted_directory, "*", assignment)
            folders += [pathlib.Path(p) for p in sorted(glob.glob(pattern)) if os.path.isdir(p)]
    return {(path.parent.name, path.name): path for path in folders}


def grade_submitted(course, folders, jobs=1, log=print):
    """Grade nbgrader submission folders through the engine (cache first); return the `Workers`.

    Args:
        course: the engine's `Course`.
        folders: {(student, assignment): folder holding the submitted notebooks}.
        jobs: parallel sandbox workers.
        log: called with each progress line (`[3/30] alice callbacks_quiz 8/10`).

    Example:

    ```python
    grade_submitted(Course(), {("alice", "callbacks_quiz"): pathlib.Path("submitted/alice/callbacks_quiz")})
    ```
    """
    with tempfile.TemporaryDirectory(prefix="autograde-nbgrader-") as scratch:
        scratch = pathlib.Path(scratch)
        for (student, assignment), folder in folders.items():
            dest = scratch / "submissions" / student / assignment
            dest.mkdir(parents=True)
            for notebook in folder.glob("*.ipynb"):
                if notebook.is_file() and not notebook.is_symlink():
                    shutil.copyfile(notebook, dest / notebook.name)
        subs = find(course, scratch / "submissions")
        with Workers(course, jobs) as workers:
            workers.load({sub.assignment for sub in subs if not result_path(course, sub).exists()})
            prepared = prepare(course, subs, log)
            for done, (prep, record, cached) in enumerate(run(course, prepared, workers), 1):
                log(progress(prep.sub, record, done, len(prepared), cached))
    return workers


class GradeWithEngine(ApplyResults):
    """Grade the submissions of this Autograde run through the engine, then apply the results.

    Args (traitlets configuration):
        course_root: the course root (`solutions/`, `autograde/assignments/`); default this repository.
        work: the engine's working folder (its result cache is `work/results`).
        jobs: parallel sandbox workers for a run over several submissions.
        grade_missing: grade what the cache lacks; False only applies cached results (the engine's
            own nbgrader step, which has just graded them).
        whole_class: a run for one student also grades the assignment's other submissions missing
            from the cache (one engine start-up and one set of reference runs for the class).
        allow_uncontained: grade where each item's memory and processes cannot be contained, as
            `grade --allow-uncontained` (default: `AUTOGRADE_ALLOW_UNCONTAINED=1` in the environment);
            otherwise such a run is refused with the reason, as `grade` refuses it.
    """

    course_root = Unicode(str(REPO), help="Course root with solutions/ and autograde/assignments/").tag(config=True)
    work = Unicode("", help="The engine's working folder (default <course_root>/.autograde)").tag(config=True)
    jobs = Int(min(2, os.cpu_count() or 1), help="Parallel sandbox workers").tag(config=True)
    grade_missing = Bool(True, help="Grade submissions the engine's cache lacks").tag(config=True)
    whole_class = Bool(True, help="A run for one student (the formgrader's button) also grades the other "
                       "submitted folders of the assignment that the cache lacks, in the same engine run, "
                       "so that the next clicks only apply cached results").tag(config=True)
    allow_uncontained = Bool(help="Grade even where the sandbox cannot contain each item's memory and "
                             "processes (a student's fork bomb then reaches this machine)").tag(config=True)

    @default("allow_uncontained")
    def _allow_uncontained(self):
        return allowed_by_environment()

    @default("results_dir")
    def _results_dir(self):
        return str(self._course().work / "results")

    def _course(self):
        return Course(root=self.course_root, work=self.work or None)

    def preprocess(self, nb, resources):
        app = _autograde_app(self)
        if self.grade_missing and app is not None and app not in _GRADED_RUNS:
            problem = refusal(self.allow_uncontained)
            if problem:
                raise RuntimeError(f"autograde engine: refused: {problem}")
            _GRADED_RUNS.add(app)
            folders = submitted_folders(app, self.whole_class)
            app.log.info("autograde engine: grading %d submission(s) in sandboxes, %d worker(s)",
                         len(folders), self.jobs)
            grade_submitted(self._course(), folders, jobs=self.jobs,
                            log=lambda line: app.log.info("autograde engine: %s", line))
        return super().preprocess(nb, resources)
