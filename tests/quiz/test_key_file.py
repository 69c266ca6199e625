"""The answer key file itself: well formed, and every option of every question has its experiment."""

import ast
import pathlib
import re

from quiz_experiments import answer_key

HERE = pathlib.Path(__file__).parent
QUESTIONS = [f"q{n:02d}" for n in range(1, 21)]


def test_key_has_twenty_questions_with_answers_and_reasons():
    key = answer_key()
    assert list(key) == QUESTIONS
    for question, entry in key.items():
        assert set(entry) == {"answer", "why"}, question
        assert entry["answer"] and entry["answer"] == sorted(set(entry["answer"])), question
        assert set(entry["answer"]) <= set("ABCD"), question
        assert list(entry["why"]) == list("ABCD") and all(entry["why"].values()), question


def test_every_option_has_exactly_one_experiment():
    names = [node.name for path in HERE.glob("test_key_*.py")
             for node in ast.parse(path.read_text()).body if isinstance(node, ast.FunctionDef)]
    options = [m.group(1) + "_" + m.group(2) for m in map(re.compile(r"test_(q\d\d)_([A-D])_").match, names) if m]
    assert sorted(options) == sorted(f"{q}_{letter}" for q in QUESTIONS for letter in "ABCD")
