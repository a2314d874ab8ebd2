"""In Chromium on a 375-px phone without JavaScript: the chair previews a split to the cent,
then proposes it for a vote and lands on the decision's page."""

import pytest

from tests.browser.conftest import browser, follow_menu, live_server, page, screenshot, sign_in  # noqa: F401
from tests.feesplit.helpers import CJM, HAN_DROITS, MEM
from tests.helpers import CHAIR

pytestmark = pytest.mark.browser


def test_the_chair_previews_and_proposes_a_split_on_a_phone(live_server, page):  # noqa: F811
    sign_in(page, live_server.url, CHAIR)
    follow_menu(page, "Frais de gestion")
    page.click("text=Proposer une répartition")
    page.fill("#f-amount", "1 000,00")
    page.fill("#f-period", "2026-2027")
    for name in (HAN_DROITS, CJM, MEM):
        page.get_by_label(name, exact=True).fill("1")
    page.click("button[name=action][value=preview]")
    preview = page.locator("#preview").inner_text()
    assert "333,34" in preview and "333,33" in preview and "Il restait 1" in preview
    assert page.locator("#f-amount").input_value() == "1 000,00"  # what was typed is kept
    for selector in ("main", "#preview", "form.stacked"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, selector
    screenshot(page, "feesplit-preview-375")

    page.click("button[name=action][value=propose]")
    assert "/decisions/" in page.url
    assert "Répartition des frais de gestion" in page.locator("main").inner_text()
