"""Registry of the sample assignment used by the engine's tests (the answer key lives here)."""

from callbacks_course.grading import Item, Result

from sample_checks import CASES, collect_basic, collect_epochs, collect_hidden, reference_epochs

KEY = [a + b for a, b in CASES]


def score_basic(observed, expected):
    if observed == 3 and type(observed) in (int, float):
        return Result(1.0, "add(1, 2) is 3")
    return Result(0.0, f"add(1, 2) returned {observed!r}, expected 3")


def score_hidden(observed, expected):
    right = sum(1 for got, want in zip(observed, KEY) if type(got) in (int, float) and got == want)
    return Result(right / len(KEY), f"{right} of {len(KEY)} hidden cases right")


def score_epochs(observed, expected):
    right = sum(1 for got, want in zip(observed, expected) if got == want)
    message = ("epochs recorded correctly in both runs" if right == 2 else
               f"after a 3-epoch and a 2-epoch fit, epochs were {observed}; expected {expected}")
    return Result(right / 2, message)


ITEMS = [
    Item("ex1_basic", ("ex1",), collect_basic, score_basic, timeout=5),
    Item("ex1_hidden", ("ex1",), collect_hidden, score_hidden, timeout=5),
    Item("ex2_epochs", ("ex2",), collect_epochs, score_epochs, expect=reference_epochs, timeout=30),
]
