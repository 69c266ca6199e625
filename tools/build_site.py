"""Build the course website with Jupyter Book 1 (Sphinx, MyST-NB, sphinx-book-theme): `make site`.

The book is staged in `<out>/src` with the repository's layout, so the theme's launch buttons open
the same paths as the notebooks' own links:

- `index.md`, the home page: the README's key-point map (single-sourced: copied at build time);
- `course/*.ipynb`: every lesson, in file order, executed once (offline subset, in a scratch folder,
  by the course's one executor, tools/notebook_run.py) with every output, figure, GIF and the
  widgets' static state; a cell that raises or times out fails the build. A lesson the lesson tests
  executed since its last change (or the course package's) is not run again: its stored first pass
  (build/executed/, `notebook_run.ExecutedNotebooks`) is the page;
- `quizzes/*/*.ipynb`: the exam release (`python -m autograde release --exam`): the questions and
  answer cells only, without solutions, hidden tests or the quiz's self-check data; not executed.

The site lands in `<out>/html`.

Example:

    .venv/bin/python tools/build_site.py --out build/site   # then open build/site/html/index.html
"""

import argparse
import functools
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile

import nbformat
import yaml

import launch_links
from notebook_run import ExecutedNotebooks

ROOT = pathlib.Path(__file__).resolve().parents[1]
HOME_SECTION = "Every key point of the study notes, and where it is taught"
TITLE = "Keras Callbacks, hands-on"
CELL_TIMEOUT = 300
# ipywidgets 8's embedder and the loader it needs, served from the site itself (no CDN at read time), and
# MathJax 3 (the renderer Sphinx uses): formulas render with no network. Both are copied from `_vendor` to
# the site's root (/widgets/, /mathjax/), not to _static: Jupyter Book puts every script of _static on
# every page, which loaded the embedder twice (every widget drawn twice) and would load all of MathJax.
# Their paths below are relative to _static, as Sphinx wants.
WIDGET_PACKAGES = {"@jupyter-widgets/html-manager": "1.0.15", "requirejs": "2.3.8"}
WIDGET_JS = {"../widgets/require.js": {},
             "../widgets/embed-amd.js": {"data-jupyter-widgets-cdn": "https://cdn.jsdelivr.net/npm/"}}
MATHJAX = ("mathjax", "3.2.2")
MATHJAX_PARTS = ("tex-mml-chtml.js", "input/", "output/chtml", "a11y/", "ui/", "sre/")
# Accessible names and contrast the generators leave out (tools/site/a11y/), on every page: Jupyter Book
# includes every script and style sheet of _static.
A11Y_FILES = ("a11y/names.js", "a11y/contrast.css")


def readme_section(readme, heading):
    """The body of the README section titled `heading` (up to the next heading of any level).

    Raises ValueError when the README has no such section, so a renamed heading fails the build.
    """
    match = re.search(rf"^(#+) {re.escape(heading)}\n(.*?)(?=^#+ |\Z)", readme, re.M | re.S)
    if not match:
        raise ValueError(f"README.md has no section '{heading}' for the site's home page")
    return match.group(2).strip()


def home_page(readme, lessons, repository):
    """index.md: a Binder link to the whole course, the key-point map, then every lesson in reading order."""
    links = "\n".join(f"{n}. [{title}]({path}.ipynb)" for n, (path, title) in enumerate(lessons, 1))
    binder = launch_links.launch_urls(repository, "course")["Launch Binder"]
    return (f"# {TITLE}\n\n[Launch Binder]({binder}) (the whole course in JupyterLab)\n\n"
            "An interactive course on Keras 3 callbacks, taught on MNIST. Every lesson below "
            "was run when this site was built; open any page in Colab, Kaggle or Binder to run it yourself.\n\n"
            f"## {HOME_SECTION}\n\n{readme_section(readme, HOME_SECTION)}\n\n## The lessons\n\n{links}\n")


def notebook_title(path):
    """The text of a notebook's first heading."""
    first = nbformat.read(path, as_version=4).cells[0].source
    return first.split("\n", 1)[0].lstrip("# ").strip()


def book_config(repository):
    """_config.yml: render the executed notebooks as they are, launch buttons, widgets served locally."""
    return {
        "title": TITLE,
        "author": "The course's authors",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},
        "repository": {"url": repository, "branch": "main", "path_to_book": ""},
        "launch_buttons": {"notebook_interface": "jupyterlab", "binderhub_url": "https://mybinder.org",
                           "colab_url": "https://colab.research.google.com"},
        "html": {"use_repository_button": True},
        "sphinx": {"config": {"html_show_copyright": False,
                              "suppress_warnings": ["myst.header"], "html_static_path": ["_static"],
                              "nb_ipywidgets_js": WIDGET_JS, "language": "en", "html_extra_path": ["_vendor"],
                              "mathjax_path": f"../mathjax/{MATHJAX_PARTS[0]}"}},  # relative to _static
    }


def npm_tarball(cache, name, version):
    """The `npm pack` tarball of `name`@`version`, fetched from npm's registry once and kept in `cache`."""
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"{name.removeprefix('@').replace('/', '-')}-{version}.tgz"
    if not tarball.exists():
        subprocess.run(["npm", "pack", "--silent", f"{name}@{version}", "--pack-destination", str(cache)],
                       check=True, stdout=subprocess.DEVNULL)
    return tarball


