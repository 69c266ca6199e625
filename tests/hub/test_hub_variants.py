"""Per-student quiz variants through a real JupyterHub with real accounts (deploy/hub/, issue 23).

The instructor turns variants on (`python -m autograde variants on`, as the instructor, before the
students' servers start: the hub gives each spawned server its own token) and releases the one
quiz from the formgrader's API. Two students fetch it through their Assignments API: each copy
shows the options in that student's own order (not the original's, not the other's), and neither
holds the key, the course secret or a token. Student 1 answers the true key in their own letters,
student 2 the original (seed) key's letters; both submit through the exchange; the instructor
collects and runs `nbgrader autograde` (the engine, which maps the letters through each real id's
variant). Student 1 scores 20/20, student 2 what the variant-mapped scoring of their letters
gives (computed here, on the trusted side, with the package's scorer), and student 1's feedback
names the options as they saw them.
"""

import json
import re

import nbformat
import pytest
from callbacks_course.quiz import OPTIONS, partial_credit
from callbacks_course.quiz_variant import student_token

from autograde.course import Course
from hubclass import ROOT, HubClass

pytestmark = [pytest.mark.hub, pytest.mark.slow, pytest.mark.xdist_group("hub")]

QUIZ = "callbacks_quiz"
COURSE_ID = "keras-callbacks"
KEY = json.loads((ROOT / "autograde" / "keys" / f"{QUIZ}.json").read_text())
QUESTIONS = sorted(KEY)
RELEASED = ROOT / "quizzes" / QUIZ / f"{QUIZ}.ipynb"
OPTION = re.compile(r"^- \*\*([A-D])\)\*\* (.*)$", re.M)
# the gradebook's item scores, read as the instructor (nbgrader's API on the course's gradebook.db)
GRADEBOOK = """
import json, sys
from nbgrader.api import Gradebook
with Gradebook("sqlite:///gradebook.db") as gb:
    out = {}
    for student in sys.argv[1:]:
        nb = gb.find_submission_notebook(%r, %r, student)
        out[student] = {"total": nb.score, "items": {g.name: g.score for g in nb.grades}}
print(json.dumps(out))
""" % (QUIZ, QUIZ)


def _options(nb):
    """{question: [option texts in the order shown]} of a quiz notebook (the markdown before each answer)."""
    found, last = {}, None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            last = cell
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in KEY:
            found[grade_id] = [text.strip() for _, text in OPTION.findall(last.source)]
    return found


def _fill(nb, letters):
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in letters:
            cell.source = f"{grade_id} = {sorted(letters[grade_id])!r}"
    return nb


@pytest.fixture(scope="module")
def hub():
    with HubClass(students=2) as hub:
        done = hub.run_as(hub.instructor, "python", "-m", "autograde", "variants", "on", cwd=hub.course)
        assert "per-student variants are on" in done.stdout, done.stdout
        hub.start_servers([hub.instructor, *hub.students])  # spawned after `variants on`: the students get tokens
        yield hub


@pytest.fixture(scope="module")
def round_trip(hub):
    # the trusted side: each real id's variant from the course secret (as the grader computes it)
    course = Course(ROOT, work=hub.course / ".autograde")
    secret = course.variant_settings()["secret"]
    variants = {s: course.variant(QUIZ, s) for s in hub.students}
    first, second = hub.students
    letters = {first: {q: variants[first].to_displayed(q, KEY[q]["answer"]) for q in QUESTIONS},
               second: {q: set(KEY[q]["answer"]) for q in QUESTIONS}}

    formgrader = f"user/{hub.instructor}/formgrader/api"
    result = hub.post(f"{formgrader}/assignment/{QUIZ}/release")
    assert result["success"], result
    fetched = {}
    for student in hub.students:
        done = hub.post(f"user/{student}/assignments/fetch", form={"assignment_id": QUIZ, "course_id": COURSE_ID})
        assert done["success"], done
        path = f"user/{student}/api/contents/{QUIZ}/{QUIZ}.ipynb"
        status, model = hub.request("GET", path)
        assert status == 200, model
        nb = nbformat.from_dict(model["content"])
        fetched[student] = nbformat.writes(nb)
        status, saved = hub.request("PUT", path, data={"type": "notebook", "format": "json",
                                                       "content": _fill(nb, letters[student])})
        assert status == 200, saved
        done = hub.post(f"user/{student}/assignments/submit", form={"assignment_id": QUIZ, "course_id": COURSE_ID})
        assert done["success"], done
    collected = hub.post(f"{formgrader}/assignment/{QUIZ}/collect")
    assert collected["success"], collected
    nbgrader_root = hub.course / ".autograde" / "course"
    autograded = hub.run_as(hub.instructor, "nbgrader", "autograde", QUIZ, cwd=nbgrader_root)
    book = json.loads(hub.run_as(hub.instructor, "python", "-c", GRADEBOOK, *hub.students,
                                 cwd=nbgrader_root).stdout)
    for step in ("generate_feedback", "release_feedback"):
        done = hub.post(f"{formgrader}/assignment/{QUIZ}/{step}")
        assert done["success"], done
    done = hub.post(f"user/{first}/assignments/fetch_feedback", form={"assignment_id": QUIZ, "course_id": COURSE_ID})
    assert done["success"], done
    pages = sorted((hub.home(first) / QUIZ / "feedback").glob(f"*/{QUIZ}.html"))
    assert len(pages) == 1, pages
    return {"secret": secret, "variants": variants, "letters": letters, "fetched": fetched, "book": book,
            "feedback": pages[0].read_text(), "autograde_log": autograded.stderr}


