"""Sessions end when they should: signing out, changing a password and an administrator's
"sign out everywhere" make every cookie and token issued before them useless, on SQLite and
PostgreSQL."""

import re

from sqlalchemy import select

from api.register.models import RegisterEvent
from notifications.models import OutboxMessage
from notifications.service import SIGNIN_KIND
from tests.auth.helpers import ask_for_token, device, person_id
from tests.helpers import ADMIN, DEMO_PASSWORD, MEMBERS, csrf_of, sign_in, statements_run, token_for

NEW_PASSWORD = "un-nouveau-mot-de-passe"


def _signed_in(client) -> bool:
    """Whether this browser is signed in: the dashboard opens instead of sending to sign-in."""
    return client.get("/", follow_redirects=False).status_code == 200


def _with_cookie(app, cookie: str):
    """Another browser holding a copy of a session cookie (stolen, or left on a shared computer)."""
    other = device(app, "198.51.100.20")
    other.cookies.set("relais", cookie)
    return other


def test_a_copied_session_cookie_stops_working_once_the_member_signs_out(app):
    with device(app) as laptop:
        page = sign_in(laptop, MEMBERS[0])
        copied = laptop.cookies.get("relais")
        with _with_cookie(app, copied) as thief:
            assert _signed_in(thief)  # the copy works while the session lasts
            laptop.post("/signout", data={"csrf_token": page})
            assert not _signed_in(laptop)
            r = thief.get("/", follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/signin")
            assert thief.get("/api/v1/me").status_code == 401


def test_signing_in_again_after_signing_out_works(app):
    with device(app) as laptop:
        laptop.post("/signout", data={"csrf_token": sign_in(laptop, MEMBERS[0])})
        sign_in(laptop, MEMBERS[0])
        assert _signed_in(laptop)
        assert "Bonjour" in laptop.get("/").text


def test_an_admin_signs_a_member_out_everywhere_from_the_api(app, client):
    member = person_id(app, MEMBERS[1])
    old_token = token_for(client, MEMBERS[1])
    with device(app) as phone:
        sign_in(phone, MEMBERS[1])
        r = client.delete(f"/api/v1/people/{member}/sessions", headers=token_for(client, ADMIN))
        assert r.status_code == 204
        assert client.get("/api/v1/me", headers=old_token).status_code == 401
        assert not _signed_in(phone)
        # Nothing else changed: the member signs in again with the same password.
        sign_in(phone, MEMBERS[1])
        assert _signed_in(phone)
    new_token = token_for(client, MEMBERS[1])
    assert client.get("/api/v1/me", headers=new_token).json()["email"] == MEMBERS[1]
    # The administrator's act is in the register.
    admin = person_id(app, ADMIN)
    with app.state.runtime.database.session() as session:
        events = session.execute(select(RegisterEvent).where(
            RegisterEvent.action == "person.signed_out_everywhere", RegisterEvent.object_id == member)).scalars().all()
        assert len(events) == 1 and events[0].actor_id == admin


def test_only_an_admin_or_the_person_can_end_someone_s_sessions(app, client):
    other = person_id(app, MEMBERS[1])
    as_member = token_for(client, MEMBERS[0])
    assert client.delete(f"/api/v1/people/{other}/sessions", headers=as_member).status_code == 403
    assert client.get("/api/v1/me", headers=token_for(client, MEMBERS[1])).status_code == 200
    assert client.delete("/api/v1/people/999999/sessions", headers=token_for(client, ADMIN)).status_code == 404
    assert client.delete(f"/api/v1/people/{other}/sessions").status_code == 401
    # A person who lost a phone ends their own sessions.
    mine = person_id(app, MEMBERS[0])
    assert client.delete(f"/api/v1/people/{mine}/sessions", headers=as_member).status_code == 204
    assert client.get("/api/v1/me", headers=as_member).status_code == 401


def test_the_admin_button_on_a_person_s_page_signs_them_out_everywhere(app):
    member = person_id(app, MEMBERS[2])
    with device(app) as admin, device(app, "198.51.100.30") as phone:
        sign_in(phone, MEMBERS[2])
        sign_in(admin, ADMIN)
        page = admin.get(f"/people/{member}").text
        assert f'action="/people/{member}/signout-everywhere"' in page
        r = admin.post(f"/people/{member}/signout-everywhere", data={"csrf_token": csrf_of(page)},
                       follow_redirects=True)
        assert r.status_code == 200 and "Toutes les sessions de cette personne sont terminées" in r.text
        assert not _signed_in(phone)
        assert _signed_in(admin)  # the administrator's own session goes on


def test_a_member_sees_no_sign_out_everywhere_button_on_someone_else_s_page(app):
    other = person_id(app, MEMBERS[2])
    with device(app) as web:
        token = sign_in(web, MEMBERS[0])
        assert "signout-everywhere" not in web.get(f"/people/{other}").text
        r = web.post(f"/people/{other}/signout-everywhere", data={"csrf_token": token})
        assert r.status_code == 403
        mine = person_id(app, MEMBERS[0])
        assert f'action="/people/{mine}/signout-everywhere"' in web.get(f"/people/{mine}").text


def test_a_sign_out_everywhere_form_without_its_csrf_token_changes_nothing(app):
    member = person_id(app, MEMBERS[2])
    with device(app) as admin, device(app, "198.51.100.30") as phone:
        sign_in(phone, MEMBERS[2])
        sign_in(admin, ADMIN)
        assert admin.post(f"/people/{member}/signout-everywhere", data={}).status_code == 403
        assert _signed_in(phone)


def test_changing_my_password_through_the_api_ends_my_other_sessions_and_tokens(app, client):
    me = person_id(app, MEMBERS[0])
    token = token_for(client, MEMBERS[0])
    with device(app, "198.51.100.40") as tablet:
        sign_in(tablet, MEMBERS[0])
        r = client.patch(f"/api/v1/people/{me}", json={"password": NEW_PASSWORD}, headers=token)
        assert r.status_code == 200
        assert not _signed_in(tablet)
        assert client.get("/api/v1/me", headers=token).status_code == 401  # issued before the change
    assert ask_for_token(client, MEMBERS[0], DEMO_PASSWORD).status_code == 401
    fresh = token_for(client, MEMBERS[0], NEW_PASSWORD)
    assert client.get("/api/v1/me", headers=fresh).status_code == 200


def test_changing_only_the_language_keeps_sessions(app, client):
    me = person_id(app, MEMBERS[0])
    token = token_for(client, MEMBERS[0])
    assert client.patch(f"/api/v1/people/{me}", json={"language": "en"}, headers=token).status_code == 200
    assert client.get("/api/v1/me", headers=token).status_code == 200


def test_an_admin_setting_a_password_on_the_page_signs_that_person_out_but_not_the_admin(app, client):
    member = person_id(app, MEMBERS[3])
    old_token = token_for(client, MEMBERS[3])
    with device(app) as admin, device(app, "198.51.100.50") as phone:
        sign_in(phone, MEMBERS[3])
        token = sign_in(admin, ADMIN)
        form = admin.get(f"/people/{member}/edit").text
        assert 'name="password"' in form
        r = admin.post(f"/people/{member}/edit", follow_redirects=False, data={
            "csrf_token": token, "email": MEMBERS[3], "name": "Coordination — MEM", "language": "fr",
            "password": NEW_PASSWORD})
        assert r.status_code == 303, r.text
        assert not _signed_in(phone)
        assert client.get("/api/v1/me", headers=old_token).status_code == 401
        assert _signed_in(admin)
    assert ask_for_token(client, MEMBERS[3], NEW_PASSWORD).status_code == 200


def test_an_admin_changing_their_own_password_on_the_page_stays_signed_in_here_only(app):
    me = person_id(app, ADMIN)
    with device(app) as here, device(app, "198.51.100.60") as elsewhere:
        sign_in(elsewhere, ADMIN)
        token = sign_in(here, ADMIN)
        r = here.post(f"/people/{me}/edit", follow_redirects=False, data={
            "csrf_token": token, "email": ADMIN, "name": "Administration", "language": "fr",
            "is_admin": "on", "password": NEW_PASSWORD})
        assert r.status_code == 303, r.text
        assert _signed_in(here)
        assert not _signed_in(elsewhere)


def test_a_form_error_while_changing_a_password_ends_no_session(app):
    member = person_id(app, MEMBERS[3])
    with device(app) as admin, device(app, "198.51.100.50") as phone:
        sign_in(phone, MEMBERS[3])
        token = sign_in(admin, ADMIN)
        r = admin.post(f"/people/{member}/edit", data={
            "csrf_token": token, "email": "pas-un-courriel", "name": "Coordination — MEM",
            "language": "fr", "password": NEW_PASSWORD})
        assert r.status_code == 422
        assert _signed_in(phone)


def _sign_in_with_a_link(app, web, email: str) -> None:
    """Ask for a sign-in link by email and use it, as the member would from their mailbox."""
    token = csrf_of(web.get("/signin/link").text)
    web.post("/signin/link", data={"csrf_token": token, "email": email})
    with app.state.runtime.database.session() as session:
        body = session.execute(select(OutboxMessage.body_text).where(OutboxMessage.kind == SIGNIN_KIND)
                               .order_by(OutboxMessage.id.desc())).scalars().first()
    path = re.search(r"http://testserver(/signin/link/\S+)", body).group(1)
    assert web.post(path, data={"csrf_token": token}, follow_redirects=False).status_code == 303


def test_a_session_opened_with_an_email_link_ends_when_the_member_signs_out(app):
    with device(app) as laptop:
        _sign_in_with_a_link(app, laptop, MEMBERS[2])
        assert _signed_in(laptop)
        with _with_cookie(app, laptop.cookies.get("relais")) as thief:
            laptop.post("/signout", data={"csrf_token": csrf_of(laptop.get("/").text)})
            assert not _signed_in(thief)


def test_a_sign_in_link_still_works_after_the_member_once_signed_out(app):
    with device(app) as laptop:
        laptop.post("/signout", data={"csrf_token": sign_in(laptop, MEMBERS[2])})
        _sign_in_with_a_link(app, laptop, MEMBERS[2])
        assert _signed_in(laptop)


def test_checking_the_session_version_costs_no_query_once_the_viewer_is_cached(app, client):
    """Every request checks the session version against the cached viewer (`api.viewers`):
    no read of the person's row per request, and still the end of a session is seen at once."""
    token = token_for(client, MEMBERS[0])
    assert client.get("/api/v1/me", headers=token).status_code == 200  # the viewer is now cached
    with statements_run(app.state.runtime.database.engine) as statements:
        assert client.get("/api/v1/me", headers=token).status_code == 200
        assert not [s for s in statements if "FROM person" in s], statements
        me = person_id(app, MEMBERS[0])
        assert client.delete(f"/api/v1/people/{me}/sessions", headers=token).status_code == 204
        assert client.get("/api/v1/me", headers=token).status_code == 401


def test_an_api_token_past_its_lifetime_is_refused_even_after_it_was_accepted():
    from api.security import make_token, read_token

    token = make_token("un-secret", 7, 3)
    assert read_token("un-secret", token, max_age=3600) == (7, 3)
    # Its signature is remembered, its age is not: the same token, once too old, signs nobody in.
    assert read_token("un-secret", token, max_age=-1) is None
    assert read_token("un-secret", token, max_age=3600) == (7, 3)


def test_a_token_altered_by_one_character_or_signed_with_another_key_is_refused():
    from api.security import make_token, read_token

    token = make_token("un-secret", 7, 3)
    assert read_token("un-secret", token, max_age=3600) == (7, 3)
    # A character inside the content (the last one may only carry base64's padding bits).
    altered = token[:3] + ("A" if token[3] != "A" else "B") + token[4:]
    assert read_token("un-secret", altered, max_age=3600) is None
    assert read_token("un-autre-secret", token, max_age=3600) is None
    assert read_token("un-secret", token, max_age=3600, salt="password-reset") is None
