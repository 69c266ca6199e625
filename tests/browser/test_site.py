"""The course website (`make site`, in build/site/html) as a reader sees it in Chromium.

Served from a local HTTP server, every page is checked: its title, its figures (the GIF on
lesson 8), its internal links, no error output, launch links to the right notebook, and no
answer-key text anywhere in the site (the forbidden texts come from autograde/keys/ and the
solutions' solution and hidden-test regions). Screenshots of three pages go to screenshots/site/.

Accessibility (WCAG 2.1 AA): axe-core runs inside every page (0 serious or critical violations;
each page's full result in build/site/axe/); every figure has a text alternative naming numbers,
which Chromium's own accessibility tree exposes as the image's name; formulas render with every
non-local request blocked (MathJax is served by the site); the lesson 8 playground works from the
keyboard alone. Screenshots of those go to screenshots/a11y/.

The site is built by `make site` (`.ci/run` builds it before `make test`); without it these tests
are skipped with the reason, or fail when REQUIRE_BROWSER=1.
"""

import base64
import contextlib
import html
import io
import json
import os
import pathlib
import re
import subprocess
import sys
import urllib.parse

import nbformat
import pytest
from PIL import Image
from playwright.sync_api import expect

from labpage import SCREENSHOTS
from labserver import ROOT, free_port

sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402
import launch_links  # noqa: E402
from axe import AXE, SEVERE, accessibility_node, audit  # noqa: E402
from labpage import Shots  # noqa: E402

pytestmark = pytest.mark.xdist_group("site")  # one site server (module fixture) on one xdist worker
JOURNEY = "site"
SITE = ROOT / "build" / "site" / "html"
LESSONS = sorted(ROOT.glob("course/*.ipynb"))
GRADED = build_site.graded_order(ROOT.glob("solutions/*/*.ipynb"))
PAGES = ["index.html"] + [f"course/{p.stem}.html" for p in LESSONS] + \
        [launch_links.student_path(p.relative_to(ROOT).as_posix()).with_suffix(".html").as_posix() for p in GRADED]
SHOTS = {"index.html": "home", "course/08_visualising_progress.html": "lesson08-gif",
         "quizzes/callbacks_quiz/callbacks_quiz.html": "quiz"}


def squash(text):
    return re.sub(r"\s+", " ", text).strip()


def regions(source, name):
    """The code between `### BEGIN <name>` and `### END <name>` markers in a cell's source."""
    return re.findall(rf"### BEGIN {name}\n(.*?)### END {name}", source, re.S)


def forbidden_texts():
    """Every text whose presence would leak answers: key explanations, solutions, hidden tests, self-check data."""
    texts = set()
    for key in (ROOT / "autograde/keys").glob("*.json"):
        for entry in json.loads(key.read_text()).values():
            texts |= set(entry["why"].values())
    for path in GRADED:
        for cell in nbformat.read(path, as_version=4).cells:
            texts |= {block for name in ("SOLUTION", "HIDDEN TESTS") for block in regions(cell.source, name)}
            texts |= set(re.findall(r'SelfCheck\("([^"]{40})', cell.source))  # the self-check data's start
    texts = {squash(text) for text in texts if len(squash(text)) >= 20}
    assert len(texts) > 80, f"too few forbidden texts found ({len(texts)}): the derivation is broken"
    return texts


@pytest.fixture(scope="module")
def site():
    """A local HTTP server (the standard library's) on a free loopback port serving the built site."""
    if not (SITE / "index.html").exists():
        reason = f"the website is not built ({SITE}): run `make site`"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(SITE)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)


def open_page(page, site, path):
    response = None
    for _ in range(50):  # the server may still be starting
        with contextlib.suppress(Exception):
            response = page.goto(site + path, wait_until="load")
            break
        page.wait_for_timeout(100)
    assert response is not None and response.ok, f"{path} did not load"
    return response


def expected_title(path):
    if path == "index.html":
        return "Keras Callbacks, hands-on"
    source = ROOT / "course" / pathlib.Path(path).with_suffix(".ipynb").name
    if not source.exists():
        source = ROOT / "quizzes" / pathlib.Path(path).parent.name / pathlib.Path(path).with_suffix(".ipynb").name
    return nbformat.read(source, as_version=4).cells[0].source.split("\n", 1)[0].lstrip("# ").strip()


def rendered_images(page):
    """The src of every image in the article that the browser decoded (non-zero natural size)."""
    return page.eval_on_selector_all(
        "article img", "imgs => imgs.filter(i => i.complete && i.naturalWidth > 0).map(i => i.src)")


