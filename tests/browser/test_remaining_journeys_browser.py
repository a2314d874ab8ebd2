"""The journeys of issue 13 not walked elsewhere, in Chromium at 375 px with JavaScript off, in
French and in English, with axe-core finding no violation (of any impact) on every page reached:

* an invited person: the administrator invites them from the menu, the email's link lets them
  choose a password (a mismatch is explained, nothing is lost), and they land on their
  dashboard; they come back later with that password;
* a member who forgot their password: from the sign-in page to the email's link, a new
  password, the dashboard; the old password no longer works;
* the treasurer's fee split to the chair's vote, in English (the French one is in
  test_role_journeys_browser.py);
* the coordinator opens a grant application from the pipeline (its page, in both languages);
* the admin's outbox: an email just sent is listed with its real subject, and its page shows
  what was sent.

One live Relais (demo people and area data) serves the whole module; each test signs in as a
different person, or changes only what it created, so the order of the tests does not matter."""

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer, follow_menu, screenshot, serve_live, sign_in
from tests.helpers import ADMIN, CHAIR, DEMO_PASSWORD, MEMBERS, STAFF

TREASURER = MEMBERS[0]
FORGETFUL = {"fr": MEMBERS[1], "en": MEMBERS[2]}  # nobody else signs in as them here
NEW_PASSWORD = "une phrase de passe neuve"

WORDS = {
    "fr": {"invitations": "Invitations", "invite_sent": "Invitation envoyée à", "mismatch":
           "Les deux mots de passe ne sont pas identiques.", "enter": "Enregistrer et entrer",
           "welcome": "Bienvenue! Votre mot de passe est enregistré.", "hello": "Bonjour, ",
           "forgot": "Mot de passe oublié?", "forgot_sent": "Si cette adresse est connue",
           "reset_done": "Votre nouveau mot de passe est enregistré", "bad_credentials":
           "Courriel ou mot de passe incorrect", "invite_link_invalid": "Ce lien d'invitation n'est plus valable",
           "grants": "Subventions", "outbox": "Envois", "view": "Voir", "signout": "Se déconnecter",
           "invitation_subject": "Invitation", "masked": "(point confidentiel)",
           "back_to_outbox": "Retour aux envois", "personal_link_hidden": "lien de connexion personnel"},
    "en": {"invitations": "Invitations", "invite_sent": "Invitation sent to", "mismatch":
           "The two passwords do not match.", "enter": "Save and enter",
           "welcome": "Welcome! Your password is saved.", "hello": "Hello, ",
           "forgot": "Forgot your password?", "forgot_sent": "If this address is known",
           "reset_done": "Your new password is saved", "bad_credentials": "Wrong email or password",
           "invite_link_invalid": "This invitation link is no longer valid",
           "grants": "Grants", "outbox": "Outbox", "view": "View", "signout": "Sign out",
           "invitation_subject": "Invitation", "masked": "(confidential item)",
           "back_to_outbox": "Back to the outbox", "personal_link_hidden": "personal sign-in link"},
}


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[LiveServer]:
    """One live Relais for the module: the demo people and the demo's area data."""
    with serve_live(tmp_path_factory.mktemp("remaining"), "remaining.db", with_area_data=True) as server:
        yield server


def in_language(page, lang: str) -> None:
    """Read the page in `lang`, with the header's language button if it is in the other one."""
    if page.locator("html").get_attribute("lang") != f"{lang}-CA":
        page.click("header .lang-switch button[lang]")
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == f"{lang}-CA"


def start(page, live: LiveServer, email: str, lang: str, password: str = DEMO_PASSWORD) -> None:
    sign_in(page, live.url, email, password)
    in_language(page, lang)


def reached(page, name: str) -> None:
    """Every page of a journey: a page with its content (no error page), no wider than the
    phone, and axe finds nothing."""
    assert page.locator("main").count() == 1, name
    assert page.locator("main h1").count() == 1, name
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
    assert_accessible(page, name)


def sign_out(page, lang: str) -> None:
    page.click(f"header.top button:has-text('{WORDS[lang]['signout']}')")
    page.wait_for_load_state()
    assert "/signin" in page.url or page.locator("#email").count() == 1


