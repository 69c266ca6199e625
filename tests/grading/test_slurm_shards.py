"""The Slurm recipe on a real one-node cluster: a job array of 3 shards, then a dependent merge,
for 12 quiz and 4 lab submissions; the CSVs and feedback must equal one `grade` run's byte for byte.

`deploy/slurm/grade_shard.sbatch` and `merge.sbatch` are submitted exactly as the README says.
When Slurm cannot start here, the Slurm test is skipped with the reason (a failure under
REQUIRE_SLURM=1, which `.ci/run` sets), and the same scripts
run the shards as parallel processes (with the environment Slurm would give them), so the
comparison still runs. The quizzes vary the score; the lab submissions answer two exercises (ex1,
ex6; the rest blank), each answered or failing at once in every combination once (scores 0, 3, 4,
7): more labs would only repeat those gradings, in the `grade` run and again in the shards.
"""

import os
import subprocess
import sys

import nbformat
import pytest

from autograde.notebooks import graded_copy, student_answers
from support import ROOT
from slurm_cluster import SlurmCluster, SlurmUnavailable

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("slurm")]  # one cluster and one graded class

LAB, QUIZ = "callbacks_lab", "callbacks_quiz"
STUDENTS = [f"student{n:02d}" for n in range(12)]
LAB_STUDENTS = STUDENTS[:4]  # ex1 answered when n % 3, ex6 when n % 2: n = 0..3 is each combination once
SHARDS = 3
SLURM = ROOT / "deploy" / "slurm"
UNFINISHED = 'raise NotImplementedError("not done yet")'


def _reference(assignment):
    return student_answers(nbformat.read(str(ROOT / "solutions" / assignment / f"{assignment}.ipynb"), as_version=4))


def build_class(folder):
    """12 students, each with a quiz (the first 8 + n questions answered); the first 4 with a lab too
    (ex1 and ex6 answered or failing, the rest blank), the other 8 labs missing (booked 0, no feedback)."""
    lab, quiz = _reference(LAB), _reference(QUIZ)
    questions = sorted(quiz)
    for n, student in enumerate(STUDENTS):
        answers = {
            QUIZ: {q: quiz[q] for q in questions[:8 + n]} | ({"q01": 'q01 = {"A", "B", "C", "D"}'} if n % 4 == 3 else {}),
        }
        if student in LAB_STUDENTS:
            answers[LAB] = {"ex1": lab["ex1"] if n % 3 else UNFINISHED, "ex6": lab["ex6"] if n % 2 else UNFINISHED}
        for assignment, cells in answers.items():
            released = nbformat.read(str(ROOT / "quizzes" / assignment / f"{assignment}.ipynb"), as_version=4)
            path = folder / student / assignment / f"{assignment}.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(graded_copy(released, cells), str(path))


def _in_slurm(cluster, base):
    """Submit the array and the dependent merge as the README does; wait; return the job states."""
    array = cluster.sbatch(f"--array=0-{SHARDS - 1}", "--cpus-per-task=1", f"--chdir={ROOT}",
                           f"--output={base}/shard-%a.out", str(SLURM / "grade_shard.sbatch"),
                           str(base / "subs"), str(base / "results"))
    merge = cluster.sbatch(f"--dependency=afterok:{array}", f"--chdir={ROOT}", f"--output={base}/merge.out",
                           f"--export=ALL,AUTOGRADE_WORK={base / 'merge_work'}", str(SLURM / "merge.sbatch"),
                           str(base / "results"), str(base / "merged"))
    return cluster.wait([array, merge], timeout=900), array, merge


