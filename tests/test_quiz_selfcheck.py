"""The self-check: obfuscated key round trip, verdicts, and explanations only when earned."""

import json

import pytest
from callbacks_course.quiz_selfcheck import TRIES, SelfCheck, decode, encode

KEY = {"q01": {"answer": ["A", "C"], "why": {"A": "alpha reason", "B": "bravo reason",
                                              "C": "charlie reason", "D": "delta reason"}}}


def test_blob_round_trips_and_hides_the_text():
    blob = encode(KEY)
    assert decode(blob) == KEY
    assert blob == encode(KEY), "the same key gives the same blob"
    for secret in ("alpha", "reason", '"A"', "answer", "q01"):
        assert secret not in blob
    assert json.dumps(KEY) not in blob


@pytest.mark.parametrize("blob", ["", "not base64!", encode(KEY)[:-8] + "AAAAAAAA", "QUJD"])
def test_damaged_blob_is_refused(blob):
    with pytest.raises(ValueError, match="damaged"):
        SelfCheck(blob)


def test_right_answer_explains_every_option():
    text = SelfCheck(encode(KEY)).feedback("q01", "c, a")
    assert text.splitlines() == ["Right! Why, option by option:", "  A ✓ alpha reason", "  B ✗ bravo reason",
                                 "  C ✓ charlie reason", "  D ✗ delta reason"]


def test_wrong_answers_count_wrong_choices_and_explain_after_three_tries():
    check = SelfCheck(encode(KEY))
    first = check.feedback("q01", {"A", "B", "D"})
    assert first.splitlines() == ["Not yet: 2 of your 3 choices are wrong.",
                                  "Try again: the explanations appear when you are right or after 2 more tries."]
    second = check.feedback("q01", ["A"])
    assert second.splitlines()[0] == "Not yet: none of your 1 choice is wrong, but a right option is missing."
    assert "after 1 more try." in second
    assert "reason" not in first + second
    third = check.feedback("q01", "B")
    assert third.splitlines()[:2] == ["Not yet: 1 of your 1 choice is wrong.",
                                      f"After {TRIES} tries, here is why, option by option:"]
    assert third.splitlines()[2:] == ["  A ✓ alpha reason", "  B ✗ bravo reason", "  C ✓ charlie reason",
                                      "  D ✗ delta reason"]


def test_blank_and_unreadable_answers_do_not_count_as_tries():
    check = SelfCheck(encode(KEY))
    assert check.feedback("q01", set()).startswith("No answer yet: assign your letters to q01")
    assert check.feedback("q01", "E").startswith("Cannot read your answer: 'E' is not an option.")
    assert check.feedback("q01", 7).startswith("Cannot read your answer: Your answer is of type int.")
    assert "2 more tries" in check.feedback("q01", "B")


def test_call_prints_the_verdict(capsys):
    SelfCheck(encode(KEY))("q01", "AC")
    assert capsys.readouterr().out.startswith("Right!")


def test_unknown_question_is_an_error():
    with pytest.raises(KeyError, match="q99"):
        SelfCheck(encode(KEY)).feedback("q99", "A")


def test_exam_mode_only_confirms_the_form():
    check = SelfCheck()
    assert check.feedback("q01", "c a") == 'Answer recorded: q01 = {"A", "C"}. There is no feedback during the exam.'
    assert check.feedback("q01", "E").startswith("Cannot read your answer")
