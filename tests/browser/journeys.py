"""The course's user journeys, step by step, each step checked on the page and photographed.

Each journey is a function of (page, lab, shots) so that the same journey can be run against a
healthy JupyterLab and against a deliberately broken one.

Example:

    lesson1(page, lab, Shots("student"))
"""

import re

import nbformat
from playwright.sync_api import expect

from callbacks_course.lesson_questions import questions
from callbacks_course.quiz import OPTIONS
from labpage import edit_and_run, open_notebook, output_of, rendered_widget, run_all, validate, wait_idle
from labserver import ROOT

LESSON1 = "course/01_callback_anatomy.ipynb"
LESSON5 = "course/05_early_stopping.ipynb"
STOP_EPOCH = re.compile(r"stopped at epoch (\d+)")
QUIZ = "quizzes/callbacks_quiz/callbacks_quiz.ipynb"
QUIZ_SOLUTION = ROOT / "solutions/callbacks_quiz/callbacks_quiz.ipynb"
SOLUTION_BLOCK = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def reference_answers(path=QUIZ_SOLUTION):
    """{grade_id: code} of the answer cells of an nbgrader source notebook (its solution blocks)."""
    answers = {}
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and not meta.get("grade"):
            answers[meta["grade_id"]] = SOLUTION_BLOCK.search(cell.source).group(1).strip()
    return answers


def quiz_key(grade_id):
    """The set of right letters of quiz question `grade_id`, read from the reference solution."""
    namespace = {}
    exec(reference_answers()[grade_id], namespace)
    return set(namespace[grade_id])


def as_code(grade_id, letters):
    """The answer cell's code a student would type, e.g. `q01 = {"A", "B"}`."""
    return grade_id + " = {" + ", ".join(f'"{letter}"' for letter in sorted(letters)) + "}"


def image_loaded(image):
    """True when the <img> element has decoded pixels (not a broken image icon)."""
    return image.evaluate("img => img.complete && img.naturalWidth > 0 && img.naturalHeight > 0")


def answer_selfcheck(output, question, number=1):
    """Tick the right options of self-check `number` in the rendered panel, press its Check button; return its box."""
    box = output.locator(".widget-vbox", has_text=f"Self-check {number}.").last
    for letter in sorted(question.answer):
        box.locator(".widget-checkbox", has_text=f"{letter}) {question.options[letter]}").locator("input").check()
    box.get_by_role("button", name="Check").click()
    return box


def lesson1(page, lab, shots):
    """Open lesson 1, run all cells, see the timeline figure, step the slider, answer a self-check."""
    notebook = open_notebook(page, lab, LESSON1)
    expect(notebook.locator("h1").first).to_contain_text("Lesson 1")
    shots(page, "01-lesson1-open")

    run_all(page, notebook)
    figure = output_of(notebook, "plot_hook_timeline(fit_recorder.events").locator("img")
    expect(figure, "the hook timeline figure is not on the page").to_have_count(1)
    figure.scroll_into_view_if_needed()
    assert image_loaded(figure), "the hook timeline <img> did not load"
    assert figure.bounding_box()["width"] > 400, "the hook timeline figure is drawn too small to read"
    alt = figure.get_attribute("alt") or ""  # what a screen reader says of it (callbacks_course.alt_text)
    assert re.search(r"\d+ hook calls drawn as begin-to-end bars", alt), f"the timeline's text alternative: {alt!r}"
    shots(page, "02-lesson1-timeline")

    explorer = output_of(notebook, "widgets.interact(show_call")
    slider = rendered_widget(explorer, "lesson 1 step-through slider")
    handle = slider.get_by_role("slider")
    expect(handle).to_have_attribute("aria-valuenow", re.compile(r"^0(\.0)?$"))
    expect(explorer).to_contain_text("call 0: on_train_begin")
    handle.focus()
    page.keyboard.press("ArrowRight")
    expect(explorer, "moving the slider did not replay the next hook call").to_contain_text("call 1: on_epoch_begin")
    explorer.scroll_into_view_if_needed()
    shots(page, "03-lesson1-slider-moved")

    checks = output_of(notebook, 'show(questions("01"))')
    rendered_widget(checks, "lesson 1 self-check panel")
    question = questions("01")[0]
    box = answer_selfcheck(checks, question)
    expect(box, "the self-check gave no verdict").to_contain_text("Right!")
    box.scroll_into_view_if_needed()
    shots(page, "04-lesson1-selfcheck-right")
    return notebook


