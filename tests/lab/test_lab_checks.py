"""The lab's checks in-process (through `Student.local`, the notebook's way): the student-facing
entry points, what the port to the trust boundary guarantees, and scoring on hand-made observations."""

import io
import math
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest
from PIL import Image

from callbacks_course.grading import GradingError
from callbacks_course.sandbox.host.remote import Student
from callbacks_course.lab import CHECKS, EXERCISES, grade, quick_check, run_check
from callbacks_course.lab import (
    ex1_batch_timer,
    ex2_overfitting,
    ex3_early_stopping,
    ex4_builtin_callbacks,
    ex5_prediction_gallery,
    ex7_reduce_lr,
)
from lab_answers import CORRECT, WRONG, reference_answers, setup_source

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
    with pytest.raises(GradingError, match=r"`PhaseCounter` is not available \(not defined\)"):
        CHECKS["ex6_fit"].collect(Student.local({}))
    with pytest.raises(GradingError, match="subclasses `keras.callbacks.Callback`"):
        CHECKS["ex6_fit"].collect(Student.local({"PhaseCounter": dict}))
    with pytest.raises(GradingError, match="make it a function"):
        CHECKS["ex4_short"].collect(Student.local({"make_callbacks": 42}))


def test_only_ex3_and_ex7_forbid_the_keras_class_they_rebuild():
    early, reduce_lr = ("keras.callbacks.EarlyStopping",), ("keras.callbacks.ReduceLROnPlateau",)
    assert {grade_id: check.forbid for grade_id, check in CHECKS.items() if check.forbid} == {
        "ex3_basics": early, "ex3_stop": early, "ex3_restore": early,
        "ex7_basics": reduce_lr, "ex7_plateaus": reduce_lr, "ex7_real": reduce_lr}


def test_quick_check_refuses_an_early_stopping_built_on_keras_own(capsys):
    source, _ = WRONG["ex3"]["subclasses Keras's EarlyStopping"]
    with pytest.raises(AssertionError, match="EarlyStoppingFromScratch does not meet the contract yet"):
        quick_check("ex3", namespace_with(source)["EarlyStoppingFromScratch"])
    assert ("✗ `EarlyStoppingFromScratch` must be written on `keras.callbacks.Callback` alone, not on "
            "`keras.callbacks.EarlyStopping`") in capsys.readouterr().out


DELEGATES, _ = WRONG["ex3"]["hands every hook to a hidden keras.callbacks.EarlyStopping"]


def test_the_grading_ban_scores_hidden_delegation_to_keras_early_stopping_0():
    """In a process where `student_side.forbid` ran (as in grading's jail), delegating fails every check."""
    script = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(pathlib.Path(__file__).parent)!r})
        from callbacks_course.sandbox.host.remote import Student
        from callbacks_course.sandbox.inside.student_side import forbid
        from callbacks_course.lab import CHECKS
        from lab_answers import setup_source
        expected = CHECKS["ex3_basics"].expect()  # the grader's reference, before the ban
        forbid(CHECKS["ex3_basics"].forbid)
        namespace = {{}}
        exec(setup_source() + {DELEGATES!r}, namespace)
        result = CHECKS["ex3_basics"].score(CHECKS["ex3_basics"].collect(Student.local(namespace)), expected)
        print(json.dumps([result.fraction, result.message]))
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert run.returncode == 0, run.stderr[-2000:]
    fraction, message = __import__("json").loads(run.stdout.splitlines()[-1])
    assert fraction == 0.0
    assert "raised RuntimeError: this exercise must not use `keras.callbacks.EarlyStopping`" in message


def test_quick_check_refuses_hidden_delegation_as_grading_does_and_puts_keras_back(capsys):
    import keras

    classes = [klass for klass in keras.callbacks.EarlyStopping.__mro__ if klass not in keras.callbacks.Callback.__mro__]
    before = [dict(vars(klass)) for klass in classes]
    with pytest.raises(AssertionError, match="EarlyStoppingFromScratch does not meet the contract yet"):
        quick_check("ex3", namespace_with(DELEGATES)["EarlyStoppingFromScratch"])
    assert "raised RuntimeError: this exercise must not use `keras.callbacks.EarlyStopping`" in capsys.readouterr().out
    assert [dict(vars(klass)) for klass in classes] == before  # the student's kernel gets Keras back intact


def test_the_graders_pauses_are_drawn_afresh_and_unlike_their_neighbours(monkeypatch):
    slept = []
    monkeypatch.setattr(ex1_batch_timer.time, "sleep", slept.append)

    def one_run():
        clock = ex1_batch_timer.InnerClock()
        clock.on_train_begin()
        slept.clear()
        for batch in range(24):
            clock.on_train_batch_begin(batch)
            clock.on_train_batch_end(batch)
        return slept[0::2], slept[1::2]

    inside, gaps = one_run()
    again, _ = one_run()
    low, high, jitter = min(ex1_batch_timer.PAUSES), max(ex1_batch_timer.PAUSES), ex1_batch_timer.JITTER
    assert inside != again
    assert all(low <= pause <= high + jitter for pause in inside)
    assert all(abs(a - b) >= 0.006 - jitter for a, b in zip(inside, inside[1:]))  # PAUSES are >= 6 ms apart
    assert all(ex1_batch_timer.GAPS[0] <= gap <= ex1_batch_timer.GAPS[1] for gap in gaps)
    assert len(set(inside)) == len(inside)


