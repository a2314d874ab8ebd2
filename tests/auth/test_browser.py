"""In Chromium: the pages Relais serves break no rule of their own Content-Security-Policy
(no blocked script, style or image on any page of the menu), and the language switch works
as a form without JavaScript."""

import pytest

from tests.browser.conftest import browser, live_server, page, sign_in  # noqa: F401 - fixtures
from tests.helpers import ADMIN, MEMBERS

pytestmark = pytest.mark.browser


def test_no_page_of_the_menu_trips_the_content_security_policy(live_server, browser):  # noqa: F811
    # JavaScript on, so that an inline script would be reported too.
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="fr-CA")
    tab = context.new_page()
    blocked: list[str] = []
    tab.on("console", lambda m: blocked.append(f"{tab.url}: {m.text}")
           if "Content Security Policy" in m.text else None)
    tab.goto(live_server.url + "/signin")
    sign_in(tab, live_server.url, ADMIN)
    paths = ["/"] + [link.get_attribute("href") for link in tab.locator("nav.main a").all()]
    assert len(paths) > 5
    for path in paths + ["/people/1", "/no-such-page"]:
        tab.goto(live_server.url + path)
        # The stylesheet applied: the header is laid out by relais.css, not the browser default.
        assert tab.locator("header.top").evaluate("e => getComputedStyle(e).display") == "flex", path
    assert blocked == []
    context.close()


def test_the_language_button_works_without_javascript_and_keeps_the_page(live_server, page):  # noqa: F811
    sign_in(page, live_server.url, MEMBERS[1])
    page.goto(live_server.url + "/bodies")
    page.click("header >> text=English")
    assert page.url == live_server.url + "/bodies"
    assert page.locator("html").get_attribute("lang") == "en-CA"
    page.click("header >> text=Français")
    assert page.locator("html").get_attribute("lang") == "fr-CA"


def test_signing_out_in_one_browser_signs_out_the_other_one_too(live_server, browser):  # noqa: F811
    first = browser.new_context(java_script_enabled=False).new_page()
    second = browser.new_context(java_script_enabled=False).new_page()
    sign_in(first, live_server.url, MEMBERS[0])
    sign_in(second, live_server.url, MEMBERS[0])
    first.click("header >> text=Se déconnecter")
    second.goto(live_server.url + "/bodies")
    assert "/signin" in second.url
    assert "Votre session a expiré" in second.locator(".flash").inner_text()
    first.context.close()
    second.context.close()


def _link_in_outbox(live_server, object_type: str, prefix: str) -> str:  # noqa: F811
    """The link of the last email of this kind (no SMTP server here: the local mailbox)."""
    import re

    from sqlalchemy import select

    from notifications.models import OutboxMessage

    with live_server.database.session() as session:
        body = session.execute(select(OutboxMessage.body_text).where(OutboxMessage.object_type == object_type)
                               .order_by(OutboxMessage.id.desc())).scalars().first()
    return re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", body).group(1)


def test_an_invited_person_chooses_a_password_and_reaches_the_dashboard_on_a_phone(live_server, page):  # noqa: F811
    sign_in(page, live_server.url, ADMIN)
    # The menu entry is there (on a phone the menu may be folded behind its button).
    page.goto(live_server.url + page.locator("nav.main a", has_text="Invitations").get_attribute("href"))
    page.fill("#f-email", "nouvelle.personne@exemple.org")
    page.fill("#f-name", "Nouvelle Personne")
    page.click("main form[action='/invitations'] button[type=submit]")
    assert "Invitation envoyée" in page.locator(".flash").inner_text()
    page.click("header >> text=Se déconnecter")
    page.goto(live_server.url + _link_in_outbox(live_server, "invitation", "/invitation/"))
    assert "Nouvelle Personne" in page.locator("main").inner_text()
    page.fill("#f-password", "une phrase de passe neuve")
    page.fill("#f-password_confirm", "une phrase de passe neuve")
    page.click("text=Enregistrer et entrer")
    assert page.url == live_server.url + "/"
    assert "Bonjour, Nouvelle Personne" in page.locator("main").inner_text()


def test_a_member_who_forgot_their_password_gets_back_in_on_a_phone(live_server, page):  # noqa: F811
    page.goto(live_server.url + "/signin")
    page.click("text=Mot de passe oublié?")
    page.fill("#f-email", MEMBERS[0])
    page.click("main button[type=submit]")
    assert "Si cette adresse est connue" in page.locator(".flash").inner_text()
    page.goto(live_server.url + _link_in_outbox(live_server, "password_reset", "/password/reset/"))
    page.fill("#f-password", "une phrase de passe neuve")
    page.fill("#f-password_confirm", "une phrase de passe neuve")
    page.click("main button[type=submit]")
    assert page.url == live_server.url + "/"
    assert "Votre nouveau mot de passe est enregistré" in page.locator(".flash").inner_text()
    page.click("header >> text=Se déconnecter")
    sign_in(page, live_server.url, MEMBERS[0], "une phrase de passe neuve")
    assert page.url == live_server.url + "/"
