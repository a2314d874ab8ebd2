"""In Chromium on a 375-px phone without JavaScript: a worker logs an intervention in one
form, is warned about a phone number in the note, confirms, and sees the statistics page with
its bar charts; nothing on the page is wider than the phone."""

import pytest

from tests.browser.conftest import browser, follow_menu, live_server, page, screenshot, sign_in  # noqa: F401
from tests.logbook.helpers import WORKER

pytestmark = pytest.mark.browser


def test_a_worker_logs_an_intervention_on_a_phone_without_javascript(live_server, page):  # noqa: F811
    sign_in(page, live_server.url, WORKER)
    follow_menu(page, "Journal de bord")
    assert page.locator("h1").inner_text() == "Journal de bord"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "logbook-form-phone")
    page.select_option("#f-site", "omh_magog")
    page.check("input[name=mode][value=individual]")
    page.fill("#f-people_teens", "1")
    page.fill("#f-people_adults", "1")
    page.check("input[name=issues][value=housing]")
    page.fill("#f-note", "Rappeler au 819-555-0199")
    page.click("main form.log-form button[type=submit]")
    # Warned, nothing lost, and saved once confirmed.
    assert "numéro de téléphone" in page.locator("main").inner_text()
    assert page.input_value("#f-people_teens") == "1"
    page.fill("#f-note", "Accompagnée à l'OMH.")
    page.click("main form.log-form button[type=submit]")
    assert "Intervention enregistrée" in page.locator(".flash").inner_text()
    assert "OMH de Magog" in page.locator("main").inner_text()

    page.click("text=Statistiques")
    assert page.locator("#total-interventions strong").inner_text() == "1"
    assert page.locator("#dim-site_group svg[role=img]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "logbook-statistics-phone")