def check_internal_links(page, site, path):
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    internal = {href.split("#")[0] for href in hrefs if href.startswith(site)}
    assert len(internal) > 5, f"{path}: too few internal links ({internal})"
    broken = [href for href in sorted(internal) if not page.request.get(href).ok]
    assert not broken, f"{path}: broken internal links {broken}"
    anchors = [urllib.parse.unquote(href.split("#", 1)[1]) for href in hrefs
               if href.startswith(site + path + "#") and len(href.split("#", 1)[1]) > 0]
    missing = [a for a in anchors if not page.evaluate("id => !!document.getElementById(id)", a)]
    assert not missing, f"{path}: links to missing anchors {missing}"


def check_launch_links(page, path):
    repository, _ = launch_links.project(ROOT)
    if path == "index.html":
        binder = launch_links.launch_urls(repository, "course")["Launch Binder"]
        assert page.locator("article a", has_text="Launch Binder").get_attribute("href") == binder
        return
    notebook = pathlib.PurePosixPath(path).with_suffix(".ipynb").as_posix()
    for label, url in launch_links.launch_urls(repository, notebook).items():
        link = page.locator("article a", has_text=label)
        assert link.count() == 1 and link.get_attribute("href") == url, f"{path}: '{label}' is not {url}"
    buttons = page.eval_on_selector_all(".dropdown-launch-buttons a", "links => links.map(a => a.href)")
    slug = repository.removeprefix("https://github.com/")
    assert any(href.startswith(f"https://mybinder.org/v2/gh/{slug}/") and href.endswith(notebook) for href in buttons), \
        f"{path}: no Binder launch button for {notebook}: {buttons}"
    assert f"https://colab.research.google.com/github/{slug}/blob/main/{notebook}" in buttons, buttons


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_site_page(page, site, path, shots):
    open_page(page, site, path)
    title = expected_title(path)
    assert page.title().startswith(title), f"{path}: title {page.title()!r}, expected {title!r}"
    assert page.locator("article h1").first.inner_text().startswith(title)
    errors = page.locator("article .cell_output .output.traceback, article .cell_output .output.error")
    assert errors.count() == 0, f"{path}: an error output: {errors.first.inner_text()[:500]}"
    if path.startswith("course/"):
        figures = rendered_images(page)
        assert figures, f"{path}: no rendered figure"
        assert page.locator("article .cell_output").count() >= 3, f"{path}: the lesson was not executed"
        widgets = page.locator("article .jupyter-widgets.widget-inline-hbox, article .jupyter-widgets.widget-checkbox")
        expect(widgets.first, f"{path}: no widget rendered in its static state").to_be_visible(timeout=20_000)
        scripts = page.eval_on_selector_all("script[src]", "scripts => scripts.map(s => s.src)")
        embedders = [src for src in scripts if src.startswith(site + "widgets/embed-amd.js")]
        assert len(embedders) == 1, scripts  # loaded twice, it draws every widget twice
    if path == "course/08_visualising_progress.html":
        gifs = [src for src in rendered_images(page) if src.startswith("data:image/gif;base64,")]
        assert len(gifs) == 1, f"lesson 8 shows {len(gifs)} GIFs"  # inline, in the <img> that carries its alt text
        animation = Image.open(io.BytesIO(base64.b64decode(gifs[0].split(",", 1)[1])))
        assert animation.format == "GIF" and animation.n_frames >= 2
    check_internal_links(page, site, path)
    check_launch_links(page, path)
    text = squash(page.locator("body").inner_text())
    leaks = [secret[:60] for secret in forbidden_texts() if secret in text]
    assert not leaks, f"{path}: answer-key text on the page: {leaks}"
    assert "KAGGLE_KERNEL_RUN_TYPE" not in text, f"{path}: the notebook's install cell is shown"
    if path in SHOTS:
        if path == "course/08_visualising_progress.html":
            page.locator("article img[src^='data:image/gif']").scroll_into_view_if_needed()
        shots(page, SHOTS[path])


@pytest.mark.browser
def test_navigation_follows_reading_order(page, site):
    open_page(page, site, "index.html")
    nav = page.eval_on_selector_all("nav.bd-links a.reference.internal", "links => links.map(a => a.href)")
    assert [urllib.parse.urlsplit(href).path.lstrip("/") for href in nav] == PAGES