def test_a_path_argument_must_stay_inside_run_dir(tmp_path):
    run_dir = tmp_path / "run"  # the student's folder; the grader maps what is below it into its own
    inside = ex4_builtin_callbacks._inside
    assert inside(str(run_dir / "ckpt-{epoch:02d}-{val_loss:.4f}.keras"), run_dir).as_posix() == \
        "ckpt-{epoch:02d}-{val_loss:.4f}.keras"
    assert inside(str(run_dir), run_dir).as_posix() == "." and inside(str(run_dir / "tb"), run_dir).as_posix() == "tb"
    assert "{epoch!s:.>2.0}".format(epoch=1) == ".."  # what the format-field rule is for
    for outside in ("history.csv", str(run_dir / ".." / "x.csv"), "/etc/x.csv", str(tmp_path / "run2" / "x.csv"),
                    str(run_dir) + "/{epoch!s:.>2.0}/x.keras", str(run_dir) + "/{epoch:c}.keras",
                    str(run_dir) + "/{epoch.real}.keras", str(run_dir) + "/{0}.keras", None, str(run_dir) + "/\0"):
        assert inside(outside, run_dir) is None, outside


def test_callbacks_writing_outside_run_dir_are_left_out_and_nothing_is_written_there(tmp_path, monkeypatch):
    graders_tmp = tmp_path / "tmp"
    graders_tmp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(graders_tmp))  # run_dir = tmp_path/tmp/<root>/run
    escape = "/{epoch!s:.>2.0}" * 3 + "/escaped-{epoch}.keras"  # would format to run_dir/../../../escaped-1.keras
    source = f"""
def make_callbacks(run_dir):
    return [
        keras.callbacks.ModelCheckpoint(str(run_dir) + {escape!r}, save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True),
        keras.callbacks.CSVLogger({str(tmp_path / "history.csv")!r}),
        keras.callbacks.TensorBoard(log_dir=pathlib.Path(run_dir) / ".." / "tensorboard"),
    ]
"""
    observed = CHECKS["ex4_short"].collect(Student.local(namespace_with(source)))
    assert observed["types"] == list(ex4_builtin_callbacks.BUILT_INS) and observed["error"] is None
    assert len(observed["outside_paths"]) == 3 and observed["files"] == []
    # nothing escaped; the grader's run folder is gone (the student's own empty folder stays theirs)
    assert sorted(p.name for p in tmp_path.rglob("*") if not p.name.startswith("run-")) == ["tmp"]
    result = ex4_builtin_callbacks.score_short(observed, None)
    assert "✗ these paths are not inside run_dir, so the grader left their callbacks out of the run" in result.message
    assert math.isclose(result.fraction, 2 / 6)  # the types and fit running; no files, nothing inside


def test_make_callbacks_must_return_keras_own_classes():
    source = """
class MyLogger(keras.callbacks.CSVLogger):
    pass


def make_callbacks(run_dir):
    return [MyLogger(pathlib.Path(run_dir) / "history.csv")]
"""
    observed = CHECKS["ex4_run"].collect(Student.local(namespace_with(source)))
    assert observed == {"error": "`make_callbacks(run_dir)` must return Keras's own callbacks, one each of "
                                 "['CSVLogger', 'EarlyStopping', 'ModelCheckpoint', 'TensorBoard'] (not subclasses "
                                 "or other objects); it returned <MyLogger object>"}


def _gif_bytes(colours, size=(4, 4)):
    frames = [Image.new("RGB", size, colour) for colour in colours]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def test_the_gif_is_read_with_pillows_gif_reader_within_a_pixel_budget():
    read = ex5_prediction_gallery._gif
    before = Image.MAX_IMAGE_PIXELS
    assert read(_gif_bytes(["red", "blue", "red"])) == {"format": "GIF", "frames": 3}
    assert read(None) is None
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    side = (30000).to_bytes(2, "little")  # a 39-byte GIF declaring a frame of 900 megapixels
    bomb = b"GIF89a" + side * 2 + b"\x00\x00\x00" + b",\x00\x00\x00\x00" + side * 2 + b"\x00\x02\x02\x44\x01\x00;"
    assert read(bomb)["format"].startswith("unreadable as a GIF (DecompressionBombError")
    for data in (png.getvalue(), _gif_bytes(["red", "blue"])[:20], bomb, b""):
        got = read(data)
        assert got["frames"] == 0 and got["format"].startswith("unreadable as a GIF ("), data[:10]
    assert Image.MAX_IMAGE_PIXELS == before


def test_quick_check_says_what_is_right(capsys):
    namespace = namespace_with(reference_answers()["ex6"])
    quick_check("ex6", namespace["PhaseCounter"])
    out = capsys.readouterr().out
    assert "✓ after fit for 2 epochs with validation data: every count matches" in out
    assert "All visible checks of ex6 pass." in out


STYLES = [(exercise, style) for exercise, styles in CORRECT.items() for style in styles]


@pytest.mark.parametrize("exercise, style", STYLES, ids=[f"{ex}: {style}" for ex, style in STYLES])
def test_every_correct_style_passes_quick_check(exercise, style, capsys):
    """The same answers score full in grading (test_lab_grading): the callback sees the same real model."""
    quick_check(exercise, namespace_with(CORRECT[exercise][style])[EXERCISES[exercise].NAME])
    assert f"All visible checks of {exercise} pass." in capsys.readouterr().out


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
