"""A student's own variant of the quiz in JupyterLab: the options in their order, self-check and Validate.

The student's copy is what `VariantFetch` writes on the hub (tests/grading/test_quiz_variants_grading.py
fetches it through nbgrader); here it is opened, run and validated in headless Chromium.
Screenshots: screenshots/variant/NN-*.png.
"""

import re

import nbformat
import pytest
from callbacks_course.quiz_variant import Variant, personalize, student_token
from playwright.sync_api import expect

from journeys import QUIZ, as_code, quiz_key
from labpage import edit_and_run, open_notebook, output_of, run_all, validate

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("lab")]
JOURNEY = "variant"
COPY = "quizzes/callbacks_quiz/callbacks_quiz_ann.ipynb"
OPTIONS_Q01 = ["on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end"]


def test_selfcheck_and_validate_on_a_students_variant(page, lab, shots):
    variant = Variant(student_token(b"browser journey course secret", "ann"))
    nb = personalize(nbformat.read(str(lab.root / QUIZ), as_version=4), variant)
    nbformat.write(nb, str(lab.root / COPY))
    order = variant.order("q01")
    assert order != "ABCD"  # this student's question 1 is not in the original order

    notebook = open_notebook(page, lab, COPY)
    run_all(page, notebook)
    question = notebook.locator(".jp-MarkdownCell", has=page.locator("h2", has_text=re.compile(r"^Question 1¶?$")))
    expect(question.locator("li")).to_have_text(
        [f"{shown}) {OPTIONS_Q01['ABCD'.index(original)]}" for shown, original in zip("ABCD", order)])
    question.scroll_into_view_if_needed()
    shots(page, "01-variant-options")

    key, seen = quiz_key("q01"), sorted(variant.to_displayed("q01", quiz_key("q01")))
    assert set(seen) != key  # the original letters are wrong in this variant
    feedback = output_of(notebook, 'check("q01", q01)')
    edit_and_run(page, notebook, "q01 =", as_code("q01", key), runs=2)
    expect(feedback, "the original letters were taken as right").to_contain_text("Not yet", timeout=30_000)
    edit_and_run(page, notebook, "q01 =", as_code("q01", seen), runs=2)
    expect(feedback, "the student's own letters were not accepted").to_contain_text("Right!", timeout=30_000)
    feedback.scroll_into_view_if_needed()
    shots(page, "02-variant-selfcheck-right")

    dialog = validate(page)
    expect(dialog).to_contain_text("Success! Your notebook passes all the tests.")
    shots(page, "03-variant-validated")
    dialog.get_by_role("button", name="Ok").click()
