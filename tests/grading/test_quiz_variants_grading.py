"""Per-student variants end to end: fetch, self-check, nbgrader validate, grading, feedback, exam release.

With `python -m autograde variants on`, each student's variant comes from their real id: the
grader maps the letters back through it, so the true key as a student sees it scores 20/20, while
another student's letters, or a notebook edited to show another variant, score what they are
worth in the student's own variant. The course secret never leaves the work folder.
"""

import csv
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from callbacks_course.quiz import partial_credit
from callbacks_course.quiz_variant import TOKEN_VARIABLE, personalize, personalized, student_token

from autograde.course import REPO, Course
from autograde.report import item_analysis, option_analysis
from support.grading import autograde

pytestmark = pytest.mark.slow

KEY = json.loads((REPO / "autograde" / "keys" / "callbacks_quiz.json").read_text())
RELEASED = REPO / "quizzes" / "callbacks_quiz" / "callbacks_quiz.ipynb"
QUESTIONS = sorted(KEY)
BIN = os.path.dirname(sys.executable)


def _fill(nb, letters):
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in letters:
            cell.source = f"{grade_id} = {sorted(letters[grade_id])!r}"
    return nb


def _seen(variant):
    return {q: variant.to_displayed(q, KEY[q]["answer"]) for q in QUESTIONS}


