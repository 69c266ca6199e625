import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "05_early_stopping"
EPOCHS = 25


def runs(lesson):
    return {name: {"params": params, "val_loss": val_loss, "kept": kept}
            for name, (params, val_loss, kept) in lesson.value("real_runs").items()}


def test_the_recorded_run_overfits(lesson):
    val_loss = lesson.value("recorded_val_loss")
    assert len(val_loss) == EPOCHS
    best = val_loss.index(min(val_loss))
    assert 0 < best < EPOCHS - 1 and val_loss[-1] > min(val_loss)


def test_real_runs_stop_where_early_stopping_says(lesson):
    found = runs(lesson)
    recorded = lesson.value("recorded_val_loss")
    for name, run in found.items():
        stop = len(run["val_loss"])
        assert stop < EPOCHS, name  # every demonstrated setting really stops early
        assert run["val_loss"] == pytest.approx(recorded[:stop], rel=1e-5), name  # same seed, same training
    plain, restored = found["patience=2"], found["patience=4, restore"]
    assert plain["kept"] == len(plain["val_loss"])  # without restore: the last epoch's weights
    best_epoch = restored["val_loss"].index(min(restored["val_loss"])) + 1
    assert restored["kept"] == best_epoch < len(restored["val_loss"])
    assert len(found["patience=2, min_delta=0.01"]["val_loss"]) <= len(plain["val_loss"])
    assert len(found["patience=0, start_from_epoch=6"]["val_loss"]) > 6
    assert len(found["val_accuracy, mode=min"]["val_loss"]) == 2


def test_the_replay_reaches_the_real_verdicts(lesson):
    agrees = lesson.value("replay_agrees")
    assert len(agrees) == len(runs(lesson)) and all(agrees.values())


def test_the_playground_replays_through_keras(lesson):
    controls = lesson.value("[c.description for c in playground.controls.values()]")
    assert controls == ["monitor", "mode", "patience", "min_delta", "use baseline", "baseline",
                        "start_from_epoch", "restore_best_weights"]
    assert lesson.value("playground.text").startswith("stopped at epoch ")
    lesson.run("playground.controls['patience'].value = 4\nplayground.controls['restore_best_weights'].value = True")
    restored = runs(lesson)["patience=4, restore"]
    expected = (f"stopped at epoch {len(restored['val_loss'])} (early), "
                f"keeps the weights of epoch {restored['kept']}")
    assert lesson.value("playground.text") == expected
    assert expected in lesson.value("playground.verdict.value")
    shown = lesson.value("[(sorted(o['data']), o.get('metadata', {}).get('image/png', {}).get('alt', ''))"
                         " for o in playground.plot.outputs]")
    assert len(shown) == 1 and {"image/png", "text/html"} <= set(shown[0][0])  # the PNG and its <img alt>
    assert any(character.isdigit() for character in shown[0][1])  # a text alternative from the curve's numbers
    lesson.run("playground.controls['patience'].value = 24")
    assert lesson.value("playground.text").startswith(f"stopped at epoch {EPOCHS} (the last one")


def test_pictures_and_widgets(lesson):
    assert len(lesson.outputs(mime="image/png")) >= 2  # the recorded curve and the real runs' grid
    assert len(lesson.outputs(mime="application/vnd.jupyter.widget-view+json")) >= 2
    printed = "".join(o.get("text", "") for o in lesson.outputs("stream"))
    assert "early stopping" in printed and "Restoring model weights from the end of the best epoch" in printed


def test_every_real_run_prints_what_it_did(lesson):
    printed = "".join(o.get("text", "") for o in lesson.outputs("stream"))
    assert printed.count("the model ends with the weights of epoch") == len(lesson.value("list(real_runs)")) == 6


def test_the_notebook_says_it_runs_on_the_bundled_subset(lesson):
    """Offline, the data loader prints an output line (not a stderr line) under each loading cell."""
    from callbacks_course.mnist import SUBSET_NOTICE

    stdout = "".join(o.get("text", "") for o in lesson.outputs("stream") if o.name == "stdout")
    assert f"{SUBSET_NOTICE} (CALLBACKS_COURSE_OFFLINE=1)." in stdout
