"""A student's journey through the course in JupyterLab, in headless Chromium.

Screenshots: screenshots/student/NN-*.png, numbered in the order of the journey.
"""

import pytest

from journeys import lesson1, lesson5, quiz

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("lab")]
JOURNEY = "student"


def test_lesson1_runs_and_shows_timeline_slider_and_selfcheck(page, lab, shots):
    lesson1(page, lab, shots)
    assert [path.name for path in shots.saved] == [
        "01-lesson1-open.png", "02-lesson1-timeline.png", "03-lesson1-slider-moved.png",
        "04-lesson1-selfcheck-right.png"]


def test_lesson5_playground_slider_changes_stop_epoch_and_plot(page, lab, shots):
    lesson5(page, lab, shots, first=5)
    assert [path.name for path in shots.saved] == [
        "05-lesson5-real-runs.png", "06-lesson5-playground-patience0.png", "07-lesson5-playground-patience3.png"]


def test_quiz_selfcheck_feedback_and_nbgrader_validate(page, lab, shots):
    quiz(page, lab, shots, first=8)
    assert [path.name for path in shots.saved] == [
        "08-quiz-run.png", "09-quiz-selfcheck-wrong.png", "10-quiz-selfcheck-right.png", "11-quiz-validated.png"]
