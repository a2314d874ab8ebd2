"""The link in an invitation or a "forgotten password" email opens a page in the language of
the person it was sent to, whatever the browser was last set to; the header's switch still
changes it, and the language chosen there becomes the person's when they get in. A link that
no longer works says so in their language while it still names them, else in the browser's.
Emails come through a real SMTP server (aiosmtpd), on SQLite and PostgreSQL."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import quote

import pytest
from sqlalchemy import select, update

from api.collective.models import Invitation, Person
from api.timeutil import now, set_clock
from tests.auth.helpers import device, language_of, switch_language
from tests.auth.helpers import link as _link
from tests.auth.helpers import mails as _mails
from tests.auth.helpers import text as _text
from tests.helpers import ADMIN, MEMBERS, csrf_of, make_settings, sign_in, token_for
from tests.notifications.conftest import deliver, smtp, wait_for  # noqa: F401 - the SMTP fixture

NEWCOMER = "new.person@example.org"
NEW_PASSWORD = "a brand new pass phrase"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def app(database, db_url, smtp):  # noqa: F811
    """The app, sending its emails to the test's SMTP server."""
    from api.main import create_app

    return create_app(make_settings(db_url, smtp_host="127.0.0.1", smtp_port=smtp.port), db=database)


def _browser_in(app, lang: str, address: str = "198.51.100.40"):
    """A browser whose visitor last chose `lang` with the header's switch (kept in a cookie)."""
    web = device(app, address)
    switch_language(web, lang, "/signin", page="/signin")
    assert f'lang="{lang}-CA"' in web.get("/signin").text
    return web


def _invite(app, smtp, language: str, name: str = "New Person") -> str:  # noqa: F811
    """An administrator invites the newcomer; the path of the link in their email."""
    client = device(app)
    r = client.post("/api/v1/invitations", json={"email": NEWCOMER, "name": name, "language": language},
                    headers=token_for(client, ADMIN))
    assert r.status_code == 201, r.text
    return _link(_mails(app, smtp, NEWCOMER)[-1], "/invitation/")


def _send_form(client, page, path: str, **form):
    """Send the page's form as a browser does, its hidden fields included."""
    hidden = {name: unescape(value) for name, value in HIDDEN.findall(page.text) if name not in ("choice", "next")}
    return client.post(path, data={**hidden, **form}, follow_redirects=False)


def _speaks(app, email: str, lang: str) -> None:
    with app.state.runtime.database.session() as session:
        session.execute(update(Person).where(Person.email == email).values(language=lang))


def _ask_reset(app, smtp, email: str) -> str:  # noqa: F811
    assert device(app).post("/api/v1/auth/password-reset", json={"email": email}).status_code == 202
    return _link(_mails(app, smtp, email)[-1], "/password/reset/")


# --- invitations --------------------------------------------------------------------------

