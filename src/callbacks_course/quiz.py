"""Answers to the multiple-choice quiz: reading them in one form, and scoring them with partial credit.

An answer is a set of option letters. Students may write it as a set, list or tuple of letters,
or as one string, in any case and with any commas or spaces: `{"A", "C"}`, `["c", "a"]` and
`"a, c"` all mean the same. Scoring takes `K`, the key's letters, and `S`, the student's:
`max(0, (|S ∩ K| - |S \\ K|) / |K|)`, so a wrong choice cancels a right one and a blank scores 0.

Example:

```python
chosen = normalize_answer("b, a")        # frozenset({'A', 'B'})
partial_credit(chosen, {"A", "B", "C"})  # 0.666...
```
"""

OPTIONS = "ABCD"
EXPECTED_FORM = 'a set of option letters A-D, e.g. {"A", "C"} (a list, a tuple or a string such as "A, C" works too)'
MAX_LENGTH = 64
SEPARATORS = frozenset(", \t\n")


def _letters(text):
    """The letters of one string, ignoring commas and whitespace; raises ValueError on anything else."""
    if len(text) > MAX_LENGTH:
        raise ValueError(f"Your answer is too long. Expected {EXPECTED_FORM}.")
    letters = set()
    for char in text:
        if char in SEPARATORS:
            continue
        if char.upper() not in OPTIONS:
            raise ValueError(f"{char!r} is not an option. Expected {EXPECTED_FORM}.")
        letters.add(char.upper())
    return letters


def normalize_answer(value):
    """Read a student's answer as a frozenset of upper-case letters from A to D.

    Args:
        value: a `set`, `frozenset`, `list` or `tuple` of letter strings, or one `str` of
            letters separated (or not) by commas and spaces, in any case. `None` and empty
            containers or strings mean "no answer".

    Returns:
        A frozenset of letters, empty for no answer.

    Raises:
        ValueError: for anything else (another type, a subclass of these types, a letter
            outside A-D); the message names the expected form.

    Example:

    ```python
    normalize_answer(["B", "a"])  # frozenset({'A', 'B'})
    normalize_answer("A C")       # frozenset({'A', 'C'})
    ```
    """
    if value is None:
        return frozenset()
    if type(value) is str:
        return frozenset(_letters(value))
    if type(value) in (set, frozenset, list, tuple):
        if len(value) > MAX_LENGTH:
            raise ValueError(f"Your answer is too long. Expected {EXPECTED_FORM}.")
        letters = set()
        for item in value:
            if type(item) is not str:
                raise ValueError(f"Your answer holds a value of type {type(item).__name__}, not a letter. "
                                 f"Expected {EXPECTED_FORM}.")
            letters |= _letters(item)
        return frozenset(letters)
    kind = getattr(value, "type_name", None) or type(value).__name__  # a `wire.StudentObject` names its type
    raise ValueError(f"Your answer is of type {kind}. Expected {EXPECTED_FORM}.")


def partial_credit(chosen, key):
    """The share of a question's point that `chosen` earns against `key`.

    Args:
        chosen: the student's letters (any form `normalize_answer` accepts).
        key: the right letters (at least one).

    Returns:
        `max(0, (right - wrong) / len(key))` as a float from 0 to 1, where `right` counts
        the chosen letters in the key and `wrong` the chosen letters not in it.

    Example:

    ```python
    partial_credit({"A", "D"}, {"A", "B"})  # 0.0: one right, one wrong
    partial_credit({"A"}, {"A", "B"})       # 0.5
    ```
    """
    chosen, key = normalize_answer(chosen), normalize_answer(key)
    if not key:
        raise ValueError("the key must hold at least one letter")
    right, wrong = len(chosen & key), len(chosen - key)
    return max(0.0, (right - wrong) / len(key))


def tally(chosen, key):
    """A one-line verdict on `chosen` that counts right and wrong choices without naming letters.

    Example:

    ```python
    tally({"A", "D"}, {"A", "B"})  # '1 of your 2 choices is right, 1 is wrong; ...'
    ```
    """
    chosen, key = normalize_answer(chosen), normalize_answer(key)
    if not chosen:
        return "No answer given."
    right, wrong, missing = len(chosen & key), len(chosen - key), len(key - chosen)
    if not wrong and not missing:
        return "All your choices are right, and none is missing."
    noun = "choice" if len(chosen) == 1 else "choices"
    verdict = f"{right} of your {len(chosen)} {noun} {'is' if right == 1 else 'are'} right, {wrong} {'is' if wrong == 1 else 'are'} wrong"
    return verdict + ("; some right options are not chosen." if missing else ".")


def collect_answer(name, student):
    """The grader's view of one answer: the sorted letters of the student's variable `name`.

    Runs in the trusted grading worker (see `callbacks_course.grading`); the value arrives as
    data from the student's process. A missing variable is a blank.

    Args:
        name: the answer variable, e.g. `"q07"`.
        student: a `callbacks_course.sandbox.host.remote.Student`.

    Returns:
        A sorted list of letters (empty for a blank).

    Raises:
        GradingError: when the value is not an answer; the message names the expected form.

    Example:

    ```python
    collect_answer("q07", Student.local({"q07": "b, a"}))  # ['A', 'B']
    ```
    """
    from callbacks_course.grading import GradingError

    try:
        return sorted(normalize_answer(student.value(name, None)))
    except ValueError as error:
        raise GradingError(f"{name}: {error}") from None
