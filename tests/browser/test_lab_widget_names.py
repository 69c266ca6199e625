"""Every lesson playground in real JupyterLab: each control announces its name; one works by keyboard alone.

ipywidgets 8 leaves a slider's handle (role="slider") and its editable readout unnamed: the
visible `description` label sits beside them, tied to neither. The course's JupyterLab extension
(labextension/callbacks-course-a11y, installed with the course package) ties them to it. JupyterLab
is started like `make lab`, which loads the extension from this tree. For each lesson with a playground
(a cell calling `widgets.interact`, `browse` or `EarlyStoppingPlayground`), all cells run, then in
each playground's output and the lesson's self-check panel:

- axe-core finds no serious or critical violation (its full result, with the controls' names, goes
  to build/axe-lab/);
- every control has the name Chromium's accessibility tree gives it that its visible label says:
  a slider, its readout and a menu their widget's description, a checkbox and a button their text.

Lesson 5's EarlyStopping playground is then driven by keyboard alone: Shift+Enter on its cell,
Shift+Tab back into its controls until the patience handle has the focus, three arrow keys; the
verdict, the figure and the figure's alt text follow. Screenshot: screenshots/a11y-lab/.
"""

import json
import re
import sys

import nbformat
import pytest
from playwright.sync_api import expect

from labpage import open_notebook, output_of, rendered_widget, run_all, wait_idle
from labserver import ROOT, VENV, LabServer, copy_course

sys.path.insert(0, str(ROOT / "tools"))
from axe import AXE, SEVERE, accessibility_nodes, audit  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("lab-a11y")]
JOURNEY = "a11y-lab"
EXTENSION = "callbacks-course-a11y"
PLUGIN = f"{EXTENSION}:slider-names"
PLAYGROUND_CALL = re.compile(r"^.*(?:widgets\.interact|\bbrowse|EarlyStoppingPlayground)\(.*$", re.M)
SELFCHECK_CALL = re.compile(r"^show\(questions\(.*$", re.M)
# Each visible control of an area: marked for the DevTools query, with the name its visible label gives it.
VISIBLE_LABELS = """(area, mark) => {
    const labelOf = control => {
        if (control.matches("button")) return control.innerText;
        if (control.matches("input[type='checkbox']")) return control.closest("label").innerText;
        const row = control.closest(".widget-inline-hbox");
        const label = row && row.querySelector(":scope > .widget-label");
        return label ? label.innerText : "";
    };
    return [...area.querySelectorAll("[role='slider'], .widget-readout, select, input, textarea, button")]
        .filter(control => control.getClientRects().length > 0)
        .map(control => { control.setAttribute("data-a11y-control", mark); return labelOf(control).trim(); });
}"""


def playground_lessons():
    """{lesson path: [source line of each playground call]} for every lesson that has one."""
    found = {}
    for path in sorted(ROOT.glob("course/*.ipynb")):
        calls = [match.group(0).strip() for cell in nbformat.read(path, as_version=4).cells
                 if cell.cell_type == "code" for match in PLAYGROUND_CALL.finditer(cell.source)]
        if calls:
            found[path.relative_to(ROOT).as_posix()] = calls
    return found


LESSONS = playground_lessons()


def course_lab(tmp_path_factory, name, disabled=()):
    """JupyterLab started like `make lab` (which loads the course's extension from labextension/); the
    plugins `disabled` are switched off the way `jupyter labextension disable` does (its page_config.json)."""
    scratch = tmp_path_factory.mktemp(f"{name}-jupyter")
    page_config = scratch / "config" / "labconfig" / "page_config.json"
    page_config.parent.mkdir(parents=True)
    page_config.write_text(json.dumps({"disabledExtensions": {plugin: True for plugin in disabled}}))
    return LabServer(VENV / "bin/python", root=copy_course(tmp_path_factory.mktemp(f"{name}-root")), scratch=scratch)


@pytest.fixture(scope="module")
def lab_with_extension(tmp_path_factory):
    with course_lab(tmp_path_factory, "a11y") as server:
        yield server


@pytest.fixture(scope="module")
def lab_extension_disabled(tmp_path_factory):
    with course_lab(tmp_path_factory, "a11y-off", disabled=[PLUGIN]) as server:
        yield server


def audit_area(page, area, what):
    """axe's result on the element `area` only (marked `data-a11y-area` after `what`); returns (mark, result)."""
    mark = re.sub(r"\W+", "-", what)
    area.evaluate("(area, mark) => area.setAttribute('data-a11y-area', mark)", mark)
    return mark, audit(page, include=f"[data-a11y-area='{mark}']")


