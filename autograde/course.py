"""Where a course lives, its item registry, and nbgrader's view of it.

A course root holds `solutions/<assignment>/<notebook>.ipynb` (nbgrader source),
`quizzes/<assignment>/` (the released student versions) and
`autograde/assignments/<assignment>.py` (the registry: a module-level list `ITEMS` of
`callbacks_course.grading.Item`, one per test cell). nbgrader's course folder is
`<work>/course`, `<work>` being `<root>/.autograde` unless told otherwise; its `source` is a
link to `solutions/` and its `release` a link to `quizzes/`.

Example:

```python
course = Course()                       # this repository
items = course.items("callbacks_quiz")  # {grade_id: Item}
course.release()                        # regenerate quizzes/ with nbgrader
```
"""

import contextlib
import hashlib
import importlib
import json
import logging
import os
import pathlib
import pickle
import sys
import warnings

from callbacks_course.grading import Item
from callbacks_course.native_stderr import silenced

from callbacks_course.sandbox.protocol import bounded_json

from . import dependencies

REPO = pathlib.Path(__file__).resolve().parents[1]
CONFIG_FILE = pathlib.Path(__file__).resolve().with_name("nbgrader_config.py")
GRADING_RELEASE = "release_for_grading"
RELEASE_RECORD = "release.json"  # in the work folder: which release students got (`Course.release`)
VARIANTS_FILE = "variants.json"  # in the work folder: the quiz variants' course secret (`Course.set_variants`)


class CourseError(Exception):
    """The course itself is inconsistent (a test cell without an Item, a missing notebook, ...)."""


def _link(path, target):
    if path.is_symlink() and os.readlink(path) == str(target):
        return
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        raise CourseError(f"{path} exists and is not a link; remove it")
    path.symlink_to(target)


