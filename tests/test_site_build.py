"""The website's sources (tools/build_site.py): home page from the README, reading order, a failing cell fails."""

import subprocess
import sys

import nbformat
import pytest
import yaml

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402


def test_the_home_page_is_the_readmes_key_point_map():
    readme = (ROOT / "README.md").read_text()
    lessons = [("course/01_a", "Lesson 1 — A"), ("course/02_b", "Lesson 2 — B")]
    home = build_site.home_page(readme, lessons)
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
    assert config["execute"]["execute_notebooks"] == "inline"
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    quiz = nbformat.read(tmp_path / "src/quizzes/callbacks_quiz/callbacks_quiz.ipynb", as_version=4)
    lab = nbformat.read(tmp_path / "src/quizzes/callbacks_lab/callbacks_lab.ipynb", as_version=4)
    assert quiz.metadata["mystnb"] == lab.metadata["mystnb"] == {"execution_mode": "off"}
    assert (tmp_path / "src/_static/widgets/embed-amd.js").stat().st_size > 1_000_000
    selfcheck = [c.source for c in quiz.cells if "selfcheck-data" in c.metadata.get("tags", [])]
    assert selfcheck == ["from callbacks_course.quiz_selfcheck import SelfCheck\n\n"
                         "check = SelfCheck()  # exam: no feedback, check() only confirms your answer is readable"]


def test_a_cell_that_raises_fails_the_build(tmp_path, capfd):
    src = tmp_path / "src"
    src.mkdir()
    (src / "_config.yml").write_text(yaml.safe_dump(build_site.book_config("https://github.com/me/course")))
    (src / "_toc.yml").write_text(yaml.safe_dump({"format": "jb-book", "root": "index",
                                                  "chapters": [{"file": "course/broken"}]}))
    (src / "index.md").write_text("# Home\n")
    (src / "course").mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Broken"),
                                                   nbformat.v4.new_code_cell("1 / 0")],
                                            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                     "language": "python"}}),
                   src / "course/broken.ipynb")
    with pytest.raises(subprocess.CalledProcessError):
        build_site.jupyter_book(src, tmp_path)
    out, err = capfd.readouterr()
    assert "ZeroDivisionError" in out + err
    assert not (tmp_path / "html").exists()
