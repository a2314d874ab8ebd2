"""Getting in (issue 13): an invitation by email, with a password or without; "forgotten
password"; changing one's password on the profile; the page one came from kept through the
sign-in-by-email link. Emails are read from a real SMTP server (aiosmtpd), on SQLite and
PostgreSQL."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import func, select

from api.collective.models import Invitation, Person, Seat
from api.timeutil import now, set_clock
from tests.auth.helpers import ask_for_token, device, person_id
from tests.auth.helpers import link as _link
from tests.auth.helpers import mails as _mails
from tests.auth.helpers import text as _text
from tests.helpers import ADMIN, CHAIR, DEMO_PASSWORD, MEMBERS, csrf_of, make_settings, sign_in, token_for
from tests.notifications.conftest import deliver, smtp, wait_for  # noqa: F401 - the SMTP fixture

NEWCOMER = "nouvelle.personne@exemple.org"
NEW_PASSWORD = "une phrase de passe neuve"


@pytest.fixture
def app(database, db_url, smtp):  # noqa: F811
    """The app, sending its emails to the test's SMTP server."""
    from api.main import create_app

    return create_app(make_settings(db_url, smtp_host="127.0.0.1", smtp_port=smtp.port), db=database)


def _signed_in_as(client) -> str | None:
    r = client.get("/api/v1/me")
    return r.json()["email"] if r.status_code == 200 else None


def _dashboard(client):
    return client.get("/", follow_redirects=False)


def _invite_on_the_page(web, email: str = NEWCOMER, name: str = "Nouvelle Personne", **fields):
    page = web.get("/invitations")
    assert page.status_code == 200
    return web.post("/invitations", data={"csrf_token": csrf_of(page.text), "email": email, "name": name,
                                          "language": "fr", **fields}, follow_redirects=False)


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def _accept(client, path: str, **form):
    """Open a link from an email and send its page's form, hidden fields included."""
    page = client.get(path)
    hidden = {name: unescape(value) for name, value in HIDDEN.findall(page.text) if name != "choice"}
    return client.post(path, data={**hidden, **form}, follow_redirects=False)


# --- invitations ------------------------------------------------------------------------