def link_in_last_email(live: LiveServer, object_type: str, prefix: str, to: str) -> str:
    """The link in the last email of this kind sent to `to` (no SMTP server here: Relais keeps
    it in its local mailbox, the outbox), as a path on the live server."""
    from api.collective.models import Person
    from notifications.models import OutboxMessage

    with live.database.session() as session:
        body = session.execute(
            select(OutboxMessage.body_text).join(Person, Person.id == OutboxMessage.recipient_id)
            .where(OutboxMessage.object_type == object_type, Person.email == to)
            .order_by(OutboxMessage.id.desc())).scalars().first()
    assert body, f"no {object_type} email to {to}"
    return re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"[^\s<>\"]+)", body).group(1)


def deliver_due_emails(live: LiveServer) -> None:
    """Run the outbox's delivery once (the tests' server has no scheduler), in a thread of
    its own: Playwright keeps an event loop running in this one."""
    import asyncio
    import threading

    from notifications.delivery import deliver_due

    worker = threading.Thread(target=lambda: asyncio.run(deliver_due(live.app.state.runtime)))
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "the delivery did not finish"


def invite(page, live: LiveServer, lang: str, email: str, name: str) -> None:
    """The administrator invites a person (in `lang`) from the menu's Invitations page."""
    words = WORDS[lang]
    start(page, live, ADMIN, lang)
    follow_menu(page, words["invitations"])
    assert page.url.endswith("/invitations")
    reached(page, f"invitations ({lang})")
    # A wrong address: the summary at the top says so and what was typed is kept.
    page.fill("#f-email", "pas-une-adresse")
    page.fill("#f-name", name)
    page.click("main form[action='/invitations'] button[type=submit]")
    assert page.locator("#e-email").is_visible()
    assert page.locator("#error-summary a[href='#f-email']").count() == 1
    assert page.input_value("#f-email") == "pas-une-adresse" and page.input_value("#f-name") == name
    reached(page, f"invitations with an error ({lang})")
    page.fill("#f-email", email)
    page.select_option("#f-language", value=lang)
    page.click("main form[action='/invitations'] button[type=submit]")
    page.wait_for_load_state()
    assert f"{words['invite_sent']} {email}" in page.locator(".flash").inner_text()
    assert email in page.locator("main table").inner_text()
    reached(page, f"invitation sent ({lang})")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_invited_person_chooses_a_password_and_lands_on_the_dashboard(live, page, lang):
    words = WORDS[lang]
    email, name = f"invitee.{lang}@exemple.org", f"Nouvelle Personne {lang.upper()}"
    invite(page, live, lang, email, name)
    sign_out(page, lang)
    page.context.clear_cookies()

    # The invitation's link, opened on the phone: it names the person and their address.
    page.goto(live.url + link_in_last_email(live, "invitation", "/invitation/", email))
    in_language(page, lang)
    text = page.locator("main").inner_text()
    assert name in text and email in text
    reached(page, f"invitation page ({lang})")
    page.fill("#f-password", NEW_PASSWORD)
    page.fill("#f-password_confirm", NEW_PASSWORD + " autre")
    page.click(f"main button:has-text('{words['enter']}')")
    assert words["mismatch"] in page.locator("#e-password_confirm").inner_text()
    assert words["mismatch"] in page.locator("#error-summary a[href='#f-password_confirm']").inner_text()
    reached(page, f"invitation page, passwords that differ ({lang})")
    page.fill("#f-password", NEW_PASSWORD)
    page.fill("#f-password_confirm", NEW_PASSWORD)
    page.click(f"main button:has-text('{words['enter']}')")
    page.wait_for_load_state()
    assert page.url == live.url + "/"
    assert words["welcome"] in page.locator(".flash").inner_text()
    assert page.locator("main h1").inner_text() == words["hello"] + name
    reached(page, f"newcomer's dashboard ({lang})")
    screenshot(page, f"invitation-dashboard-375-{lang}")

    # The link is used up; the chosen password is how they come back.
    sign_out(page, lang)
    page.goto(live.url + link_in_last_email(live, "invitation", "/invitation/", email))
    assert words["invite_link_invalid"] in page.locator("main [role=alert]").inner_text()
    reached(page, f"used invitation link ({lang})")
    sign_in(page, live.url, email, NEW_PASSWORD)
    assert page.locator("main h1").inner_text() == words["hello"] + name


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_member_who_forgot_their_password_gets_back_in(live, page, lang):
    words = WORDS[lang]
    email = FORGETFUL[lang]
    page.goto(live.url + "/signin")
    in_language(page, lang)
    reached(page, f"sign-in page ({lang})")
    page.click(f"main a:has-text('{words['forgot']}')")
    page.wait_for_load_state()
    assert page.url.endswith("/password/forgot")
    reached(page, f"forgotten password ({lang})")
    page.click("main button[type=submit]")  # no address typed
    assert page.locator("#e-email").is_visible()
    assert page.locator("#error-summary a[href='#f-email']").count() == 1
    reached(page, f"forgotten password, no address ({lang})")
    page.fill("#f-email", email)
    page.click("main button[type=submit]")
    assert words["forgot_sent"] in page.locator(".flash").inner_text()
    reached(page, f"forgotten password, link sent ({lang})")

    page.goto(live.url + link_in_last_email(live, "password_reset", "/password/reset/", email))
    reached(page, f"new password ({lang})")
    page.fill("#f-password", "court")
    page.fill("#f-password_confirm", "court")
    page.click("main button[type=submit]")
    assert page.locator("#e-password").is_visible()
    assert page.locator("#error-summary a[href='#f-password']").count() == 1
    reached(page, f"new password too short ({lang})")
    page.fill("#f-password", NEW_PASSWORD)
    page.fill("#f-password_confirm", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.url == live.url + "/"
    in_language(page, lang)
    reached(page, f"dashboard after a new password ({lang})")

    sign_out(page, lang)
    page.goto(live.url + "/signin")
    in_language(page, lang)
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)  # the old password
    page.click("main button[type=submit]")
    assert words["bad_credentials"] in page.locator("main [role=alert]").inner_text()
    sign_in(page, live.url, email, NEW_PASSWORD)
    assert page.url == live.url + "/"


