"""Every lesson's self-check questions are well formed and give feedback on every option."""

import importlib.resources

import pytest

from callbacks_course.lesson_questions import questions
from callbacks_course.selfcheck import feedback

LESSONS = sorted(p.name[1:3] for p in importlib.resources.files("callbacks_course.lesson_questions").iterdir()
                 if p.name.startswith("l") and p.name.endswith(".py"))


@pytest.mark.parametrize("lesson", LESSONS)
def test_questions_are_well_formed(lesson):
    found = questions(lesson)
    assert 2 <= len(found) <= 6
    for question in found:
        assert set(question.options) == set(question.why) == set("ABCD")
        assert question.answer and question.answer <= set(question.options)
        assert feedback(question, question.answer).startswith("Right!")
        wrong = set("ABCD") - question.answer or {"A", "B"} - {"A"}
        assert feedback(question, wrong).startswith("Not yet")
