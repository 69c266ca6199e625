"""`grade --shard I/N` + `merge` on the sample course: disjoint shards that book their own students,
retries that regrade nothing, pending or changed students reported (exit 3) instead of scored 0, and
the same CSVs, feedback and gradebook scores as one `grade` run."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from autograde.shards import Shard, shard_number
from support.grading import REFERENCE, ROOT, SAMPLE, autograde, write_class

WRONG = {"ex1": "def add(a, b):\n    return 0", "ex2": REFERENCE["ex2"]}
STUDENTS = {f"s{n}": REFERENCE if n % 2 else WRONG for n in range(1, 9)}
SHARDS = 3


def shard_of(student):
    return shard_number(student, SHARDS)


def test_shard_of_a_student_is_the_same_in_every_process():
    script = "from autograde.shards import shard_number; print([shard_number(f's{n}', 3) for n in range(1, 9)])"
    seen = {subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                           env={"PYTHONHASHSEED": seed, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}).stdout
            for seed in ("1", "2")}
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


def started(*args, work):
    """`python -m autograde --course SAMPLE --work WORK ARGS...` started; `finished` waits for it."""
    return subprocess.Popen([sys.executable, "-m", "autograde", "--course", str(SAMPLE), "--work", str(work), *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process):
    stdout, stderr = process.communicate(timeout=900)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def runs(sample_release, tmp_path_factory):
    """Shards 0 and 1 (in parallel, and one `grade` run meanwhile), a merge (shard 2 missing), shard 2,
    shard 0 again, a merge; then a merge after s1 changed their submission."""
    _, released = sample_release
    base = tmp_path_factory.mktemp("shards")
    subs = write_class(base / "subs", released, STUDENTS)
    assert len({shard_of(s) for s in STUDENTS}) == SHARDS  # every shard has students

    def shard(index):
        return started("grade", str(subs), "--shard", f"{index}/{SHARDS}", "--results", str(base / "results"),
                       work=base / f"work{index}")

    def merge(out):
        return autograde("merge", str(base / "results"), "--out", str(base / out), work=base / "merge_work")

    one = started("grade", str(subs), "--out", str(base / "one"), work=base / "one_work")
    first = [finished(process) for process in [shard(0), shard(1)]]
    early = merge("early")
    last = finished(shard(2))
    retry = finished(shard(0))
    final = merge("merged")
    one = finished(one)
    changed = subs / "s1" / "sample" / "sample.ipynb"
    changed.write_text(changed.read_text().replace("return a + b", "return b + a"))
    stale = merge("stale")
    return base, first + [last], early, retry, final, one, stale


def lines(done):
    assert done.returncode == 0, done.stderr[-2000:]
    return [line for line in done.stdout.splitlines() if line.startswith("[")]


def test_each_shard_grades_and_books_only_its_students_into_the_results_folder(runs):
    base, shards, *_ = runs
    for index, done in enumerate(shards):
        mine = {s for s in STUDENTS if shard_of(s) == index}
        assert {line.split()[1] for line in lines(done)} == mine
        assert not any(line.endswith("(cached)") for line in lines(done))
        assert not (base / f"work{index}" / "results").exists()
        booked = base / "results" / "booked" / f"shard-{index}"
        assert sorted(p.name for p in booked.iterdir()) == ["feedback", "gradebook.db", "shard.json"]
        assert {p.name for p in (booked / "feedback").iterdir()} == mine
        manifest = json.loads((booked / "shard.json").read_text())
        assert manifest["shard"] == [index, SHARDS]
        assert {entry["student"] for entry in manifest["submissions"]} == mine
        assert set(gradebook_scores(booked / "gradebook.db")) == {
            (s, "sample", "sample", cell) for s in mine for cell in ("ex1_basic", "ex1_hidden", "ex2_epochs")}
    results = sorted(p.name for p in (base / "results").iterdir())
    assert len(results) == len(STUDENTS) + 2 and "class.json" in results and "booked" in results
    assert sorted(p.name for p in (base / "results" / "booked").iterdir()) == [f"shard-{i}" for i in range(SHARDS)]
    assert json.loads((base / "results" / "class.json").read_text()) == {"submissions": str(base / "subs"),
                                                                         "shards": SHARDS}


def test_a_retried_shard_regrades_nothing(runs):
    _, _, _, retry, *_ = runs
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
    base, _, _, _, final, one, _ = runs
    assert final.returncode == 0, final.stderr
    assert one.returncode == 0, one.stderr
    assert {row.split(",")[2] for row in (base / "merged" / "grades.csv").read_text().splitlines()[1:]} == {"4", "2.25"}
    for name in ("grades.csv", "items.csv", "choices.csv"):
        assert (base / "merged" / name).read_bytes() == (base / "one" / name).read_bytes()
    tree = sorted(p.relative_to(base / "merged") for p in (base / "merged" / "feedback").rglob("*"))
    assert tree == sorted(p.relative_to(base / "one") for p in (base / "one" / "feedback").rglob("*"))
    html = [p for p in tree if p.suffix == ".html"]
    assert len(html) == len(STUDENTS)
    for path in html:
        assert (base / "merged" / path).read_bytes() == (base / "one" / path).read_bytes(), path


def gradebook_scores(path):
    """{(student, assignment, notebook, grade cell): (auto_score, manual_score)} of an nbgrader gradebook."""
    with sqlite3.connect(path) as db:
        return {row[:4]: row[4:] for row in db.execute(
            "SELECT sa.student_id, a.name, n.name, c.name, g.auto_score, g.manual_score FROM grade g "
            "JOIN base_cell c ON c.id = g.cell_id JOIN submitted_notebook sn ON sn.id = g.notebook_id "
            "JOIN notebook n ON n.id = sn.notebook_id JOIN submitted_assignment sa ON sa.id = sn.assignment_id "
            "JOIN assignment a ON a.id = sa.assignment_id")}


def test_merge_books_every_student_in_nbgrader_gradebook_as_one_grade_run_does(runs):
    base, *_ = runs
    merged = gradebook_scores(base / "merge_work" / "course" / "gradebook.db")
    assert merged == gradebook_scores(base / "one_work" / "course" / "gradebook.db")
    assert {key[0] for key in merged} == set(STUDENTS) and len(merged) == 3 * len(STUDENTS)
    assert merged["s1", "sample", "sample", "ex1_hidden"] == (1.0, None)
    assert merged["s2", "sample", "sample", "ex1_hidden"] == (0.25, None)
    with sqlite3.connect(base / "merge_work" / "course" / "gradebook.db") as db:
        assert db.execute("SELECT count(*) FROM submitted_assignment").fetchone() == (len(STUDENTS),)
        assert db.execute("SELECT count(*) FROM comment").fetchone() == (2 * len(STUDENTS),)  # ex1, ex2 answers


def test_a_submission_changed_since_its_shard_ran_is_listed_not_merged(runs):
    base, *_, stale = runs
    assert stale.returncode == 3, stale.stderr
    assert stale.stderr.splitlines()[1:] == ["  s1 sample"]
    rows = (base / "stale" / "grades.csv").read_text().splitlines()[1:]
    assert sorted(row.split(",")[0] for row in rows) == sorted(set(STUDENTS) - {"s1"})
    assert not (base / "stale" / "feedback" / "s1").exists()


def test_merge_imports_no_tensorflow_and_starts_no_worker(runs, tmp_path):
    base, *_ = runs
    script = ("import sys\nfrom autograde.__main__ import main\n"
              f"code = main(['--course', {str(SAMPLE)!r}, '--work', {str(tmp_path / 'work')!r}, 'merge', "
              f"{str(base / 'results')!r}, '--out', {str(tmp_path / 'out')!r}])\n"
              "print(code, sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.stdout.splitlines()[-1] == "3 []", done.stderr[-2000:]
    assert not (tmp_path / "work" / "worker.log").exists()


def test_bad_arguments_are_refused_with_a_clear_error(runs, tmp_path):
    base, *_ = runs
    out = autograde("grade", str(base / "subs"), "--shard", "0/3", "--out", str(tmp_path / "x"), work=tmp_path)
    assert out.returncode == 2 and "--shard books into --results" in out.stderr
    other = autograde("grade", str(base / "subs"), "--shard", "0/2", "--results", str(base / "results"),
                      work=tmp_path)
    assert other.returncode == 2 and "in 3 shards, not of" in other.stderr
    empty = autograde("merge", str(tmp_path / "nothing"), "--out", str(tmp_path / "o"), work=tmp_path)
    assert empty.returncode == 2 and "class.json is missing" in empty.stderr


def _shard_gradebook(folder, scores, cells=("t1",)):
    """A shard's nbgrader gradebook (its own UUIDs) with one submission per {student: score} of `scores`."""
    from nbgrader.api import Gradebook

    folder.mkdir(parents=True)
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}", course_id="keras-callbacks") as gb:
        gb.add_assignment("a1")
        gb.add_notebook("nb", "a1")
        for cell in cells:
            gb.add_grade_cell(cell, "nb", "a1", max_score=2, cell_type="code")
        gb.add_solution_cell("s1", "nb", "a1")
        for student, score in scores.items():
            gb.add_student(student)
            gb.add_submission("a1", student)
            for cell in cells:
                gb.find_grade(cell, "nb", "a1", student).auto_score = score
            gb.find_comment("s1", "nb", "a1", student).auto_comment = f"to {student}"
            gb.db.commit()
    return folder