def test_the_treasurers_fee_split_reaches_the_chairs_vote_in_english(live, page):
    start(page, live, TREASURER, "en")
    follow_menu(page, "Management fees")
    reached(page, "fee splits (en)")
    page.click("main a:has-text('Propose a split')")
    page.wait_for_load_state()
    reached(page, "new fee split (en)")
    page.fill("#f-amount", "2.5.0")
    page.fill("#f-period", "2026-2027")
    weights = page.locator("fieldset input")
    for i in range(weights.count()):
        weights.nth(i).fill("10")
    page.click("button[value=preview]")
    summary = page.locator("#error-summary")
    assert summary.is_visible() and summary.locator("a[href='#f-amount']").count() == 1
    assert page.input_value("#f-amount") == "2.5.0"
    reached(page, "fee split with an error (en)")
    page.fill("#f-amount", "3,000.00")
    page.click("button[value=preview]")
    assert page.locator("#preview").is_visible() and page.locator("#error-summary").count() == 0
    assert "$" in page.locator("#preview").inner_text()
    reached(page, "fee split preview (en)")
    page.click("button[value=propose]")
    page.wait_for_load_state()
    flash = page.locator(".flash.success").inner_text()
    assert "Opening the vote is up to" in flash and "Direction — Carrefour jeunesse-emploi" in flash
    assert page.locator("button:has-text('Open the vote')").count() == 0
    reached(page, "decision drafted by the treasurer (en)")
    decision_url = page.url
    sign_out(page, "en")

    start(page, live, CHAIR, "en")
    needs = page.locator("section[aria-labelledby=now-title]")
    assert "Proposals to open for a vote" in needs.inner_text()
    reached(page, "chair's dashboard (en)")
    needs.locator("a", has_text="Proposals to open for a vote").click()
    page.wait_for_load_state()
    page.locator("#s-dashboard-to-open a").first.click()
    page.wait_for_load_state()
    assert page.url == decision_url
    reached(page, "decision to open (en)")
    page.click("button:has-text('Open the vote')")
    page.wait_for_load_state()
    assert page.locator("#decision-state").inner_text() == "Vote open"
    reached(page, "decision, vote open (en)")
    in_language(page, "fr")  # the chair reads French again for the other tests
    assert page.locator("#decision-state").inner_text() == "Vote ouvert"
    reached(page, "decision, vote open (fr)")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_coordinator_opens_a_grant_application_from_the_pipeline(live, page, lang):
    start(page, live, STAFF, lang)
    follow_menu(page, WORDS[lang]["grants"])
    reached(page, f"grant pipeline ({lang})")
    first = page.locator("main section[data-state] a[href^='/grants/']").first
    title = first.inner_text().strip()
    first.click()
    page.wait_for_load_state()
    assert re.search(r"/grants/\d+$", page.url)
    assert page.locator("main h1").inner_text().strip() == title
    reached(page, f"grant application page ({lang})")
    screenshot(page, f"coordinator-grant-375-{lang}")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_admin_reads_an_email_just_sent_in_the_outbox(live, page, lang):
    words = WORDS[lang]
    email = f"outbox.{lang}@exemple.org"
    invite(page, live, lang, email, f"Personne de l'envoi {lang.upper()}")
    deliver_due_emails(live)  # what the worker does every 30 seconds
    follow_menu(page, words["outbox"])
    assert page.url.endswith("/admin/outbox")
    reached(page, f"outbox ({lang})")
    # No SMTP server here: the email waits in the local mailbox, which the admin filters on.
    page.select_option("#f-status", value="local")
    page.click("main form[action='/admin/outbox'] button[type=submit]")
    page.wait_for_load_state()
    assert "status=local" in page.url
    reached(page, f"outbox, local mailbox ({lang})")
    row = page.locator("main table tbody tr", has_text=email)
    assert row.count() == 1
    # The admin sees the real subject of what they may see, not "(point confidentiel)".
    subject = row.locator("td").first.inner_text()
    assert words["invitation_subject"] in subject
    row.locator("a[href^='/admin/outbox/']").click()
    page.wait_for_load_state()
    assert re.search(r"/admin/outbox/\d+$", page.url)
    text = page.locator("main").inner_text()
    assert words["invitation_subject"] in page.locator("main h1").inner_text() and email in text
    # A personal link is a key to someone's account: the admin does not read it.
    assert "/invitation/" not in page.content()
    assert words["personal_link_hidden"] in text
    reached(page, f"outbox, an invitation ({lang})")

    # A reminder the admin may read: its preview, as it will leave.
    page.click(f"main a:has-text('{words['back_to_outbox']}')")
    page.wait_for_load_state()
    page.select_option("#f-status", value="planned")
    page.click("main form[action='/admin/outbox'] button[type=submit]")
    page.wait_for_load_state()
    reached(page, f"outbox, planned ({lang})")
    rows = page.locator("main table tbody tr")
    readable = [i for i in range(rows.count())
                if words["masked"] not in rows.nth(i).locator("td").first.inner_text()]
    assert readable, "a planned email the admin may read"
    row = rows.nth(readable[0])
    subject = row.locator("td").first.inner_text().split("\n")[0]
    row.locator("a[href^='/admin/outbox/']").click()
    page.wait_for_load_state()
    assert page.locator("main h1").inner_text() == subject
    assert page.locator("main pre").is_visible() and page.locator("main pre").inner_text().strip()
    reached(page, f"outbox, a reminder's preview ({lang})")
    screenshot(page, f"admin-outbox-message-375-{lang}")


def test_the_staff_coordinator_reads_english_pages_that_fit_the_role(live, page):
    """In English too: the in-camera hint said once, and a refused action says who may do it
    (the French pages are in test_role_journeys_browser.py)."""
    start(page, live, STAFF, "en")
    follow_menu(page, "Decisions")
    assert page.locator("main").inner_text().count("Some in-camera items are not shown to you.") == 1
    reached(page, "staff's decisions (en)")
    page.goto(live.url + "/grants/new")
    assert page.locator("main h1").count() == 1
    text = page.locator("main").inner_text()
    assert "Only the lead organisation, executive-committee members and administrators" in text
    assert "ask your body's chair or the site administrators" in text
    reached(page, "403 page (en)")
    in_language(page, "fr")  # the coordinator reads French again for the other tests
