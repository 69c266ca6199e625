"""The quiz's Item registry: one item per question, collect without key, score with partial credit."""

import pickle

import nbformat
import pytest
from autograde.course import Course
from callbacks_course.grading import GradingError
from callbacks_course.sandbox.host.remote import Student
from callbacks_course.quiz import collect_answer
from quiz_experiments import ROOT

QUESTIONS = [f"q{n:02d}" for n in range(1, 21)]


@pytest.fixture(scope="module")
def registry():
    course = Course(ROOT)
    return course.module("callbacks_quiz"), course.items("callbacks_quiz")


def test_one_item_per_question_matching_the_notebook(registry):
    module, items = registry
    assert list(items) == [f"{q}_check" for q in QUESTIONS]
    assert [item.answer_cells for item in items.values()] == [(q,) for q in QUESTIONS]


def test_the_sandbox_side_knows_no_key(registry):
    _, items = registry
    for item in items.values():
        assert item.collect.func is collect_answer and item.expect is None
        assert b"callbacks_quiz" not in pickle.dumps(item.collect)


def test_collect_reads_and_normalises_the_variable():
    assert collect_answer("q07", Student.local({"q07": "b, a"})) == ["A", "B"]
    assert collect_answer("q07", Student.local({"q07": ("D",)})) == ["D"]
    assert collect_answer("q07", Student.local({})) == []
    assert collect_answer("q07", Student.local({"q07": set()})) == []
    with pytest.raises(GradingError, match=r"^q07: 'E' is not an option\. Expected a set of option letters"):
        collect_answer("q07", Student.local({"q07": ["A", "E"]}))


@pytest.mark.parametrize("observed, fraction, message", [
    (["A", "B"], 1.0, "All your choices are right, and none is missing."),   # q07's key: A, B
    (["A"], 0.5, "1 of your 1 choice is right, 0 are wrong; some right options are not chosen."),
    (["A", "B", "C", "D"], 0.0, "2 of your 4 choices are right, 2 are wrong."),
    (["A", "B", "C"], 0.5, "2 of your 3 choices are right, 1 is wrong."),
    ([], 0.0, 'No answer: assign your letters to q07, e.g. q07 = {"A", "C"}.'),
    (["E"], 0.0, "q07: 'E' is not an option."),          # forged observations cannot score
    ({"A": 1}, 0.0, "q07: Your answer is of type dict."),
    (7, 0.0, "q07: Your answer is of type int."),
])
def test_score_is_partial_credit_with_a_counting_message(registry, observed, fraction, message):
    module, items = registry
    result = items["q07_check"].score(observed, None)
    assert result.fraction == pytest.approx(fraction, abs=1e-12)
    assert result.message.startswith(message)


def test_exam_filter_empties_the_selfcheck_cell(registry):
    module, _ = registry
    nb = nbformat.read(str(ROOT / "quizzes" / "callbacks_quiz" / "callbacks_quiz.ipynb"), as_version=4)
    exam = module.exam_filter(nb)
    assert [c.source for c in exam.cells if "selfcheck-data" in c.metadata.get("tags", [])] == [module.EXAM_SELFCHECK]
    with pytest.raises(ValueError, match="selfcheck-data"):
        module.exam_filter(nbformat.v4.new_notebook())


def test_committed_student_version_is_what_nbgrader_generates_today(tmp_path):
    Course(ROOT, work=tmp_path / "work", quizzes=tmp_path / "quizzes").generate("callbacks_quiz")
    fresh = (tmp_path / "quizzes" / "callbacks_quiz" / "callbacks_quiz.ipynb").read_text()
    assert fresh == (ROOT / "quizzes" / "callbacks_quiz" / "callbacks_quiz.ipynb").read_text(), \
        "quizzes/ is stale: run `python -m autograde release`"
