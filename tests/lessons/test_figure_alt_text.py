"""Every figure a lesson shows carries a text alternative that names numbers from its data.

The figures are read from each lesson's executed notebook: the website build's copy
(build/site/src/course, from `make site`) when it is newer than the lesson and the course
package, otherwise the lesson is run here. Figures inside widgets (the playgrounds' Output
widgets) count too: they are read from the notebook's saved widget state.
"""

import html
import pathlib
import re

import nbformat
import pytest

from notebook_runner import NotebookRun

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
ROOT = pathlib.Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "course").glob("*.ipynb"))
BUILT = ROOT / "build" / "site" / "src" / "course"
PICTURES = ("image/png", "image/gif")
STRUCTURE = re.compile(r"Panel \d+ of \d+|frame \d+:")  # numbering of the text itself, not data


def executed(lesson, tmp_path):
    built = BUILT / lesson.name
    package = max(p.stat().st_mtime for p in (ROOT / "src" / "callbacks_course").rglob("*.py"))
    if built.exists() and built.stat().st_mtime > max(lesson.stat().st_mtime, package):
        return nbformat.read(built, as_version=4)
    with NotebookRun(lesson, tmp_path) as run:
        return run.nb


def figure_outputs(nb):
    """Every output holding a picture: the cells' own, then those kept in Output widgets' state."""
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model in state.values():
        outputs += model["state"].get("outputs", []) if model.get("model_name") == "OutputModel" else []
    return [o for o in outputs if any(mime in o.get("data", {}) for mime in PICTURES)]


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_figure_names_numbers_from_its_data(lesson, tmp_path):
    figures = figure_outputs(executed(lesson, tmp_path))
    assert figures, f"{lesson.name} shows no figure"
    for number, output in enumerate(figures, 1):
        mime = next(m for m in PICTURES if m in output["data"])
        alt = output.get("metadata", {}).get(mime, {}).get("alt", "")
        assert re.search(r"\d", STRUCTURE.sub("", alt)), f"{lesson.name}, figure {number}: alt text {alt!r}"
        assert f'alt="{html.escape(alt, quote=True)}"' in output["data"].get("text/html", ""), \
            f"{lesson.name}, figure {number}: no <img> with that alt text for JupyterLab and the website"
