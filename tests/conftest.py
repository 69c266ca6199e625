"""Test-wide settings: the offline MNIST subset and quiet TensorFlow (kernels inherit both)."""

import functools
import os
import pathlib
import re
import sys

import pytest

os.environ["CALLBACKS_COURSE_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


# Lanes: every test is in one lane (a hub journey is also a browser test), named after the most expensive thing it starts, so that
# `pytest -m LANE` runs one kind of test and `-m "not slow"` the quick ones (README, "Test lanes").
LANES = {
    "unit": "in-process Python, no training and no subprocess",
    "keras": "trains small Keras models in-process (the quiz key and Keras facts)",
    "engine": "starts grading workers in their jails, or nbgrader",
    "notebook": "executes notebooks in a Jupyter kernel",
    "package": "builds the course package into a fresh virtual environment",
    "cluster": "starts a one-node Slurm cluster (root)",
    "browser": "drives JupyterLab or the website in headless Chromium",
    "hub": "starts a real JupyterHub with Unix accounts (root)",
}
FOLDER_LANES = {"lessons": "notebook", "grading": "engine", "lab": "engine", "live": "unit",
                "quiz": "engine", "keras_facts": "keras", "browser": "browser", "hub": "hub"}
FILE_LANES = {
    "test_es_playground.py": "keras", "test_gallery.py": "keras", "test_hook_counts.py": "keras",
    "test_recorder.py": "keras", "test_replay.py": "keras", "test_tb_events.py": "keras",
    "test_quiet_tensorflow.py": "keras", "test_mnist.py": "keras",
    "test_launch_links.py": "unit", "test_lesson_timings.py": "notebook", "test_site_build.py": "notebook",
    "test_packaging.py": "package", "test_slurm_shards.py": "cluster",
    "test_key_builtins.py": "keras", "test_key_hooks.py": "keras", "test_key_methods.py": "keras",
    "test_key_file.py": "unit", "test_quiz_registry.py": "unit", "test_cell_stubs.py": "unit",
    "test_quiz_notebook.py": "notebook", "test_lab_notebook.py": "notebook",
    "test_bounded_json.py": "unit", "test_orphans.py": "unit", "test_shards.py": "engine", "test_scenarios.py": "keras",
    "test_backends.py": "keras", "test_quiz_variants.py": "unit", "test_fresh.py": "keras",
}


# A test's time limit (pytest-timeout, setup included: the first test of a lesson pays for its execution), by
# lane, so that a hang fails in minutes with its name and stack; a test's own @pytest.mark.timeout wins.
# Well above the slowest tests seen on this shared machine under load (a lesson about 320 s, a hub journey 310 s).
LANE_TIMEOUTS = {"unit": 120, "keras": 300, "engine": 600, "notebook": 600, "package": 600,
                 "browser": 600, "cluster": 900, "hub": 900}


# The lanes by the time their groups take, longest first: the order in which xdist hands groups out.
LONGEST_FIRST = ["hub", "cluster", "browser", "package", "engine", "notebook", "keras", "unit"]


@pytest.fixture(scope="session")
def course_class(tmp_path_factory):
    """The session's graded class of the real lab and quiz (tests/support/graded_class.py); its tests carry
    `@pytest.mark.xdist_group("graded_class")` so that one xdist worker builds it."""
    from support.graded_class import build

    return build(tmp_path_factory.mktemp("course_class"))


@functools.cache
def shared_group(path):
    """The xdist group of a test file: the one its module `pytestmark` names (`xdist_group("hub")`, or
    `CLASS_MARKS`/`in_class` for the session's graded class), else the file itself.

    Read from the file's text because the scheduler runs in pytest-xdist's controller, which does
    not collect; pytest-xdist's own `--dist loadgroup` does not work with pytest 9 (it renames
    `item._nodeid`, which pytest 9 no longer reads), so `pytest_xdist_make_scheduler` below does it.
    """
    text = (ROOT / path).read_text(encoding="utf-8")
    named = re.search(r'^pytestmark = .*xdist_group\("([^"]+)"\)', text, re.M)
    if named:
        return named.group(1)
    return "graded_class" if "CLASS_MARKS" in text or "@in_class" in text else path


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """Hand out whole groups (`shared_group`): a module's or a shared fixture's tests on one worker."""
    from xdist.scheduler import LoadScopeScheduling

    class SharedGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return shared_group(nodeid.split("::", 1)[0])

    return SharedGroups(config, log)


def lane_of(path):
    """The lane of a test file: its own entry, else its folder's, else `unit` (tests/ itself)."""
    path = pathlib.Path(path)
    if path.name in FILE_LANES:
        return FILE_LANES[path.name]
    return FOLDER_LANES.get(path.parent.name, "unit")


def pytest_configure(config):
    for lane, what in LANES.items():
        config.addinivalue_line("markers", f"{lane}: lane: {what}")


@pytest.hookimpl(tryfirst=True)  # the lanes are marked before `-m` selects
def pytest_collection_modifyitems(items):
    """Mark each test with its lane (hub wins over browser: a hub journey needs the hub), `slow` when
    that lane is not `unit`, and its lane's time limit unless it sets its own; then order the xdist
    groups (`shared_group`) by their costliest lane (LONGEST_FIRST), so that no worker starts a hub
    while the others have finished."""
    rank = {}
    for item in items:
        lane = "hub" if item.get_closest_marker("hub") else lane_of(item.path)
        group = shared_group(item.path.relative_to(ROOT).as_posix())
        rank[group] = min(rank.get(group, len(LONGEST_FIRST)), LONGEST_FIRST.index(lane))
        item.lane_group = group
        item.add_marker(getattr(pytest.mark, lane))
        if lane != "unit":
            item.add_marker(pytest.mark.slow)
        if not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(LANE_TIMEOUTS[lane]))
    items.sort(key=lambda item: rank[item.lane_group])
