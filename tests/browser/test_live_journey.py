"""A live class in Chromium: from the LMS into the hub (LTI 1.3), Submit, and the feedback a moment later.

The student follows the quiz's link in the LMS (tests/hub/lti_platform.py, on `lti1p3platform`);
the platform's form posts the signed launch to the hub, which logs them in with an account of their
own and opens JupyterLab. They fetch the quiz in the Assignments tab, answer two questions, submit,
open Help > My Submissions (the grading service's page) and watch the submission being graded,
then press Fetch Feedback and read it; the LMS's gradebook has the score.

Screenshots: screenshots/live/NN-*.png.
"""

import pathlib
import sys

import pytest
from playwright.sync_api import expect

from journeys import as_code, quiz_key
from labpage import edit_and_run, menu, wait_idle

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "hub"))
from hubclass import HUB_DIR, LIVE, HubClass, free_port, require_hub  # noqa: E402
from lms import RunningPlatform  # noqa: E402
from submitting import release  # noqa: E402

sys.path.insert(0, str(HUB_DIR))
import lti  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.hub, pytest.mark.slow, pytest.mark.xdist_group("hub")]
JOURNEY = "live"
QUIZ = "callbacks_quiz"
ANSWERED = ("q01", "q02")  # answered right; the other 18 questions stay blank: 2 / 20


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    require_hub()
    port = free_port()
    running = RunningPlatform(tmp_path_factory.mktemp("platform"), f"http://127.0.0.1:{port}")
    running.start()
    running.hub_port = port
    yield running
    running.stop()


@pytest.fixture(scope="module")
def hub(platform):
    with HubClass(students=0, port=platform.hub_port, lti=platform.registration(), settings=LIVE) as hub:
        hub.start_server(hub.instructor)
        release(hub, QUIZ)
        yield hub


def assignment_list(page):
    menu(page, "Nbgrader", "Assignment List")
    panel = page.locator(".jp-MainAreaWidget:not(.lm-mod-hidden)", has_text="Released assignments")
    expect(panel).to_be_visible(timeout=60_000)
    return panel


def test_launch_submit_and_read_the_feedback(page, hub, platform, shots):
    page.goto(f"{platform.base}/course?user=lms-ann")
    expect(page.get_by_role("link", name="Callbacks quiz")).to_be_visible()
    shots(page, "01-lms-course")
    page.get_by_role("link", name="Callbacks quiz").click()
    expect(page.locator(".jp-LabShell")).to_be_visible(timeout=300_000)
    student = lti.account_name(platform.base, "lms-ann")
    assert f"/user/{student}/" in page.url
    panel = assignment_list(page)
    released = panel.locator("#released_assignments_list")
    expect(released).to_contain_text(QUIZ, timeout=60_000)
    shots(page, "02-hub-after-launch")
    released.get_by_role("button", name="Fetch").click()
    expect(panel.locator("#fetched_assignments_list")).to_contain_text(QUIZ, timeout=60_000)

    page.goto(hub.url(f"user/{student}/lab/tree/{QUIZ}/{QUIZ}.ipynb"))
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(notebook.locator(".jp-Cell").first).to_be_visible(timeout=90_000)
    wait_idle(page)
    for grade_id in ANSWERED:
        edit_and_run(page, notebook, f"{grade_id} =", as_code(grade_id, quiz_key(grade_id)))
    wait_idle(page)
    page.keyboard.press("Control+s")
    expect(page.locator(".jp-mod-current .jp-mod-dirty")).to_have_count(0, timeout=30_000)
    panel = assignment_list(page)
    panel.locator("#fetched_assignments_list").get_by_role("button", name="Submit").click()
    submitted = panel.locator("#submitted_assignments_list")
    expect(submitted).to_contain_text(QUIZ, timeout=60_000)
    shots(page, "03-submitted")

    with page.context.expect_page() as opened:
        menu(page, "Help", "My Submissions (graded on submit)")
    status = opened.value
    status.wait_for_load_state()
    expect(status.locator("h1")).to_have_text("Your submissions", timeout=60_000)
    shots(status, "04-status-queued-or-grading")
    expect(status.locator("tbody tr").first).to_contain_text("Graded: 2 / 20", timeout=900_000)
    shots(status, "05-status-graded")
    status.close()

    submitted.get_by_role("button", name="Fetch Feedback").click()
    expect(submitted).to_contain_text("view feedback", timeout=60_000)
    feedback = sorted((hub.home(student) / QUIZ / "feedback").glob(f"*/{QUIZ}.html"))
    assert len(feedback) == 1
    page.goto(hub.url(f"user/{student}/files/{QUIZ}/feedback/{feedback[0].parent.name}/{QUIZ}.html"))
    expect(page.locator("body")).to_contain_text("Score: 2.0 / 20.0", timeout=30_000)
    expect(page.locator("body")).not_to_contain_text("BEGIN HIDDEN TESTS")
    shots(page, "06-feedback")

    page.goto(f"{platform.base}/gradebook")
    expect(page.locator("tbody tr", has_text="lms-ann")).to_contain_text("2.0 / 20", timeout=120_000)
    shots(page, "07-lms-gradebook")
