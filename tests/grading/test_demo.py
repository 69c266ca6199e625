"""`python -m autograde demo` (make grade): the real quiz and lab, graded with the expected scores."""

import csv

import pytest

from support.grading import ROOT, autograde

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    work = tmp_path_factory.mktemp("demo_work")
    done = autograde("demo", course=ROOT, work=work, timeout=1500)
    assert done.returncode == 0, done.stderr[-3000:]
    return work, done


def test_demo_scores_are_the_expected_ones(demo):
    work, done = demo
    with open(work / "demo" / "grades" / "grades.csv", newline="") as handle:
        scores = {(r["student_id"], r["assignment"]): (float(r["score"]), float(r["max_score"]))
                  for r in csv.DictReader(handle)}
    assert scores == {
        ("ada", "callbacks_quiz"): (20, 20), ("blake", "callbacks_quiz"): (0, 20),
        ("chen", "callbacks_quiz"): (10, 20), ("dana", "callbacks_quiz"): (20, 20),
        ("eve", "callbacks_quiz"): (18, 20),
        ("ada", "callbacks_lab"): (37, 37), ("chen", "callbacks_lab"): (23, 37),
        # no lab submission: listed with 0 so that an instructor sees who did not submit
        ("blake", "callbacks_lab"): (0, 37), ("dana", "callbacks_lab"): (0, 37), ("eve", "callbacks_lab"): (0, 37),
    }
    assert "Every score is as expected." in done.stdout


def test_demo_prints_the_gradebook(demo):
    _, done = demo
    table = done.stdout.split("Gradebook (nbgrader):")[1].splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in table[1:] if line.strip() and not line.startswith("Every")}
    assert table[1].split() == ["student", "callbacks_lab", "callbacks_quiz"]
    assert rows["ada"] == ["37/37", "20/20"]
    assert rows["chen"] == ["23/37", "10/20"]
    assert rows["eve"] == ["-", "18/20"]


def test_demo_messages_explain_the_hostile_cells(demo):
    work, _ = demo
    with open(work / "demo" / "grades" / "items.csv", newline="") as handle:
        items = {(r["student_id"], r["assignment"], r["item"]): r for r in csv.DictReader(handle)}
    assert items["eve", "callbacks_quiz", "q01_check"]["status"] == "crashed"
    assert items["eve", "callbacks_quiz", "q02_check"]["status"] == "error"
    assert "No such file or directory" in items["eve", "callbacks_quiz", "q02_check"]["message"]
    assert items["chen", "callbacks_lab", "ex4_run"]["status"] == "crashed"
    assert items["dana", "callbacks_quiz", "q07_check"]["status"] == "passed"
