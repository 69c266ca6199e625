"""Nothing lost: a killed grading run restarted finishes the rest without regrading; same CSVs every time."""

import signal
import subprocess
import sys

import pytest

from support.grading import REFERENCE, ROOT, SAMPLE, autograde, write_class

pytestmark = pytest.mark.slow

WRONG = {"ex1": "def add(a, b):\n    return 0", "ex2": REFERENCE["ex2"]}  # 0 + 1/4 + 2
STUDENTS = {f"s{n}": REFERENCE if n % 2 else WRONG for n in range(1, 7)}


@pytest.fixture(scope="module")
def runs(sample_release, tmp_path_factory):
    _, released = sample_release
    base = tmp_path_factory.mktemp("resume")
    subs = write_class(base / "subs", released, STUDENTS)
    command = [sys.executable, "-m", "autograde", "--course", str(SAMPLE), "--work", str(base / "work"),
               "grade", str(subs), "--out", str(base / "out")]
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    before_kill = []
    for line in first.stdout:
        if line.startswith("["):
            before_kill.append(line.strip())
        if len(before_kill) == 2:
            first.send_signal(signal.SIGKILL)
            break
    first.wait()
    second = autograde("grade", str(subs), "--out", str(base / "out"), work=base / "work")
    again = autograde("grade", str(subs), "--out", str(base / "out_again"), work=base / "work")
    fresh = autograde("grade", str(subs), "--out", str(base / "out_fresh"), work=base / "work_fresh")
    return base, before_kill, second, again, fresh


def progress(done):
    assert done.returncode == 0, done.stderr[-2000:]
    return [line for line in done.stdout.splitlines() if line.startswith("[")]


def test_restart_after_kill_regrades_nothing_already_done(runs):
    _, before_kill, second, _, _ = runs
    assert before_kill and first_not_final(before_kill)
    lines = progress(second)
    assert len(lines) == 6
    done_before = {line.split()[1] for line in before_kill}
    cached = {line.split()[1] for line in lines if line.endswith("(cached)")}
    assert done_before <= cached
    assert len(cached) < 6  # the rest was graded in the second run


def first_not_final(lines):
    return all(not line.startswith("[6/6]") for line in lines)


def test_restarted_run_writes_complete_csvs(runs):
    base = runs[0]
    grades = (base / "out" / "grades.csv").read_text().splitlines()
    assert grades[0] == "student_id,assignment,score,max_score"
    assert [row.split(",")[0] for row in grades[1:]] == sorted(STUDENTS)
    assert {row.split(",")[2] for row in grades[1:]} == {"4", "2.25"}
    assert len((base / "out" / "items.csv").read_text().splitlines()) == 1 + 3 * len(STUDENTS)


def test_grading_again_gives_the_same_csvs(runs):
    base, _, _, again, fresh = runs
    assert all(line.endswith("(cached)") for line in progress(again))
    assert not any(line.endswith("(cached)") for line in progress(fresh))
    for name in ("grades.csv", "items.csv"):
        assert (base / "out_again" / name).read_bytes() == (base / "out" / name).read_bytes()
        assert (base / "out_fresh" / name).read_bytes() == (base / "out" / name).read_bytes()
