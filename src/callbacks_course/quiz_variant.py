"""Per-student variants of the quiz: each student's own order of the options (and, optionally, questions).

A variant is derived from a token, `student_token(secret, student_id)`: an HMAC of the student's
id under a course secret that students never see. The hub gives each student's server their own
token; `personalize` writes the variant into the student's copy of the released notebook when it
is fetched (the option lines of each question, the letters its notes name, and the self-check's
letter map). The grader computes the same variant again from the real student id, never from the
notebook, and maps the student's letters back to the original options before scoring.

Inside a variant, option `letter` of a question shows original option
`variant.order(question)[OPTIONS.index(letter)]`. Options whose markdown line ends with
`<!-- pinned -->` (e.g. "all of the above") keep their place. Without a token, the order is the
original one.

Example:

```python
variant = Variant(student_token(b"course secret", "ann"), pins={"q05": "D"})
variant.order("q01")                    # e.g. 'CADB': the student's A is original C, ...
variant.to_original("q01", {"A", "C"})  # frozenset({'C', 'D'})
```
"""

import hashlib
import hmac
import re

from callbacks_course.quiz import OPTIONS

TOKEN_VARIABLE = "CALLBACKS_COURSE_QUIZ_TOKEN"  # set in each student's server by the hub (deploy/hub)
QUESTION_ORDER_VARIABLE = "CALLBACKS_COURSE_QUIZ_QUESTION_ORDER"  # "1": the questions move too
PIN = "<!-- pinned -->"
_TAG = b"callbacks-course/quiz-variant/v1"
_OPTION = re.compile(r"^- \*\*([A-D])\)\*\* ")
_LETTER = re.compile(r"(?<![\w'’.-])([A-D])(?![\w'’-])")
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\**\s+)$")
_SELFCHECK = "selfcheck-data"
_MAP_LINE = "check.use_variant({orders!r})  # the order of the options in your copy"


def student_token(secret, student):
    """The variant token of `student`: hex HMAC-SHA256 of the id under the course `secret` (bytes)."""
    return hmac.new(secret, _TAG + b"\0" + student.encode("utf-8"), hashlib.sha256).hexdigest()


class Variant:
    """One student's variant of the quiz.

    Args:
        token: the student's token (`student_token`); None: the original order.
        pins: {question: letters that keep their place}.
        question_order: also give the questions an order of their own.

    Example:

    ```python
    Variant("3f2a...").order("q07")   # 'BDAC'
    Variant().order("q07")            # 'ABCD'
    ```
    """

    def __init__(self, token=None, pins=None, question_order=False):
        self.token, self.pins, self.question_order = token, dict(pins or {}), bool(question_order and token)

    def _rank(self, label):
        return hmac.new(self.token.encode("ascii"), _TAG + b"\0" + label.encode("utf-8"), hashlib.sha256).digest()

    def order(self, question):
        """The original letters in the order the student sees them, e.g. 'CADB'."""
        if self.token is None:
            return OPTIONS
        pinned = set(self.pins.get(question, ""))
        free = sorted((letter for letter in OPTIONS if letter not in pinned),
                      key=lambda letter: self._rank(f"{question}/{letter}"))
        return "".join(letter if letter in pinned else free.pop(0) for letter in OPTIONS)

    def to_original(self, question, letters):
        """The original letters of the options the student chose as `letters`."""
        order = self.order(question)
        return frozenset(order[OPTIONS.index(letter)] for letter in letters)

    def to_displayed(self, question, letters):
        """The letters under which the student sees the original options `letters`."""
        order = self.order(question)
        return frozenset(OPTIONS[order.index(letter)] for letter in letters)

    def questions(self, questions):
        """`questions` in the order the student sees them."""
        if not self.question_order:
            return list(questions)
        return sorted(questions, key=lambda question: self._rank(f"question/{question}"))

    def observed(self, item, letters):
        """The grader's observation of `item` (the sorted letters the student chose) in original letters."""
        return sorted(self.to_original(item.answer_cells[0], letters))

    def describe(self):
        """What makes this variant (part of a cached result's key)."""
        return repr((self.token, sorted(self.pins.items()), self.question_order))


