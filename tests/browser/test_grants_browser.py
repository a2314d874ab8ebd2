"""In Chromium on a 375-px phone without JavaScript: the lead organisation creates an
application, moves it through the pipeline with the column buttons, awards it, and finds its
deadline in the calendar; the pipeline's columns stack on the phone."""

from datetime import date, timedelta

from tests.browser.conftest import follow_menu, screenshot, sign_in
from tests.grants.helpers import HANDROITS


def _column(page, state: str):
    return page.locator(f'section[data-state="{state}"]')


def test_an_application_moves_through_the_pipeline_and_shows_in_the_calendar(live_server, page):
    deadline = date.today() + timedelta(days=10)
    with live_server.database.session() as session:
        from api.grants.models import Funder

        session.add(Funder(name="Centraide Estrie", kind="foundation"))
        # "Approuvée par le CE" names a decision the executive committee adopted (issue 13).
        from sqlalchemy import select

        from api.collective.models import Body
        from api.decisions.models import Decision

        ce = session.execute(select(Body).where(Body.kind == "executive_committee")).scalars().first()
        session.add(Decision(body_id=ce.id, kind="grant_submission", title="Dépôt du projet de jardin",
                             state="adopted", confidential_category="funding"))
    sign_in(page, live_server.url, HANDROITS)
    follow_menu(page, "Subventions")
    assert page.locator("h1").inner_text() == "Pipeline des demandes"
    page.click("text=Nouvelle demande")
    page.fill("#f-title", "Projet de jardin collectif")
    page.select_option("#f-funder_id", label="Centraide Estrie")
    page.fill("#f-amount_requested", "12,34.5")
    page.fill("#f-application_deadline", f"{deadline.isoformat()}T17:00")
    page.click("main button[type=submit]")
    # A malformed amount is explained and nothing typed is lost.
    assert "Montant invalide" in page.locator("#e-amount_requested").inner_text()
    assert page.input_value("#f-title") == "Projet de jardin collectif"
    page.fill("#f-amount_requested", "12 345,67")
    page.click("main button[type=submit]")
    assert page.locator("h1").inner_text() == "Projet de jardin collectif"
    assert "12\u00a0345,67\u00a0$" in page.locator("main").inner_text()

    page.goto(live_server.url + "/grants")
    assert "Projet de jardin collectif" in _column(page, "idea").inner_text()
    for state, button in [("idea", "Commencer la rédaction"), ("drafting", "Envoyer en révision")]:
        _column(page, state).locator(f"button:has-text('{button}')").first.click()
        page.wait_for_load_state()
    # Approving names the adopted decision, on the application's page.
    _column(page, "internal_review").locator("a", has_text="Projet de jardin collectif").click()
    page.select_option("main select[name=decision_id]", label="Dépôt du projet de jardin")
    page.click("main button[value=approve]")
    page.goto(live_server.url + "/grants")
    _column(page, "approved").locator("button:has-text('Déposer')").first.click()
    page.wait_for_load_state()
    assert "Projet de jardin collectif" in _column(page, "submitted").inner_text()
    # The columns stack on a phone: each one as wide as the page.
    first, second = (_column(page, "idea").bounding_box(), _column(page, "drafting").bounding_box())
    assert second["y"] > first["y"] and abs(second["x"] - first["x"]) < 2 and first["width"] > 300
    screenshot(page, "grants-pipeline-phone")

    # Awarding asks for the amount on the application page.
    page.click("text=Projet de jardin collectif")
    page.fill("main input[name=amount_awarded]", "10 000")
    page.click("main button:has-text('Marquer accordée')")
    assert "Accordée" in page.locator(".flash").inner_text()
    assert "10\u00a0000,00\u00a0$" in page.locator("main").inner_text()
    screenshot(page, "grants-detail-phone")

    # The calendar of the deadline's month: the deadline is gone once submitted; a new one shows.
    page.goto(f"{live_server.url}/calendar?month={deadline:%Y-%m}")
    assert "Projet de jardin collectif" not in page.locator("main").inner_text()
    page.goto(live_server.url + "/grants/new")
    page.fill("#f-title", "Demande au ministère")
    page.select_option("#f-funder_id", label="Centraide Estrie")
    page.fill("#f-application_deadline", f"{deadline.isoformat()}T17:00")
    page.click("main button[type=submit]")
    follow_menu(page, "Calendrier")
    page.goto(f"{live_server.url}/calendar?month={deadline:%Y-%m}")
    text = page.locator("main").inner_text()
    assert "Dépôt de la demande — Demande au ministère" in text
    assert "17\u00a0h\u00a000" in text  # non-breaking: "17 h 00" never wraps
    assert page.input_value("#feed-url").endswith(".ics")
    screenshot(page, "grants-calendar-phone")
