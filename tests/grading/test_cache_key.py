"""The cache key covers every file and installed version grading depends on: an edit of any regrades.

Edits are made in temporary copies (of the sample course, the engine and the `callbacks_course`
package); the real files are never touched.
"""

import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograde import dependencies
from autograde.course import Course
from support.grading import ROOT, SAMPLE, submission

COPY = shutil.ignore_patterns("__pycache__", "*.pyc")


@pytest.fixture
def copies(tmp_path, monkeypatch):
    """(course root, engine folder, package folder), all copies; the key is computed from them."""
    root = tmp_path / "course"
    shutil.copytree(SAMPLE, root, ignore=COPY)
    (root / "autograde" / "keys").mkdir()
    (root / "autograde" / "keys" / "sample.json").write_text('{"cases": [[2, 3]]}')
    engine = shutil.copytree(dependencies.ENGINE, tmp_path / "engine" / "autograde", ignore=COPY)
    package = shutil.copytree(dependencies.package_folder(), tmp_path / "src" / "callbacks_course", ignore=COPY)
    monkeypatch.setattr(dependencies, "ENGINE", engine)
    monkeypatch.setattr(dependencies, "package_folder", lambda: package)
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in ("sample", "sample_checks"):  # the registry is imported from the copy
        monkeypatch.delitem(sys.modules, name, raising=False)
    yield root, engine, package
    for name in ("sample", "sample_checks"):  # ...and forgotten, before monkeypatch restores the original
        sys.modules.pop(name, None)


def _key(root):
    return Course(root, work=root / ".autograde").checks_fingerprint("sample")


def _append(path, data=b"\n# edited\n"):
    with open(path, "ab") as handle:
        handle.write(data)


def _edit_solution(root):
    path = root / "solutions" / "sample" / "sample.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[0].source += "\n\nA clarified sentence."
    nbformat.write(nb, str(path))


EDITS = {
    "package models.py": lambda root, engine, package: _append(package / "models.py"),
    "package recorder.py": lambda root, engine, package: _append(package / "recorder.py"),
    "package mnist.py": lambda root, engine, package: _append(package / "mnist.py"),
    "package data": lambda root, engine, package: _append(package / "data" / "mnist_subset.npz", b"\0"),
    "package quiz.py": lambda root, engine, package: _append(package / "quiz.py"),
    "engine": lambda root, engine, package: _append(engine / "results.py"),
    "registry": lambda root, engine, package: _append(root / "autograde" / "assignments" / "sample.py"),
    "check module": lambda root, engine, package: _append(root / "autograde" / "assignments" / "sample_checks.py"),
    "key file": lambda root, engine, package: (root / "autograde" / "keys" / "sample.json").write_text("{}"),
    "solution notebook": lambda root, engine, package: _edit_solution(root),
    "file next to the solution": lambda root, engine, package: (root / "solutions" / "sample" / "x.csv").write_text("1"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_every_dependency_changes_the_key(copies, edit):
    root = copies[0]
    before = _key(root)
    assert _key(root) == before  # nothing changed: the same key, nothing regraded
    EDITS[edit](*copies)
    assert _key(root) != before


def test_installed_versions_change_the_key(copies, monkeypatch):
    import keras
    import numpy

    versions = dependencies.installed_versions()
    assert {f"keras=={keras.__version__}", f"numpy=={numpy.__version__}"} <= set(versions)
    names = {v.split("==")[0] for v in versions}
    assert {"Python", "tensorflow", "nbgrader", "nbformat", "ml-dtypes", "h5py"} <= names  # and what they require
    before = _key(copies[0])
    changed = tuple(v.replace(f"numpy=={numpy.__version__}", "numpy==0.0.1") for v in versions)
    monkeypatch.setattr(dependencies, "installed_versions", lambda: changed)
    assert _key(copies[0]) != before


def test_a_moved_copy_keeps_the_key(copies, tmp_path):
    root = copies[0]
    before = _key(root)
    assert dependencies.fingerprint_folders([root / "solutions"]) == \
        dependencies.fingerprint_folders([shutil.copytree(root / "solutions", tmp_path / "elsewhere" / "solutions")])
    assert _key(root) == before


@pytest.mark.slow
def test_an_edited_package_module_regrades_end_to_end(sample_release, tmp_path):
    """Through the CLI: the engine and the package run from copies; editing models.py regrades."""
    _, released = sample_release
    shutil.copytree(ROOT / "autograde", tmp_path / "autograde", ignore=COPY)
    package = shutil.copytree(dependencies.package_folder(), tmp_path / "src" / "callbacks_course", ignore=COPY)
    subs = tmp_path / "subs"  # a blank submission: graded without training, yet cached like any other
    (subs / "blank" / "sample").mkdir(parents=True)
    nbformat.write(submission(released, {}), str(subs / "blank" / "sample" / "sample.ipynb"))
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "src"))

    def grade():
        done = subprocess.run([sys.executable, "-m", "autograde", "--course", str(SAMPLE), "--work",
                               str(tmp_path / "work"), "grade", str(subs), "--out", str(tmp_path / "out")],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        return [line for line in done.stdout.splitlines() if line.startswith("[")]

    assert grade() == ["[1/1] blank sample 0/4"]
    assert grade() == ["[1/1] blank sample 0/4 (cached)"]
    _append(package / "models.py")
    assert grade() == ["[1/1] blank sample 0/4"]
