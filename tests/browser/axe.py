"""axe-core (Deque's accessibility engine, from npm at a pinned version) run inside a page, and
Chromium's own accessibility tree read over the DevTools protocol.

The tarball is fetched once with `npm pack` into build/site/npm, next to the site build's
other npm packages (tools/build_site.py), and its `axe.min.js` injected into the page.

Example:

    result = audit(page)            # WCAG 2.0/2.1 A and AA rules plus axe's best practices
    [v for v in result["violations"] if v["impact"] in SEVERE]
    accessibility_node(page, "img.figure")   # {"role": "image", "name": "loss falls from ..."}
"""

import functools
import tarfile

from labserver import ROOT

import build_site

AXE = ("axe-core", "4.10.3")
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")
SEVERE = ("serious", "critical")


@functools.cache
def axe_source(cache=ROOT / "build" / "site" / "npm"):
    """The text of axe-core's `axe.min.js`."""
    with tarfile.open(build_site.npm_tarball(cache, *AXE)) as archive:
        return archive.extractfile("package/axe.min.js").read().decode()


def audit(page, tags=TAGS, include=None):
    """Run axe on the whole page, or on the elements matching the CSS selector `include`.

    Page-wide rules (landmarks, the page's heading and title) run only on the whole page.

    Returns:
        `{"violations": [...], "incomplete": [...], "passed": [rule ids]}`: each violation and each
        incomplete result (what axe could not decide, to review by hand) has `id`, `impact`
        (minor, moderate, serious, critical), `help` and `targets` (CSS selectors of its nodes).
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    return page.evaluate("""async ([tags, include]) => {
        const context = include ? {include: [include]} : document;
        const result = await axe.run(context, {runOnly: {type: "tag", values: tags}});
        const brief = v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" "))});
        return {violations: result.violations.map(brief), incomplete: result.incomplete.map(brief),
                passed: result.passes.map(v => v.id)};
    }""", [list(tags), include])


def accessibility_node(page, selector):
    """Chromium's own accessibility-tree node of the first element at `selector`: `{"role": ..., "name": ...}`."""
    return accessibility_nodes(page, selector)[0]


def accessibility_nodes(page, selector):
    """Chromium's accessibility-tree nodes of every element at `selector`, in document order."""
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        found = []
        for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]:
            (ax, *_) = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})["nodes"]
            found.append({"role": ax["role"]["value"], "name": ax.get("name", {}).get("value", "")})
        return found
    finally:
        cdp.detach()
