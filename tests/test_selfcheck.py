import ipywidgets

from callbacks_course.selfcheck import Question, as_html, feedback, show

QUESTION = Question(
    prompt="Which hooks run once per `fit`?",
    options={"A": "on_train_begin", "B": "on_epoch_end", "C": "on_train_end", "D": "on_test_end"},
    answer=frozenset("AC"),
    why={"A": "first", "B": "per epoch", "C": "last", "D": "per validation"},
)


def test_feedback_counts_wrong_marks_and_explains_every_option():
    assert feedback(QUESTION, []) == "Choose at least one option."
    right = feedback(QUESTION, ["c", " a"])
    assert right.splitlines()[0] == "Right!" and "A ✓ first" in right and "B ✗ per epoch" in right
    assert feedback(QUESTION, ["A"]).startswith("Not yet: 1 option is marked wrongly.")
    assert feedback(QUESTION, ["B", "D"]).startswith("Not yet: 4 options are marked wrongly.")


def test_prompts_show_backticks_as_code():
    assert as_html("a <i>b</i> `fit`") == "a <i>b</i> <code>fit</code>"


def test_show_builds_a_checkbox_per_option_and_answers_on_click():
    panel = show([QUESTION])
    (box,) = panel.children
    title, *checks, button, out = box.children
    assert "<code>fit</code>" in title.value
    assert [c.description for c in checks] == ["A) on_train_begin", "B) on_epoch_end", "C) on_train_end",
                                               "D) on_test_end"]
    assert isinstance(button, ipywidgets.Button) and isinstance(out, ipywidgets.Output)
    checks[0].value = checks[2].value = True
    button.click()
    assert "Right!" in "".join(o.get("text", "") for o in out.outputs)
