"""axe-core (from the npm registry: tests/browser/package.json, installed by scripts/test into
tests/browser/node_modules) run on a page exactly as the person sees it.

The journeys run with JavaScript off, where axe cannot run, and the pages forbid inline
scripts (Content-Security-Policy). So the page's HTML, as shown, is served again at its own
address in a second context of the same browser, with the same cookies and screen, scripts
on and the policy bypassed, and axe runs there; the stylesheet comes from the live server,
so colour contrast is judged on the real styles."""

import json
from pathlib import Path

import pytest

from tests.helpers import IN_CI

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_source() -> Path:
    if not AXE.exists():
        message = f"axe-core is missing ({AXE}): run scripts/test, or npm install --prefix tests/browser"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return AXE


def violations(page) -> list[dict]:
    """axe's violations of any impact on the page shown in `page`."""
    source = axe_source()
    html = page.content()
    url = page.url.split("#", 1)[0]
    fragment = page.url[len(url):]
    context = page.context.browser.new_context(
        viewport=page.viewport_size, java_script_enabled=True, bypass_csp=True,
        storage_state=page.context.storage_state(), locale="fr-CA")
    try:
        tab = context.new_page()
        tab.route(lambda u: u.split("#", 1)[0] == url,
                  lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))
        tab.goto(url + fragment)
        tab.add_script_tag(path=str(source))
        found = tab.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
        }""")
    finally:
        context.close()
    return found


def assert_accessible(page, name: str = "") -> None:
    found = violations(page)
    assert found == [], f"axe on {name or page.url}: {json.dumps(found, ensure_ascii=False, indent=1)}"