def test_an_english_speaking_invitee_opening_the_link_from_a_french_browser_reads_the_page_in_english(
        app, smtp):  # noqa: F811
    path = _invite(app, smtp, "en")
    mail = _mails(app, smtp, NEWCOMER)[0]
    assert mail["Subject"].startswith("Invitation to join") and "Hello New Person," in _text(mail)
    with _browser_in(app, "fr") as web:
        page = web.get(path)
        assert page.status_code == 200 and 'lang="en-CA"' in page.text
        assert "Welcome to Relais" in page.text and "Choose a password" in page.text
        assert "Bienvenue dans Relais" not in page.text
        # The switch is still there, offering French.
        assert 'action="/language/fr"' in page.text
        # A mistake is explained in English too.
        r = _send_form(web, page, path, choice="password", password="short", password_confirm="short")
        assert r.status_code == 422 and 'lang="en-CA"' in r.text
        r = _send_form(web, page, path, choice="password", password=NEW_PASSWORD, password_confirm="something else")
        assert r.status_code == 422 and "The two passwords do not match." in r.text
        r = _send_form(web, page, path, choice="password", password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
        assert r.status_code == 303 and r.headers["location"] == "/"
        dashboard = web.get("/")
        assert "Hello, New Person" in dashboard.text and "Welcome! Your password is saved." in dashboard.text
    assert language_of(app, NEWCOMER) == "en"


def test_a_french_invitee_reads_french_even_from_an_english_browser(app, smtp):  # noqa: F811
    path = _invite(app, smtp, "fr", name="Nouvelle Personne")
    mail = _mails(app, smtp, NEWCOMER)[0]
    assert mail["Subject"].startswith("Invitation à rejoindre") and "Bonjour Nouvelle Personne," in _text(mail)
    with _browser_in(app, "en") as web:
        page = web.get(path)
        assert page.status_code == 200 and 'lang="fr-CA"' in page.text
        assert "Bienvenue dans Relais" in page.text and "Welcome to Relais" not in page.text
        r = _send_form(web, page, path, choice="link")
        assert r.status_code == 303
        assert "Bonjour, Nouvelle Personne" in web.get("/").text
    assert language_of(app, NEWCOMER) == "fr"


def test_an_invitee_who_switches_to_french_on_the_page_keeps_french_once_in(app, smtp):  # noqa: F811
    path = _invite(app, smtp, "en")
    with _browser_in(app, "en") as web:
        assert 'lang="en-CA"' in web.get(path).text
        r = switch_language(web, "fr", path, page=path)
        assert r.status_code == 303 and r.headers["location"] == f"{path}?lang=fr"
        page = web.get(r.headers["location"])
        assert 'lang="fr-CA"' in page.text and "Bienvenue dans Relais" in page.text
        # Back and forth: the last choice wins.
        r = switch_language(web, "en", f"{path}?lang=fr", page=f"{path}?lang=fr")
        assert r.headers["location"] == f"{path}?lang=en"
        r = switch_language(web, "fr", f"{path}?lang=en", page=f"{path}?lang=en")
        page = web.get(r.headers["location"])
        assert 'lang="fr-CA"' in page.text
        # A mistake keeps the page in the language chosen.
        r = _send_form(web, page, path, choice="password", password=NEW_PASSWORD, password_confirm="autre chose")
        assert r.status_code == 422 and "ne sont pas identiques" in r.text
        r = _send_form(web, page, path, choice="password", password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
        assert r.status_code == 303
        dashboard = web.get("/")
        assert 'lang="fr-CA"' in dashboard.text and "Bonjour, New Person" in dashboard.text
    assert language_of(app, NEWCOMER) == "fr"
    # On another device, signing in later, Relais speaks French to them.
    with device(app, "203.0.113.7") as phone:
        sign_in(phone, NEWCOMER, NEW_PASSWORD)
        assert "Bonjour, New Person" in phone.get("/").text


def test_an_expired_invitation_says_so_in_the_invitees_language(app, smtp):  # noqa: F811
    path = _invite(app, smtp, "en")
    start = now()
    try:
        set_clock(lambda: start + timedelta(days=7, minutes=1))
        with _browser_in(app, "fr") as web:
            r = web.get(path)
            assert r.status_code == 422 and 'lang="en-CA"' in r.text
            assert "This invitation link expired after 7 days." in r.text
            assert "Bienvenue" not in r.text
            # A form sent after it expired is refused in English as well.
            r = web.post(path, data={"csrf_token": csrf_of(r.text), "choice": "link"})
            assert r.status_code == 422 and "expired after 7 days" in r.text
    finally:
        set_clock(None)
    assert language_of(app, NEWCOMER) == "en"


def test_a_revoked_or_used_invitation_says_so_in_the_invitees_language(app, smtp):  # noqa: F811
    path = _invite(app, smtp, "fr", name="Nouvelle Personne")
    with app.state.runtime.database.session() as session:
        invitation_id = session.execute(select(Invitation.id)).scalar_one()
    client = device(app)
    r = client.post(f"/api/v1/invitations/{invitation_id}/revoke", headers=token_for(client, ADMIN))
    assert r.status_code == 200
    with _browser_in(app, "en") as web:
        r = web.get(path)
        assert r.status_code == 422 and 'lang="fr-CA"' in r.text
        assert "Cette invitation a été retirée" in unescape(r.text)
    # Invited again and accepted: the used link says it was used, still in French.
    path = _invite(app, smtp, "fr", name="Nouvelle Personne")
    with _browser_in(app, "en") as web:
        assert _send_form(web, web.get(path), path, choice="link").status_code == 303
    with _browser_in(app, "en", "203.0.113.8") as web:
        r = web.get(path)
        assert r.status_code == 422 and 'lang="fr-CA"' in r.text and "déjà été utilisé" in unescape(r.text)


def test_an_old_link_replaced_by_a_resend_speaks_the_browsers_language(app, smtp):  # noqa: F811
    client = device(app)
    admin = token_for(client, ADMIN)
    invitation = client.post("/api/v1/invitations", json={"email": NEWCOMER, "name": "N. P.", "language": "en"},
                             headers=admin).json()
    old = _link(_mails(app, smtp, NEWCOMER)[0], "/invitation/")
    assert client.post(f"/api/v1/invitations/{invitation['id']}/resend", headers=admin).status_code == 200
    new = _link(_mails(app, smtp, NEWCOMER, 2)[-1], "/invitation/")
    with _browser_in(app, "fr") as web:
        # The old link names nobody any more: the browser's French.
        r = web.get(old)
        assert r.status_code == 422 and 'lang="fr-CA"' in r.text and "n'est plus valable" in unescape(r.text)
        # The new one opens in the invitee's English.
        assert 'lang="en-CA"' in web.get(new).text


# --- "forgotten password" -----------------------------------------------------------------

def test_an_english_speaking_member_resetting_from_a_french_browser_reads_english(app, smtp):  # noqa: F811
    _speaks(app, MEMBERS[1], "en")
    path = _ask_reset(app, smtp, MEMBERS[1])
    assert _mails(app, smtp, MEMBERS[1])[0]["Subject"].startswith("Choose a new password")
    with _browser_in(app, "fr") as web:
        page = web.get(path)
        assert page.status_code == 200 and 'lang="en-CA"' in page.text
        assert "Choose a new password" in page.text and 'action="/language/fr"' in page.text
        r = _send_form(web, page, path, password="short", password_confirm="short")
        assert r.status_code == 422 and 'lang="en-CA"' in r.text
        r = _send_form(web, page, path, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
        assert r.status_code == 303
        assert "Your new password is saved." in web.get("/").text
        # The used link says so in English.
        r = web.get(path)
        assert r.status_code == 422 and "This link is no longer valid" in r.text
    assert language_of(app, MEMBERS[1]) == "en"


def test_a_french_member_resetting_from_an_english_browser_reads_french(app, smtp):  # noqa: F811
    path = _ask_reset(app, smtp, MEMBERS[2])
    assert _mails(app, smtp, MEMBERS[2])[0]["Subject"].startswith("Choisir un nouveau mot de passe")
    with _browser_in(app, "en") as web:
        page = web.get(path)
        assert page.status_code == 200 and 'lang="fr-CA"' in page.text
        assert "Choisir un nouveau mot de passe" in page.text


def test_a_member_who_switches_language_on_the_reset_page_keeps_it(app, smtp):  # noqa: F811
    _speaks(app, MEMBERS[3], "en")
    path = _ask_reset(app, smtp, MEMBERS[3])
    with _browser_in(app, "en") as web:
        r = switch_language(web, "fr", path, page=path)
        assert r.headers["location"] == f"{path}?lang=fr"
        page = web.get(r.headers["location"])
        assert 'lang="fr-CA"' in page.text and "Choisir un nouveau mot de passe" in page.text
        r = _send_form(web, page, path, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
        assert r.status_code == 303
        assert "Votre nouveau mot de passe est enregistré" in web.get("/").text
    assert language_of(app, MEMBERS[3]) == "fr"


def test_an_expired_reset_link_says_so_in_the_members_language(app, smtp):  # noqa: F811
    _speaks(app, MEMBERS[1], "en")
    path = _ask_reset(app, smtp, MEMBERS[1])
    start = now()
    try:
        set_clock(lambda: start + timedelta(minutes=61))
        with _browser_in(app, "fr") as web:
            r = web.get(path)
            assert r.status_code == 422 and 'lang="en-CA"' in r.text and "This link is no longer valid" in r.text
    finally:
        set_clock(None)


# --- nothing breaks them --------------------------------------------------------------------

GARBAGE = ["x", "%00", "a%00b", "A" * 5000, "%C3%A9t%C3%A9", "%FF%FE", "..%2F..%2Fetc", "%0d%0aSet-Cookie:x=1",
           "%E2%80%AE" * 40, "%F0%9F%98%80"]


@pytest.mark.parametrize("prefix", ["/invitation/", "/password/reset/"])
def test_a_link_that_names_nobody_is_refused_in_the_browsers_language_and_never_breaks(app, prefix):
    with _browser_in(app, "en") as web:
        for token in GARBAGE:
            for lang in ("", "?lang=xx", "?lang=%00", "?lang=" + "e" * 5000, "?lang=en&lang=%00"):
                r = web.get(prefix + token + lang)
                assert r.status_code in (404, 422), (token, lang, r.status_code)
                if r.status_code == 422:
                    assert 'lang="en-CA"' in r.text
            r = web.post(prefix + token, data={"csrf_token": csrf_of(web.get("/signin").text), "lang": "\x00" * 3000,
                                               "choice": "link", "password": "\x00", "password_confirm": "x" * 10**5})
            assert r.status_code in (404, 422), (token, r.status_code)


def test_a_strange_language_sent_with_a_good_link_changes_nothing(app, smtp):  # noqa: F811
    path = _invite(app, smtp, "en")
    with _browser_in(app, "fr") as web:
        page = web.get(path + "?lang=" + quote("de\x00"))
        assert page.status_code == 200 and 'lang="en-CA"' in page.text
        r = web.post(path, data={"csrf_token": csrf_of(page.text), "lang": "zz" * 1000, "choice": "link"},
                     follow_redirects=False)
        assert r.status_code == 303
    assert language_of(app, NEWCOMER) == "en"
