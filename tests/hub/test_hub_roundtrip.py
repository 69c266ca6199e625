"""A quiz's whole round trip through a real JupyterHub with real accounts (deploy/hub/).

The instructor releases from the formgrader's API; three students fetch from their Assignments
API, answer through the contents API (correct, half right, blank) and submit; the instructor
collects, runs `nbgrader autograde` (the engine grades in sandboxes) and regrades one student with
the formgrader's Autograde endpoint (the button); the gradebook's scores must equal those of
`python -m autograde grade`; the students fetch feedback holding their own items and no hidden
test; and nobody reads another's files.
"""

import csv
import html
import re

import nbformat
import pytest

from autograde.notebooks import student_answers
from hubclass import ROOT, UNCONTAINED, HubClass

pytestmark = [pytest.mark.hub, pytest.mark.slow, pytest.mark.xdist_group("hub")]

QUIZ = "callbacks_quiz"
COURSE_ID = "keras-callbacks"
MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.M)


def _answers(kind):
    """{grade_id: source} a student writes: all correct, the first half correct, or nothing."""
    solution = nbformat.read(str(ROOT / "solutions" / QUIZ / f"{QUIZ}.ipynb"), as_version=4)
    correct = {k: MARKERS.sub("", v).strip() for k, v in student_answers(solution).items()}
    if kind == "correct":
        return correct
    if kind == "partial":
        return dict(list(correct.items())[: len(correct) // 2])
    return {}


@pytest.fixture(scope="module")
def hub():
    with HubClass(students=3) as hub:
        hub.start_servers([hub.instructor, *hub.students])
        yield hub


@pytest.fixture(scope="module")
def round_trip(hub):
    formgrader = f"user/{hub.instructor}/formgrader/api"
    result = hub.post(f"{formgrader}/assignment/{QUIZ}/release")
    assert result["success"], result
    kinds = dict(zip(hub.students, ("correct", "partial", "blank")))
    for student, kind in kinds.items():
        fetched = hub.post(f"user/{student}/assignments/fetch", form={"assignment_id": QUIZ, "course_id": COURSE_ID})
        assert fetched["success"], fetched
        path = f"user/{student}/api/contents/{QUIZ}/{QUIZ}.ipynb"
        status, model = hub.request("GET", path)
        assert status == 200, model
        nb = nbformat.from_dict(model["content"])
        answers = _answers(kind)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell.source = answers[grade_id]
        status, saved = hub.request("PUT", path, data={"type": "notebook", "format": "json", "content": nb})
        assert status == 200, saved
        submitted = hub.post(f"user/{student}/assignments/submit", form={"assignment_id": QUIZ, "course_id": COURSE_ID})
        assert submitted["success"], submitted
    collected = hub.post(f"{formgrader}/assignment/{QUIZ}/collect")
    assert collected["success"], collected
    course = hub.home(hub.instructor) / "callbacks-course"
    nbgrader_root = course / ".autograde" / "course"
    autograded = hub.run_as(hub.instructor, "nbgrader", "autograde", QUIZ, cwd=nbgrader_root)
    # the formgrader's Autograde button regrades one student (from the engine's cache)
    button = hub.post(f"{formgrader}/submission/{QUIZ}/{hub.students[1]}/autograde")
    assert button["success"], button
    status, submissions = hub.request("GET", f"{formgrader}/submissions/{QUIZ}")
    assert status == 200, submissions
    engine = hub.run_as(hub.instructor, "python", "-m", "autograde", "--work", "engine-check/work", "grade",
                        str(nbgrader_root / "submitted"), "--out", "engine-check/out", *UNCONTAINED, cwd=course)
    out = course / "engine-check" / "out"
    with open(out / "grades.csv", newline="") as handle:
        grades = {r["student_id"]: float(r["score"]) for r in csv.DictReader(handle)}
    with open(out / "items.csv", newline="") as handle:
        items = list(csv.DictReader(handle))
    for step in ("generate_feedback", "release_feedback"):
        done = hub.post(f"{formgrader}/assignment/{QUIZ}/{step}")
        assert done["success"], done
    feedback = {}
    for student in hub.students:
        done = hub.post(f"user/{student}/assignments/fetch_feedback",
                        form={"assignment_id": QUIZ, "course_id": COURSE_ID})
        assert done["success"], done
        pages = sorted((hub.home(student) / QUIZ / "feedback").glob(f"*/{QUIZ}.html"))
        assert len(pages) == 1, pages
        feedback[student] = pages[0].read_text()
    return {"kinds": kinds, "book": {s["student"]: s["score"] for s in submissions}, "grades": grades,
            "items": items, "feedback": feedback, "autograde_log": autograded.stderr + engine.stdout}


def test_gradebook_scores_equal_the_engine(hub, round_trip):
    correct, partial, blank = hub.students
    assert round_trip["book"] == round_trip["grades"]
    assert round_trip["grades"][correct] == 20.0
    assert round_trip["grades"][blank] == 0.0
    assert 0 < round_trip["grades"][partial] < 20
    assert "autograde engine: [3/3]" in round_trip["autograde_log"]


def test_each_student_fetches_their_own_feedback_without_hidden_tests(hub, round_trip):
    for student in hub.students:
        page = round_trip["feedback"][student]
        assert "BEGIN HIDDEN TESTS" not in page and "graded by the engine" not in page
        own = {r["message"] for r in round_trip["items"] if r["student_id"] == student}
        others = {r["message"] for r in round_trip["items"] if r["student_id"] != student} - own
        assert all(html.escape(m, quote=False) in page for m in own), student
        assert not any(html.escape(m, quote=False) in page for m in others), student
        score = round_trip["grades"][student]
        assert f"{score:g}" in page or f"{score:.1f}" in page


def test_students_cannot_read_each_other_or_the_course(hub, round_trip):
    """nbgrader's exchange: a student cannot list the inbound folder, and each submission's folder
    ends in 72 random bits (nbgrader's add_random_string), so no path to another's submission is
    known; homes (with fetched and feedback copies) and the instructor's course are closed."""
    first, second = hub.students[:2]
    inbound = hub.classroom.EXCHANGE / COURSE_ID / "inbound"
    theirs = sorted(inbound.glob(f"{second}+{QUIZ}+*"))
    assert len(theirs) == 1 and re.fullmatch(r"[A-Za-z0-9_-]{12}", theirs[0].name.rsplit("+", 1)[1]), theirs
    for target in (inbound, hub.home(second), hub.home(hub.instructor) / "callbacks-course" / "solutions"):
        done = hub.run_as(first, "ls", str(target), check=False)
        assert done.returncode != 0 and "Permission denied" in done.stderr, (target, done.stdout[:200])
    done = hub.run_as(first, "cat", str(hub.home(second) / QUIZ / f"{QUIZ}.ipynb"), check=False)
    assert done.returncode != 0 and "Permission denied" in done.stderr
