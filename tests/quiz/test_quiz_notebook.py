"""The quiz notebook: its layout, the self-check blob matching the key file, nothing readable in the
student version or the package, and the self-check driven headless in the student version."""

import json
import re

import nbformat
import pytest
from callbacks_course.quiz_selfcheck import decode
from support.notebooks import NotebookRun
from quiz_experiments import ROOT, answer_key

SOLUTION = ROOT / "solutions" / "callbacks_quiz" / "callbacks_quiz.ipynb"
STUDENT = ROOT / "quizzes" / "callbacks_quiz" / "callbacks_quiz.ipynb"
QUESTIONS = [f"q{n:02d}" for n in range(1, 21)]
BLOB = re.compile(r'SelfCheck\("([A-Za-z0-9+/=]+)"\)')


def cells(path):
    return nbformat.read(str(path), as_version=4).cells


def nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def test_each_question_has_markdown_answer_and_one_point_test_cell():
    nb = cells(SOLUTION)
    graded = [(c.cell_type, nbgrader(c).get("grade_id"), nbgrader(c).get("points")) for c in nb if nbgrader(c)]
    assert graded == [kind for q in QUESTIONS for kind in (("code", q, None), ("code", f"{q}_check", 1))]
    for q in QUESTIONS:
        index = next(i for i, c in enumerate(nb) if nbgrader(c).get("grade_id") == q)
        assert nb[index - 1].cell_type == "markdown" and nb[index - 1].source.startswith(f"## Question {int(q[1:])}\n")
        assert all(f"- **{letter})** " in nb[index - 1].source for letter in "ABCD")
        answer, test = nb[index], nb[index + 1]
        assert re.search(rf"### BEGIN SOLUTION\n{q} = \{{[^}}]+\}}\n", answer.source)
        assert nbgrader(test)["locked"] and test.source.startswith(f'check("{q}", {q})\n### BEGIN HIDDEN TESTS')


def test_solution_cells_hold_the_key():
    answers = {}
    for cell in cells(SOLUTION):
        if nbgrader(cell).get("solution"):
            namespace = {}
            exec(cell.source, namespace)
            answers[nbgrader(cell)["grade_id"]] = sorted(namespace[nbgrader(cell)["grade_id"]])
    assert answers == {q: entry["answer"] for q, entry in answer_key().items()}


@pytest.mark.parametrize("path", [SOLUTION, STUDENT], ids=["solutions", "quizzes"])
def test_the_selfcheck_cell_holds_the_key_collapsed(path):
    """The blob decodes to the key file, in a cell shown collapsed (JupyterLab and Colab), no blob elsewhere."""
    notebook = list(cells(path))
    (cell,) = [c for c in notebook if "selfcheck-data" in c.metadata.get("tags", [])]
    (blob,) = BLOB.findall(cell.source)
    assert decode(blob) == answer_key(), "stale self-check data: regenerate it with quiz_selfcheck.encode(key)"
    assert cell.metadata["jupyter"]["source_hidden"] is True and cell.metadata["cellView"] == "form"
    others = "".join(c.source for c in notebook if c is not cell)
    assert not re.search(r"[A-Za-z0-9+/=]{40,}", others)


def secrets():
    """Texts that would give the key away: every explanation, and the solution lines."""
    key = answer_key()
    found = [why for entry in key.values() for why in entry["why"].values()]
    found += [f"{q} = {{" + ", ".join(f'"{letter}"' for letter in entry["answer"]) + "}" for q, entry in key.items()]
    return found + ["Instructor note", "BEGIN SOLUTION", "HIDDEN TESTS"]


def test_student_version_shows_no_key_in_plain_text():
    text = STUDENT.read_text()
    leaked = [secret for secret in secrets() if secret in text or json.dumps(secret)[1:-1] in text]
    assert not leaked
    stubs = [c.source for c in cells(STUDENT) if nbgrader(c).get("solution")]
    assert stubs == [f'{q} = set()  # your letters, e.g. {{"A", "C"}}' for q in QUESTIONS]


def test_installed_package_holds_no_key():
    package = ROOT / "src" / "callbacks_course"
    text = "\n".join(p.read_text() for p in package.rglob("*") if p.suffix in {".py", ".json", ".txt", ".md"})
    assert not [why for entry in answer_key().values() for why in entry["why"].values() if why in text]


def test_selfcheck_headless_in_the_student_version(tmp_path):
    key = answer_key()
    with NotebookRun(STUDENT, tmp_path) as run:
        assert run.outputs("stream")[0]["text"].startswith("No answer yet: assign your letters to q01")
        wrong = sorted(set("ABCD") - set(key["q07"]["answer"]))[:1] + key["q07"]["answer"][:1]
        first = run.run(f"check('q07', {wrong!r})")
        assert first.startswith("Not yet: 1 of your 2 choices is wrong.\nTry again")
        assert not [why for why in key["q07"]["why"].values() if why in first]
        right = run.run(f"check('q07', {', '.join(key['q07']['answer'])!r})")
        assert right.splitlines() == ["Right! Why, option by option:"] + [
            f"  {letter} {'✓' if letter in key['q07']['answer'] else '✗'} {key['q07']['why'][letter]}"
            for letter in "ABCD"]
        for _ in range(2):
            assert "option by option" not in run.run("check('q09', 'D')")
        third = run.run("check('q09', 'D')")
        assert third.splitlines()[:2] == ["Not yet: 1 of your 1 choice is wrong.",
                                          "After 3 tries, here is why, option by option:"]
        assert key["q09"]["why"]["D"] in third
        assert run.run("check('q03', 'E')").startswith("Cannot read your answer: 'E' is not an option.")