def test_gradebooks_of_shards_combine_by_name_and_replace_earlier_rows(tmp_path, monkeypatch):
    """nbgrader's own gradebooks, each shard with its own ids; merged twice: each submission once, and
    what the instructor graded by hand in between is kept."""
    from nbgrader.api import Gradebook

    from autograde.steps.combine import Booking, gradebook
    from autograde.submissions import Submission

    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    zero = _shard_gradebook(tmp_path / "shard-0", {"ann": 2.0, "bob": 1.0})
    one = _shard_gradebook(tmp_path / "shard-1", {"cy": 0.5, "dee": 0.0}, cells=("t1", "t2"))
    target = tmp_path / "merged" / "gradebook.db"
    bookings = [Booking(Submission(s, "a1", None), folder, {}, []) for s, folder in
                (("ann", zero), ("bob", zero), ("cy", one))]  # dee: not current, left out
    gradebook(target, bookings)
    with Gradebook(f"sqlite:///{target}", course_id="keras-callbacks") as gb:  # the instructor's hand
        gb.find_grade("t1", "nb", "a1", "bob").manual_score = 1.5
        gb.find_comment("s1", "nb", "a1", "bob").manual_comment = "see me"
        gb.db.commit()
    gradebook(target, bookings)
    assert gradebook_scores(target) == {("ann", "a1", "nb", "t1"): (2.0, None), ("bob", "a1", "nb", "t1"): (1.0, 1.5),
                                        ("cy", "a1", "nb", "t1"): (0.5, None), ("cy", "a1", "nb", "t2"): (0.5, None)}
    with Gradebook(f"sqlite:///{target}", course_id="keras-callbacks") as gb:
        assert {(s.student.id, s.score) for s in gb.find_assignment("a1").submissions} == {
            ("ann", 2.0), ("bob", 1.5), ("cy", 1.0)}  # shard 0 had no t2: bob has no grade of it
        assert gb.find_comment("s1", "nb", "a1", "cy").auto_comment == "to cy"
        assert gb.find_comment("s1", "nb", "a1", "bob").manual_comment == "see me"
        assert len(gb.find_notebook("nb", "a1").grade_cells) == 2  # t2 came from shard 1
