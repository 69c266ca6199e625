"""The course package is a real one: it builds, installs alone outside the repository, and Binder's steps work.

One fresh virtual environment, outside the repository, serves every slow test here: first the built
wheel is installed with only its declared dependencies (held at the course's pins), then Binder's own
steps (.binder/requirements.txt, .binder/postBuild) complete it and lesson 1 runs there.
"""

import ast
import json
import os
import pathlib
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile

import nbformat
import pytest
from packaging.requirements import Requirement

from test_repository import pinned

ROOT = pathlib.Path(__file__).resolve().parents[1]
# one built wheel and one fresh venv (module fixtures) for the module: on one xdist worker
pytestmark = pytest.mark.xdist_group("package")

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DECLARED = {Requirement(text).name.lower(): Requirement(text) for text in PYPROJECT["project"]["dependencies"]}
IMPORT_NAMES = {"PIL": "pillow", "IPython": "ipywidgets"}  # IPython comes with ipywidgets
DATA = "callbacks_course/data/mnist_subset.npz"


def test_every_dependency_has_a_range_that_the_course_pin_satisfies():
    pins = pinned((ROOT / "requirements.txt").read_text().splitlines())
    assert DECLARED, "pyproject.toml declares no dependencies"
    for name, requirement in DECLARED.items():
        assert requirement.specifier, f"{name}: give a compatible range, e.g. ~=1.2"
        assert "==" not in str(requirement.specifier), f"{name}: exact pins belong in requirements.txt"
        assert name in pins, f"{name} is declared in pyproject.toml but not pinned in requirements.txt"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {requirement}"


def third_party_imports(paths):
    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name != "callbacks_course"}


def test_everything_the_package_and_lessons_import_is_declared():
    sources = list((ROOT / "src/callbacks_course").rglob("*.py"))
    cells = [cell.source for path in ROOT.glob("course/*.ipynb")
             for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    imports = third_party_imports(sources) | {
        match.group(1) for code in cells for match in re.finditer(r"^\s*(?:import|from) ([A-Za-z_]\w*)", code, re.M)}
    imports -= set(sys.stdlib_module_names) | {"callbacks_course", "google"}  # google.colab: the install cell
    missing = {name for name in imports if IMPORT_NAMES.get(name, name).lower() not in DECLARED}
    assert not missing, f"imported but not declared in pyproject.toml's dependencies: {sorted(missing)}"


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """The sdist and wheel `python -m build` makes from a clean copy of the repository's files."""
    clone = tmp_path_factory.mktemp("clone")
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for relative in filter(None, files):
        if (ROOT / relative).is_file():
            (clone / relative).parent.mkdir(parents=True, exist_ok=True)
            (clone / relative).write_bytes((ROOT / relative).read_bytes())
            (clone / relative).chmod((ROOT / relative).stat().st_mode)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(clone)], check=True,
                   capture_output=True)
    version = PYPROJECT["project"]["version"]
    return clone, out / f"callbacks_course-{version}-py3-none-any.whl", out / f"callbacks_course-{version}.tar.gz"


def test_wheel_and_sdist_ship_the_data_and_the_metadata(dist):
    _, wheel, sdist = dist
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert {DATA, "callbacks_course/data/README.md", "callbacks_course/lab/ex3_early_stopping.py"} <= names
    extension = f"callbacks_course-{PYPROJECT['project']['version']}.data/data/share/jupyter/labextensions/callbacks-course-a11y"
    assert {f"{extension}/package.json", f"{extension}/remoteEntry.js"} <= names  # where JupyterLab finds it
    assert {line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Requires-Dist: ")} == \
        {str(requirement) for requirement in DECLARED.values()}
    assert "Project-URL: Repository, " + PYPROJECT["project"]["urls"]["Repository"] in metadata
    with tarfile.open(sdist) as archive:
        assert any(name.endswith("src/" + DATA) for name in archive.getnames())


def run(args, cwd, env=None, timeout=900):
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **(env or {})})
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory, dist):
    """A new venv outside the repository holding only the wheel and its declared dependencies (from pip's
    cache; `--no-compile`: byte-code is written on import, not for every file up front)."""
    _, wheel, _ = dist
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    run([sys.base_prefix + "/bin/python3", "-m", "venv", venv], cwd=venv.parent)
    run([venv / "bin/python", "-m", "pip", "install", "--quiet", "--no-compile", "-c", ROOT / "requirements.txt", wheel],
        cwd=venv.parent)
    return venv


OUTSIDE = {"PYTHONPATH": "", "CALLBACKS_COURSE_OFFLINE": "1"}


