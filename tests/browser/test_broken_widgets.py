"""A student-side failure is caught: without the ipywidgets JupyterLab extension the journey fails clearly."""

import re

import pytest

from journeys import lesson1
from labpage import WIDGETS_HINT
from labserver import VENV

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("lab")]
JOURNEY = "broken-widgets"
WIDGET_MANAGER = "@jupyter-widgets/jupyterlab-manager"
EXTENSION_DIR = "share/jupyter/labextensions/@jupyter-widgets/jupyterlab-manager"


def test_the_scratch_environment_lacks_only_the_widget_extension(lab, lab_without_widgets, venv_without_widgets):
    assert (VENV / EXTENSION_DIR).is_dir(), "the project's .venv must keep its widget extension"
    assert not (venv_without_widgets / EXTENSION_DIR).exists()
    healthy, broken = lab.federated_extensions(), lab_without_widgets.federated_extensions()
    assert healthy - broken == {WIDGET_MANAGER}
    assert "@jupyter/nbgrader" in broken


def test_uninstalled_widget_extension_fails_the_student_journey(page, lab_without_widgets, shots):
    with pytest.raises(AssertionError, match=re.escape(f"widget did not render: {WIDGETS_HINT}")) as failure:
        lesson1(page, lab_without_widgets, shots)
    shots(page, "03-lesson1-widget-missing")
    # the figure still rendered: the journey got as far as the slider, and reports what showed instead
    assert [path.name for path in shots.saved][:2] == ["01-lesson1-open.png", "02-lesson1-timeline.png"]
    message = str(failure.value)
    assert message.startswith("lesson 1 step-through slider: widget did not render")
    assert "interactive(children=(IntSlider(value=0, description='call'" in message
