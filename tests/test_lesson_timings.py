"""The lesson timing benchmark runs notebooks headless, tabulates them and reports failures."""

import importlib.util
import pathlib

import nbformat
import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "lesson_timings.py"


@pytest.fixture
def benchmark(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("lesson_timings", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "COURSE", tmp_path)
    cells = {"01_fine": "import os, pathlib\npathlib.Path('runs').mkdir()\nprint(os.environ['CALLBACKS_COURSE_OFFLINE'])",
             "02_broken": "1 / 0"}
    for stem, source in cells.items():
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), tmp_path / f"{stem}.ipynb")
    return module


def test_table_lists_each_lesson_and_the_failure(benchmark, tmp_path, capsys):
    assert benchmark.main([]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[2:4] == ["| lesson | seconds | kernel CPU seconds | result |", "|---|---:|---:|---|"]
    assert lines[4].startswith("| 01_fine | ") and lines[4].endswith(" | ok |")
    wall, cpu = (float(figure) for figure in lines[4].split("|")[2:4])
    assert 0 < cpu and 0 < wall  # the kernel's CPU time is read once it has exited
    assert lines[5].startswith("| 02_broken | ") and lines[5].endswith(" | FAILED |")
    assert lines[6].startswith("| **all 2** |")
    assert "02_broken.ipynb failed: ZeroDivisionError" in err
    assert not (tmp_path / "runs").exists()  # notebooks ran in a temporary folder


def test_floor_and_slowest_cells(benchmark, capsys):
    assert benchmark.main(["--floor", "--cells", "1", "01"]) == 0
    out = capsys.readouterr().out
    floor = next(line for line in out.splitlines() if line.startswith("| (floor"))
    assert floor.endswith(" | ok |") and float(floor.split("|")[3]) > 0  # keras imported: CPU spent
    assert "\n01_fine: cell 0 " in out  # the one cell, with its seconds


def test_prefixes_select_lessons(benchmark, capsys):
    assert benchmark.main(["01"]) == 0
    assert "02_broken" not in capsys.readouterr().out
    with pytest.raises(SystemExit):
        benchmark.main(["99"])
