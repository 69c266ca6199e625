"""Reading quiz answers in any accepted form, and partial credit, with exact values."""

import pytest
from callbacks_course.quiz import normalize_answer, partial_credit, tally

AB = frozenset("AB")


@pytest.mark.parametrize("value", [{"A", "B"}, frozenset("AB"), ["B", "A"], ("a", "b"), "a, b", "AB", " b ,A ",
                                   "a b", ["A", "b", "a"], "A,\tB\n"])
def test_every_accepted_form_means_the_same(value):
    assert normalize_answer(value) == AB


@pytest.mark.parametrize("value", [None, set(), [], (), "", " , "])
def test_blank_forms(value):
    assert normalize_answer(value) == frozenset()


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __hash__(self):
        return 0


class Letters(str):
    pass


@pytest.mark.parametrize("value, says", [
    ("E", "'E' is not an option"), ("A and B", "'n' is not an option"), (["A", "E"], "'E' is not an option"),
    (1, "is of type int"), (1.0, "is of type float"), ({"A": 1}, "is of type dict"), (AlwaysEqual(), "is of type AlwaysEqual"),
    (Letters("A"), "is of type Letters"), ([Letters("A")], "holds a value of type Letters"), ({AlwaysEqual()}, "holds a value of type AlwaysEqual"),
    ([1], "holds a value of type int"), (b"A", "is of type bytes"), ("A" * 65, "too long"), (["A"] * 65, "too long"),
])
def test_anything_else_is_refused_naming_the_expected_form(value, says):
    with pytest.raises(ValueError) as error:
        normalize_answer(value)
    assert says in str(error.value)
    assert "set of option letters A-D" in str(error.value)


@pytest.mark.parametrize("chosen, key, score", [
    ("AB", "AB", 1.0), ("A", "AB", 0.5), ("", "AB", 0.0), ("AC", "AB", 0.0), ("ABC", "AB", 0.5),
    ("ABCD", "AB", 0.0), ("ABCD", "ABC", 2 / 3), ("ABCD", "ABCD", 1.0), ("ABC", "ABCD", 0.75), ("AB", "A", 0.0),
    ("B", "A", 0.0), ("CD", "A", 0.0), ("ABD", "ABC", 1 / 3), ("a, b", ["B", "A"], 1.0),
])
def test_partial_credit_exact_values(chosen, key, score):
    assert partial_credit(chosen, key) == pytest.approx(score, abs=1e-12)


def test_partial_credit_needs_a_key():
    with pytest.raises(ValueError, match="at least one letter"):
        partial_credit("A", set())


@pytest.mark.parametrize("chosen, key, text", [
    ("", "AB", "No answer given."),
    ("AB", "AB", "All your choices are right, and none is missing."),
    ("A", "AB", "1 of your 1 choice is right, 0 are wrong; some right options are not chosen."),
    ("ACD", "AB", "1 of your 3 choices is right, 2 are wrong; some right options are not chosen."),
    ("ABC", "AB", "2 of your 3 choices are right, 1 is wrong."),
])
def test_tally_counts_without_naming_letters(chosen, key, text):
    assert tally(chosen, key) == text
