"""A person in Chromium, on a phone-sized screen without JavaScript: sign in, dashboard in
French, switch to English, an admin adds a seat, a form error for a bad email."""

from tests.browser.conftest import follow_menu, screenshot, sign_in
from tests.helpers import ADMIN, MEMBERS


def test_sign_in_lands_on_a_french_dashboard_with_my_seats(live_server, page):
    page.goto(live_server.url + "/")
    assert "/signin" in page.url  # not signed in: sent to the sign-in page
    assert page.locator("h1").inner_text() == "Se connecter"
    sign_in(page, live_server.url, MEMBERS[0])
    assert page.locator("h1").inner_text().startswith("Bonjour")
    seats = page.locator("#my-seats + ul").inner_text()
    assert "Conseil exécutif" in seats and "Trésorerie" in seats
    assert page.locator("html").get_attribute("lang") == "fr-CA"


def test_switching_to_english_is_remembered_for_the_person(live_server, page, browser):
    sign_in(page, live_server.url, MEMBERS[1])
    page.click("text=English")
    assert page.locator("h1").inner_text().startswith("Hello")
    assert "Executive committee" in page.locator("#my-seats + ul").inner_text()
    # Another device: a fresh browser context signs in and is greeted in English.
    other = browser.new_context(java_script_enabled=False).new_page()
    sign_in(other, live_server.url, MEMBERS[1])
    assert other.locator("h1").inner_text().startswith("Hello")
    other.context.close()


def test_wrong_password_shows_a_clear_message(live_server, page):
    sign_in(page, live_server.url, ADMIN, password="pas le bon")
    assert "Courriel ou mot de passe incorrect" in page.locator("[role=alert]").inner_text()


def test_admin_adds_a_seat_from_the_body_page(live_server, page):
    sign_in(page, live_server.url, ADMIN)
    follow_menu(page, "Instances")
    page.click("text=Sous-comité communications")
    assert "Direction — Zone Libre" not in page.locator("table").inner_text()
    page.select_option("#f-person_id", label="Direction — Zone Libre")
    page.select_option("#f-role", value="member")
    page.select_option("#f-organisation_id", label="Zone Libre")
    page.click("text=Ajouter un siège >> nth=-1")
    assert "Siège ajouté" in page.locator(".flash").inner_text()
    assert "Direction — Zone Libre" in page.locator("table").inner_text()


def test_a_bad_email_gets_a_form_error_and_keeps_what_was_typed(live_server, page):
    sign_in(page, live_server.url, ADMIN)
    page.goto(live_server.url + "/people/new/form")
    page.fill("#f-name", "Direction — Maison de la famille")
    page.fill("#f-email", "pas-un-courriel")
    page.click("main button[type=submit]")
    assert page.locator("#e-email").is_visible()
    assert page.input_value("#f-name") == "Direction — Maison de la famille"
    assert page.input_value("#f-email") == "pas-un-courriel"


def test_the_dashboard_fits_a_375_px_screen(live_server, page):
    sign_in(page, live_server.url, MEMBERS[0])
    path = screenshot(page, "dashboard-375px-fr")
    assert path.exists() and path.stat().st_size > 1000
    # No horizontal scrolling: the page is no wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
