"""callbacks_course.backends: a failing child process is a clear error; the cost plot draws what was measured.

Real runs on TensorFlow and JAX are checked by tests/lessons/test_15_every_backend.py.
"""

import matplotlib
import pytest

from callbacks_course.backends import plot_batch_costs, run_on

matplotlib.use("Agg")


def test_a_backend_keras_does_not_know_fails_with_the_childs_error():
    with pytest.raises(RuntimeError, match=r"(?s)the nosuch run failed \(exit 1\).*nosuch"):
        run_on("nosuch", timeout=120)


def test_the_plot_has_one_bar_per_backend_and_hook_style():
    results = {"tensorflow": {"ms_per_batch": {"does_nothing": 1.4, "reads_self_model": 1.5}},
               "jax": {"ms_per_batch": {"does_nothing": 0.5, "reads_self_model": 0.6}}}
    ax = plot_batch_costs(results)
    heights = sorted(round(bar.get_height(), 2) for bar in ax.patches)
    assert heights == [0.5, 0.6, 1.4, 1.5]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["tensorflow", "jax"]
    assert ax.get_ylabel() == "ms per batch"
