"""The platform through its JSON API, on SQLite and PostgreSQL: sign-in, roles, CRUD, bad input."""

from tests.helpers import ADMIN, DEMO_PASSWORD, MEMBERS, STAFF, token_for


def test_health_reports_database_and_scheduler(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["scheduler"] in ("disabled", "running", "stopped")


def test_sign_in_gives_a_token_that_opens_the_api(client):
    headers = token_for(client, ADMIN)
    me = client.get("/api/v1/me", headers=headers).json()
    assert me["email"] == ADMIN and me["is_admin"] is True


def test_wrong_password_is_refused_without_saying_which_part_is_wrong(client):
    r = client.post("/api/v1/auth/token", data={"username": ADMIN, "password": "nope"})
    assert r.status_code == 401
    assert r.json()["code"] == "auth.bad_credentials"


def test_repeated_failed_sign_ins_are_rate_limited_even_with_the_right_password(client):
    for _ in range(5):
        client.post("/api/v1/auth/token", data={"username": MEMBERS[1], "password": "wrong"})
    r = client.post("/api/v1/auth/token", data={"username": MEMBERS[1], "password": DEMO_PASSWORD})
    assert r.status_code == 429


def test_the_api_needs_a_token(client):
    assert client.get("/api/v1/organisations").status_code == 401
    assert client.get("/api/v1/organisations", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_lists_paginate(client, as_member):
    page = client.get("/api/v1/organisations?per_page=3&page=2", headers=as_member).json()
    assert page["total"] == 10 and page["per_page"] == 3 and page["page"] == 2
    assert len(page["items"]) == 3 and page["pages"] == 4


def test_admin_adds_and_edits_an_organisation(client, as_admin):
    r = client.post("/api/v1/organisations", json={"name": "Maison de la famille", "kind": "community"},
                    headers=as_admin)
    assert r.status_code == 201, r.text
    org_id = r.json()["id"]
    r = client.patch(f"/api/v1/organisations/{org_id}", json={"email": "info@mdf.example"}, headers=as_admin)
    assert r.status_code == 200 and r.json()["email"] == "info@mdf.example"
    assert client.get(f"/api/v1/organisations/{org_id}", headers=as_admin).json()["name"] == "Maison de la famille"


def test_a_member_who_is_not_admin_cannot_add_an_organisation(client, as_member):
    r = client.post("/api/v1/organisations", json={"name": "X"}, headers=as_member)
    assert r.status_code == 403


def test_bad_input_names_the_field_and_saves_nothing(client, as_admin):
    before = client.get("/api/v1/organisations", headers=as_admin).json()["total"]
    cases = [
        ({"name": "x" * 10_000}, "name"),
        ({"name": 12}, "name"),
        ({}, "name"),
        ({"name": "Ok", "kind": "cartel"}, "kind"),
        ({"name": "Ok", "email": "not-an-email"}, "email"),
        ({"name": "Ok", "unknown": 1}, "unknown"),
    ]
    for payload, field in cases:
        r = client.post("/api/v1/organisations", json=payload, headers=as_admin)
        assert r.status_code == 422, payload
        assert field in [d["field"] for d in r.json()["detail"]], r.json()
        assert len(r.text) < 5_000  # the 10 000-character input is not echoed back
    assert client.get("/api/v1/organisations", headers=as_admin).json()["total"] == before


def test_duplicate_names_and_emails_are_conflicts(client, as_admin):
    r = client.post("/api/v1/organisations", json={"name": "zone libre"}, headers=as_admin)
    assert r.status_code == 409 and r.json()["field"] == "name"
    r = client.post("/api/v1/people", json={"email": STAFF.upper(), "name": "Doublon"}, headers=as_admin)
    assert r.status_code == 409 and r.json()["field"] == "email"


def test_unknown_and_foreign_ids(client, as_admin):
    assert client.get("/api/v1/organisations/999999", headers=as_admin).status_code == 404
    assert client.get("/api/v1/people/abc", headers=as_admin).status_code == 422
    r = client.post("/api/v1/seats", json={"person_id": 999999, "body_id": 1}, headers=as_admin)
    assert r.status_code == 422 and r.json()["field"] == "person_id"
    r = client.post("/api/v1/people", json={"email": "n@x.org", "name": "N", "organisation_id": 424242},
                    headers=as_admin)
    assert r.status_code == 422 and r.json()["field"] == "organisation_id"


def test_a_person_may_change_only_their_own_language(client, as_member, as_admin):
    me = client.get("/api/v1/me", headers=as_member).json()
    r = client.patch(f"/api/v1/people/{me['id']}", json={"language": "en"}, headers=as_member)
    assert r.status_code == 200 and r.json()["language"] == "en"
    r = client.patch(f"/api/v1/people/{me['id']}", json={"is_admin": True}, headers=as_member)
    assert r.status_code == 403
    admin_id = client.get("/api/v1/me", headers=as_admin).json()["id"]
    assert client.patch(f"/api/v1/people/{admin_id}", json={"language": "en"}, headers=as_member).status_code == 403


def test_admin_adds_a_seat_and_it_lands_in_the_register(client, as_admin):
    person = client.post("/api/v1/people", json={"email": "nouveau@relais.demo", "name": "Direction — Nouveau"},
                         headers=as_admin).json()
    bodies = {b["key"]: b for b in client.get("/api/v1/bodies", headers=as_admin).json()["items"]}
    r = client.post("/api/v1/seats", json={"person_id": person["id"], "body_id": bodies["communications"]["id"],
                                           "role": "member"}, headers=as_admin)
    assert r.status_code == 201, r.text
    assert r.json()["voting"] is True
    events = client.get("/api/v1/register?object_type=seat", headers=as_admin).json()["items"]
    assert events[0]["action"] == "seat.created" and events[0]["object_id"] == r.json()["id"]
    assert client.get("/api/v1/register/verify", headers=as_admin).json()["ok"] is True


def test_a_staff_observer_seat_never_votes(client, as_admin):
    person = client.post("/api/v1/people", json={"email": "obs@relais.demo", "name": "Intervention"},
                         headers=as_admin).json()
    bodies = {b["key"]: b for b in client.get("/api/v1/bodies", headers=as_admin).json()["items"]}
    r = client.post("/api/v1/seats", json={"person_id": person["id"], "body_id": bodies["hr"]["id"],
                                           "role": "staff_observer", "voting": True}, headers=as_admin)
    assert r.status_code == 201 and r.json()["voting"] is False


def test_the_executive_committee_cannot_exceed_its_voting_seats(client, as_admin):
    bodies = {b["key"]: b for b in client.get("/api/v1/bodies", headers=as_admin).json()["items"]}
    ce = bodies["executive_committee"]["id"]
    codes = []
    for i in range(3):  # 5 voting seats in the demo, max 6 in the rules
        p = client.post("/api/v1/people", json={"email": f"ce{i}@relais.demo", "name": f"CE {i}"},
                        headers=as_admin).json()
        codes.append(client.post("/api/v1/seats", json={"person_id": p["id"], "body_id": ce},
                                 headers=as_admin).status_code)
    assert codes == [201, 409, 409]


def test_openapi_document_is_served(client):
    doc = client.get("/openapi.json").json()
    assert "/api/v1/organisations" in doc["paths"]
