"""A student's journey through the course in JupyterLab, in headless Chromium."""

import pytest

from journeys import lesson1

pytestmark = [pytest.mark.browser, pytest.mark.slow]
JOURNEY = "student"


def test_lesson1_runs_and_shows_timeline_slider_and_selfcheck(page, lab, shots):
    lesson1(page, lab, shots)
    assert [path.name for path in shots.saved] == [
        "01-lesson1-open.png", "02-lesson1-timeline.png", "03-lesson1-slider-moved.png",
        "04-lesson1-selfcheck-right.png"]
