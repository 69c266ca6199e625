"""The repository's own rules: pinned dependencies agree, notebooks are clean, every lesson is tested."""

import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
SKIP = {".venv", ".ipynb_checkpoints", "build", ".autograde", "node_modules"}


def pinned(lines):
    return {m.group(1).lower().replace("_", "-"): m.group(2)
            for m in (re.match(r"^\s*(?:-\s*)?([A-Za-z0-9_.\-]+)==([^\s#]+)", line) for line in lines) if m}


def test_environment_yml_pins_exactly_the_requirements():
    requirements = pinned((ROOT / "requirements.txt").read_text().splitlines())
    environment = pinned((ROOT / "environment.yml").read_text().splitlines())
    assert requirements, "requirements.txt pins nothing"
    assert environment == requirements


def notebooks():
    return [p for p in ROOT.rglob("*.ipynb") if not SKIP & set(p.relative_to(ROOT).parts)]


def test_notebooks_are_stored_without_outputs():
    dirty = []
    for path in notebooks():
        cells = json.loads(path.read_text())["cells"]
        if any(c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code"):
            dirty.append(str(path.relative_to(ROOT)))
    assert not dirty, f"notebooks with outputs (run `make strip`): {dirty}"


def test_every_lesson_notebook_has_its_test():
    lessons = sorted(p.stem for p in (ROOT / "course").glob("*.ipynb"))
    assert lessons, "no lesson notebooks found"
    missing = [stem for stem in lessons if not (ROOT / "tests" / "lessons" / f"test_{stem}.py").exists()]
    assert not missing, f"lessons without a test that executes them: {missing}"
