"""Fixtures of the browser tests: a JupyterLab server started like `make lab`, and headless Chromium.

The tests need Debian's Chromium at /usr/bin/chromium. Without it they are skipped with a reason
in the summary, unless REQUIRE_BROWSER=1 (set by .ci/run), which turns the skip into a failure.
"""

import os
import pathlib
import shutil
import subprocess

import pytest
from playwright.sync_api import sync_playwright

from labpage import SCREENSHOTS, Shots
from labserver import VENV, LabServer, copy_course

CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing_browser():
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session", autouse=True)
def browser_available():
    """Skip every browser test, with the reason, when Chromium is missing; fail instead if required."""
    reason = missing_browser()
    if reason is None:
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required (REQUIRE_BROWSER=1) but cannot run: {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab from the project's .venv, serving a scratch copy of course/ and quizzes/."""
    root = copy_course(tmp_path_factory.mktemp("lab-root"))
    with LabServer(VENV / "bin/python", root=root, scratch=tmp_path_factory.mktemp("lab-jupyter")) as server:
        yield server


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """A headless Chromium (Debian's, never a downloaded one) with a fresh profile."""
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            headless=True, args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 900})
        context.set_default_timeout(30_000)
        yield context
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture
def page(request, browser_context):
    """A new browser tab; on failure its last view is saved as screenshots/failures/<test>.png."""
    tab = browser_context.new_page()
    yield tab
    if getattr(request.node, "call_failed", False):
        SCREENSHOTS.joinpath("failures").mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / "failures" / f"{request.node.name}.png"))
    tab.close()


@pytest.fixture(scope="session")
def journeys_started():
    """Journeys that saved screenshots in this session (their folder was emptied of older runs' first)."""
    return set()


@pytest.fixture
def shots(request, journeys_started):
    """Screenshots of this journey under screenshots/<journey>/, the journey named by the module."""
    journey = request.module.JOURNEY
    if journey not in journeys_started:
        shutil.rmtree(SCREENSHOTS / journey, ignore_errors=True)
        journeys_started.add(journey)
    return Shots(journey)


def clone_venv(source, dest):
    """A scratch copy of the environment `source` at `dest`: hard links when possible (fast, no extra
    space; removing a package from the copy unlinks its files there only), else a full copy.

    Raises AssertionError unless `dest` is a real folder that Python runs from as its own prefix.
    """
    source = pathlib.Path(source).resolve()  # a symlinked .venv must not be copied as the link
    if subprocess.run(["cp", "-al", str(source), str(dest)], capture_output=True).returncode != 0:
        shutil.rmtree(dest, ignore_errors=True)
        subprocess.run(["cp", "-a", str(source), str(dest)], check=True)
    prefix = subprocess.run([str(dest / "bin/python"), "-c", "import sys; print(sys.prefix)"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert not dest.is_symlink() and pathlib.Path(prefix) == dest, f"{dest} is not a separate environment"
    return dest


@pytest.fixture(scope="module")
def venv_without_widgets(tmp_path_factory):
    """A scratch copy of .venv with the ipywidgets JupyterLab extension (jupyterlab_widgets) uninstalled."""
    clone = clone_venv(VENV, tmp_path_factory.mktemp("broken") / "venv")
    subprocess.run([str(clone / "bin/python"), "-m", "pip", "uninstall", "--yes", "--quiet", "jupyterlab_widgets"],
                   check=True)
    return clone


@pytest.fixture(scope="module")
def lab_without_widgets(tmp_path_factory, venv_without_widgets):
    """JupyterLab started like `lab`, but from the copy of .venv without jupyterlab_widgets."""
    root = copy_course(tmp_path_factory.mktemp("broken-root"))
    with LabServer(venv_without_widgets / "bin/python", root=root,
                   scratch=tmp_path_factory.mktemp("broken-jupyter")) as server:
        yield server