def stop_epoch(verdict):
    """The stop epoch the playground's verdict line reports."""
    found = STOP_EPOCH.search(verdict.text_content())
    assert found, f"the playground reports no stop epoch: {verdict.text_content()!r}"
    return int(found.group(1))


def lesson5(page, lab, shots, first=5):
    """Open the EarlyStopping lesson, run it, raise `patience` with the keyboard: the verdict and plot change."""
    notebook = open_notebook(page, lab, LESSON5)
    run_all(page, notebook, timeout=600)
    summary = output_of(notebook, "for ax, (name, (params, val_loss, kept)) in zip(axes.flat")
    expect(summary.locator("img")).to_have_count(1)
    expect(summary).to_contain_text("stopped at epoch")
    summary.scroll_into_view_if_needed()
    shots(page, f"{first:02d}-lesson5-real-runs")

    output = output_of(notebook, "playground = EarlyStoppingPlayground(")
    playground = rendered_widget(output, "lesson 5 EarlyStopping playground")
    verdict = playground.locator(".es-verdict")
    expect(verdict).to_contain_text("stopped at epoch")
    plot = playground.locator(".widget-output img")
    expect(plot, "the playground shows no plot").to_have_count(1)
    before_epoch, before_plot = stop_epoch(verdict), plot.get_attribute("src")
    assert "(early)" in verdict.text_content(), "with patience 0 the recorded run should stop early"
    patience = playground.locator(".widget-slider", has_text="patience").get_by_role("slider")
    expect(patience).to_have_attribute("aria-valuenow", re.compile(r"^0(\.0)?$"))
    playground.scroll_into_view_if_needed()
    shots(page, f"{first + 1:02d}-lesson5-playground-patience0")

    patience.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(patience).to_have_attribute("aria-valuenow", re.compile(r"^3(\.0)?$"))
    expect(verdict, "the verdict did not follow the slider").not_to_contain_text(f"stopped at epoch {before_epoch} ")
    wait_idle(page)
    assert stop_epoch(verdict) > before_epoch, "more patience must stop later"
    expect(plot, "the plot was not redrawn").not_to_have_attribute("src", before_plot)
    assert image_loaded(plot)
    shots(page, f"{first + 2:02d}-lesson5-playground-patience3")
    return notebook


def quiz(page, lab, shots, first=8):
    """Open the student quiz, run it, answer question 1 wrongly then rightly, reading the self-check; Validate."""
    notebook = open_notebook(page, lab, QUIZ)
    run_all(page, notebook)
    feedback = output_of(notebook, 'check("q01", q01)')
    expect(feedback).to_contain_text("No answer yet")
    feedback.scroll_into_view_if_needed()
    shots(page, f"{first:02d}-quiz-run")

    key = quiz_key("q01")
    wrong = {next(letter for letter in OPTIONS if letter not in key)}
    edit_and_run(page, notebook, "q01 =", as_code("q01", wrong), runs=2)
    expect(feedback, "the self-check did not reject a wrong answer").to_contain_text(
        "Not yet: 1 of your 1 choice is wrong", timeout=30_000)
    shots(page, f"{first + 1:02d}-quiz-selfcheck-wrong")

    edit_and_run(page, notebook, "q01 =", as_code("q01", key), runs=2)
    expect(feedback, "the self-check did not accept the right answer").to_contain_text("Right!", timeout=30_000)
    for letter in OPTIONS:  # once right, every option is explained
        expect(feedback).to_contain_text(re.compile(rf"^\s*{letter}\b", re.M))
    shots(page, f"{first + 2:02d}-quiz-selfcheck-right")

    dialog = validate(page)
    expect(dialog).to_contain_text("Success! Your notebook passes all the tests.")
    shots(page, f"{first + 3:02d}-quiz-validated")
    dialog.get_by_role("button", name="Ok").click()
    expect(dialog).to_have_count(0)
    return notebook
