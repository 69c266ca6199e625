"""What a user does in JupyterLab, as Playwright steps: open a notebook, run it, read its outputs.

Every step waits for what a person would wait for (a kernel going idle, a widget appearing) and
fails with a sentence saying what the user would have seen instead.

Example:

    notebook = open_notebook(page, lab, "course/01_callback_anatomy.ipynb")
    run_all(page, notebook)
    figure = output_of(notebook, "plot_hook_timeline(").locator("img")
"""

import pathlib
import re
import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

SCREENSHOTS = pathlib.Path(__file__).resolve().parents[2] / "screenshots"
WIDGETS_HINT = "is the ipywidgets JupyterLab extension (jupyterlab_widgets) installed?"


class Shots:
    """Save numbered full-window screenshots of one journey under `screenshots/<journey>/`.

    Args:
        journey: the sub-folder, e.g. "student".
    """

    def __init__(self, journey):
        self.folder = SCREENSHOTS / journey
        self.folder.mkdir(parents=True, exist_ok=True)
        self.saved = []

    def __call__(self, page, name):
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path))
        self.saved.append(path)
        return path


def open_notebook(page, lab, path, timeout=90_000):
    """Open `path` (relative to the server root) in JupyterLab; wait for its kernel to be idle.

    Returns the notebook panel's locator.
    """
    # `reset`: no tab of an earlier test is restored, which could take the focus (and "Run All") from this one
    page.goto(lab.url(f"lab/tree/{path}?reset"))
    name = pathlib.PurePosixPath(path).name
    tab = page.locator(".lm-TabBar-tab.jp-mod-current", has_text=name)
    expect(tab, f"JupyterLab did not open a tab for {path}").to_be_visible(timeout=timeout)
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(notebook.locator(".jp-Cell").first).to_be_visible(timeout=timeout)
    wait_idle(page, timeout)
    expect(page.locator(".jp-NotebookPanel"), "another notebook is open beside the one under test").to_have_count(1)
    return notebook


def wait_idle(page, timeout=90_000):
    """Wait until the status bar says the current kernel is idle."""
    status = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"^Python .*\| \w+"))
    expect(status.first, "the kernel never became idle").to_contain_text("| Idle", timeout=timeout)


def menu(page, *labels):
    """Click through the menu bar, e.g. menu(page, "Run", "Run All Cells")."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(labels[0])}$")).click()
    for label in labels[1:]:
        page.locator(".lm-Menu:visible .lm-Menu-itemLabel",
                     has_text=re.compile(f"^{re.escape(label)}$")).first.click()


def run_all(page, notebook, timeout=300):
    """Run > Run All Cells on a notebook not run yet; wait until every code cell has run and the kernel is idle.

    Raises AssertionError with the error a cell printed (Run All stops at a failing cell), or when
    cells are still waiting after `timeout` seconds.
    """
    menu(page, "Run", "Run All Cells")
    prompts = notebook.locator(".jp-CodeCell .jp-InputArea-prompt")
    waiting = prompts.filter(has_text=re.compile(r"^\[\s*[*]?\s*\]:?$"))  # "[ ]:" not run yet, "[*]:" running
    errors = notebook.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
                              has_text="Traceback")
    deadline = time.monotonic() + timeout
    while waiting.count() and not errors.count():
        if time.monotonic() > deadline:
            raise AssertionError(f"{waiting.count()} cells had not run after {timeout} s")
        page.wait_for_timeout(500)
    wait_idle(page, timeout * 1000)
    if errors.count():
        raise AssertionError(f"a cell failed while running all cells:\n{errors.first.text_content()[-2000:]}")


def output_of(notebook, source_snippet):
    """The output area of the first code cell whose source contains `source_snippet`."""
    cell = notebook.locator(".jp-CodeCell", has=notebook.page.locator(".jp-InputArea-editor",
                                                                       has_text=source_snippet)).first
    expect(cell, f"no code cell contains {source_snippet!r}").to_be_attached()
    return cell.locator(".jp-Cell-outputArea")


def rendered_widget(output, what, timeout=30_000):
    """The rendered ipywidgets view in `output`; fails with a hint when only its fallback shows.

    Without the JupyterLab widget manager, an output holding a widget shows its text fallback
    (e.g. `interactive(children=...)`) or "Loading widget..." instead of controls.
    """
    view = output.locator(".jupyter-widgets").first
    try:
        view.wait_for(state="visible", timeout=timeout)
    except PlaywrightTimeout:
        if not output.count():
            raise AssertionError(f"{what}: widget did not render: the cell has no output at all") from None
        output.scroll_into_view_if_needed()
        shown = output.text_content().strip() or "(an empty output)"  # text_content: offscreen cells too
        raise AssertionError(f"{what}: widget did not render: {WIDGETS_HINT}\n"
                             f"The output area shows instead:\n{shown[:500]}") from None
    return view


def edit_and_run(page, notebook, cell_start, code, runs=1):
    """Replace the code of the first cell starting with `cell_start`, then press Shift+Enter `runs` times.

    Shift+Enter runs a cell and moves to the next one, so `runs=2` also runs the cell below.
    """
    editor = notebook.locator(".jp-CodeCell .jp-InputArea-editor",
                              has_text=re.compile(f"^{re.escape(cell_start)}")).first
    editor.locator(".cm-content").click()
    # Control+A outside the editor selects every cell (command mode): wait until the editor has the focus
    expect(editor.locator(".cm-editor"), "the cell's editor did not take the focus").to_have_class(
        re.compile(r"\bcm-focused\b"))
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)  # typed as one text: no auto-closed brackets or quotes
    expect(editor, "the cell does not show the typed code").to_contain_text(code.splitlines()[0])
    for _ in range(runs):
        page.keyboard.press("Shift+Enter")


def validate(page, timeout=180_000):
    """Press nbgrader's Validate button in the notebook toolbar; return the result dialog once it shows."""
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-toolbar").get_by_role(
        "button", name="Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog, "nbgrader's Validate gave no result").to_contain_text("Validation Results", timeout=timeout)
    return dialog