class Course:
    """A course root and its nbgrader working folder.

    Args:
        root: folder with `solutions/`, `quizzes/` and `autograde/assignments/`.
        work: nbgrader's working area (default `<root>/.autograde`).
        quizzes: where `release` writes the student versions (default `<root>/quizzes`).
        results: the engine's per-submission result files (default `<work>/results`).
    """

    def __init__(self, root=REPO, work=None, quizzes=None, results=None):
        self.root = pathlib.Path(root).resolve()
        self.solutions = self.root / "solutions"
        self.quizzes = pathlib.Path(quizzes).resolve() if quizzes else self.root / "quizzes"
        self.registry = self.root / "autograde" / "assignments"
        self.work = pathlib.Path(work).resolve() if work else self.root / ".autograde"
        self.nbgrader_root = self.work / "course"
        self.results = pathlib.Path(results).resolve() if results else self.work / "results"
        self._items = {}
        self._fingerprints = {}

    # ---- assignments and their items -------------------------------------------------------
    def assignments(self):
        """Assignment ids: the folders of `solutions/` holding notebooks, sorted."""
        if not self.solutions.is_dir():
            return []
        return sorted(p.name for p in self.solutions.iterdir()
                      if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb")))

    def notebooks(self, assignment):
        """Notebook names (without .ipynb) of an assignment, sorted."""
        return sorted(p.stem for p in (self.solutions / assignment).glob("*.ipynb"))

    def sys_path(self):
        """Import path entries the engine and its workers need."""
        return [str(REPO), str(self.registry)]

    def module(self, assignment):
        """The registry module of `assignment` (imported by name, its folder on sys.path)."""
        for entry in reversed(self.sys_path()):
            if entry not in sys.path:
                sys.path.insert(0, entry)
        if not (self.registry / f"{assignment}.py").exists():
            raise CourseError(f"no registry for assignment {assignment!r}: expected {self.registry / assignment}.py")
        with silenced():  # TensorFlow's C++ start-up lines, while a registry imports
            module = importlib.import_module(assignment)
        if pathlib.Path(module.__file__).resolve().parent != self.registry:
            raise CourseError(f"module {assignment!r} is imported from {module.__file__}, not from {self.registry}")
        return module

    def items(self, assignment):
        """{grade_id: Item} of `assignment`, checked against the test cells of its source notebooks."""
        if assignment in self._items:
            return self._items[assignment]
        from .notebooks import Layout

        items = {}
        for item in getattr(self.module(assignment), "ITEMS", None) or []:
            if not isinstance(item, Item):
                raise CourseError(f"{assignment}.ITEMS holds {type(item).__name__}, not callbacks_course.grading.Item")
            if item.grade_id in items:
                raise CourseError(f"{assignment}.ITEMS lists {item.grade_id!r} twice")
            for role, function in (("collect", item.collect), ("expect", item.expect)):
                if function is None:
                    continue
                try:
                    pickle.dumps(function)
                except Exception:
                    raise CourseError(f"{assignment}: the {role} of {item.grade_id!r} must be a module-level "
                                      "function (or functools.partial of one): workers import it by name") from None
            items[item.grade_id] = item
        tests, answers = {}, set()
        for notebook in self.notebooks(assignment):
            layout = Layout.read(self.solutions / assignment / f"{notebook}.ipynb")
            tests.update(layout.tests)
            answers.update(layout.answers)
        if set(tests) != set(items):
            raise CourseError(f"{assignment}: test cells without an Item: {sorted(set(tests) - set(items))}; "
                              f"Items without a test cell: {sorted(set(items) - set(tests))}")
        for item in items.values():
            unknown = set(item.answer_cells) - answers
            if unknown:
                raise CourseError(f"{assignment}: Item {item.grade_id!r} names unknown answer cells {sorted(unknown)}")
        self._items[assignment] = items
        return items

    def dependency_folders(self, assignment):
        """The folders whose files a grade of `assignment` depends on (see `autograde.dependencies`).

        The engine, the course's `autograde/` (registries, keys), the `callbacks_course` package
        with its data, `solutions/<assignment>/`, and the folder of every module defining a
        collect, expect or score of the assignment.
        """
        folders = {dependencies.ENGINE, self.registry.parent, dependencies.package_folder(),
                   self.solutions / assignment}
        for item in self.items(assignment).values():
            for function in (item.collect, item.expect, item.score):
                module = sys.modules.get(getattr(getattr(function, "func", function), "__module__", None) or "")
                if getattr(module, "__file__", None):
                    folders.add(pathlib.Path(module.__file__).resolve().parent)
        return sorted(folders)

    def checks_fingerprint(self, assignment):
        """sha256 of what grading depends on besides the submission: part of each cached result's key.

        Covers every file of `dependency_folders(assignment)` and the installed versions
        (`dependencies.installed_versions`), so changing any of them regrades.
        """
        if assignment not in self._fingerprints:
            self._fingerprints[assignment] = hashlib.sha256("\n".join(
                [dependencies.fingerprint_folders(self.dependency_folders(assignment)),
                 *dependencies.installed_versions()]).encode()).hexdigest()
        return self._fingerprints[assignment]

    # ---- nbgrader -------------------------------------------------------------------------
    def prepare(self):
        """Create nbgrader's course folder with its `source` and `release` links, and its exchange."""
        self.nbgrader_root.mkdir(parents=True, exist_ok=True)
        (self.work / "exchange").mkdir(exist_ok=True)
        self.quizzes.mkdir(parents=True, exist_ok=True)
        _link(self.nbgrader_root / "source", os.path.relpath(self.solutions, self.nbgrader_root))
        _link(self.nbgrader_root / "release", os.path.relpath(self.quizzes, self.nbgrader_root))

    def config(self, release_directory="release"):
        """nbgrader's traitlets Config: autograde/nbgrader_config.py, pointed at this course."""
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
        config.CourseDirectory.root = str(self.nbgrader_root)
        config.Exchange.root = str(self.work / "exchange")
        config.CourseDirectory.release_directory = release_directory
        config.ApplyResults.results_dir = str(self.results)
        # the engine calls nbgrader on results it has just made: nothing left to grade there
        config.GradeWithEngine.grade_missing = False
        config.GradeWithEngine.course_root = str(self.root)
        config.GradeWithEngine.work = str(self.work)
        return config

    def api(self, release_directory="release"):
        # nbgrader's gradebook runs `alembic` from the environment's bin folder
        bin_dir = os.path.dirname(sys.executable)
        if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        config = self.config(release_directory)
        # its own logger: traitlets would hand it the running application's (nbgrader autograde calls the engine)
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config,
                          log=logging.getLogger("autograde.nbgrader"))
        api.log.setLevel(logging.ERROR)
        return api

    def generate(self, assignment, release_directory="release", exam=False):
        """nbgrader generate_assignment of one assignment; CourseError with nbgrader's log on failure.

        Args:
            assignment: the assignment id.
            release_directory: nbgrader's release folder (inside its course folder) to write.
            exam: then pass every released notebook through the registry's `exam_filter(nb)`
                (if it has one), which may change only cells nbgrader does not track.
        """
        self.prepare()
        with _quiet_logs():
            result = self.api(release_directory).generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise CourseError(f"nbgrader generate_assignment {assignment} failed:\n{result.get('log', '')}"
                              f"{result.get('error', '')}")
        hook = getattr(self.module(assignment), "exam_filter", None) if exam else None
        if hook:
            import nbformat

            for path in sorted((self.nbgrader_root / release_directory / assignment).glob("*.ipynb")):
                nb = nbformat.read(str(path), as_version=4)
                tracked = _nbgrader_cells(nb)
                nb = hook(nb) or nb
                if _nbgrader_cells(nb) != tracked:
                    raise CourseError(f"{assignment}.exam_filter changed a cell with nbgrader metadata in {path.name}; "
                                      "it may only change cells nbgrader does not track")
                nbformat.write(nb, str(path))

    def init(self):
        """Register every assignment in nbgrader's gradebook without touching `quizzes/`.

        Formgrader (`make lab`) then lists the assignments on a fresh clone; students' work in
        `quizzes/` is left as it is.
        """
        for assignment in self.assignments():
            self.generate(assignment, release_directory=GRADING_RELEASE)
        return self.assignments()

    def release(self, exam=False):
        """Regenerate `quizzes/` from `solutions/` (`generate`); record which release it was (`released_as_exam`).

        Args:
            exam: the exam release: each registry's `exam_filter(nb)` removes what exam students must
                not receive (the quiz's self-check data); `grade` then grades against it too.
        """
        released = []
        for assignment in self.assignments():
            self.generate(assignment, exam=exam)
            released += sorted((self.quizzes / assignment).glob("*.ipynb"))
        self.work.mkdir(parents=True, exist_ok=True)
        record = self.work / RELEASE_RECORD
        record.write_text(json.dumps({"exam": exam, "folder": str(self.quizzes)}, indent=1) + "\n")
        return released

    def released_as_exam(self):
        """Whether the last `release` with this work folder was the exam release (False when none was).

        Raises:
            CourseError: the record is damaged (graded as the wrong release, feedback could leak).
        """
        path = self.work / RELEASE_RECORD
        if not os.path.lexists(path):
            return False
        try:
            record = bounded_json.load_file(path, max_bytes=64 * 1024, max_depth=4)
        except bounded_json.BoundedJSONError as exc:
            record = exc
        if not isinstance(record, dict) or not isinstance(record.get("exam"), bool):
            raise CourseError(f"{path} is damaged; run `python -m autograde release` (with --exam for an exam) again")
        return record["exam"]

    # ---- per-student variants ---------------------------------------------------------------
    def variant_settings(self):
        """{"secret": bytes, "question_order": bool} when variants are on (`set_variants`), else None.

        Raises:
            CourseError: the settings file is damaged (grading on a wrong variant would be unfair).
        """
        path = self.work / VARIANTS_FILE
        if not os.path.lexists(path):
            return None
        try:
            settings = bounded_json.load_file(path, max_bytes=4096, max_depth=2)
            secret = bytes.fromhex(settings["secret"])
            if len(secret) < 16 or not isinstance(settings["question_order"], bool):
                raise ValueError
        except (bounded_json.BoundedJSONError, TypeError, KeyError, ValueError):
            raise CourseError(f"{path} is damaged; restore it (a new secret gives every student another variant)") \
                from None
        return {"secret": secret, "question_order": settings["question_order"]}

    def set_variants(self, on, question_order=False):
        """Turn per-student variants on (a new course secret unless one exists) or off; return the settings.

        The secret lives only in the work folder (`<work>/variants.json`, mode 0600): never in a
        release, the repository or a student's server.
        """
        import secrets

        path = self.work / VARIANTS_FILE
        if not on:
            path.unlink(missing_ok=True)
            return None
        current = self.variant_settings()
        secret = current["secret"] if current else secrets.token_bytes(32)
        self.work.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump({"secret": secret.hex(), "question_order": question_order}, handle)
        return self.variant_settings()

    def variant(self, assignment, student):
        """The `Variant` of `assignment` that `student` (their real id) got, or None.

        None when variants are off or the assignment's registry has no `variant(token, question_order)`.
        """
        settings = self.variant_settings()
        hook = getattr(self.module(assignment), "variant", None) if settings else None
        if hook is None:
            return None
        from callbacks_course.quiz_variant import student_token

        return hook(student_token(settings["secret"], student), settings["question_order"])


def _nbgrader_cells(nb):
    """[(nbgrader metadata, source)] of the cells nbgrader tracks."""
    return [(dict(cell.metadata["nbgrader"]), cell.source) for cell in nb.cells if "nbgrader" in cell.metadata]


@contextlib.contextmanager
def _quiet_logs():
    """nbgrader logs every copied file at INFO through the root handlers; keep the console clean."""
    previous = logging.root.level
    logging.root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLAlchemy's SAWarnings from nbgrader's gradebook
            yield
    finally:
        logging.root.setLevel(previous)
