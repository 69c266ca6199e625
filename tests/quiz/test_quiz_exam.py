"""The exam release (`python -m autograde release --exam`) carries no self-check data: nothing in it
decodes to the key, no rendering of any letter set of any question appears in it, and it comes out
byte for byte the same when the key is replaced by a different one."""

import base64
import hashlib
import itertools
import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from callbacks_course.quiz_selfcheck import decode, encode
from support.notebooks import NotebookRun
from quiz_experiments import ROOT, answer_key

pytestmark = pytest.mark.slow

BLOB = re.compile(r'SelfCheck\("([A-Za-z0-9+/=]+)"\)')
LETTER_SETS = ["".join(c) for n in range(1, 5) for c in itertools.combinations("ABCD", n)]


def course_copy(root, key):
    """A course root holding only the quiz, its registry and `key` (solutions and blob rewritten to match)."""
    for part in ("autograde/assignments/callbacks_quiz.py", "solutions/callbacks_quiz/callbacks_quiz.ipynb"):
        (root / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / part, root / part)
    (root / "autograde" / "keys").mkdir(parents=True)
    (root / "autograde" / "keys" / "callbacks_quiz.json").write_text(json.dumps(key))
    path = root / "solutions" / "callbacks_quiz" / "callbacks_quiz.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            letters = ", ".join(f'"{letter}"' for letter in key[grade_id]["answer"])
            cell.source = f"### BEGIN SOLUTION\n{grade_id} = {{{letters}}}\n### END SOLUTION"
        cell.source = BLOB.sub(f'SelfCheck("{encode(key)}")', cell.source)
    nbformat.write(nb, str(path))
    return root


def exam_release(root, work):
    done = subprocess.run([sys.executable, "-m", "autograde", "--course", str(root), "--work", str(work),
                           "release", "--exam"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return (root / "quizzes" / "callbacks_quiz" / "callbacks_quiz.ipynb").read_text()


def other_key():
    """Every answer and every explanation changed."""
    key = answer_key()
    return {q: {"answer": sorted(set("ABCD") - set(e["answer"])) or ["A"],
                "why": {letter: f"(other) {why}" for letter, why in e["why"].items()}} for q, e in key.items()}


@pytest.fixture(scope="module")
def exams(tmp_path_factory):
    base = tmp_path_factory.mktemp("exam")
    real = exam_release(course_copy(base / "real", answer_key()), base / "work_real")
    other = exam_release(course_copy(base / "other", other_key()), base / "work_other")
    return base, real, other


def test_exam_is_the_same_whatever_the_key(exams):
    _, real, other = exams
    assert real == other


def test_nothing_in_the_exam_decodes_to_a_key(exams):
    _, real, _ = exams
    nb = nbformat.reads(real, as_version=4)
    literals = [s for cell in nb.cells if cell.cell_type == "code"
                for s in re.findall(r"""["']([^"'\n]{8,})["']""", cell.source)]
    for literal in literals:
        with pytest.raises(ValueError):
            decode(literal)
    assert not re.search(r"[A-Za-z0-9+/=]{40,}", real), "no long encoded run anywhere"
    assert "SelfCheck()" in real


def renderings(question, letters):
    """Ways a key could be written down for `question`: literals, JSON, and their hashes and base64."""
    quoted = ", ".join(f'"{letter}"' for letter in letters)
    plain = [f"{question} = {{{quoted}}}", f'"{question}": [{quoted}]', f"{question}:{letters}",
             f"{question}={letters}", json.dumps({"answer": list(letters)})]
    hashed = [function(text.encode()).hexdigest() for text in plain + [letters]
              for function in (hashlib.md5, hashlib.sha1, hashlib.sha256)]
    encoded = [base64.b64encode(text.encode()).decode().rstrip("=") for text in plain]
    return plain + hashed + encoded


def test_no_letter_set_of_any_question_can_be_found(exams):
    """Searched: the code cells and metadata (the prose's examples, such as `q07 = {"A", "C"}` in the
    introduction, are the same for every key: see test_exam_is_the_same_whatever_the_key)."""
    _, real, _ = exams
    nb = nbformat.reads(real, as_version=4)
    nb.cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    code = json.dumps(nb, ensure_ascii=False)
    found = [(q, letters) for q in answer_key() for letters in LETTER_SETS
             if any(text in code or json.dumps(text)[1:-1] in code for text in renderings(q, letters))]
    assert not found
    assert not [why for e in answer_key().values() for why in e["why"].values() if why in real]


def test_exam_check_only_confirms_the_form(exams, tmp_path):
    base, _, _ = exams
    with NotebookRun(base / "real" / "quizzes" / "callbacks_quiz" / "callbacks_quiz.ipynb", tmp_path) as run:
        assert run.run("check('q07', 'b, a')") == 'Answer recorded: q07 = {"A", "B"}. There is no feedback during the exam.\n'
        assert run.run("check('q07', 'E')").startswith("Cannot read your answer: 'E' is not an option.")
