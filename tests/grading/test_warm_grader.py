"""A warm grader (the grading service's servers): one worker pool, reference runs done once, same scores."""

import pytest

from support.grading import REFERENCE, SAMPLE, write_class

pytestmark = pytest.mark.slow

WRONG = {"ex1": "def add(a, b):\n    return 0", "ex2": REFERENCE["ex2"]}


def _grade(course, workers, subs):
    from autograde.steps.prepare import find, prepare
    from autograde.steps.run import run

    prepared = prepare(course, find(course, subs))
    return {prep.sub.student: {g: r["score"] for g, r in record["items"].items()}
            for prep, record, cached in run(course, prepared, workers)}


def test_a_warm_grader_keeps_its_workers_and_grades_each_submission_as_a_fresh_one(sample_release, tmp_path):
    from autograde.course import Course
    from autograde.steps.run import Workers

    work, released = sample_release
    course = Course(SAMPLE, work=work)
    grader = Workers(course)
    grader.start()
    try:
        pool = grader._pool
        first = _grade(course, grader, write_class(tmp_path / "a", released, {"warm-right": REFERENCE}))
        second = _grade(course, grader, write_class(tmp_path / "b", released, {"warm-wrong": WRONG}))
        assert grader._pool is pool and all(proc.poll() is None for proc in pool.procs)
        assert grader.sandbox_runs == 6  # 3 items each, with the one reference run of the first grading
    finally:
        grader.close()
    assert all(proc.poll() is not None for proc in pool.procs)
    assert first == {"warm-right": {"ex1_basic": 1.0, "ex1_hidden": 1.0, "ex2_epochs": 2.0}}
    assert second == {"warm-wrong": {"ex1_basic": 0.0, "ex1_hidden": 0.25, "ex2_epochs": 2.0}}