def vendor_mathjax(cache, folder):
    """Put MathJax's TeX-to-HTML component and what it loads (fonts, menu, speech) into `folder`/mathjax."""
    with tarfile.open(npm_tarball(cache, *MATHJAX)) as archive:
        for member in archive.getmembers():
            inside = "LICENSE" if member.name == "package/LICENSE" else member.name.removeprefix("package/es5/")
            if member.isfile() and inside.startswith((*MATHJAX_PARTS, "LICENSE")):
                target = folder / "mathjax" / inside
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.extractfile(member).read())


def vendor_widget_js(cache, folder):
    """Put the npm packages WIDGET_PACKAGES' scripts into `folder`/widgets (`npm pack`, kept in `cache`)."""
    (folder / "widgets").mkdir(parents=True, exist_ok=True)
    for name, version in WIDGET_PACKAGES.items():
        with tarfile.open(npm_tarball(cache, name, version)) as archive:
            for member in archive.getmembers():
                wanted = member.name == "package/require.js" or (  # embed-amd.js, its licence and fonts
                    member.name.startswith("package/dist/") and not member.name.endswith(".map")
                    and pathlib.PurePosixPath(member.name).name not in {"embed.js", "libembed-amd.js"})
                if member.isfile() and wanted:
                    (folder / "widgets" / pathlib.PurePosixPath(member.name).name).write_bytes(
                        archive.extractfile(member).read())


def table_of_contents(lessons, graded):
    """_toc.yml: the home page, then the lessons, then the quiz and the lab."""
    return {"format": "jb-book", "root": "index", "parts": [
        {"caption": "Lessons", "chapters": [{"file": path} for path, _ in lessons]},
        {"caption": "Quiz and lab", "chapters": [{"file": path} for path in graded]},
    ]}


def hide_install_cell(path):
    """Tag the notebook's Colab/Kaggle install cell `remove-cell`: it means nothing on the website."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if launch_links.SETUP_TAG in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(nb, path)


def graded_order(paths):
    """The graded notebooks in reading order: the quiz first, then the rest (the lab) by name."""
    return sorted(paths, key=lambda path: ("quiz" not in path.stem, path.name))


def stage(root, src):
    """Write the book's sources for the repository at `root` into `src` (emptied first)."""
    shutil.rmtree(src, ignore_errors=True)
    (src / "course").mkdir(parents=True)
    vendor_widget_js(src.parent / "npm", src / "_vendor")
    vendor_mathjax(src.parent / "npm", src / "_vendor")
    (src / "_static" / "a11y").mkdir(parents=True)
    for name in A11Y_FILES:
        shutil.copy(ROOT / "tools" / "site" / name, src / "_static" / name)
    lessons = []
    for path in sorted((root / "course").glob("*.ipynb")):
        shutil.copy(path, src / "course" / path.name)
        lessons.append((f"course/{path.stem}", notebook_title(path)))
    subprocess.run([sys.executable, "-m", "autograde", "release", "--exam", "--out", str(src / "quizzes")],
                   cwd=root, check=True, capture_output=True)
    released = graded_order(src.glob("quizzes/*/*.ipynb"))
    for path in [*src.glob("course/*.ipynb"), *released]:
        hide_install_cell(path)
    graded = [path.relative_to(src).with_suffix("").as_posix() for path in released]
    repository, _ = launch_links.project(root)
    (src / "index.md").write_text(home_page((root / "README.md").read_text(), lessons, repository))
    (src / "_config.yml").write_text(yaml.safe_dump(book_config(repository), sort_keys=False))
    (src / "_toc.yml").write_text(yaml.safe_dump(table_of_contents(lessons, graded), sort_keys=False))
    return lessons, graded


def jupyter_book(src, out):
    """Run `jupyter-book build` on the staged, executed sources `src`; the site lands in `out`/html.

    Raises subprocess.CalledProcessError when the build fails.
    """
    shutil.rmtree(out / "_build", ignore_errors=True)
    subprocess.run([pathlib.Path(sys.executable).with_name("jupyter-book"), "build", "--path-output", str(out),
                    str(src)], check=True)
    html = out / "html"
    shutil.rmtree(html, ignore_errors=True)
    shutil.move(out / "_build" / "html", html)
    return html


def build(root, out, store=None):
    """Stage, execute and build the site of the repository at `root` into `out`/html; returns that folder.

    Args:
        root: the repository.
        out: the output folder (`out`/src: the staged book; `out`/html: the site).
        store: the executed lessons to reuse and add to (default `ExecutedNotebooks()`, build/executed).
    """
    out = pathlib.Path(out).resolve()
    store = store or ExecutedNotebooks()
    lessons, _ = stage(root, out / "src")
    for page, _ in lessons:
        staged = out / "src" / f"{page}.ipynb"
        nbformat.write(store.executed(root / f"{page}.ipynb", CELL_TIMEOUT, log=functools.partial(print, flush=True)),
                       staged)
        hide_install_cell(staged)
    return jupyter_book(out / "src", out)


def main(argv=None):
    os.environ.setdefault("CALLBACKS_COURSE_OFFLINE", "1")  # kernels inherit both
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ logs below FATAL hidden: no CUDA probe on the pages
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "site"), help="output folder (default build/site)")
    args = parser.parse_args(argv)
    print(f"site: {build(ROOT, args.out) / 'index.html'}")


if __name__ == "__main__":
    main()
