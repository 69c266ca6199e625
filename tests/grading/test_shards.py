"""`grade --shard I/N` + `merge` on the sample course: disjoint shards, retries that regrade nothing,
pending students reported (exit 3) instead of scored 0, and the same CSVs as one `grade` run."""

import json
import subprocess
import sys

import pytest

from autograde.shards import Shard, shard_number
from conftest import REFERENCE, ROOT, autograde, write_class

WRONG = {"ex1": "def add(a, b):\n    return 0", "ex2": REFERENCE["ex2"]}
STUDENTS = {f"s{n}": REFERENCE if n % 2 else WRONG for n in range(1, 9)}
SHARDS = 3


def shard_of(student):
    return shard_number(student, SHARDS)


def test_shard_of_a_student_is_the_same_in_every_process():
    script = "from autograde.shards import shard_number; print([shard_number(f's{n}', 3) for n in range(1, 9)])"
    seen = {subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                           env={"PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert seen == {f"{[shard_of(s) for s in STUDENTS]}\n"}


def test_shards_partition_the_class():
    ids = [f"student{n}" for n in range(300)] + ["Zoë", "a b", "x@y.org"]
    for count in (1, 2, 7):
        holders = [[i for i in range(count) if Shard(i, count).holds(s)] for s in ids]
        assert all(len(h) == 1 for h in holders)
        assert {h[0] for h in holders} == set(range(count))


@pytest.mark.parametrize("text", ["3/3", "-1/3", "1", "a/b", "1/0"])
def test_a_bad_shard_is_refused(text):
    with pytest.raises(Exception, match="expected I/N with 0 <= I < N"):
        Shard.parse(text)


@pytest.fixture(scope="module")
def runs(sample_release, tmp_path_factory):
    """Shards 0 and 1, a merge (shard 2 missing), shard 2, shard 0 again, a merge; and one `grade` run."""
    _, released = sample_release
    base = tmp_path_factory.mktemp("shards")
    subs = write_class(base / "subs", released, STUDENTS)
    assert len({shard_of(s) for s in STUDENTS}) == SHARDS  # every shard has students

    def shard(index):
        return autograde("grade", str(subs), "--shard", f"{index}/{SHARDS}", "--results", str(base / "results"),
                         work=base / f"work{index}")

    def merge(out):
        return autograde("merge", str(base / "results"), "--out", str(base / out), work=base / "merge_work")

    first = [shard(0), shard(1)]
    early = merge("early")
    last = shard(2)
    retry = shard(0)
    final = merge("merged")
    one = autograde("grade", str(subs), "--out", str(base / "one"), work=base / "one_work")
    return base, first + [last], early, retry, final, one


def lines(done):
    assert done.returncode == 0, done.stderr[-2000:]
    return [line for line in done.stdout.splitlines() if line.startswith("[")]


def test_each_shard_grades_only_its_students_and_writes_only_results(runs):
    base, shards, *_ = runs
    for index, done in enumerate(shards):
        graded = {line.split()[1] for line in lines(done)}
        assert graded == {s for s in STUDENTS if shard_of(s) == index}
        assert not any(line.endswith("(cached)") for line in lines(done))
        assert not (base / f"work{index}" / "results").exists()
    results = sorted(p.name for p in (base / "results").iterdir())
    assert len(results) == len(STUDENTS) + 1 and "class.json" in results
    assert json.loads((base / "results" / "class.json").read_text()) == {"submissions": str(base / "subs"),
                                                                         "shards": SHARDS}


def test_a_retried_shard_regrades_nothing(runs):
    _, _, _, retry, _, _ = runs
    assert lines(retry) and all(line.endswith("(cached)") for line in lines(retry))


def test_merge_before_a_shard_finished_reports_its_students_instead_of_zero(runs):
    base, _, early, *_ = runs
    missing = sorted(s for s in STUDENTS if shard_of(s) == 2)
    assert early.returncode == 3, early.stderr
    assert early.stderr.splitlines()[1:] == [f"  {s} sample" for s in missing]
    assert f"{len(missing)} submissions have no result yet" in early.stderr
    rows = (base / "early" / "grades.csv").read_text().splitlines()[1:]
    assert sorted(row.split(",")[0] for row in rows) == sorted(set(STUDENTS) - set(missing))
    assert sorted(p.name for p in (base / "early" / "feedback").iterdir()) == sorted(set(STUDENTS) - set(missing))


def test_shards_then_merge_equal_one_grade_run_byte_for_byte(runs):
    base, _, _, _, final, one = runs
    assert final.returncode == 0, final.stderr
    assert one.returncode == 0, one.stderr
    assert {row.split(",")[2] for row in (base / "merged" / "grades.csv").read_text().splitlines()[1:]} == {"4", "2.25"}
    for name in ("grades.csv", "items.csv"):
        assert (base / "merged" / name).read_bytes() == (base / "one" / name).read_bytes()
    tree = sorted(p.relative_to(base / "merged") for p in (base / "merged" / "feedback").rglob("*"))
    assert tree == sorted(p.relative_to(base / "one") for p in (base / "one" / "feedback").rglob("*"))
    assert len([p for p in tree if p.suffix == ".html"]) == len(STUDENTS)


def test_merge_books_every_student_in_nbgrader_gradebook(runs):
    base, *_ = runs
    import sqlite3

    with sqlite3.connect(base / "merge_work" / "course" / "gradebook.db") as db:
        students = {row[0] for row in db.execute("SELECT student_id FROM submitted_assignment")}
    assert students == set(STUDENTS)


def test_bad_arguments_are_refused_with_a_clear_error(runs, tmp_path):
    base, *_ = runs
    out = autograde("grade", str(base / "subs"), "--shard", "0/3", "--out", str(tmp_path / "x"), work=tmp_path)
    assert out.returncode == 2 and "--shard writes only results" in out.stderr
    other = autograde("grade", str(base / "subs"), "--shard", "0/2", "--results", str(base / "results"),
                      work=tmp_path)
    assert other.returncode == 2 and "in 3 shards, not of" in other.stderr
    empty = autograde("merge", str(tmp_path / "nothing"), "--out", str(tmp_path / "o"), work=tmp_path)
    assert empty.returncode == 2 and "class.json is missing" in empty.stderr