def relabel(text, order):
    """`text` (a note or an explanation) with the option letters it names as shown in `order`.

    A capital A to D standing alone names an option ("In A, ...", "see A and B"), except an "A"
    that starts a sentence before a lower-case word: the article ("A callback can ...").

    Example:

    ```python
    relabel("D contradicts A. A callback can.", "DCBA")   # 'A contradicts D. A callback can.'
    ```
    """
    def swap(match):
        letter = match.group(1)
        if letter == "A" and _SENTENCE_START.search(text[:match.start()]) and re.match(r" [a-z]", text[match.end():]):
            return letter
        return OPTIONS[order.index(letter)]

    return _LETTER.sub(swap, text)


def pins(nb):
    """{question: pinned letters} from the option lines of a quiz notebook (`<!-- pinned -->`)."""
    found = {}
    for question, cell in _questions(nb).items():
        for line in cell.source.splitlines():
            match = _OPTION.match(line)
            if match and line.rstrip().endswith(PIN):
                found[question] = found.get(question, "") + match.group(1)
    return found


def _questions(nb):
    """{question: its markdown cell}: the last markdown cell before each quiz answer cell."""
    found, last = {}, None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            last = cell
        elif cell.get("metadata", {}).get("nbgrader", {}).get("solution") and last is not None \
                and any(_OPTION.match(line) for line in last.source.splitlines()):
            found[cell.metadata["nbgrader"]["grade_id"]] = last
    return found


def _rewrite(source, order):
    """A question's markdown with its option lines in `order` and the letters of its notes relabelled."""
    lines = source.splitlines()
    options = {(m := _OPTION.match(line)).group(1): line[m.end():] for line in lines if _OPTION.match(line)}
    shown = iter(OPTIONS)
    out = []
    for line in lines:
        if _OPTION.match(line):
            letter = next(shown)
            out.append(f"- **{letter})** {options[order[OPTIONS.index(letter)]]}")
        elif line.startswith(">"):
            out.append(relabel(line, order))
        else:
            out.append(line)
    return "\n".join(out)


def personalize(nb, variant):
    """Write `variant` into a quiz notebook (in place; returns it): options, notes, self-check, questions.

    Only cells nbgrader does not track change (question text, the self-check cell) and, with
    `question_order`, the order of the question groups; answer and test cells stay as released.
    """
    questions = _questions(nb)
    if variant.token is None or not questions:
        return nb
    for question, cell in questions.items():
        cell.source = _rewrite(cell.source, variant.order(question))
    selfcheck = [cell for cell in nb.cells if _SELFCHECK in cell.get("metadata", {}).get("tags", [])]
    orders = {question: variant.order(question) for question in questions}
    for cell in selfcheck:
        cell.source = cell.source.rstrip("\n") + "\n" + _MAP_LINE.format(orders=orders)
    if variant.question_order:
        nb.cells = _reorder(nb.cells, questions, variant)
    return nb


def personalized(nb):
    """Whether `personalize` already wrote a variant into `nb`."""
    return any(_SELFCHECK in cell.get("metadata", {}).get("tags", []) and "check.use_variant(" in cell.source
               for cell in nb.cells)


def _reorder(cells, questions, variant):
    """The cells with each question's group (its markdown up to the next question) moved to its new place."""
    starts = [i for i, cell in enumerate(cells) if any(cell is c for c in questions.values())]
    ends = starts[1:] + [_last_group_end(cells, starts[-1])]
    groups = {q: cells[s:e] for q, s, e in zip(questions, starts, ends)}
    moved = [cell for q in variant.questions(list(questions)) for cell in groups[q]]
    return cells[:starts[0]] + moved + cells[ends[-1]:]


def _last_group_end(cells, start):
    """The end of the last question's group: after its last nbgrader cell."""
    tracked = [i for i in range(start, len(cells)) if "nbgrader" in cells[i].get("metadata", {})]
    return tracked[-1] + 1
