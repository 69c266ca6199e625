"""Every figure a lesson shows carries a text alternative that names numbers from its data.

The figures are read from each lesson's executed notebook: the copy its lesson test (or
`make site`) stored for the lesson's current source (`ExecutedNotebooks.executed`),
otherwise the lesson is run here (and stored). Figures inside widgets (the playgrounds' Output
widgets) count too: they are read from the notebook's saved widget state.
"""

import html
import pathlib
import re

import pytest

from support.notebooks import ExecutedNotebooks

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
ROOT = pathlib.Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "course").glob("*.ipynb"))
PICTURES = ("image/png", "image/gif")
STRUCTURE = re.compile(r"Panel \d+ of \d+|frame \d+:")  # numbering of the text itself, not data


def figure_outputs(nb):
    """Every output holding a picture: the cells' own, then those kept in Output widgets' state."""
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model in state.values():
        outputs += model["state"].get("outputs", []) if model.get("model_name") == "OutputModel" else []
    return [o for o in outputs if any(mime in o.get("data", {}) for mime in PICTURES)]


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_figure_names_numbers_from_its_data(lesson):
    figures = figure_outputs(ExecutedNotebooks().executed(lesson))
    assert figures, f"{lesson.name} shows no figure"
    for number, output in enumerate(figures, 1):
        mime = next(m for m in PICTURES if m in output["data"])
        alt = output.get("metadata", {}).get(mime, {}).get("alt", "")
        assert re.search(r"\d", STRUCTURE.sub("", alt)), f"{lesson.name}, figure {number}: alt text {alt!r}"
        assert f'alt="{html.escape(alt, quote=True)}"' in output["data"].get("text/html", ""), \
            f"{lesson.name}, figure {number}: no <img> with that alt text for JupyterLab and the website"
