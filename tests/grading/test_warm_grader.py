"""A warm grader (the grading service's servers): one worker pool, reference runs done once, same scores."""

import pytest

from support.grading import REFERENCE, SAMPLE, write_class

pytestmark = pytest.mark.slow

WRONG = {"ex1": "def add(a, b):\n    return 0", "ex2": REFERENCE["ex2"]}


def _grade(grader, subs):
    prepared = grader.prepare(subs)
    return {prep.sub.student: {g: r["score"] for g, r in record["items"].items()}
            for prep, record, cached in grader.results(prepared)}


def test_a_warm_grader_keeps_its_workers_and_grades_each_submission_as_a_fresh_one(sample_release, tmp_path):
    from autograde.course import Course
    from autograde.grader import Grader

    work, released = sample_release
    course = Course(SAMPLE, work=work)
    grader = Grader(course, out=None, jobs=1, log=lambda line: None, keep_workers=True)
    grader.start_workers()
    try:
        pool = grader._pool
        first = _grade(grader, write_class(tmp_path / "a", released, {"warm-right": REFERENCE}))
        second = _grade(grader, write_class(tmp_path / "b", released, {"warm-wrong": WRONG}))
        assert grader._pool is pool and all(proc.poll() is None for proc in pool.procs)
        assert grader.sandbox_runs == 6  # 3 items each, with the one reference run of the first grading
    finally:
        grader.close()
    assert all(proc.poll() is not None for proc in pool.procs)
    assert first == {"warm-right": {"ex1_basic": 1.0, "ex1_hidden": 1.0, "ex2_epochs": 2.0}}
    assert second == {"warm-wrong": {"ex1_basic": 0.0, "ex1_hidden": 0.25, "ex2_epochs": 2.0}}