def _as_processes(base):
    """The same scripts as parallel processes, with the variables a Slurm array task would get."""
    shards = []
    for index in range(SHARDS):
        env = dict(os.environ, SLURM_ARRAY_TASK_ID=str(index), SLURM_ARRAY_TASK_MAX=str(SHARDS - 1),
                   SLURM_CPUS_PER_TASK="1")
        with open(base / f"shard-{index}.out", "w") as out:
            shards.append(subprocess.Popen(["bash", str(SLURM / "grade_shard.sbatch"), str(base / "subs"),
                                            str(base / "results")], cwd=ROOT, env=env, stdout=out,
                                           stderr=subprocess.STDOUT))
    assert [shard.wait(timeout=900) for shard in shards] == [0] * SHARDS
    with open(base / "merge.out", "w") as out:
        merged = subprocess.run(["bash", str(SLURM / "merge.sbatch"), str(base / "results"), str(base / "merged")],
                                cwd=ROOT, env=dict(os.environ, AUTOGRADE_WORK=str(base / "merge_work")),
                                stdout=out, stderr=subprocess.STDOUT, timeout=900)
    assert merged.returncode == 0


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One `grade` run, and the shards + merge (in Slurm, or as processes with the reason it could not)."""
    base = tmp_path_factory.mktemp("slurm_shards")
    build_class(base / "subs")
    one = subprocess.run([sys.executable, "-m", "autograde", "--work", str(base / "one_work"), "grade",
                          str(base / "subs"), "--out", str(base / "one"), "--jobs", "2"],
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert one.returncode == 0, one.stderr[-2000:]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUTOGRADE_PYTHON", sys.executable)  # the scripts' Python: this one (a worktree has no .venv)
        try:
            # a CPU per shard (over-subscribing a smaller machine): the array's tasks run at once, none waits for another
            with SlurmCluster(base / "slurm", cpus=SHARDS) as cluster:
                slurm = _in_slurm(cluster, base)
        except SlurmUnavailable as exc:
            print(f"Slurm cannot run here: {exc}; the shards ran as parallel processes instead")
            _as_processes(base)
            slurm = f"Slurm cannot run here: {exc}"
    return base, slurm


def test_slurm_runs_the_array_then_the_merge(graded):
    base, slurm = graded
    if isinstance(slurm, str) and os.environ.get("REQUIRE_SLURM") == "1":
        pytest.fail(f"the Slurm test is required (REQUIRE_SLURM=1, set by .ci/run): {slurm}")
    if isinstance(slurm, str):
        pytest.skip(slurm)
    states, array, merge = slurm
    assert states == {**{f"{array}_{i}": "COMPLETED" for i in range(SHARDS)}, merge: "COMPLETED"}
    assert "wrote" in (base / "merge.out").read_text()


def test_each_array_task_graded_one_disjoint_shard(graded):
    base, _ = graded
    seen = []
    for index in range(SHARDS):
        log = (base / f"shard-{index}.out").read_text()
        assert f"shard {index}/{SHARDS}: results in {base / 'results'}" in log
        seen += [line.split()[1:3] for line in log.splitlines() if line.startswith("[")]
    assert sorted(map(tuple, seen)) == sorted((s, a) for s in STUDENTS for a in (LAB, QUIZ))  # a missing lab too


def test_shards_and_merge_equal_one_grade_run_byte_for_byte(graded):
    base, _ = graded
    grades = (base / "merged" / "grades.csv").read_text().splitlines()
    assert len(grades) == 1 + 2 * len(STUDENTS)  # a missing lab is booked 0
    assert len({row.split(",")[2] for row in grades[1:] if f",{QUIZ}," in row}) >= 6  # a varied class
    assert {row.split(",")[2] for row in grades[1:] if f",{LAB}," in row} == {"0", "3", "4", "7"}
    for name in ("grades.csv", "items.csv", "choices.csv"):
        assert (base / "merged" / name).read_bytes() == (base / "one" / name).read_bytes()
    tree = sorted(p.relative_to(base / "merged") for p in (base / "merged" / "feedback").rglob("*.html"))
    assert len(tree) == len(STUDENTS) + len(LAB_STUDENTS)  # feedback for each submission
    assert tree == sorted(p.relative_to(base / "one") for p in (base / "one" / "feedback").rglob("*.html"))
    for path in tree:
        assert (base / "merged" / path).read_bytes() == (base / "one" / path).read_bytes(), path
