"""The website's sources (tools/build_site.py): home page from the README, reading order, a failing cell fails,
and a lesson the lesson tests executed is not executed again."""

import pathlib

import nbformat
import pytest
import yaml

import support  # noqa: F401  (puts tools/ on the path)
import build_site
from notebook_run import ExecutedNotebooks, NotebookFailed, execute, source_key

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_the_home_page_is_the_readmes_key_point_map():
    readme = (ROOT / "README.md").read_text()
    lessons = [("course/01_a", "Lesson 1 — A"), ("course/02_b", "Lesson 2 — B")]
    home = build_site.home_page(readme, lessons, "https://github.com/me/course")
    assert "[Launch Binder](https://mybinder.org/v2/gh/me/course/main?urlpath=lab/tree/course)" in home
    table = build_site.readme_section(readme, build_site.HOME_SECTION)
    assert table.count("\n| ") >= 11 and "| key point of the notes | lesson: section |" in table
    assert table in home
    assert home.endswith("1. [Lesson 1 — A](course/01_a.ipynb)\n2. [Lesson 2 — B](course/02_b.ipynb)\n")


def test_a_renamed_readme_section_is_a_clear_error():
    with pytest.raises(ValueError, match="README.md has no section 'Every key point"):
        build_site.readme_section("# Title\n\n## Something else\n", build_site.HOME_SECTION)


def test_navigation_is_the_lessons_in_file_order_then_the_quiz_and_lab(tmp_path):
    lessons, graded = build_site.stage(ROOT, tmp_path / "src")
    assert [path for path, _ in lessons] == [f"course/{p.stem}" for p in sorted(ROOT.glob("course/*.ipynb"))]
    assert graded == ["quizzes/callbacks_quiz/callbacks_quiz", "quizzes/callbacks_lab/callbacks_lab"]
    toc = yaml.safe_load((tmp_path / "src/_toc.yml").read_text())
    assert [c["file"] for part in toc["parts"] for c in part["chapters"]] == [p for p, _ in lessons] + graded
    config = yaml.safe_load((tmp_path / "src/_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "off"  # build() executes the lessons itself
    assert config["sphinx"]["config"]["nb_ipywidgets_js"] == build_site.WIDGET_JS
    quiz = nbformat.read(tmp_path / "src/quizzes/callbacks_quiz/callbacks_quiz.ipynb", as_version=4)
    for page in [p for p, _ in lessons] + graded:  # the Colab/Kaggle install cell is not shown on the site
        cells = nbformat.read(tmp_path / "src" / f"{page}.ipynb", as_version=4).cells
        assert cells[1].metadata.tags == ["launch-setup", "remove-cell"], page
    for script in build_site.WIDGET_JS:  # served by the site itself, from its root (paths relative to _static)
        assert script.startswith("../widgets/")  # the site's /widgets/, copied from _vendor/widgets
        assert (tmp_path / "src/_vendor/widgets" / pathlib.PurePosixPath(script).name).stat().st_size > 10_000
    assert not list((tmp_path / "src/_static").rglob("embed-amd.js"))  # Jupyter Book would load it a second time
    vendor = tmp_path / "src/_vendor"  # so are MathJax and its fonts (the site's /mathjax/)...
    assert config["sphinx"]["config"]["mathjax_path"] == "../mathjax/tex-mml-chtml.js"  # from _static
    assert config["sphinx"]["config"]["html_extra_path"] == ["_vendor"]
    assert (vendor / "mathjax/tex-mml-chtml.js").stat().st_size > 1_000_000
    assert (vendor / "mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff").stat().st_size > 10_000
    names, contrast = (tmp_path / "src/_static" / name for name in build_site.A11Y_FILES)  # ...names, contrast
    assert "aria-labelledby" in names.read_text() and ".jupyter-button.mod-primary" in contrast.read_text()
    assert config["sphinx"]["config"]["language"] == "en"
    selfcheck = [c.source for c in quiz.cells if "selfcheck-data" in c.metadata.get("tags", [])]
    assert selfcheck == ["from callbacks_course.quiz_selfcheck import SelfCheck\n\n"
                         "check = SelfCheck()  # exam: no feedback, check() only confirms your answer is readable"]


def test_a_cell_that_raises_fails_the_build(tmp_path):
    lesson = tmp_path / "broken.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Broken"),
                                                   nbformat.v4.new_code_cell("x = 1"),
                                                   nbformat.v4.new_code_cell("x / 0")]), lesson)
    before = lesson.read_text()
    store = ExecutedNotebooks(tmp_path / "executed")
    with pytest.raises(NotebookFailed, match=r"(?s)broken.ipynb: cell 2 raised:\nx / 0.*ZeroDivisionError") as failed:
        store.executed(lesson, log=lambda line: None)
    assert failed.value.reason == "ZeroDivisionError: division by zero"
    assert lesson.read_text() == before and store.get(lesson) is None  # nothing kept of a failed lesson


def test_an_executed_lesson_keeps_its_outputs_and_widget_state(tmp_path):
    lesson = tmp_path / "widgets.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import ipywidgets, pathlib\npathlib.Path('made.txt').write_text('x')\nipywidgets.IntSlider(value=7)")]), lesson)
    before = lesson.read_text()
    nb = execute(lesson, tmp_path / "work")
    (output,) = nb.cells[0].outputs
    assert "application/vnd.jupyter.widget-view+json" in output.data and nb.cells[0].execution_count == 1
    state = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    assert any(model["state"].get("value") == 7 for model in state.values())
    assert nb.metadata.language_info.name == "python"  # MyST-NB highlights the code by it
    assert (tmp_path / "work/made.txt").exists() and not (tmp_path / "made.txt").exists()
    assert lesson.read_text() == before


def test_a_stored_execution_is_reused_until_its_source_changes(tmp_path):
    lesson = tmp_path / "count.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import pathlib\nruns = pathlib.Path('runs.txt')\nruns.write_text(str(len(runs.read_text()) + 1 if runs.exists() else 1))\n"
        "print('executed')")]), lesson)
    store = ExecutedNotebooks(tmp_path / "executed")
    first = store.executed(lesson, log=lambda line: None)
    assert first.cells[0].outputs[0].text == "executed\n"
    assert store.path(lesson).name == f"count-{source_key(lesson)}.ipynb" and store.path(lesson).exists()
    first.cells[0].outputs[0].text = "kept\n"  # what the store holds is what the site shows
    store.put(lesson, first)
    assert store.executed(lesson, log=lambda line: None).cells[0].outputs[0].text == "kept\n"
    nb = nbformat.read(lesson, as_version=4)
    nb.cells[0].source += "\nprint('changed')"
    nbformat.write(nb, lesson)
    assert store.get(lesson) is None  # a changed lesson is executed again, its old copy replaced
    assert "".join(o.text for o in store.executed(lesson, log=lambda line: None).cells[0].outputs) == "executed\nchanged\n"
    assert [p.name for p in store.folder.iterdir()] == [store.path(lesson).name]


def test_the_lesson_tests_run_twice_only_the_lessons_that_write_files():
    from support.notebooks import WRITES_FILES

    lessons = {p.stem: nbformat.read(p, as_version=4) for p in sorted(ROOT.glob("course/*.ipynb"))}
    writers = {stem for stem, nb in lessons.items()
               if any('pathlib.Path("runs/' in cell.source for cell in nb.cells if cell.cell_type == "code")}
    assert set(WRITES_FILES) == writers and len(writers) == 8
