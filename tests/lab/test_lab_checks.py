"""The lab's checks in-process: the student-facing entry points, and scoring on hand-made observations."""

import math

import pytest

from callbacks_course.grading import GradingError
from callbacks_course.lab import CHECKS, EXERCISES, grade, quick_check
from callbacks_course.lab import (ex2_overfitting, ex3_early_stopping, ex4_builtin_callbacks, ex5_prediction_gallery,
                                  ex7_reduce_lr)
from lab_answers import WRONG, reference_answers, setup_source

pytestmark = pytest.mark.slow  # several checks train small models


def namespace_with(source):
    """The names an answer cell defines after the notebook's setup cell, as in the grader."""
    namespace = {}
    exec(setup_source() + "\n" + source, namespace)
    return namespace


def test_every_check_belongs_to_an_exercise_with_one_visible_check():
    for exercise in EXERCISES:
        checks = [c for c in CHECKS.values() if c.exercise == exercise]
        assert sum(c.visible for c in checks) == 1 and len(checks) >= 2
        assert all(c.grade_id.startswith(exercise + "_") for c in checks)


def test_missing_or_wrong_kind_of_answer_gets_a_clear_grading_error():
    with pytest.raises(GradingError, match="`PhaseCounter` is not defined"):
        CHECKS["ex6_fit"].collect({})
    with pytest.raises(GradingError, match="subclasses `keras.callbacks.Callback`"):
        CHECKS["ex6_fit"].collect({"PhaseCounter": dict})
    with pytest.raises(GradingError, match="must be a function"):
        CHECKS["ex4_short"].collect({"make_callbacks": 42})


def test_quick_check_says_what_is_right(capsys):
    namespace = namespace_with(reference_answers()["ex6"])
    quick_check("ex6", namespace["PhaseCounter"])
    out = capsys.readouterr().out
    assert "✓ after fit for 2 epochs with validation data: every count matches" in out
    assert "All visible checks of ex6 pass." in out


def test_quick_check_says_what_is_wrong_and_why(capsys):
    source, _ = WRONG["ex6"]["counts evaluate only as a test run (skips validation)"]
    with pytest.raises(AssertionError, match="PhaseCounter does not meet the contract yet"):
        quick_check("ex6", namespace_with(source)["PhaseCounter"])
    out = capsys.readouterr().out
    assert "✗ after fit for 2 epochs with validation data: test_batches is 0, Keras called 4; " \
           "test_runs is 0, Keras called 2" in out


def test_grade_reads_the_callers_globals(capsys):
    global PhaseCounter
    PhaseCounter = namespace_with(reference_answers()["ex6"])["PhaseCounter"]
    try:
        grade("ex6_life")
    finally:
        del PhaseCounter
    assert capsys.readouterr().out.count("✓") == 4


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown exercise"):
        quick_check("ex9", object)
    with pytest.raises(ValueError, match="unknown check"):
        grade("ex9_all", {})


def _ratio_run(losses, threshold, ratios, stopped_epoch, epochs):
    return {"error": None, "losses": losses, "ratios": ratios, "stopped_epoch": stopped_epoch,
            "epochs": epochs, "threshold": threshold}


def test_overfitting_score_explains_a_late_stop():
    losses = [[1.0, 1.0], [1.0, 1.5], [1.0, 1.25]]
    result = ex2_overfitting.score_fit(_ratio_run(losses, 1.3, [1.0, 1.5, 1.25], 1, 5), None)
    assert math.isclose(result.fraction, 2 / 3)
    assert "should stop right after epoch 1; it ran epochs 0 to 2" in result.message


def test_overfitting_score_accepts_float32_rounding():
    losses = [[0.3, 0.33]]
    run = _ratio_run(losses, 2.0, [0.33 / 0.3 * (1 + 3e-8)], None, 1)
    assert ex2_overfitting.score_fit(run, None).fraction == 1.0


@pytest.mark.parametrize("curve, stop", [
    ([1.0, 0.8, 0.9, 0.7, 0.75, 0.72, 0.6], 5),
    ([0.9, 0.8, 0.85], None),
    ([1.0, 1.1, 1.2, 0.5], 2),
])
def test_builtin_run_expectations(curve, stop):
    assert ex4_builtin_callbacks._stop_epoch(curve) == stop


def test_expected_checkpoint_names_count_epochs_from_one():
    assert ex4_builtin_callbacks._expected_checkpoints([1.0, 0.8, 0.9, 0.7]) == [
        "ckpt-01-1.0000.keras", "ckpt-02-0.8000.keras", "ckpt-04-0.7000.keras"]


def test_equal_neighbouring_frames_count_once():
    np = pytest.importorskip("numpy")
    a, b = np.zeros((2, 2, 3), np.uint8), np.ones((2, 2, 3), np.uint8)
    assert ex5_prediction_gallery._distinct_runs([a, a.copy(), b, a]) == 3
    assert ex5_prediction_gallery._distinct_runs("not frames") is None


@pytest.mark.parametrize("scenarios", [ex3_early_stopping.BASICS, ex3_early_stopping.RESTORE_CASES],
                         ids=["basics", "restore"])
def test_replayed_reference_matches_real_keras_runs(scenarios):
    replayed = ex3_early_stopping._runs(ex3_early_stopping._keras, scenarios, run=ex3_early_stopping._replay)
    trained = ex3_early_stopping._runs(ex3_early_stopping._keras, scenarios)
    assert replayed == trained


@pytest.mark.parametrize("scenarios", [ex7_reduce_lr.BASICS, ex7_reduce_lr.PLATEAUS], ids=["basics", "plateaus"])
def test_replayed_reduce_lr_matches_real_keras_runs(scenarios):
    replayed = ex7_reduce_lr._runs(ex7_reduce_lr._keras, scenarios, ex7_reduce_lr._replay)["runs"]
    trained = ex7_reduce_lr._runs(ex7_reduce_lr._keras, scenarios, ex7_reduce_lr._fit)["runs"]
    assert replayed == trained
    assert [ex7_reduce_lr._changes(run["learning_rate"], run["start"]) for run in replayed][:2] == (
        [[3, 6], [1, 3, 5]] if scenarios is ex7_reduce_lr.BASICS else [[1, 3], [1]])


def test_reduce_lr_score_names_the_epochs_of_change():
    expected = ex7_reduce_lr.expect_basics()
    observed = {"runs": [dict(run) for run in expected["runs"]]}
    first = observed["runs"][0]
    first["learning_rate"] = [first["start"]] * len(first["learning_rate"])
    result = ex7_reduce_lr.score_runs(observed, expected)
    assert math.isclose(result.fraction, 10 / 12)
    assert "the learning rate changed after epochs []; Keras's ReduceLROnPlateau changes it after epochs [3, 6]" in (
        result.message)
