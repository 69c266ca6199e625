"""After `release --exam`, grading and feedback use the exam release: no self-check data, no key.

The quiz's self-check cell carries an obfuscated blob that decodes to all 20 answers and their
explanations; the exam release replaces it. Quiz submissions made from the exam release are
graded through the CLI; nothing in their feedback or in items.csv may carry the blob or the key.
"""

import csv
import json
import re

import nbformat
import pytest

from autograde.course import REPO, RELEASE_RECORD, Course, CourseError
from callbacks_course.quiz_selfcheck import decode
from support.grading import autograde

pytestmark = pytest.mark.slow

KEY = json.loads((REPO / "autograde" / "keys" / "callbacks_quiz.json").read_text())
SOURCE = REPO / "solutions" / "callbacks_quiz" / "callbacks_quiz.ipynb"
BLOB = re.search(r'SelfCheck\("([^"]+)"\)', SOURCE.read_text().replace('\\"', '"')).group(1)


def _answers(chosen):
    """{q: source} assigning each question's letters (a Python set literal)."""
    return {q: f"{q} = {{{', '.join(repr(letter) for letter in sorted(letters))}}}" for q, letters in chosen.items()}


ACE = {q: set(entry["answer"]) for q, entry in KEY.items()}                       # 20 / 20
HALF = {q: set(KEY[q]["answer"]) for q in sorted(KEY)[1:10]}                      # q02-q10 right: 9
HALF["q01"] = {"A", "B", "C"}  # the key is A, B: 2 right, 1 wrong -> (2 - 1) / 2 = 0.5


def test_the_blob_holds_the_key():
    """What must not leak: the self-check data of the regular release decodes to the whole key."""
    assert decode(BLOB) == KEY and KEY["q01"]["answer"] == ["A", "B"]
    assert BLOB in (REPO / "quizzes" / "callbacks_quiz" / "callbacks_quiz.ipynb").read_text()


@pytest.fixture(scope="module")
def exam(tmp_path_factory):
    base = tmp_path_factory.mktemp("exam")
    work, exam_dir = base / "work", base / "exam"
    done = autograde("release", "--exam", "--out", str(exam_dir), course=REPO, work=work)
    assert done.returncode == 0, done.stderr[-3000:]
    released = exam_dir / "callbacks_quiz" / "callbacks_quiz.ipynb"
    assert BLOB not in released.read_text()
    subs = base / "subs"
    for student, chosen in {"ace": ACE, "half": HALF}.items():
        nb = nbformat.read(str(released), as_version=4)
        answers = _answers(chosen)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell.source = answers[grade_id]
        (subs / student / "callbacks_quiz").mkdir(parents=True)
        nbformat.write(nb, str(subs / student / "callbacks_quiz" / "callbacks_quiz.ipynb"))
    graded = autograde("grade", str(subs), "--out", str(base / "out"), "--jobs", "2", course=REPO, work=work)
    assert graded.returncode == 0, graded.stderr[-3000:]
    return base, graded


def _rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_exam_submissions_score_exactly(exam):
    base, graded = exam
    assert [(r["student_id"], r["score"], r["max_score"]) for r in _rows(base / "out" / "grades.csv")] == \
        [("ace", "20", "20"), ("half", "9.5", "20")]
    items = {(r["student_id"], r["item"]): (r["score"], r["status"]) for r in _rows(base / "out" / "items.csv")}
    assert items["half", "q01_check"] == ("0.5", "partial")
    assert items["half", "q20_check"] == ("0", "blank")
    assert "grading against the exam release" in graded.stdout


def test_feedback_and_messages_carry_no_self_check_data_or_key(exam):
    base, _ = exam
    texts = {"items.csv": (base / "out" / "items.csv").read_text()}
    for student in ("ace", "half"):
        html = (base / "out" / "feedback" / student / "callbacks_quiz" / "callbacks_quiz.html").read_text()
        assert "# exam: no feedback" in html  # the exam release's self-check cell, not the regular one
        texts[student] = html
    graded_copy = base / "work" / "course" / "autograded" / "ace" / "callbacks_quiz" / "callbacks_quiz.ipynb"
    texts["nbgrader's autograded copy"] = graded_copy.read_text()
    explanations = [why for entry in KEY.values() for why in entry["why"].values()]
    for name, text in texts.items():
        assert BLOB[:24] not in text, name
        assert "Instructor note" not in text, name
        leaked = [why for why in explanations if why in text]
        assert not leaked, (name, leaked[:2])


def test_the_release_is_recorded_and_a_damaged_record_stops_grading(exam, tmp_path):
    base, _ = exam
    assert json.loads((base / "work" / RELEASE_RECORD).read_text()) == {"exam": True, "folder": str(base / "exam")}
    course = Course(REPO, work=tmp_path)
    assert course.released_as_exam() is False  # no release made with this work folder
    (tmp_path / RELEASE_RECORD).write_text("[" * 10_000)
    with pytest.raises(CourseError, match="is damaged; run `python -m autograde release`"):
        course.released_as_exam()