def check_area(page, area, what, record):
    """axe on the output area `area`, then each control's name in Chromium's tree against its label."""
    mark, result = audit_area(page, area, what)
    record[what] = result
    severe = [f"{v['impact']} {v['id']}: {v['help']} ({v['targets'][:3]})"
              for v in result["violations"] if v["impact"] in SEVERE]
    assert not severe, f"{what}: " + "; ".join(severe)
    labels = area.evaluate(VISIBLE_LABELS, mark)
    nodes = accessibility_nodes(page, f"[data-a11y-control='{mark}']")
    result["controls"] = [{**node, "label": label} for node, label in zip(nodes, labels)]
    assert len(nodes) == len(labels) > 0, f"{what}: {len(labels)} controls on the page, {len(nodes)} in the tree"
    unnamed = [(node, label) for node, label in zip(nodes, labels) if not label or node["name"] != label]
    assert not unnamed, f"{what}: controls whose accessible name is not their visible label: {unnamed}"
    return nodes


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_playground_control_announces_its_label(page, lab_with_extension, lesson):
    assert EXTENSION in lab_with_extension.federated_extensions()
    notebook = open_notebook(page, lab_with_extension, lesson)
    run_all(page, notebook, timeout=600)
    record, roles = {}, set()
    areas = [(call, f"{lesson} playground `{call[:40]}`") for call in LESSONS[lesson]]
    areas += [(SELFCHECK_CALL.search(cell.source).group(0), f"{lesson} self-check")
              for cell in nbformat.read(ROOT / lesson, as_version=4).cells
              if cell.cell_type == "code" and SELFCHECK_CALL.search(cell.source)]
    try:
        for call, what in areas:
            output = output_of(notebook, call[:35])
            output.scroll_into_view_if_needed()
            rendered_widget(output, what)
            roles |= {node["role"] for node in check_area(page, output, what, record)}
    finally:
        folder = ROOT / "build" / "axe-lab"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / (lesson.replace("/", "_") + ".json")).write_text(json.dumps({"axe-core": AXE[1], **record}, indent=1))
    assert roles & {"slider", "combobox"}, f"{lesson}: no slider or menu checked ({roles})"


def focused(locator):
    return locator.evaluate("element => element === document.activeElement")


def test_lesson5_playground_works_from_the_keyboard_alone(page, lab_with_extension, shots):
    lesson = "course/05_early_stopping.ipynb"
    notebook = open_notebook(page, lab_with_extension, lesson)
    run_all(page, notebook, timeout=600)
    cells = nbformat.read(ROOT / lesson, as_version=4).cells
    playground_cell = next(i for i, cell in enumerate(cells) if "EarlyStoppingPlayground(" in cell.source
                           and cell.cell_type == "code" and not cell.source.startswith("import"))
    # Run All leaves the last cell active, in command mode: walk up to the playground's cell and run it
    page.keyboard.press("Escape")
    for _ in range(len(cells) - 1 - playground_cell):
        page.keyboard.press("ArrowUp")
    page.keyboard.press("Shift+Enter")  # runs it (a fresh playground) and makes the next cell active
    wait_idle(page)
    output = output_of(notebook, "playground = EarlyStoppingPlayground(")
    playground = rendered_widget(output, "lesson 5 playground")
    patience = playground.get_by_role("slider", name="patience", exact=True)  # the name a screen reader says
    expect(patience).to_have_attribute("aria-valuenow", re.compile(r"^0(\.0)?$"))
    figure = playground.locator(".widget-output img")
    expect(figure).to_have_count(1)
    verdict = playground.locator(".es-verdict")
    before = figure.get_attribute("alt")
    for presses in range(1, 40):
        page.keyboard.press("Shift+Tab")
        if focused(patience):
            break
    else:
        pytest.fail("Shift+Tab from the next cell never reached the playground's patience slider")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(patience).to_have_attribute("aria-valuenow", re.compile(r"^3(\.0)?$"))
    expect(figure).not_to_have_attribute("alt", before, timeout=30_000)
    wait_idle(page)
    after = figure.get_attribute("alt")
    stops = [int(re.search(r"stopped at epoch (\d+)", text).group(1)) for text in (before, after)]
    assert stops[1] > stops[0], f"more patience must stop later: {before!r} -> {after!r}"
    assert re.search(r"stopped at epoch \d+", verdict.text_content()).group(0) in after
    assert focused(patience), "the focus left the slider while the figure was redrawn"
    playground.scroll_into_view_if_needed()
    shots(page, "keyboard-playground-lesson5-patience-3")  # `presses` Shift+Tabs, then 3 arrow keys


def test_without_the_extension_a_slider_has_no_name(page, lab_extension_disabled):
    """The failure the extension fixes, seen by the same checks: ipywidgets 8 alone leaves the handle unnamed."""
    assert EXTENSION in lab_extension_disabled.federated_extensions()  # loaded, its plugin switched off
    notebook = open_notebook(page, lab_extension_disabled, "course/01_callback_anatomy.ipynb")
    run_all(page, notebook)
    output = output_of(notebook, "widgets.interact(show_call")
    slider = rendered_widget(output, "lesson 1 slider")
    expect(slider.locator(".widget-label")).to_have_text("call")
    mark, result = audit_area(page, output, "lesson 1 without the extension")
    assert {v["id"] for v in result["violations"] if v["impact"] in SEVERE} == {"aria-input-field-name"}
    assert accessibility_nodes(page, f"[data-a11y-area='{mark}'] [role='slider']") == [{"role": "slider", "name": ""}]
