"""axe-core (Deque's accessibility engine, from npm at a pinned version) run inside a page.

The tarball is fetched once with `npm pack` into build/site/npm, next to the site build's
other npm packages (tools/build_site.py), and its `axe.min.js` injected into the page.

Example:

    result = audit(page)            # WCAG 2.0/2.1 A and AA rules plus axe's best practices
    [v for v in result["violations"] if v["impact"] in SEVERE]
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


def audit(page, tags=TAGS):
    """Run axe on the whole page.

    Returns:
        `{"violations": [...], "incomplete": [...], "passed": [rule ids]}`: each violation and each
        incomplete result (what axe could not decide, to review by hand) has `id`, `impact`
        (minor, moderate, serious, critical), `help` and `targets` (CSS selectors of its nodes).
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    return page.evaluate("""async tags => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
        const brief = v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" "))});
        return {violations: result.violations.map(brief), incomplete: result.incomplete.map(brief),
                passed: result.passes.map(v => v.id)};
    }""", list(tags))
