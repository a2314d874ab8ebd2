"""Security headers on every answer Relais sends: pages, the API, static files, errors,
crashes and the "too busy" 503s of the admission gate; and templates the policy allows
(no inline script, no event handler attribute, no javascript: link)."""

import re

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.web import TEMPLATES_DIR
from tests.helpers import ADMIN, make_settings, sign_in, token_for


def _directives(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def assert_protected(response, hsts: bool = False) -> None:
    csp = _directives(response)
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["default-src"] == "default-src 'self'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert ("strict-transport-security" in response.headers) is hsts


def test_pages_api_answers_and_static_files_carry_the_headers(client):
    assert_protected(client.get("/signin"))
    assert_protected(client.get("/api/v1/me", headers=token_for(client, ADMIN)))
    assert_protected(client.get("/static/relais.css"))
    assert_protected(client.get("/healthz"))
    sign_in(client, ADMIN)
    page = client.get("/")
    assert page.status_code == 200 and "Bonjour" in page.text
    assert_protected(page)


def test_error_answers_carry_the_headers(client):
    assert_protected(client.get("/no-such-page"))
    assert_protected(client.get("/api/v1/no-such-thing"))
    assert_protected(client.get("/static/missing.css"))
    assert_protected(client.get("/api/v1/me"))  # 401
    assert_protected(client.post("/api/v1/organisations", json={}, headers=token_for(client, ADMIN)))  # 422


def test_a_crash_answer_carries_the_headers(app):
    @app.get("/test/crash")
    def crash():
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/test/crash")
        assert r.status_code == 500
        assert_protected(r)


def test_the_too_busy_answers_of_the_admission_gate_carry_the_headers(database, db_url):
    app = create_app(make_settings(db_url, admission_capacity=1, admission_queue=0), db=database)
    with TestClient(app) as client:
        app.state.runtime.gate.inside = 1  # someone is working; nobody may wait
        for path in ("/signin", "/api/v1/me"):
            r = client.get(path)
            assert r.status_code == 503 and r.headers["retry-after"] == "1"
            assert_protected(r)
        app.state.runtime.gate.inside = 0


def test_hsts_only_when_cookies_are_secure(database, db_url):
    app = create_app(make_settings(db_url, cookie_secure=True), db=database)
    with TestClient(app) as client:
        r = client.get("/signin")
        assert_protected(r, hsts=True)
        assert r.headers["strict-transport-security"].startswith("max-age=")
        assert int(r.headers["strict-transport-security"].split("=")[1].split(";")[0]) >= 15552000


def test_the_api_documentation_page_still_loads_and_cannot_be_framed(client):
    r = client.get("/api/docs")
    assert r.status_code == 200 and "swagger" in r.text.lower()
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def _templates() -> list:
    return sorted(TEMPLATES_DIR.rglob("*.html"))


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_templates_need_no_script_the_policy_would_block(path):
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html, re.I), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html, re.I), "inline event handler"
    assert "javascript:" not in html.lower(), "javascript: link"


def test_the_error_page_back_link_goes_back_to_the_page_i_came_from_on_this_site(client):
    r = client.get("/no-such-page", headers={"referer": "http://testserver/bodies?x=1"})
    assert r.status_code == 404
    assert 'href="http://testserver/bodies?x=1"' in r.text and "Retour" in r.text
    elsewhere = client.get("/no-such-page", headers={"referer": "https://evil.example/"})
    assert "evil.example" not in elsewhere.text and "javascript:" not in elsewhere.text