def _rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A class graded with variants on: ann (her key as she sees it), ben (ann's letters), cyd (the
    original key, in a notebook edited back to the original order), dee (ann's whole notebook)."""
    base = tmp_path_factory.mktemp("variants")
    work = base / "work"
    done = autograde("variants", "on", course=REPO, work=work)
    assert done.returncode == 0, done.stderr
    course = Course(REPO, work=work)
    variants = {s: course.variant("callbacks_quiz", s) for s in ("ann", "ben", "cyd", "dee")}
    mine = personalize(nbformat.read(str(RELEASED), as_version=4), variants["ann"])
    original = {q: set(entry["answer"]) for q, entry in KEY.items()}
    notebooks = {
        "ann": _fill(nbformat.from_dict(json.loads(json.dumps(mine))), _seen(variants["ann"])),
        "ben": _fill(personalize(nbformat.read(str(RELEASED), as_version=4), variants["ben"]), _seen(variants["ann"])),
        "cyd": _fill(nbformat.read(str(RELEASED), as_version=4), original),
        "dee": _fill(nbformat.from_dict(json.loads(json.dumps(mine))), _seen(variants["ann"])),
    }
    subs = base / "subs"
    for student, nb in notebooks.items():
        (subs / student / "callbacks_quiz").mkdir(parents=True)
        nbformat.write(nb, str(subs / student / "callbacks_quiz" / "callbacks_quiz.ipynb"))
    result = autograde("grade", str(subs), "--out", str(base / "out"), course=REPO, work=work)
    assert result.returncode == 0, result.stderr[-3000:]
    letters = {"ann": _seen(variants["ann"]), "ben": _seen(variants["ann"]), "cyd": original,
               "dee": _seen(variants["ann"])}
    return base, course, variants, letters


def _expected(variant, letters):
    return {q: partial_credit(variant.to_original(q, letters[q]), KEY[q]["answer"]) for q in QUESTIONS}


def test_each_student_is_graded_on_their_own_variant(graded):
    base, _, variants, letters = graded
    totals = {r["student_id"]: float(r["score"]) for r in _rows(base / "out" / "grades.csv")}
    assert totals["ann"] == 20
    items = {(r["student_id"], r["item"]): float(r["score"]) for r in _rows(base / "out" / "items.csv")}
    for student in ("ben", "cyd", "dee"):
        expected = _expected(variants[student], letters[student])
        assert {q: items[student, f"{q}_check"] for q in QUESTIONS} == \
            {q: round(value, 4) for q, value in expected.items()}, student
        assert totals[student] < 12, student
    # the item analysis pools the variants: one row per original question, in the original order
    table = item_analysis(_rows(base / "out" / "grades.csv"), _rows(base / "out" / "items.csv"))["callbacks_quiz"]
    assert [row["item"] for row in table] == [f"{q}_check" for q in QUESTIONS]
    assert table[0]["mean"] == sum(items[s, "q01_check"] for s in totals) / 4
    # and the option analysis counts the options each student chose in their original letters
    choices = _rows(base / "out" / "choices.csv")
    chosen = {(r["student_id"], r["item"]): r["choices"] for r in choices}
    for student in totals:
        for q in QUESTIONS:
            original = variants[student].to_original(q, letters[student][q])
            assert chosen.get((student, f"{q}_check"), "") == "".join(sorted(original)), (student, q)
    options = option_analysis(_rows(base / "out" / "grades.csv"), choices)["callbacks_quiz"]
    q01 = next(row for row in options if row["item"] == "q01_check")["options"]
    assert q01["A"][0] == sum("A" in chosen.get((s, "q01_check"), "") for s in totals) / 4
    assert chosen["ann", "q01_check"] == "AB" and q01["A"][0] >= 0.25
    page = (base / "out" / "report.html")
    assert autograde("report", str(base / "out"), course=REPO, work=base / "work").returncode == 0
    assert "Options chosen (original letters)" in page.read_text()


def test_feedback_shows_the_options_as_the_student_saw_them(graded):
    base, _, variants, _ = graded
    page = (base / "out" / "feedback" / "ann" / "callbacks_quiz" / "callbacks_quiz.html").read_text()
    q01 = page[page.index('id="Question-1"'):page.index('id="Question-2"')]
    shown = re.findall(r"<strong>([A-D])\)</strong>\s*([\w_]+)", q01)
    original = dict(zip("ABCD", ["on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end"]))
    assert shown == [(s, original[o]) for s, o in zip("ABCD", variants["ann"].order("q01"))]


def test_a_result_is_cached_per_variant(graded, tmp_path):
    """Variants off: the same notebooks are graded again in the original order, not taken from the cache."""
    base, course, variants, letters = graded
    work = tmp_path / "work"
    shutil.copytree(base / "work", work, symlinks=True)
    assert autograde("variants", "off", course=REPO, work=work).returncode == 0
    result = autograde("grade", str(base / "subs"), "--out", str(tmp_path / "out"), course=REPO, work=work)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "(cached)" not in result.stdout
    totals = {r["student_id"]: float(r["score"]) for r in _rows(tmp_path / "out" / "grades.csv")}
    assert totals["cyd"] == 20 and totals["ann"] < 20


def test_selfcheck_validate_and_grading_agree_on_a_variant(graded, tmp_path):
    base, _, _, _ = graded
    path = base / "subs" / "ann" / "callbacks_quiz" / "callbacks_quiz.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    setup = next(c for c in nb.cells if "selfcheck-data" in c.metadata.get("tags", []))
    namespace = {}
    exec(setup.source, namespace)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for q, source in answers.items():
        exec(source, namespace)
        assert namespace["check"].feedback(q, namespace[q]).startswith("Right!"), q
    shutil.copy(path, tmp_path / "callbacks_quiz.ipynb")
    validated = subprocess.run([os.path.join(BIN, "nbgrader"), "validate", "callbacks_quiz.ipynb"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=600)
    assert "Success! Your notebook passes all the tests." in validated.stdout, validated.stdout + validated.stderr
    assert {r["student_id"]: r["score"] for r in _rows(base / "out" / "grades.csv")}["ann"] == "20"


def test_fetch_writes_the_students_variant_once(graded, tmp_path, monkeypatch):
    """nbgrader's fetch with the students' configuration that deploy/hub/classroom.py writes."""
    _, course, variants, _ = graded
    monkeypatch.setenv("HUB_CLASS_ROOT", str(tmp_path / "class"))
    spec = importlib.util.spec_from_file_location("classroom_fetch", REPO / "deploy" / "hub" / "classroom.py")
    classroom = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(classroom)
    classroom._write_role_folders(tmp_path / "course")
    outbound = classroom.EXCHANGE / classroom.COURSE_ID / "outbound" / "callbacks_quiz"
    outbound.mkdir(parents=True)
    shutil.copy(RELEASED, outbound)
    home = tmp_path / "home"
    home.mkdir()
    token = student_token(course.variant_settings()["secret"], "ann")
    fetch = [os.path.join(BIN, "nbgrader"), "fetch_assignment", "callbacks_quiz"]
    env = dict(os.environ, JUPYTER_CONFIG_PATH=str(classroom.role_folder("ann", {"instructor": "teach"})),
               **{TOKEN_VARIABLE: token})
    done = subprocess.run(fetch, cwd=home, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    fetched = home / "callbacks_quiz" / "callbacks_quiz.ipynb"
    expected = personalize(nbformat.read(str(RELEASED), as_version=4), variants["ann"])
    assert nbformat.read(str(fetched), as_version=4).cells == expected.cells
    # a copy already there (the student's work) is never rewritten; a deleted one comes back personalized
    (home / "callbacks_quiz" / "notes.txt").write_text("mine")
    fetched.write_text(fetched.read_text().replace("q01 = set()", "q01 = {'A'}"))
    again = subprocess.run(fetch + ["--replace"], cwd=home, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "q01 = {'A'}" in fetched.read_text() and fetched.read_text().count("check.use_variant(") == 1
    fetched.unlink()
    subprocess.run(fetch + ["--replace"], cwd=home, env=env, capture_output=True, text=True, timeout=300, check=True)
    assert nbformat.read(str(fetched), as_version=4).cells == expected.cells
    # without a token (self-study, no hub): nbgrader's fetch, the original order
    shutil.rmtree(home / "callbacks_quiz")
    env.pop(TOKEN_VARIABLE)
    subprocess.run(fetch, cwd=home, env=env, capture_output=True, text=True, timeout=300, check=True)
    assert not personalized(nbformat.read(str(fetched), as_version=4))


def test_the_exam_release_leaks_neither_key_nor_secret(graded, tmp_path):
    base, course, variants, _ = graded
    shutil.copytree(base / "work", tmp_path / "work", symlinks=True)
    done = autograde("release", "--exam", "--out", str(tmp_path / "exam"), course=REPO, work=tmp_path / "work")
    assert done.returncode == 0, done.stderr[-3000:]
    exam = nbformat.read(str(tmp_path / "exam" / "callbacks_quiz" / "callbacks_quiz.ipynb"), as_version=4)
    assert not personalized(exam)  # one release for everyone (and the website): the original order
    secret = course.variant_settings()["secret"]
    texts = {"exam": nbformat.writes(exam),
             "ann's exam": nbformat.writes(personalize(exam, variants["ann"]))}
    explanations = [why for entry in KEY.values() for why in entry["why"].values()]
    for name, text in texts.items():
        assert secret.hex() not in text and student_token(secret, "ann") not in text, name
        assert not [why for why in explanations if why in text], name
        assert "SelfCheck()" in text, name
    assert (course.work / "variants.json").stat().st_mode & 0o077 == 0


def test_questions_in_an_order_of_their_own(tmp_path):
    """`variants on --question-order`: the groups move in the student's copy and in nbgrader's feedback."""
    work = tmp_path / "work"
    assert autograde("variants", "on", "--question-order", course=REPO, work=work).returncode == 0
    variant = Course(REPO, work=work).variant("callbacks_quiz", "eve")
    assert variant.question_order
    nb = _fill(personalize(nbformat.read(str(RELEASED), as_version=4), variant), _seen(variant))
    (tmp_path / "subs" / "eve" / "callbacks_quiz").mkdir(parents=True)
    nbformat.write(nb, str(tmp_path / "subs" / "eve" / "callbacks_quiz" / "callbacks_quiz.ipynb"))
    result = autograde("grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"), course=REPO, work=work)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [(r["student_id"], r["score"]) for r in _rows(tmp_path / "out" / "grades.csv")] == [("eve", "20")]
    page = (tmp_path / "out" / "feedback" / "eve" / "callbacks_quiz" / "callbacks_quiz.html").read_text()
    headings = [int(n) for n in re.findall(r'<h2 id="Question-(\d+)"', page)]
    assert headings == [int(q[1:]) for q in variant.questions(QUESTIONS)] and headings != sorted(headings)