def test_an_admin_invites_a_newcomer_who_chooses_a_password_and_lands_on_the_dashboard(app, smtp):  # noqa: F811
    with device(app) as admin, device(app, "198.51.100.80") as newcomer:
        sign_in(admin, ADMIN)
        r = _invite_on_the_page(admin)
        assert r.status_code == 303
        assert f"Invitation envoyée à {NEWCOMER}" in admin.get("/invitations").text
        mail = _mails(app, smtp, NEWCOMER)[0]
        assert mail["Subject"].startswith("Invitation à rejoindre")
        assert "Administration" in _text(mail) or "vous invite" in _text(mail)
        path = _link(mail, "/invitation/")
        page = newcomer.get(path)
        assert page.status_code == 200 and "Nouvelle Personne" in page.text and NEWCOMER in page.text
        r = _accept(newcomer, path, choice="password", password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
        assert r.status_code == 303 and r.headers["location"] == "/"
        dashboard = _dashboard(newcomer)
        assert dashboard.status_code == 200 and "Bonjour, Nouvelle Personne" in dashboard.text
        assert "Bienvenue" in dashboard.text
        assert "Acceptée" in admin.get("/invitations").text
    assert ask_for_token(device(app), NEWCOMER, NEW_PASSWORD).status_code == 200


def test_an_invitation_link_works_once(app, smtp):  # noqa: F811
    client = device(app)
    token = token_for(client, ADMIN)
    r = client.post("/api/v1/invitations", json={"email": NEWCOMER, "name": "N. P."}, headers=token)
    assert r.status_code == 201
    path = _link(_mails(app, smtp, NEWCOMER)[0], "/invitation/")
    with device(app) as first, device(app) as second:
        page = second.get(path)
        assert _accept(first, path, choice="link").status_code == 303
        r = second.post(path, data={"csrf_token": csrf_of(page.text), "choice": "link"})
        assert r.status_code == 422 and "n'est plus valable" in unescape(r.text)
        assert _signed_in_as(second) is None


def test_an_invited_person_may_keep_signing_in_by_email_link(app, smtp):  # noqa: F811
    client = device(app)
    client.post("/api/v1/invitations", json={"email": NEWCOMER, "name": "N. P.", "language": "en"},
                headers=token_for(client, ADMIN))
    mail = _mails(app, smtp, NEWCOMER)[0]
    assert mail["Subject"].startswith("Invitation to join")  # in the newcomer's language
    with device(app) as newcomer:
        r = _accept(newcomer, _link(mail, "/invitation/"), choice="link")
        assert r.status_code == 303 and _signed_in_as(newcomer) == NEWCOMER
        # No password: the profile offers a link to choose one.
        assert "/profile/password-link" in newcomer.get("/profile").text
    assert ask_for_token(client, NEWCOMER, "").status_code in (401, 422)


def test_choosing_a_too_short_or_mismatched_password_keeps_the_invitation_open(app, smtp):  # noqa: F811
    client = device(app)
    client.post("/api/v1/invitations", json={"email": NEWCOMER, "name": "N. P."}, headers=token_for(client, ADMIN))
    path = _link(_mails(app, smtp, NEWCOMER)[0], "/invitation/")
    with device(app) as newcomer:
        r = _accept(newcomer, path, choice="password", password="court", password_confirm="court")
        assert r.status_code == 422 and 'id="e-password"' in r.text
        r = _accept(newcomer, path, choice="password", password=NEW_PASSWORD, password_confirm="autre chose")
        assert r.status_code == 422 and "ne sont pas identiques" in r.text
        assert _signed_in_as(newcomer) is None
        assert _accept(newcomer, path, choice="password", password=NEW_PASSWORD,
                       password_confirm=NEW_PASSWORD).status_code == 303


def test_an_invitation_expires_after_seven_days(app, smtp):  # noqa: F811
    client = device(app)
    client.post("/api/v1/invitations", json={"email": NEWCOMER, "name": "N. P."}, headers=token_for(client, ADMIN))
    path = _link(_mails(app, smtp, NEWCOMER)[0], "/invitation/")
    start = now()
    try:
        set_clock(lambda: start + timedelta(days=6, hours=23))
        assert device(app).get(path).status_code == 200
        set_clock(lambda: start + timedelta(days=7, minutes=1))
        r = device(app).get(path)
        assert r.status_code == 422 and "expiré après 7 jours" in r.text
        admin = device(app)
        sign_in(admin, ADMIN)
        assert "Expirée" in admin.get("/invitations").text
    finally:
        set_clock(None)


def test_resending_an_invitation_sends_a_new_link_and_the_old_one_stops_working(app, smtp):  # noqa: F811
    client = device(app)
    token = token_for(client, ADMIN)
    invitation = client.post("/api/v1/invitations", json={"email": NEWCOMER, "name": "N. P."}, headers=token).json()
    old = _link(_mails(app, smtp, NEWCOMER)[0], "/invitation/")
    r = client.post(f"/api/v1/invitations/{invitation['id']}/resend", headers=token)
    assert r.status_code == 200 and r.json()["send_count"] == 2 and r.json()["status"] == "pending"
    new = _link(_mails(app, smtp, NEWCOMER, 2)[-1], "/invitation/")
    assert new != old
    assert device(app).get(old).status_code == 422
    assert device(app).get(new).status_code == 200


def test_a_revoked_invitation_link_is_refused(app, smtp):  # noqa: F811
    with device(app) as admin:
        sign_in(admin, ADMIN)
        _invite_on_the_page(admin)
        path = _link(_mails(app, smtp, NEWCOMER)[0], "/invitation/")
        with app.state.runtime.database.session() as session:
            invitation_id = session.execute(select(Invitation.id)).scalar_one()
        page = admin.get("/invitations").text
        assert f'action="/invitations/{invitation_id}/revoke"' in page
        r = admin.post(f"/invitations/{invitation_id}/revoke", data={"csrf_token": csrf_of(page)})
        assert r.status_code == 200 and "Retirée" in r.text
    r = device(app).get(path)
    assert r.status_code == 422 and "retiré" in r.text
    # Once revoked, neither resent nor revoked again.
    token = token_for(device(app), ADMIN)
    assert device(app).post(f"/api/v1/invitations/{invitation_id}/resend", headers=token).status_code == 409


def test_a_chair_invites_to_their_own_body_and_nowhere_else(app, smtp):  # noqa: F811
    client = device(app)
    chair = token_for(client, CHAIR)
    seats = client.get("/api/v1/me", headers=chair).json()["seats"]
    chaired = next(s["body_id"] for s in seats if s["role"] == "chair")
    other = next(s["body_id"] for s in seats if s["role"] != "chair")
    r = client.post("/api/v1/invitations", json={"email": NEWCOMER, "name": "N. P.", "body_id": other}, headers=chair)
    assert r.status_code == 403 and "présidence" in r.json()["message"]
    r = client.post("/api/v1/invitations", json={"email": NEWCOMER, "name": "N. P."}, headers=chair)
    assert r.status_code == 403  # site access alone is the administrator's to give
    r = client.post("/api/v1/invitations", json={"email": NEWCOMER, "name": "N. P.", "body_id": chaired}, headers=chair)
    assert r.status_code == 201 and r.json()["body_id"] == chaired
    newcomer = person_id(app, NEWCOMER)
    with app.state.runtime.database.session() as session:
        seat = session.execute(select(Seat).where(Seat.person_id == newcomer)).scalar_one()
        assert seat.body_id == chaired and seat.role == "member"
    mail = _mails(app, smtp, NEWCOMER)[0]
    assert "Direction — Carrefour jeunesse-emploi" in _text(mail)
    assert [i["email"] for i in client.get("/api/v1/invitations", headers=chair).json()] == [NEWCOMER]


def test_a_member_who_chairs_nothing_cannot_invite_and_is_told_who_can(app):
    client = device(app)
    member = token_for(client, MEMBERS[0])
    r = client.post("/api/v1/invitations", json={"email": NEWCOMER, "name": "N. P."}, headers=member)
    assert r.status_code == 403
    assert client.get("/api/v1/invitations", headers=member).status_code == 403
    with device(app) as web:
        sign_in(web, MEMBERS[0])
        assert 'href="/invitations"' not in web.get("/").text
        r = web.get("/invitations")
        assert r.status_code == 403 and "Seuls les administrateurs et la présidence" in r.text
    with app.state.runtime.database.session() as session:
        assert session.execute(select(func.count()).select_from(Person).where(Person.email == NEWCOMER)).scalar() == 0


def test_an_invitation_form_with_errors_creates_nobody(app, smtp):  # noqa: F811
    with device(app) as admin:
        sign_in(admin, ADMIN)
        r = _invite_on_the_page(admin, name="")
        assert r.status_code == 422 and "Entrez le nom de la personne" in r.text
        r = _invite_on_the_page(admin, email="pas-un-courriel")
        assert r.status_code == 422
    deliver(app.state.runtime)
    with app.state.runtime.database.session() as session:
        assert session.execute(select(func.count()).select_from(Invitation)).scalar() == 0
    assert smtp.sink.received == []


def test_inviting_an_existing_person_sends_them_a_link(app, smtp):  # noqa: F811
    client = device(app)
    r = client.post("/api/v1/invitations", json={"email": MEMBERS[2].upper()}, headers=token_for(client, ADMIN))
    assert r.status_code == 201 and r.json()["email"] == MEMBERS[2]
    assert _link(_mails(app, smtp, MEMBERS[2])[0], "/invitation/")


# --- forgotten password -------------------------------------------------------------------

def test_a_member_who_forgot_their_password_chooses_a_new_one_by_email_link(app, smtp):  # noqa: F811
    with device(app, "198.51.100.90") as tablet:
        sign_in(tablet, MEMBERS[0])
        with device(app) as web:
            page = web.get("/signin")
            assert 'href="/password/forgot"' in page.text and "Mot de passe oublié" in page.text
            form = web.get("/password/forgot")
            r = web.post("/password/forgot", data={"csrf_token": csrf_of(form.text), "email": MEMBERS[0]})
            assert r.status_code == 200 and "Si cette adresse est connue" in r.text
            mail = _mails(app, smtp, MEMBERS[0])[0]
            path = _link(mail, "/password/reset/")
            r = _accept(web, path, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
            assert r.status_code == 303 and _signed_in_as(web) == MEMBERS[0]
            assert "Votre nouveau mot de passe est enregistré" in _dashboard(web).text
            # The link works once.
            assert web.get(path).status_code == 422
        # The password changed: every other session has ended.
        assert _signed_in_as(tablet) is None
    assert ask_for_token(device(app), MEMBERS[0], DEMO_PASSWORD).status_code == 401
    assert ask_for_token(device(app), MEMBERS[0], NEW_PASSWORD).status_code == 200


def test_the_forgotten_password_page_reveals_no_address(app, smtp):  # noqa: F811
    with device(app) as web:
        form = web.get("/password/forgot")
        known = web.post("/password/forgot", data={"csrf_token": csrf_of(form.text), "email": MEMBERS[1]})
        unknown = web.post("/password/forgot", data={"csrf_token": csrf_of(form.text), "email": "personne@exemple.org"})
        assert known.status_code == unknown.status_code == 200
        strip = re.compile(r'name="csrf_token" value="[^"]+"')
        assert strip.sub("", known.text) == strip.sub("", unknown.text)
    deliver(app.state.runtime)
    assert [rcpt for rcpt, _ in smtp.sink.received] == [MEMBERS[1]]


def test_a_typo_in_the_address_of_a_forgotten_password_is_named_and_kept(app, smtp):  # noqa: F811
    with device(app) as web:
        form = web.get("/password/forgot")
        typo = web.post("/password/forgot", data={"csrf_token": csrf_of(form.text), "email": "pas une adresse"})
        assert typo.status_code == 422 and 'value="pas une adresse"' in typo.text
        assert "Si cette adresse est connue" not in typo.text
    assert device(app).post("/api/v1/auth/password-reset", json={"email": "pas une adresse"}).json()["field"] == "email"
    deliver(app.state.runtime)
    assert smtp.sink.received == []


def test_a_forgotten_password_link_expires_after_an_hour(app, smtp):  # noqa: F811
    client = device(app)
    assert client.post("/api/v1/auth/password-reset", json={"email": MEMBERS[1]}).status_code == 202
    path = _link(_mails(app, smtp, MEMBERS[1])[0], "/password/reset/")
    start = now()
    try:
        set_clock(lambda: start + timedelta(minutes=61))
        r = device(app).get(path)
        assert r.status_code == 422 and "n'est plus valable" in unescape(r.text)
    finally:
        set_clock(None)


# --- my profile ---------------------------------------------------------------------------

def test_changing_my_password_on_my_profile_ends_my_other_sessions_only(app):
    with device(app) as here, device(app, "198.51.100.91") as phone:
        sign_in(phone, MEMBERS[1])
        token = sign_in(here, MEMBERS[1])
        page = here.get("/profile")
        assert page.status_code == 200 and 'action="/profile/password"' in page.text
        assert 'href="/preferences"' in page.text
        r = here.post("/profile/password", data={"csrf_token": token, "current_password": "pas le bon",
                                                 "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD})
        assert r.status_code == 422 and "Le mot de passe actuel est incorrect" in r.text
        assert _signed_in_as(phone) == MEMBERS[1]  # a refused change ends nothing
        r = here.post("/profile/password", data={"csrf_token": token, "current_password": DEMO_PASSWORD,
                                                 "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
                      follow_redirects=False)
        assert r.status_code == 303
        assert _signed_in_as(here) == MEMBERS[1]
        assert "Vos autres sessions sont terminées" in here.get("/profile").text
        assert _signed_in_as(phone) is None
    assert ask_for_token(device(app), MEMBERS[1], NEW_PASSWORD).status_code == 200


def test_changing_my_password_through_the_api_needs_the_current_one_and_gives_a_new_token(app):
    client = device(app)
    token = token_for(client, MEMBERS[1])
    r = client.post("/api/v1/me/password", json={"current_password": "non", "new_password": NEW_PASSWORD},
                    headers=token)
    assert r.status_code == 422 and r.json()["field"] == "current_password"
    assert client.get("/api/v1/me", headers=token).status_code == 200
    r = client.post("/api/v1/me/password", json={"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD},
                    headers=token)
    assert r.status_code == 200
    assert client.get("/api/v1/me", headers=token).status_code == 401
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/api/v1/me", headers=fresh).json()["email"] == MEMBERS[1]


def test_my_profile_changes_my_language(app):
    with device(app) as web:
        token = sign_in(web, MEMBERS[2])
        r = web.post("/profile/language", data={"csrf_token": token, "language": "en"})
        assert r.status_code == 200 and "My profile" in r.text
    with app.state.runtime.database.session() as session:
        assert session.execute(select(Person.language).where(Person.email == MEMBERS[2])).scalar_one() == "en"


# --- where I was going --------------------------------------------------------------------

def _ask_for_a_link(web, next_path: str, email: str):
    page = web.get(f"/signin/link?next={quote(next_path)}")
    return web.post("/signin/link", data={"csrf_token": csrf_of(page.text), "email": email, "next": next_path})


def test_the_sign_in_link_by_email_brings_me_back_to_the_page_i_was_going_to(app, smtp):  # noqa: F811
    with device(app) as web:
        r = web.get("/people?page=1", follow_redirects=False)
        assert r.headers["location"] == "/signin?next=" + quote("/people?page=1")
        signin = web.get(r.headers["location"]).text
        assert 'href="/signin/link?next=' in signin
        _ask_for_a_link(web, "/people?page=1", MEMBERS[2])
        path = _link(_mails(app, smtp, MEMBERS[2])[0], "/signin/link/")
        assert "next=" in path
        r = _accept(web, path)
        assert r.status_code == 303 and r.headers["location"] == "/people?page=1"


@pytest.mark.parametrize("elsewhere", ["https://evil.example/vote", "//evil.example/vote", "/\\evil.example",
                                       "javascript:alert(1)"])
def test_the_sign_in_link_never_leads_off_the_site(app, smtp, elsewhere):  # noqa: F811
    with device(app) as web:
        _ask_for_a_link(web, elsewhere, MEMBERS[3])
        path = _link(_mails(app, smtp, MEMBERS[3])[0], "/signin/link/")
        page = web.get(path)
        r = web.post(path, data={"csrf_token": csrf_of(page.text), "next": elsewhere}, follow_redirects=False)
        assert r.status_code == 303
        location = r.headers["location"]
        # A path of this site: no scheme, no host, nothing a browser would read as one.
        assert location.startswith("/") and not location.startswith("//") and "\\" not in location
        assert urlsplit(location).netloc == "" and urlsplit(location).scheme == ""


def test_an_admin_invites_an_existing_person_from_their_page(app, smtp):  # noqa: F811
    member = person_id(app, MEMBERS[3])
    with device(app) as admin:
        sign_in(admin, ADMIN)
        page = admin.get(f"/people/{member}").text
        assert "Inviter par courriel" in page
        r = admin.post("/invitations", data={"csrf_token": csrf_of(page), "email": MEMBERS[3]}, follow_redirects=False)
        assert r.status_code == 303
    assert _link(_mails(app, smtp, MEMBERS[3])[0], "/invitation/")


def test_the_admin_outbox_names_an_invitation_an_invitation_not_a_sign_in_link(app, smtp):  # noqa: F811
    with device(app) as admin:
        sign_in(admin, ADMIN)
        assert _invite_on_the_page(admin).status_code == 303
        outbox = admin.get("/admin/outbox").text
        row = next(line for line in outbox.split("<tr")[1:] if NEWCOMER in line)
        assert "Invitation à Relais" in row and "Lien de connexion" not in row
        message_id = re.search(r'href="/admin/outbox/(\d+)"', row).group(1)
        assert "Invitation à Relais" in admin.get(f"/admin/outbox/{message_id}").text
