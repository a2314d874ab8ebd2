"""The platform's pages through a test client: sign-in, CSRF, expired sessions, forms that keep
what was typed, and clear answers instead of crash pages."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.helpers import ADMIN, DEMO_PASSWORD, MEMBERS, STAFF


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str = DEMO_PASSWORD):
    token = csrf_of(client.get("/signin").text)
    return client.post("/signin", data={"csrf_token": token, "email": email, "password": password,
                                        "next": "/"}, follow_redirects=True)


@pytest.fixture
def web(app):
    with TestClient(app) as c:
        yield c


def test_the_sign_in_page_is_french_first_and_english_is_one_click_away(web):
    page = web.get("/signin").text
    assert "Se connecter" in page and 'lang="fr-CA"' in page
    english = web.post("/language/en", data={"csrf_token": csrf_of(page), "next": "/signin"},
                       follow_redirects=True).text
    assert "Sign in" in english and 'lang="en-CA"' in english


def test_a_form_without_its_csrf_token_is_refused(web):
    sign_in(web, ADMIN)
    r = web.post("/organisations", data={"name": "Sans jeton"})
    assert r.status_code == 403 and "Le formulaire a expiré" in r.text
    assert "Sans jeton" not in web.get("/organisations").text


def test_an_expired_session_sends_back_to_sign_in_with_a_message(web):
    sign_in(web, MEMBERS[0])
    web.cookies.set("relais", "tampered-or-expired")
    r = web.get("/bodies", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=/bodies")


def test_signing_out_ends_the_session(web):
    page = sign_in(web, MEMBERS[0]).text
    web.post("/signout", data={"csrf_token": csrf_of(page)})
    assert web.get("/", follow_redirects=False).status_code == 303


def test_a_member_cannot_open_the_admin_forms(web):
    sign_in(web, MEMBERS[0])
    r = web.get("/organisations/new")
    assert r.status_code == 403 and "Réservé à l&#39;administration du site" in r.text


def test_an_organisation_form_with_bad_input_keeps_what_was_typed(web):
    page = sign_in(web, ADMIN)
    token = csrf_of(page.text)
    r = web.post("/organisations", data={"csrf_token": token, "name": "x" * 10_000, "kind": "community",
                                         "email": "pas-un-courriel", "website": "https://exemple.org"})
    assert r.status_code == 422
    assert "Trop long" in r.text and 'id="e-email"' in r.text
    assert 'value="https://exemple.org"' in r.text  # nothing typed is lost


def test_a_duplicate_organisation_name_is_a_form_error_not_a_crash(web):
    token = csrf_of(sign_in(web, ADMIN).text)
    r = web.post("/organisations", data={"csrf_token": token, "name": "Zone Libre", "kind": "community"})
    assert r.status_code == 409 and "Un organisme porte déjà ce nom" in r.text


def test_unknown_ids_give_a_clear_page(web):
    sign_in(web, MEMBERS[0])
    r = web.get("/bodies/424242")
    assert r.status_code == 404 and "Instance introuvable" in r.text and "Traceback" not in r.text
    r = web.get("/people/not-a-number")
    assert r.status_code == 422 and "Traceback" not in r.text


def test_the_dashboard_shows_my_bodies_and_seats(web):
    page = sign_in(web, STAFF).text
    assert "Conseil exécutif" in page and "Personnel (observateur)" in page


def test_the_language_choice_is_remembered_for_the_person(web, app):
    page = sign_in(web, MEMBERS[1]).text
    web.post("/language/en", data={"csrf_token": csrf_of(page), "next": "/"})
    with TestClient(app) as other_device:
        assert "Hello" in sign_in(other_device, MEMBERS[1]).text


def test_an_open_redirect_after_sign_in_is_not_followed(web):
    token = csrf_of(web.get("/signin").text)
    r = web.post("/signin", data={"csrf_token": token, "email": ADMIN, "password": DEMO_PASSWORD,
                                  "next": "https://evil.example/"}, follow_redirects=False)
    assert r.headers["location"] == "/"
