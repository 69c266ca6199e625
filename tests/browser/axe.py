"""axe-core (Deque's accessibility engine, from npm at a pinned version) run inside a page.

The tarball is fetched once with `npm pack` into build/site/npm, next to the site build's
other npm packages (tools/build_site.py), and its `axe.min.js` injected into the page.

Example:

    violations = audit(page)            # WCAG 2.0/2.1 A and AA rules plus axe's best practices
    [v for v in violations if v["impact"] in SEVERE]
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
    """Run axe on the whole page; returns its violations as dicts.

    Each has `id`, `impact` (minor, moderate, serious, critical), `help` and `targets` (the CSS
    selectors of the failing nodes).
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    return page.evaluate("""async tags => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            targets: v.nodes.map(n => n.target.join(" "))}));
    }""", list(tags))
