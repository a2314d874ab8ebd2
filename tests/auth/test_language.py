"""The language switch is a form that posts (with its CSRF token), so that following a link
or loading an image can never change what is stored; on SQLite and PostgreSQL."""

from tests.auth.helpers import device, language_of, switch_language
from tests.helpers import MEMBERS, csrf_of, sign_in


def test_the_header_switches_language_with_a_form_and_remembers_it_for_the_person(app):
    with device(app) as web:
        sign_in(web, MEMBERS[1])
        page = web.get("/bodies").text
        assert 'action="/language/en"' in page and 'name="next" value="/bodies"' in page
        assert 'href="/language/' not in page
        r = switch_language(web, "en", "/bodies", page="/bodies")
        assert r.status_code == 303 and r.headers["location"] == "/bodies"
        assert language_of(app, MEMBERS[1]) == "en"
        assert 'lang="en-CA"' in web.get("/bodies").text
    with device(app, "198.51.100.9") as other_device:
        sign_in(other_device, MEMBERS[1])
        assert "Hello" in other_device.get("/").text


def test_a_visitor_not_signed_in_switches_the_sign_in_page_to_english(app):
    with device(app) as web:
        r = switch_language(web, "en", "/signin", page="/signin")
        assert r.status_code == 303 and r.headers["location"] == "/signin"
        english = web.get("/signin").text
        assert "Sign in" in english and 'lang="en-CA"' in english
        r = switch_language(web, "fr", "/signin", page="/signin")
        assert 'lang="fr-CA"' in web.get("/signin").text


def test_a_link_to_the_old_language_address_changes_nothing(app):
    with device(app) as web:
        sign_in(web, MEMBERS[1])
        r = web.get("/language/en?next=/bodies", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/bodies"
        assert "lang" not in r.cookies
        assert language_of(app, MEMBERS[1]) == "fr"
        assert 'lang="fr-CA"' in web.get("/bodies").text


def test_a_language_form_from_another_site_is_refused(app):
    with device(app) as web:
        sign_in(web, MEMBERS[1])
        r = web.post("/language/en", data={"next": "/"}, follow_redirects=False)
        assert r.status_code == 403
        assert language_of(app, MEMBERS[1]) == "fr"


def test_the_language_switch_never_leaves_the_site(app):
    with device(app) as web:
        token = sign_in(web, MEMBERS[1])
        for target in ("https://evil.example/", "//evil.example", "javascript:alert(1)"):
            r = web.post("/language/en", data={"csrf_token": token, "next": target}, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == "/"
        assert csrf_of(web.get("/").text)
