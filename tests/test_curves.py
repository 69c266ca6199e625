import matplotlib
import pytest

from callbacks_course.curves import plot_curves

matplotlib.use("Agg")


def test_plots_one_line_per_key_against_the_epoch_column():
    columns = {"epoch": ["3", "4", "5"], "loss": ["0.9", "0.5", "0.4"], "val_loss": [1.0, 0.8, 0.9]}
    ax = plot_curves(columns, ["loss", "val_loss"], title="resumed")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["loss", "val_loss"]
    assert list(lines[0].get_xdata()) == [3, 4, 5]
    assert list(lines[0].get_ydata()) == pytest.approx([0.9, 0.5, 0.4])
    assert ax.get_title() == "resumed"


def test_without_an_epoch_column_epochs_count_from_zero():
    ax = plot_curves({"loss": [0.5, 0.25]}, ["loss"])
    assert list(ax.get_lines()[0].get_xdata()) == [0, 1]


def test_unknown_key_names_the_available_columns():
    with pytest.raises(KeyError, match=r"val_acc.*\['loss'\]"):
        plot_curves({"loss": [1.0]}, ["val_acc"])


def test_rate_and_loss_share_the_epochs_on_two_axes():
    from callbacks_course.curves import plot_rate_and_loss

    columns = {"loss": [1.0, 0.8, 0.7], "val_loss": [1.1, 0.9, 0.95], "learning_rate": [1e-3, 1e-3, 5e-4]}
    loss_ax, rate_ax = plot_rate_and_loss(columns, title="plateau")
    assert [line.get_label() for line in loss_ax.get_lines()] == ["loss", "val_loss"]
    (rate,) = rate_ax.get_lines()
    assert list(rate.get_ydata()) == pytest.approx([1e-3, 1e-3, 5e-4]) and rate_ax.get_yscale() == "log"
    assert loss_ax.get_title() == "plateau"
    with pytest.raises(KeyError, match="learning_rate"):
        plot_rate_and_loss({"loss": [1.0], "val_loss": [1.0]})
