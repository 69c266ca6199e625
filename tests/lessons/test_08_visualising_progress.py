import base64
import io

import numpy as np
import pytest
from PIL import Image

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "08_visualising_progress"
EPOCHS = 8


def test_gif_has_one_frame_per_epoch_as_in_lab_exercise_5(lesson):
    path = lesson.workdir / "runs" / LESSON / "progress.gif"
    with Image.open(path) as gif:
        assert gif.n_frames == EPOCHS
        assert gif.info["loop"] == 0 and gif.info["duration"] == 700
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB"))
    kept = np.array(lesson.value("gallery.frames[-1].tolist()"), dtype=np.uint8)
    assert last.shape == kept.shape
    assert np.abs(last.astype(int) - kept).mean() < 8  # the GIF's palette is close to the kept frame


def test_frames_show_the_fixed_digits_getting_better(lesson):
    right = lesson.value("gallery.right")
    assert len(right) == EPOCHS == lesson.value("len(gallery.frames)")
    untrained_right = lesson.value("int((guesses == sample_labels).sum())")
    assert untrained_right <= 6 and right[-1] >= 14 and right[-1] > right[0]
    labels = lesson.value("sample_labels.tolist()")
    assert labels == [d for d in range(10) for _ in range(2)]


def test_no_pyplot_figure_left_open_by_the_callback(lesson):
    assert lesson.value("open_figures_after_fit") == 0


def test_the_gif_is_shown_in_the_notebook(lesson):
    shown = lesson.outputs(mime="image/gif")
    assert len(shown) == 1
    with Image.open(io.BytesIO(base64.b64decode(shown[0]["data"]["image/gif"]))) as gif:
        assert gif.n_frames == EPOCHS


def test_lesson_draws_and_offers_its_widgets(lesson):
    assert len(lesson.outputs(mime="image/png")) >= 2  # the untrained frame, first vs last
    assert len(lesson.outputs(mime="application/vnd.jupyter.widget-view+json")) >= 2  # slider, self-check


def test_the_notebook_says_it_runs_on_the_bundled_subset(lesson):
    """Offline, the data loader prints an output line (not a stderr line) under each loading cell."""
    from callbacks_course.mnist import SUBSET_NOTICE

    stdout = "".join(o.get("text", "") for o in lesson.outputs("stream") if o.name == "stdout")
    assert f"{SUBSET_NOTICE} (CALLBACKS_COURSE_OFFLINE=1)." in stdout


def test_each_frame_says_which_digits_it_shows_and_which_are_wrong(lesson):
    """The frames' text alternative comes from the predictions drawn (a reader who cannot see them
    hears the same digits), and the untrained frame's count matches the lesson's own."""
    untrained_right = lesson.value("int((guesses == sample_labels).sum())")
    alts = [o["metadata"]["image/png"]["alt"] for o in lesson.outputs(mime="image/png")
            if "alt" in o.get("metadata", {}).get("image/png", {})]
    assert any(f"untrained model: {untrained_right} of 20 digits predicted right; predicted: " in alt for alt in alts), alts
    assert any("epoch 7:" in alt and "(true " in alt or "epoch 7: 20 of 20" in alt for alt in alts), alts
