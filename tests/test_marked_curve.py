import matplotlib
import pytest

from callbacks_course.marked_curve import plot_marked_curve

matplotlib.use("Agg")


def test_marks_sit_on_the_curve_at_epochs_counted_from_one():
    ax = plot_marked_curve([0.9, 0.5, 0.7], {"saved": [1, 2], "stop": [3]})
    curve, saved, stop = ax.get_lines()
    assert list(curve.get_xdata()) == [1, 2, 3]
    assert list(saved.get_xdata()) == [1, 2] and list(saved.get_ydata()) == [0.9, 0.5]
    assert list(stop.get_ydata()) == [0.7]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["val_loss", "saved", "stop"]


def test_an_epoch_outside_the_curve_is_refused():
    with pytest.raises(ValueError, match=r"outside 1\.\.3"):
        plot_marked_curve([0.9, 0.5, 0.7], {"saved": [0]})