@pytest.mark.slow
def test_the_wheel_alone_imports_every_module_and_loads_its_data(fresh_venv):
    run([fresh_venv / "bin/python", "-m", "pip", "check"], cwd=fresh_venv.parent)
    code = ("import importlib, json, pkgutil, callbacks_course\n"
            "from callbacks_course.mnist import load_mnist\n"
            "mods = [m.name for m in pkgutil.walk_packages(callbacks_course.__path__, 'callbacks_course.')]\n"
            "for m in mods: importlib.import_module(m)\n"
            "(x, y), (xt, yt) = load_mnist()\n"
            "print(json.dumps({'file': callbacks_course.__file__, 'modules': len(mods), 'shapes': [x.shape, xt.shape]}))")
    found = json.loads(run([fresh_venv / "bin/python", "-c", code], cwd=fresh_venv.parent, env=OUTSIDE).splitlines()[-1])
    assert found["file"].startswith(str(fresh_venv / "lib")), found["file"]
    assert found["modules"] == len([p for p in (ROOT / "src/callbacks_course").rglob("*.py")]) - 1  # all but __init__
    assert found["shapes"] == [[8000, 28, 28], [2000, 28, 28]]


@pytest.mark.slow
def test_the_quiz_self_check_works_from_the_wheel(fresh_venv):
    quiz = nbformat.read(ROOT / "quizzes/callbacks_quiz/callbacks_quiz.ipynb", as_version=4)
    setup = next(c.source for c in quiz.cells if "selfcheck-data" in c.metadata.get("tags", []))
    key = json.loads((ROOT / "autograde/keys/callbacks_quiz.json").read_text())
    answers = {question: sorted(entry["answer"]) for question, entry in key.items()}
    code = (setup + "\nimport json\nanswers = " + repr(answers) + "\n"
            "print(json.dumps({q: check.feedback(q, set(a)) for q, a in answers.items()}))\n"
            "print(json.dumps(check.feedback('q01', {'C'})))")
    right, wrong = run([fresh_venv / "bin/python", "-c", code], cwd=fresh_venv.parent, env=OUTSIDE).splitlines()[-2:]
    assert all(verdict.startswith("Right!") for verdict in json.loads(right).values()) and len(json.loads(right)) == 20
    assert json.loads(wrong).startswith("Not yet: 1 of your 1 choice is wrong.")


@pytest.fixture(scope="module")
def binder(fresh_venv, dist, tmp_path_factory):
    """The fresh venv completed by Binder's steps, run in the clean copy: requirements, then postBuild."""
    clone, _, _ = dist
    home = tmp_path_factory.mktemp("home")
    env = {"PATH": f"{fresh_venv / 'bin'}:{os.environ['PATH']}", "VIRTUAL_ENV": str(fresh_venv), "HOME": str(home),
           "JUPYTER_CONFIG_DIR": str(home / ".jupyter"), "PIP_CACHE_DIR": run(
               [sys.executable, "-m", "pip", "cache", "dir"], cwd=ROOT).strip(), **OUTSIDE}
    # --no-compile: no byte-code for every installed file up front (Python writes it on import), the same installation
    run([fresh_venv / "bin/python", "-m", "pip", "install", "--quiet", "--no-compile", "-r", ".binder/requirements.txt"],
        cwd=clone, env=env)
    run(["bash", ".binder/postBuild"], cwd=clone, env=env)
    return clone, env


@pytest.mark.slow
def test_binder_steps_give_a_course_whose_lesson_1_runs(binder, fresh_venv):
    clone, env = binder
    lesson = clone / "course/01_callback_anatomy.ipynb"
    run(["bash", ".binder/start", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--output",
         "executed.ipynb", "--ExecutePreprocessor.timeout=300", lesson], cwd=clone, env=env)
    executed = nbformat.read(lesson.with_name("executed.ipynb"), as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "lesson 1 drew no figure"
    assert any("Keras 3." in o.get("text", "") for o in outputs)
    installed = run(["python", "-c", "import callbacks_course; print(callbacks_course.__file__)"], cwd=clone.parent, env=env)
    assert installed.strip().startswith(str(fresh_venv / "lib")), installed


@pytest.mark.slow
def test_binder_enables_the_extensions_and_opens_on_the_lessons(binder):
    clone, env = binder

    def listing(*command):  # Jupyter prints these lists on stderr, in colour
        result = subprocess.run(["bash", ".binder/start", "jupyter", *command], cwd=clone,
                                env={**os.environ, **env}, capture_output=True, text=True)
        return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)

    labextensions = listing("labextension", "list")
    for name in ("@jupyter-widgets/jupyterlab-manager", "@jupyter/nbgrader", "callbacks-course-a11y"):
        assert re.search(re.escape(name) + r" v\S+ enabled OK", labextensions), labextensions
    servers = listing("server", "extension", "list")
    assert re.search(r"nbgrader\.server_extensions\.formgrader\S* enabled", servers), servers
    assert str(clone / "autograde") in listing("--paths").split("data:")[0]  # nbgrader_config.py, as `make lab`
    config = pathlib.Path(env["JUPYTER_CONFIG_DIR"]) / "jupyter_server_config.py"
    assert 'c.ServerApp.default_url = "/lab/tree/course"' in config.read_text()
    assert (clone / ".autograde/course/source/callbacks_quiz").exists()
