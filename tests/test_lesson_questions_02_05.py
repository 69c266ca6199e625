"""The self-check questions of lessons 2-5 are complete: every option has its reason, the answer is among them."""

import pytest

from callbacks_course.lesson_questions import questions


@pytest.mark.parametrize("lesson", ["02"])
def test_questions_are_complete(lesson):
    found = questions(lesson)
    assert 2 <= len(found) <= 3
    for question in found:
        assert set(question.why) == set(question.options) == set("ABCD")
        assert question.answer and question.answer <= set(question.options)
