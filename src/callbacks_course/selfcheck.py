"""Ungraded self-check questions with instant feedback, for the lessons.

A question has options A-D, a set of right letters and a one-line reason per option.
`feedback()` gives the verdict as text (handy headless); `show()` draws checkboxes and a
*Check* button that prints the same verdict under them.

Example:

```python
from callbacks_course.selfcheck import show
from callbacks_course.lesson_questions import questions
show(questions("01"))
```
"""

import dataclasses
import re

LETTERS = "ABCD"


@dataclasses.dataclass(frozen=True)
class Question:
    """One multiple-choice question.

    Args:
        prompt: the question, in HTML; `backticks` mark code.
        options: option text by letter.
        answer: the set of right letters.
        why: one line per letter saying why it is right or wrong.
    """

    prompt: str
    options: dict
    answer: frozenset
    why: dict


def feedback(question, chosen):
    """The verdict on `chosen` (an iterable of letters) as a few lines of text."""
    chosen = {str(letter).strip().upper() for letter in chosen}
    if not chosen:
        return "Choose at least one option."
    wrong = len(chosen ^ question.answer)
    if wrong == 0:
        lines = ["Right!"]
    else:
        lines = [f"Not yet: {wrong} option{'s are' if wrong > 1 else ' is'} marked wrongly. Here is why:"]
    for letter in sorted(question.options):
        mark = "✓" if letter in question.answer else "✗"
        lines.append(f"  {letter} {mark} {question.why[letter]}")
    return "\n".join(lines)


def as_html(prompt):
    """The prompt with its `backticked` spans turned into HTML code elements."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", prompt)


def show(questions):
    """Display each question with checkboxes and a Check button; returns the widget."""
    import ipywidgets as widgets
    from IPython.display import display

    boxes = []
    for number, question in enumerate(questions, 1):
        checks = {
            letter: widgets.Checkbox(description=f"{letter}) {text}", indent=False,
                                     layout=widgets.Layout(width="auto"))
            for letter, text in question.options.items()
        }
        button = widgets.Button(description=f"Check {number}", button_style="primary")  # a distinct name per question
        out = widgets.Output()

        def on_click(_, question=question, checks=checks, out=out):
            out.outputs = ()
            out.append_stdout(feedback(question, [letter for letter, box in checks.items() if box.value]) + "\n")

        button.on_click(on_click)
        title = widgets.HTML(f"<b>Self-check {number}.</b> {as_html(question.prompt)}")
        boxes.append(widgets.VBox([title, *checks.values(), button, out]))
    panel = widgets.VBox(boxes)
    display(panel)
    return panel
