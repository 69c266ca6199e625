"""The course's user journeys, step by step, each step checked on the page and photographed.

Each journey is a function of (page, lab, shots) so that the same journey can be run against a
healthy JupyterLab and against a deliberately broken one.

Example:

    lesson1(page, lab, Shots("student"))
"""

import re

from playwright.sync_api import expect

from callbacks_course.lesson_questions import questions
from labpage import open_notebook, output_of, rendered_widget, run_all

LESSON1 = "course/01_callback_anatomy.ipynb"


def image_loaded(image):
    """True when the <img> element has decoded pixels (not a broken image icon)."""
    return image.evaluate("img => img.complete && img.naturalWidth > 0 && img.naturalHeight > 0")


def answer_selfcheck(output, question, number=1):
    """Tick the right options of self-check `number` in the rendered panel, press Check; return its box."""
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
