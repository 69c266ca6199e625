"""A class on JupyterHub in Chromium: a student fetches, answers and submits the quiz in the Assignments
tab; the instructor collects and autogrades with the formgrader's buttons and sees the score; the
student fetches the feedback and reads it.

The formgrader is opened in its own tab (`/user/<instructor>/formgrader`): JupyterHub >= 4.1 forbids
framing a user's server, which JupyterLab's formgrader panel does (deploy/hub/README.md).

Screenshots: screenshots/hub/NN-*.png.
"""

import pathlib
import sys

import pytest
from playwright.sync_api import expect

from journeys import as_code, quiz_key
from labpage import edit_and_run, menu, wait_idle

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "hub"))
from hubclass import HubClass, require_hub  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.hub, pytest.mark.slow, pytest.mark.xdist_group("hub")]
JOURNEY = "hub"
QUIZ = "callbacks_quiz"
ANSWERED = ("q01", "q02")  # answered right; the other 18 questions stay blank: 2 / 20


@pytest.fixture(scope="module")
def hub():
    require_hub()
    with HubClass(students=1) as hub:
        yield hub


def log_in(page, hub, user):
    page.goto(hub.url("hub/logout"))
    page.goto(hub.url("hub/login"))
    page.fill("#username_input", user)
    page.fill("#password_input", hub.passwords[user])
    page.click("#login_submit")


def assignment_list(page):
    menu(page, "Nbgrader", "Assignment List")
    panel = page.locator(".jp-MainAreaWidget:not(.lm-mod-hidden)", has_text="Released assignments")
    expect(panel).to_be_visible(timeout=60_000)
    return panel


def formgrader_action(page, row, css, success):
    """Click a formgrader icon link in `row`; wait for its success dialog and close it."""
    row.locator(f"{css} a").click()
    dialog = page.locator(".modal-dialog:visible")
    expect(dialog, f"formgrader did not confirm: {success}").to_contain_text(success, timeout=300_000)
    dialog.get_by_role("button", name="Close").first.click()
    expect(dialog).to_have_count(0)


def test_quiz_through_the_hub(page, hub, shots):
    student, instructor = hub.students[0], hub.instructor
    hub.start_server(instructor)
    release = hub.post(f"user/{instructor}/formgrader/api/assignment/{QUIZ}/release")
    assert release["success"], release

    log_in(page, hub, student)
    expect(page.locator(".jp-LabShell")).to_be_visible(timeout=180_000)
    panel = assignment_list(page)
    released = panel.locator("#released_assignments_list")
    expect(released).to_contain_text(QUIZ, timeout=60_000)
    shots(page, "01-student-assignments-tab")
    released.get_by_role("button", name="Fetch").click()
    fetched = panel.locator("#fetched_assignments_list")
    expect(fetched).to_contain_text(QUIZ, timeout=60_000)
    shots(page, "02-student-fetched")

    page.goto(hub.url(f"user/{student}/lab/tree/{QUIZ}/{QUIZ}.ipynb"))
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(notebook.locator(".jp-Cell").first).to_be_visible(timeout=90_000)
    wait_idle(page)
    for grade_id in ANSWERED:
        edit_and_run(page, notebook, f"{grade_id} =", as_code(grade_id, quiz_key(grade_id)))
    wait_idle(page)
    page.keyboard.press("Control+s")
    expect(page.locator(".jp-mod-current .jp-mod-dirty")).to_have_count(0, timeout=30_000)
    shots(page, "03-student-answered")
    panel = assignment_list(page)
    panel.locator("#fetched_assignments_list").get_by_role("button", name="Submit").click()
    expect(panel.locator("#submitted_assignments_list")).to_contain_text(QUIZ, timeout=60_000)
    shots(page, "04-student-submitted")

    log_in(page, hub, instructor)
    expect(page.locator(".jp-LabShell")).to_be_visible(timeout=180_000)
    page.goto(hub.url(f"user/{instructor}/formgrader/manage_assignments"))
    row = page.locator("table tbody tr", has_text=QUIZ)
    expect(row).to_contain_text("released", timeout=60_000)
    formgrader_action(page, row, ".collect", "Successfully collected")
    row.locator(".num-submissions a").click()
    submission = page.locator("table tbody tr", has_text=student)
    expect(submission).to_contain_text("needs autograding", timeout=60_000)
    formgrader_action(page, submission, ".autograde", "Successfully autograded")  # the Autograde button
    expect(submission).to_contain_text("2 / 20", timeout=60_000)
    shots(page, "05-formgrader-autograded")
    formgrader_action(page, submission, ".generate-feedback", "Successfully generated feedback")
    formgrader_action(page, submission, ".release-feedback", "Successfully released feedback")
    shots(page, "06-formgrader-feedback-released")

    log_in(page, hub, student)
    expect(page.locator(".jp-LabShell")).to_be_visible(timeout=180_000)
    panel = assignment_list(page)
    submitted = panel.locator("#submitted_assignments_list")
    submitted.get_by_role("button", name="Fetch Feedback").click()
    expect(submitted).to_contain_text("view feedback", timeout=60_000)
    feedback = sorted((hub.home(student) / QUIZ / "feedback").glob(f"*/{QUIZ}.html"))
    assert len(feedback) == 1
    stamp = feedback[0].parent.name
    page.goto(hub.url(f"user/{student}/files/{QUIZ}/feedback/{stamp}/{QUIZ}.html"))
    expect(page.locator("body")).to_contain_text("Score: 2.0 / 20.0", timeout=30_000)
    expect(page.locator("body")).not_to_contain_text("BEGIN HIDDEN TESTS")
    shots(page, "07-student-feedback")