def test_each_student_fetches_their_own_order_without_key_or_secret(hub, round_trip):
    original = _options(nbformat.read(str(RELEASED), as_version=4))
    first, second = hub.students
    shown = {s: _options(nbformat.reads(text, as_version=4)) for s, text in round_trip["fetched"].items()}
    for student, variant in round_trip["variants"].items():
        assert shown[student] == {q: [original[q][OPTIONS.index(o)] for o in variant.order(q)] for q in QUESTIONS}
        assert sum(shown[student][q] != original[q] for q in QUESTIONS) >= 15, student
    assert sum(shown[first][q] != shown[second][q] for q in QUESTIONS) >= 15
    explanations = [why for entry in KEY.values() for why in entry["why"].values()]
    for student, text in round_trip["fetched"].items():
        assert round_trip["secret"].hex() not in text, student
        assert not [t for s in hub.students if (t := student_token(round_trip["secret"], s)) in text], student
        assert not [why for why in explanations if why in text], student
    # and the secret stays in the instructor's course: a student cannot read it
    done = hub.run_as(first, "cat", str(hub.course / ".autograde" / "variants.json"), check=False)
    assert done.returncode != 0 and "Permission denied" in done.stderr


def test_each_student_is_graded_on_their_own_variant(hub, round_trip):
    first, second = hub.students
    book = round_trip["book"]
    assert "autograde engine: [2/2]" in round_trip["autograde_log"], round_trip["autograde_log"][-3000:]
    assert book[first]["total"] == 20.0
    variant, letters = round_trip["variants"][second], round_trip["letters"][second]
    expected = {q: partial_credit(variant.to_original(q, letters[q]), KEY[q]["answer"]) for q in QUESTIONS}
    assert {q: book[second]["items"][f"{q}_check"] for q in QUESTIONS} == \
        {q: round(value, 4) for q, value in expected.items()}
    assert book[second]["total"] == pytest.approx(sum(expected.values()), abs=1e-3)
    assert book[second]["total"] < 20
    print(f"\nthe seed key's letters in {second}'s variant: {book[second]['total']:g} / 20")


def test_feedback_names_the_options_as_the_student_saw_them(hub, round_trip):
    """The engine's feedback personalisation (autograde/grader.py) as nbgrader delivers it on the hub."""
    variant, page = round_trip["variants"][hub.students[0]], round_trip["feedback"]
    original = _options(nbformat.read(str(RELEASED), as_version=4))
    plain = [q for q in QUESTIONS if all(re.fullmatch(r"\w+", text) for text in original[q])]
    moved = [q for q in plain if variant.order(q) != OPTIONS]
    assert moved, plain
    for q in moved:
        n = int(q[1:])
        start = page.index(f'id="Question-{n}"')
        end = page.find(f'id="Question-{n + 1}"', start)
        shown = re.findall(r"<strong>([A-D])\)</strong>\s*(\w+)", page[start:end if end > 0 else None])
        assert shown == [(s, original[q][OPTIONS.index(o)]) for s, o in zip(OPTIONS, variant.order(q))], q
