"""The instructor notebook, executed top to bottom in a Jupyter kernel, passes every one of its checks.

Its visible cells call `quick_check` and its hidden cells `grade`, both of which raise when a
check falls short, so a clean run means the reference solutions pass everything in the very
kernel (inline matplotlib backend) a student works in.
"""

import pytest

from lab_answers import SOURCE
from support.notebooks import NotebookRun

pytestmark = [pytest.mark.notebook, pytest.mark.slow]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with NotebookRun(SOURCE, tmp_path_factory.mktemp("callbacks_lab"), timeout=300) as run:
        yield run


def _printed(run):
    return "".join(o.get("text", "") for o in run.outputs(output_type="stream"))


def test_every_visible_check_passes(lab):
    printed = _printed(lab)
    for exercise in ("ex1", "ex2", "ex3", "ex4", "ex5", "ex6", "ex7"):
        assert f"All visible checks of {exercise} pass." in printed
    assert "✗" not in printed


def test_try_it_cells_show_real_results(lab):
    assert lab.value("len(timer.durations)") == 16
    assert lab.value("detector.stopped_epoch") is not None
    assert lab.value("sorted(p.name for p in run_dir.iterdir())")[-2:] == ["history.csv", "tensorboard"]
    assert lab.value("len(gallery.frames)") == 4
    (gif,) = lab.outputs(mime="image/gif")  # the gallery's GIF is shown, with a text alternative (alt_text)
    assert gif["metadata"]["image/gif"]["alt"].startswith("An animation of 4 frames")
    assert lab.value("counter.counts['test_runs']") == 3
    rates = lab.value("history.history['learning_rate']")
    assert len(rates) == 10 and rates[0] == pytest.approx(1e-2) and min(rates) < rates[0]  # the plateau was met