@pytest.mark.browser
def test_the_site_ships_no_answer_key_text_in_any_file(site):
    secrets = forbidden_texts()
    leaks = {}
    for path in SITE.rglob("*"):
        if path.suffix == ".ipynb":  # the pages' downloadable sources
            text = squash("\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells))
        elif path.is_file() and path.suffix in {".html", ".js", ".txt", ".md", ".json", ".py"}:
            text = squash(path.read_text(errors="replace"))
        else:
            continue
        if text:
            found = [secret[:60] for secret in secrets if secret in text]
            if found:
                leaks[str(path.relative_to(SITE))] = found
    assert not leaks, f"answer-key text in the site's files: {leaks}"


NUMBER = re.compile(r"\d")
STRUCTURE = re.compile(r"Panel \d+ of \d+|frame \d+:")


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violation(page, site, path):
    open_page(page, site, path)
    if path.startswith("course/"):  # the widgets render after load
        expect(page.locator("article .jupyter-widgets").first).to_be_visible(timeout=20_000)
    page.wait_for_load_state("networkidle")
    result = audit(page)
    record = SITE.parent / "axe" / (path.replace("/", "_") + ".json")
    record.parent.mkdir(exist_ok=True)
    record.write_text(json.dumps({"axe-core": AXE[1], "page": path, **result}, indent=1))
    assert len(result["passed"]) > 20, f"{path}: axe checked too few rules: {result['passed']}"
    severe = [f"{v['impact']} {v['id']}: {v['help']} ({len(v['targets'])}: {v['targets'][:3]})"
              for v in result["violations"] if v["impact"] in SEVERE]
    assert not severe, f"{path}: " + "; ".join(severe)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("main").count() == 1 and page.locator("article h1").count() == 1


@pytest.mark.browser
@pytest.mark.parametrize("path", [p for p in PAGES if p.startswith("course/")])
def test_every_figure_on_a_lesson_page_has_a_text_alternative_with_numbers(page, site, path):
    open_page(page, site, path)
    expect(page.locator("article .jupyter-widgets").first).to_be_visible(timeout=20_000)
    images = page.eval_on_selector_all("article .cell_output img", "imgs => imgs.map(i => i.alt)")
    assert images, f"{path}: no figure"
    missing = [alt for alt in images if not NUMBER.search(STRUCTURE.sub("", alt))]
    assert not missing, f"{path}: {len(missing)} of {len(images)} figures without a text naming numbers: {missing}"


@pytest.mark.browser
def test_a_figure_is_named_by_its_alt_text_in_the_accessibility_tree(page, site, browser_context):
    open_page(page, site, "course/06_csv_logger.html")
    figure = page.locator("article .cell_output img").first
    figure.scroll_into_view_if_needed()
    figure.evaluate("img => img.setAttribute('data-a11y-shot', '')")
    node = accessibility_node(page, "[data-a11y-shot]")
    alt = figure.get_attribute("alt")
    assert node == {"role": "image", "name": alt} and "loss" in alt and NUMBER.search(alt), node
    picture = base64.b64encode(figure.screenshot()).decode()
    tree = html.escape(json.dumps(node, indent=1))
    panel = browser_context.new_page()
    panel.set_viewport_size({"width": 1400, "height": 700})
    panel.set_content(
        "<html lang='en'><body style='font-family:sans-serif;display:flex;gap:2em;margin:2em'>"
        f"<div><h2>Lesson 6, first figure, as seen</h2><img style='max-width:640px' src='data:image/png;base64,{picture}'"
        " alt=''></div><div style='max-width:600px'><h2>Chromium's accessibility tree for it</h2>"
        f"<pre style='white-space:pre-wrap;font-size:15px;background:#f4f4f4;padding:1em'>{tree}</pre></div></body></html>")
    Shots("a11y")(panel, "figure-alt-text-in-accessibility-tree")
    panel.close()


@pytest.mark.browser
def test_maths_renders_with_the_network_blocked(page, site):
    blocked = []

    def local_only(route):
        if route.request.url.startswith(site):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", local_only)
    for path in ("quizzes/callbacks_quiz/callbacks_quiz.html", "course/08_visualising_progress.html"):
        open_page(page, site, path)
        page.wait_for_load_state("networkidle")
    page.go_back()
    maths = page.locator("article mjx-container")
    expect(maths.first).to_be_visible(timeout=20_000)
    assert maths.count() >= 3 and page.locator("article mjx-merror").count() == 0
    assert "\\frac" not in page.locator("article").inner_text(), "raw TeX on the page"
    assert page.locator("article mjx-assistive-mml").count() >= 3  # MathML a screen reader reads
    assert not blocked, f"the site asked for non-local resources: {sorted(set(blocked))}"


@pytest.mark.browser
def test_a_playground_works_from_the_keyboard_alone(page, site):
    open_page(page, site, "course/08_visualising_progress.html")
    playground = page.locator("article .course-browse")
    handle = playground.get_by_role("slider", name="frame")  # named by its label for screen readers
    expect(handle).to_have_attribute("aria-valuenow", re.compile(r"^0(\.0)?$"), timeout=20_000)
    shown = playground.locator(".widget-output img").filter(visible=True)
    before = shown.get_attribute("alt")
    for presses in range(1, 500):
        page.keyboard.press("Tab")
        if handle.evaluate("handle => handle === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the playground's slider")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(handle).to_have_attribute("aria-valuenow", re.compile(r"^3(\.0)?$"))
    expect(shown).to_have_count(1)
    after = shown.get_attribute("alt")
    assert after != before and NUMBER.search(after), (before, after)
    playground.scroll_into_view_if_needed()
    Shots("a11y")(page, "keyboard-playground-frame-3")  # reached after `presses` Tabs, then 3 arrow keys
