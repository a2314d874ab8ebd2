"""No input gives a server error, and a request that answers an error has changed nothing.

A member, the chair or an administrator types (or a script sends) what a collective never
means: a meeting in year 1 or 9999, a deadline with a +14:00 offset, an id of 2^63, a NUL
byte or an escape character in a title, a decision "taken in" a meeting that does not
exist. Through the API and through the page forms, on SQLite and PostgreSQL, each gets a 4xx
that names the field (a form shown again with its message and what was typed), never a 500,
and every table of the database is exactly as it was before (rows and contents).

Dates a collective can mean fall between 1900 and 2200 (as written, and in UTC); ids are
1..2^31-1 (a path outside it is a 404, a body or query value a 422); texts refuse control
characters but tab and newline (a title: tab only). Dates already stored at the edges of
time (year 1) do not break any list or page.
"""

import hashlib
import json
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.exc import DataError

from tests.helpers import ADMIN, CHAIR, MEMBERS, sign_in, token_for

BIG_IDS = [2**31, 2**63, 2**64 + 7]
# Outside 1900-2200 as written, or in UTC once the offset is applied.
BAD_MOMENTS = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59",
               "2200-12-31T23:30:00-14:00", "1900-01-01T05:00:00+14:00"]
BAD_DAYS = ["0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01"]
# NUL, start of heading, escape, delete, a C1 control (NEL) and form feed, mid-text (a
# trailing one would be stripped as whitespace).
CONTROLS = ["a\x00b", "a\x01b", "a\x1bb", "a\x7fb", "a\x85b", "a\x0cb"]
# A lone surrogate can only come as a JSON escape (no encoder writes it).
SURROGATE = '"a\\ud800b"'

DATE_MESSAGE = "La date doit tomber entre 1900 et 2200"
CONTROL_MESSAGE = "Caractère invisible non permis"


# --- the database, before and after -------------------------------------------------------

def fingerprint(app) -> dict[str, str]:
    """Every table's rows, as a digest: equal fingerprints mean nothing was added, removed or
    changed anywhere."""
    engine = app.state.runtime.database.engine
    digests = {}
    with engine.connect() as conn:
        for name in sorted(inspect(conn).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
            digests[name] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))


# --- the collective, with one of everything -------------------------------------------------

@dataclass
class World:
    app: object
    api: TestClient
    chair: dict
    admin: dict
    ids: dict[str, int]
    problems: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> int:
        return self.ids[key]


def _created(r) -> int:
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture
def world(app) -> World:
    """A CE meeting with an agenda item, a draft decision, an HR task, a funder and an
    application, created by the chair; clients that report a 500 instead of raising it."""
    with TestClient(app, raise_server_exceptions=False) as api:
        chair, admin = token_for(api, CHAIR), token_for(api, ADMIN)
        bodies = {b["key"]: b["id"] for b in api.get("/api/v1/bodies?per_page=200", headers=chair).json()["items"]}
        ids = {"ce": bodies["executive_committee"], "hr": bodies["hr"]}
        ids["meeting"] = _created(api.post("/api/v1/meetings", headers=chair, json={
            "body_id": ids["ce"], "title": "Réunion du CE", "starts_at": "2026-12-08T13:30:00"}))
        ids["item"] = _created(api.post(f"/api/v1/meetings/{ids['meeting']}/agenda", headers=chair,
                                        json={"title": "Ordre du jour", "kind": "discussion"}))
        ids["decision"] = _created(api.post("/api/v1/decisions", headers=chair, json={
            "kind": "budget", "title": "Budget 2027", "text": "Adopter le budget."}))
        ids["task"] = _created(api.post("/api/v1/tasks", headers=chair, json={
            "body_id": ids["hr"], "title": "Réviser le code d'éthique"}))
        ids["funder"] = _created(api.post("/api/v1/funders", headers=chair, json={"name": "Centraide Estrie"}))
        ids["application"] = _created(api.post("/api/v1/grant-applications", headers=chair, json={
            "funder_id": ids["funder"], "title": "Soutien aux locataires", "amount_requested": "10 000,00"}))
        me = api.get("/api/v1/me", headers=token_for(api, MEMBERS[0])).json()
        ids["member"], ids["organisation"] = me["id"], me["organisation_id"]
        ids["seat"] = me["seats"][0]["id"]
        yield World(app, api, chair, admin, ids)


def expect_refused(w: World, method: str, url: str, *, field: str | None = None, status: int = 422,
                   headers: dict | None = None, **request) -> None:
    """One bad request: the status, the field named, nothing changed; problems are collected."""
    before = fingerprint(w.app)
    r = w.api.request(method, url, headers=w.chair if headers is None else headers, **request)
    what = f"{method} {url} {request.get('json', request.get('data', request.get('content', '')))!r:.160}"
    if r.status_code != status:
        w.problems.append(f"{what}: {r.status_code} (expected {status}) {r.text[:200]}")
    elif not r.headers.get("content-type", "").startswith("application/json"):
        w.problems.append(f"{what}: answered {r.headers.get('content-type')}")
    elif field is not None:
        body = r.json()
        named = [d.get("field") for d in body.get("detail") or []] + [body.get("field")]
        if not any(n == field or (n or "").startswith(field + ".") for n in named):
            w.problems.append(f"{what}: names {named}, not {field!r}")
    changed = changed_tables(before, fingerprint(w.app))
    if changed:
        w.problems.append(f"{what}: answered {r.status_code} but changed {changed}")


def no_problems(w: World) -> None:
    assert not w.problems, f"{len(w.problems)} bad answers:\n" + "\n".join(w.problems)


# --- dates ----------------------------------------------------------------------------------

def fill(value, ids: dict[str, int]):
    """A table's placeholders filled in: "{task}" in a path, "@hr" for an id in a payload."""
    if isinstance(value, str):
        return ids[value[1:]] if value.startswith("@") else value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


MEETING = {"body_id": "@ce", "title": "Réunion", "starts_at": "2026-12-08T13:30:00"}
APPLICATION = {"funder_id": "@funder", "title": "Demande"}
# (method, url, a payload valid without the field, the field, moment or day, who sends it).
DATE_FIELDS = [
    ("POST", "/api/v1/meetings", MEETING, "starts_at", "moment", "chair"),
    ("POST", "/api/v1/meetings", MEETING, "ends_at", "moment", "chair"),
    ("PATCH", "/api/v1/meetings/{meeting}", {}, "starts_at", "moment", "chair"),
    ("PATCH", "/api/v1/meetings/{meeting}", {}, "ends_at", "moment", "chair"),
    ("POST", "/api/v1/decisions", {"kind": "budget", "title": "Budget"}, "opens_at", "moment", "chair"),
    ("POST", "/api/v1/decisions", {"kind": "budget", "title": "Budget"}, "closes_at", "moment", "chair"),
    ("PATCH", "/api/v1/decisions/{decision}", {}, "closes_at", "moment", "chair"),
    ("PATCH", "/api/v1/decisions/{decision}", {}, "opens_at", "moment", "chair"),
    ("POST", "/api/v1/tasks", {"body_id": "@hr", "title": "Tâche"}, "due_at", "moment", "chair"),
    ("PATCH", "/api/v1/tasks/{task}", {}, "due_at", "moment", "chair"),
    ("POST", "/api/v1/tasks/{task}/time-entries", {"hours": "1.5"}, "on_date", "day", "chair"),
    ("POST", "/api/v1/grant-applications", APPLICATION, "application_deadline", "moment", "chair"),
    ("PATCH", "/api/v1/grant-applications/{application}", {}, "application_deadline", "moment", "chair"),
    ("POST", "/api/v1/grant-applications", APPLICATION, "internal_draft_deadline", "day", "chair"),
    ("PATCH", "/api/v1/grant-applications/{application}", {}, "period_start", "day", "chair"),
    ("PATCH", "/api/v1/grant-applications/{application}", {}, "period_end", "day", "chair"),
    # A report's due date comes from its requirement's.
    ("POST", "/api/v1/grant-applications/{application}/requirements", {"kind": "financial", "due_rule": "fixed"},
     "due_date", "day", "chair"),
    ("PUT", "/api/v1/preferences", {}, "paused_until", "day", "chair"),
    ("POST", "/api/v1/seats", {"person_id": "@member", "body_id": "@hr", "role": "member"},
     "starts_on", "day", "admin"),
    ("PATCH", "/api/v1/seats/{seat}", {}, "ends_on", "day", "admin"),
]

DATE_QUERIES = [("/api/v1/reports", "due_from"), ("/api/v1/reports", "due_to"),
                ("/api/v1/committees/workload", "start"), ("/api/v1/committees/workload", "end"),
                ("/api/v1/fee-splits/workload", "start"), ("/api/v1/fee-splits/workload", "end")]


def test_dates_outside_1900_to_2200_are_refused_naming_the_field_on_create_and_update(world):
    w = world
    for method, url, base, name, kind, who in DATE_FIELDS:
        url, base, headers = fill(url, w.ids), fill(base, w.ids), w.chair if who == "chair" else w.admin
        for value in BAD_MOMENTS if kind == "moment" else BAD_DAYS:
            expect_refused(w, method, url, field=name, headers=headers, json={**base, name: value})
        # A number is not a date (pydantic alone would read it as seconds since 1970).
        expect_refused(w, method, url, field=name, headers=headers, json={**base, name: 0})
    for path, name in DATE_QUERIES:
        for value in BAD_DAYS + ["0"]:
            expect_refused(w, "GET", f"{path}?{name}={value}", field=name)
    no_problems(w)


def test_patching_a_decision_to_close_in_9999_is_refused_like_creating_it(world):
    w = world
    expect_refused(w, "POST", "/api/v1/decisions", field="closes_at",
                   json={"kind": "budget", "title": "Budget", "closes_at": "9999-12-31T23:59:59Z"})
    expect_refused(w, "PATCH", f"/api/v1/decisions/{w['decision']}", field="closes_at",
                   json={"closes_at": "9999-12-31T23:59:59Z"})
    no_problems(w)
    assert w.api.get(f"/api/v1/decisions/{w['decision']}", headers=w.chair).json()["closes_at"] is None


def test_offsets_of_plus_14_and_minus_12_hours_are_understood_not_refused(world):
    """The extreme offsets the world uses are ordinary moments: stored in UTC, shown back."""
    w, api = world, world.api
    r = api.post("/api/v1/meetings", headers=w.chair, json={
        "body_id": w["ce"], "title": "Réunion avec Kiribati", "starts_at": "2026-12-08T13:30:00+14:00",
        "ends_at": "2026-12-08T15:00:00+14:00"})
    assert r.status_code == 201, r.text
    assert r.json()["starts_at"] == "2026-12-07T23:30:00+00:00"
    r = api.patch(f"/api/v1/decisions/{w['decision']}", headers=w.chair,
                  json={"closes_at": "2030-06-01T10:00:00+14:00"})
    assert r.status_code == 200, r.text
    assert r.json()["closes_at"] == "2030-05-31T20:00:00+00:00"
    r = api.patch(f"/api/v1/tasks/{w['task']}", headers=w.chair, json={"due_at": "2030-06-01T10:00:00-12:00"})
    assert r.status_code == 200, r.text
    assert r.json()["due_at"] == "2030-06-01T22:00:00+00:00"
    r = api.patch(f"/api/v1/grant-applications/{w['application']}", headers=w.chair,
                  json={"application_deadline": "2030-06-01T10:00:00+14:00"})
    assert r.status_code == 200, r.text
    assert r.json()["application_deadline"] == "2030-05-31T20:00:00+00:00"
    # The pages that show them.
    pages = TestClient(w.app, raise_server_exceptions=False)
    sign_in(pages, CHAIR)
    for path in ["/meetings", f"/decisions/{w['decision']}", f"/tasks/{w['task']}", f"/grants/{w['application']}"]:
        assert pages.get(path).status_code == 200, path


# --- page forms -----------------------------------------------------------------------------

@dataclass
class Pages:
    world: World
    client: TestClient
    csrf: str
    problems: list[str] = field(default_factory=list)

    def refused(self, url: str, data: dict, *, says: str, keeps: str | None = None, status: int = 422) -> None:
        before = fingerprint(self.world.app)
        r = self.client.post(url, data={**data, "csrf_token": self.csrf}, follow_redirects=False)
        what = f"POST {url} {data!r:.160}"
        if r.status_code != status:
            self.problems.append(f"{what}: {r.status_code} (expected {status}) {r.text[:200]!r}")
        elif not r.headers.get("content-type", "").startswith("text/html"):
            self.problems.append(f"{what}: answered {r.headers.get('content-type')}")
        else:
            if says not in r.text:
                self.problems.append(f"{what}: the page does not say {says!r}")
            if keeps is not None and keeps not in r.text:
                self.problems.append(f"{what}: what was typed ({keeps!r}) is not kept")
        changed = changed_tables(before, fingerprint(self.world.app))
        if changed:
            self.problems.append(f"{what}: answered {r.status_code} but changed {changed}")


@pytest.fixture
def pages(world) -> Pages:
    client = TestClient(world.app, raise_server_exceptions=False)
    return Pages(world, client, sign_in(client, CHAIR))


@pytest.fixture
def admin_pages(world) -> Pages:
    client = TestClient(world.app, raise_server_exceptions=False)
    return Pages(world, client, sign_in(client, ADMIN))


def _page_date_forms(w: World) -> list[tuple[str, dict, str, str]]:
    """(url, a valid form without the field, field, kind)."""
    return [
        ("/meetings", {"body_id": w["ce"], "title": "Réunion"}, "starts_at", "moment"),
        ("/meetings", {"body_id": w["ce"], "title": "Réunion", "starts_at": "2026-12-08T13:30"}, "ends_at", "moment"),
        (f"/meetings/{w['meeting']}/edit", {"title": "Réunion du CE"}, "starts_at", "moment"),
        (f"/committees/{w['hr']}/tasks", {"title": "Tâche", "priority": "normal"}, "due_at", "moment"),
        (f"/tasks/{w['task']}/edit", {"title": "Tâche", "priority": "normal"}, "due_at", "moment"),
        (f"/tasks/{w['task']}/time", {"hours": "1,5"}, "on_date", "day"),
        ("/decisions", {"kind": "budget", "title": "Budget", "text": "Texte"}, "closes_at", "moment"),
        ("/grants", {"funder_id": w["funder"], "title": "Demande"}, "application_deadline", "moment"),
        ("/grants", {"funder_id": w["funder"], "title": "Demande"}, "period_start", "day"),
        (f"/grants/{w['application']}/edit", {"funder_id": w["funder"], "title": "Demande"}, "period_end", "day"),
        (f"/grants/{w['application']}/edit", {"funder_id": w["funder"], "title": "Demande"},
         "application_deadline", "moment"),
        (f"/grants/{w['application']}/requirements", {"kind": "financial", "due_rule": "fixed"}, "due_date", "day"),
        ("/preferences", {"mode": "immediate", "digest_hour": "7"}, "paused_until", "day"),
    ]


def test_page_forms_show_dates_outside_1900_to_2200_again_with_the_message_and_what_was_typed(pages):
    w = pages.world
    for url, base, name, kind in _page_date_forms(w):
        # What a date picker sends (no offset: the collective's time).
        for value in (["0001-01-01T00:00", "9999-12-31T23:59", "1899-12-31T23:00"] if kind == "moment"
                      else ["0001-01-01", "9999-12-31", "2201-01-01"]):
            pages.refused(url, {**base, name: value}, says=DATE_MESSAGE, keeps=value)
    assert not pages.problems, "\n".join(pages.problems)


def test_the_workload_page_shows_its_filter_again_for_a_date_outside_1900_to_2200(pages):
    """The period's other end is computed from the one typed (six months before the end):
    a year-1 end once overflowed into a server error."""
    for name in ["start", "end"]:
        for value in BAD_DAYS:
            r = pages.client.get("/committees/workload", params={name: value})
            assert r.status_code == 422, (name, value, r.status_code)
            assert DATE_MESSAGE in r.text and f'value="{value}"' in r.text, (name, value)


# --- ids ------------------------------------------------------------------------------------

def test_ids_outside_the_integer_range_are_a_404_in_paths_and_a_422_in_bodies_and_queries(world, pages):
    w = world
    for big in BIG_IDS:
        bodies = [
            ("POST", "/api/v1/decisions", {"kind": "budget", "title": "B", "body_id": big}, "body_id"),
            ("POST", "/api/v1/decisions", {"kind": "budget", "title": "B", "meeting_id": big}, "meeting_id"),
            ("PATCH", f"/api/v1/decisions/{w['decision']}", {"meeting_id": big}, "meeting_id"),
            ("POST", "/api/v1/meetings", {"body_id": big, "title": "R", "starts_at": "2026-12-08T13:30:00"}, "body_id"),
            ("POST", "/api/v1/tasks", {"body_id": big, "title": "T"}, "body_id"),
            ("POST", "/api/v1/tasks", {"body_id": w["hr"], "title": "T", "owner_ids": [big]}, "owner_ids"),
            ("POST", "/api/v1/tasks", {"body_id": w["hr"], "title": "T", "link_type": "decision", "link_id": big},
             "link_id"),
            ("POST", f"/api/v1/tasks/{w['task']}/time-entries", {"hours": "1", "on_date": "2026-12-01",
                                                                 "person_id": big}, "person_id"),
            ("POST", f"/api/v1/meetings/{w['meeting']}/agenda", {"title": "P", "decision_id": big}, "decision_id"),
            ("POST", f"/api/v1/meetings/{w['meeting']}/attendance", {"seat_id": big, "status": "present"}, "seat_id"),
            ("PUT", f"/api/v1/meetings/{w['meeting']}/minutes-decision", {"decision_id": big}, "decision_id"),
            ("PUT", f"/api/v1/meetings/{w['meeting']}/agenda/order", {"item_ids": [big]}, "item_ids"),
            ("POST", "/api/v1/grant-applications", {"funder_id": big, "title": "D"}, "funder_id"),
            ("PATCH", f"/api/v1/grant-applications/{w['application']}", {"owner_id": big}, "owner_id"),
            ("PATCH", f"/api/v1/grant-applications/{w['application']}", {"partner_ids": [big]}, "partner_ids"),
            ("PATCH", f"/api/v1/grant-applications/{w['application']}", {"submission_decision_id": big},
             "submission_decision_id"),
            ("POST", "/api/v1/fee-splits/preview", {"amount": "100", "period": "2026", "weights": {str(big): "1"}},
             "weights"),
            ("POST", "/api/v1/fee-splits", {"amount": "100", "period": "2026", "grant_id": big}, "grant_id"),
        ]
        for method, url, payload, name in bodies:
            expect_refused(w, method, url, field=name, json=payload)
        admin_bodies = [
            ("POST", "/api/v1/seats", {"person_id": big, "body_id": w["hr"]}, "person_id"),
            ("POST", "/api/v1/seats", {"person_id": w["member"], "body_id": big}, "body_id"),
            ("PATCH", f"/api/v1/people/{w['member']}", {"organisation_id": big}, "organisation_id"),
        ]
        for method, url, payload, name in admin_bodies:
            expect_refused(w, method, url, field=name, headers=w.admin, json=payload)
        queries = [("/api/v1/decisions", "body_id"), ("/api/v1/meetings", "body_id"), ("/api/v1/tasks", "body_id"),
                   ("/api/v1/tasks", "owner_id"), ("/api/v1/seats", "body_id"), ("/api/v1/seats", "person_id"),
                   ("/api/v1/register", "object_id"), ("/api/v1/grant-applications", "funder_id"),
                   ("/api/v1/grant-applications", "owner_id"), ("/api/v1/grant-applications.csv", "funder_id"),
                   ("/api/v1/reports", "application_id"), ("/api/v1/reports", "owner_id"),
                   ("/api/v1/decisions", "page"), ("/api/v1/decisions", "per_page")]
        for path, name in queries:
            expect_refused(w, "GET", f"{path}?{name}={big}", field=name)
        paths = ["/api/v1/decisions/{}", "/api/v1/meetings/{}", "/api/v1/meetings/{}/agenda",
                 "/api/v1/meetings/{}/minutes", "/api/v1/tasks/{}", "/api/v1/tasks/{}/comments",
                 "/api/v1/funders/{}", "/api/v1/grant-applications/{}", "/api/v1/reports/{}",
                 "/api/v1/fee-splits/{}", "/api/v1/organisations/{}", "/api/v1/people/{}", "/api/v1/bodies/{}"]
        for path in paths:
            expect_refused(w, "GET", path.format(big), status=404)
        expect_refused(w, "PATCH", f"/api/v1/meetings/{w['meeting']}/agenda/{big}", status=404, json={"title": "X"})
        expect_refused(w, "POST", f"/api/v1/decisions/{big}/transitions", status=404, json={"trigger": "open"})
        expect_refused(w, "POST", f"/api/v1/decisions/{big}/votes", status=404, json={"choice": "yes"})
        expect_refused(w, "POST", f"/api/v1/outbox/{big}/retry", status=404, headers=w.admin)
        # Pages: a 404 page for a path, the form again for a field.
        for path in ["/meetings/{}", "/decisions/{}", "/tasks/{}", "/grants/{}", "/people/{}", "/fee-splits/{}"]:
            r = pages.client.get(path.format(big))
            if r.status_code != 404 or not r.headers["content-type"].startswith("text/html"):
                w.problems.append(f"GET {path.format(big)}: {r.status_code} {r.headers['content-type']}")
        # (The instance is a list to choose from: an impossible choice cannot be shown again.)
        pages.refused("/meetings", {"body_id": str(big), "title": "R", "starts_at": "2026-12-08T13:30"},
                      says="Doit être au plus")
        pages.refused(f"/meetings/{w['meeting']}/minutes-decision", {"decision_id": str(big)},
                      says="introuvable", status=422)
    assert not pages.problems, "\n".join(pages.problems)
    no_problems(w)


# --- control characters ---------------------------------------------------------------------

def _text_fields(w: World) -> list[tuple[str, str, dict, list[str], str]]:
    """(method, url, a valid payload, its text fields, who)."""
    return [
        ("POST", "/api/v1/decisions", {"kind": "budget", "title": "Budget", "text": "Texte",
                                       "attachments": [{"title": "Annexe", "url": "https://example.org/a"}]},
         ["kind", "title", "text", "attachments.0.title", "attachments.0.url"], "chair"),
        ("PATCH", f"/api/v1/decisions/{w['decision']}", {"title": "Budget", "text": "Texte"}, ["title", "text"],
         "chair"),
        ("POST", f"/api/v1/decisions/{w['decision']}/recusals", {"reason": "Mon organisme est visé."}, ["reason"],
         "chair"),
        ("POST", "/api/v1/meetings", {"body_id": w["ce"], "title": "Réunion", "starts_at": "2026-12-08T13:30:00",
                                      "place": "Magog", "video_url": "https://visio.example.org/ce"},
         ["title", "place", "video_url"], "chair"),
        ("PATCH", f"/api/v1/meetings/{w['meeting']}", {"title": "Réunion", "place": "Magog"}, ["title", "place"],
         "chair"),
        ("POST", f"/api/v1/meetings/{w['meeting']}/agenda", {"title": "Point", "kind": "discussion",
                                                             "description": "D", "minutes": "M"},
         ["title", "kind", "description", "minutes"], "chair"),
        ("PATCH", f"/api/v1/meetings/{w['meeting']}/agenda/{w['item']}", {"title": "Point", "minutes": "M"},
         ["title", "minutes"], "chair"),
        ("POST", "/api/v1/tasks", {"body_id": w["hr"], "title": "Tâche", "description": "D"},
         ["title", "description"], "chair"),
        ("PATCH", f"/api/v1/tasks/{w['task']}", {"title": "Tâche", "description": "D"}, ["title", "description"],
         "chair"),
        ("POST", f"/api/v1/tasks/{w['task']}/comments", {"text": "Commentaire"}, ["text"], "chair"),
        ("POST", f"/api/v1/tasks/{w['task']}/time-entries", {"hours": "1", "on_date": "2026-12-01", "note": "N"},
         ["note"], "chair"),
        ("POST", "/api/v1/funders", {"name": "Fondation", "contacts": "C", "programmes": "P"},
         ["name", "contacts", "programmes"], "chair"),
        ("PATCH", f"/api/v1/funders/{w['funder']}", {"name": "Fondation"}, ["name"], "chair"),
        ("POST", "/api/v1/grant-applications", {"funder_id": w["funder"], "title": "Demande", "programme": "P",
                                                "notes": "N", "amount_requested": "100"},
         ["title", "programme", "notes", "amount_requested"], "chair"),
        ("PATCH", f"/api/v1/grant-applications/{w['application']}", {"title": "Demande", "notes": "N"},
         ["title", "notes"], "chair"),
        ("POST", f"/api/v1/grant-applications/{w['application']}/requirements",
         {"kind": "financial", "due_rule": "fixed", "due_date": "2027-03-31", "title": "Rapport"}, ["title"], "chair"),
        ("POST", "/api/v1/fee-splits/preview", {"amount": "100", "period": "2026-2027", "text": "T"},
         ["amount", "period", "text"], "chair"),
        ("PUT", "/api/v1/preferences", {"kinds": ["vote_deadline"]}, ["kinds.0"], "chair"),
        ("POST", "/api/v1/organisations", {"name": "Organisme", "website": "https://example.org"},
         ["name", "website"], "admin"),
        ("PATCH", f"/api/v1/organisations/{w['organisation']}", {"website": "https://example.org"}, ["website"],
         "admin"),
        ("POST", "/api/v1/people", {"email": "nouveau@example.org", "name": "Nouveau", "title": "T",
                                    "password": "un-mot-de-passe"}, ["email", "name", "title", "password"], "admin"),
        ("PATCH", f"/api/v1/people/{w['member']}", {"name": "Nom", "title": "T"}, ["name", "title"], "admin"),
    ]


def _set(payload: dict, dotted: str, value: object) -> dict:
    payload = json.loads(json.dumps(payload))
    target, parts = payload, dotted.split(".")
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    last = parts[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return payload


def test_control_characters_in_every_text_field_are_refused_naming_it(world):
    w = world
    for method, url, payload, names, who in _text_fields(w):
        headers = w.chair if who == "chair" else w.admin
        for name in names:
            for bad in CONTROLS:
                expect_refused(w, method, url, field=name, headers=headers, json=_set(payload, name, bad))
            raw = json.dumps(_set(payload, name, "@@")).replace('"@@"', SURROGATE)
            expect_refused(w, method, url, field=name, content=raw,
                           headers={**headers, "content-type": "application/json"})
    # Texts in query strings and paths.
    for path, name in [("/api/v1/register", "object_type"), ("/api/v1/decisions", "state"),
                       ("/api/v1/decisions", "kind"), ("/api/v1/tasks", "state"),
                       ("/api/v1/grant-applications", "q"), ("/api/v1/grant-applications", "state"),
                       ("/api/v1/grant-applications.csv", "q"), ("/api/v1/reports", "state")]:
        expect_refused(w, "GET", f"{path}?{name}=a%00b", field=name)
    expect_refused(w, "GET", "/api/v1/workflows/a%00b", status=404)
    no_problems(w)


def test_tab_and_newline_are_kept_where_several_lines_are_written(world):
    w, api = world, world.api
    r = api.patch(f"/api/v1/decisions/{w['decision']}", headers=w.chair,
                  json={"text": "Attendu que :\n\t- le budget est équilibré;\r\n\t- il est adopté."})
    assert r.status_code == 200, r.text
    r = api.get(f"/api/v1/decisions/{w['decision']}", headers=w.chair)
    assert "\n\t- le budget" in r.json()["text"]


def test_the_token_endpoint_refuses_a_nul_in_the_email_naming_the_field(world):
    w = world
    for bad in CONTROLS:
        expect_refused(w, "POST", "/api/v1/auth/token", field="username", headers={},
                       data={"username": f"direction{bad}@relais.demo", "password": "x"})
    no_problems(w)


def test_page_forms_refuse_control_characters_showing_the_form_again(pages, admin_pages):
    w = pages.world
    forms = [
        ("/decisions", {"kind": "budget", "title": "Budget", "text": "Texte"}, ["title", "text"]),
        ("/meetings", {"body_id": w["ce"], "title": "Réunion", "starts_at": "2026-12-08T13:30", "place": "Magog"},
         ["title", "place"]),
        (f"/meetings/{w['meeting']}/edit", {"title": "Réunion", "place": "Magog"}, ["title", "place"]),
        (f"/meetings/{w['meeting']}/items", {"title": "Point", "kind": "discussion", "description": "D"},
         ["title", "description"]),
        (f"/meetings/{w['meeting']}/items/{w['item']}/edit", {"title": "Point", "minutes": "M"}, ["title", "minutes"]),
        (f"/committees/{w['hr']}/tasks", {"title": "Tâche", "priority": "normal", "description": "D"},
         ["title", "description"]),
        (f"/tasks/{w['task']}/edit", {"title": "Tâche", "priority": "normal"}, ["title"]),
        (f"/tasks/{w['task']}/comments", {"text": "Commentaire"}, ["text"]),
        (f"/tasks/{w['task']}/time", {"hours": "1", "on_date": "2026-12-01", "note": "N"}, ["note"]),
        ("/grants", {"funder_id": w["funder"], "title": "Demande", "notes": "N"}, ["title", "notes"]),
        ("/grants/funders", {"name": "Fondation", "kind": "foundation", "contacts": "C"}, ["name", "contacts"]),
        ("/fee-splits/new", {"amount": "100", "period": "2026-2027", "action": "preview"}, ["period"]),
    ]
    for url, base, names in forms:
        for name in names:
            pages.refused(url, {**base, name: "a\x00b"}, says=CONTROL_MESSAGE)
            pages.refused(url, {**base, name: "a\x1bb"}, says=CONTROL_MESSAGE)
    admin_forms = [
        ("/organisations", {"name": "Organisme", "kind": "community", "website": "https://example.org"},
         ["name", "website"]),
        ("/people", {"email": "nouveau@example.org", "name": "Nouveau", "language": "fr",
                     "password": "un-mot-de-passe"}, ["name", "password"]),
    ]
    for url, base, names in admin_forms:
        for name in names:
            admin_pages.refused(url, {**base, name: "un-mot\x00de-passe"}, says=CONTROL_MESSAGE)
    assert not pages.problems + admin_pages.problems, "\n".join(pages.problems + admin_pages.problems)


def test_sign_in_pages_refuse_control_characters_in_the_address(world):
    """The sign-in and sign-in-link forms, as someone not signed in: a 422 page, never a 500."""
    from tests.helpers import csrf_of

    client = TestClient(world.app, raise_server_exceptions=False)
    for path in ["/signin", "/signin/link"]:
        token = csrf_of(client.get(path).text)
        for bad in CONTROLS:
            before = fingerprint(world.app)
            r = client.post(path, data={"csrf_token": token, "email": f"direction{bad}@relais.demo",
                                        "password": "x"}, follow_redirects=False)
            assert r.status_code == 422, (path, bad, r.status_code, r.text[:300])
            assert r.headers["content-type"].startswith("text/html")
            assert changed_tables(before, fingerprint(world.app)) == []


# --- references -----------------------------------------------------------------------------

def test_a_decision_in_a_meeting_that_does_not_exist_is_refused_naming_meeting_id(world, pages):
    w = world
    expect_refused(w, "POST", "/api/v1/decisions", field="meeting_id",
                   json={"kind": "budget", "title": "Budget", "meeting_id": 424242})
    expect_refused(w, "PATCH", f"/api/v1/decisions/{w['decision']}", field="meeting_id",
                   json={"meeting_id": 424242})
    no_problems(w)
    r = w.api.patch(f"/api/v1/decisions/{w['decision']}", headers=w.chair, json={"meeting_id": w["meeting"]})
    assert r.status_code == 200 and r.json()["meeting_id"] == w["meeting"], r.text
    # The database itself holds the reference (a foreign key): no dangling id is ever stored.
    engine = w.app.state.runtime.database.engine
    with pytest.raises(Exception) as refused, engine.begin() as conn:
        conn.execute(text("UPDATE decision SET meeting_id = 424242 WHERE id = :id"), {"id": w["decision"]})
    assert "foreign key" in str(refused.value).lower()


# --- dates already stored at the edges of time ----------------------------------------------

def test_dates_stored_in_year_1_or_9999_do_not_break_lists_and_pages(world):
    """Data written before the checks existed (or by hand) is shown, in UTC if it must be."""
    w = world
    engine = w.app.state.runtime.database.engine
    with engine.begin() as conn:
        conn.execute(text("UPDATE meeting SET starts_at = :at, ends_at = :end WHERE id = :id"),
                     {"at": "0001-01-01 00:00:00", "end": "9999-12-31 23:59:59", "id": w["meeting"]})
        conn.execute(text("UPDATE task SET due_at = :at WHERE id = :id"),
                     {"at": "0001-01-01 00:00:00", "id": w["task"]})
        conn.execute(text("UPDATE decision SET closes_at = :at WHERE id = :id"),
                     {"at": "9999-12-31 23:59:59", "id": w["decision"]})
        conn.execute(text("UPDATE grant_application SET application_deadline = :at WHERE id = :id"),
                     {"at": "0001-01-01 00:00:00", "id": w["application"]})
    pages = TestClient(w.app, raise_server_exceptions=False)
    sign_in(pages, CHAIR)
    broken = []
    for path in ["/api/v1/meetings", f"/api/v1/meetings/{w['meeting']}", f"/api/v1/meetings/{w['meeting']}/minutes",
                 "/api/v1/tasks", f"/api/v1/tasks/{w['task']}", "/api/v1/decisions",
                 f"/api/v1/decisions/{w['decision']}", "/api/v1/grant-applications",
                 f"/api/v1/grant-applications/{w['application']}", "/api/v1/grant-applications.csv",
                 "/api/v1/register"]:
        r = w.api.get(path, headers=w.chair)
        if r.status_code != 200:
            broken.append(f"{path}: {r.status_code} {r.text[:200]}")
    for path in ["/", "/meetings", f"/meetings/{w['meeting']}", f"/meetings/{w['meeting']}/minutes",
                 f"/committees/{w['hr']}/board", f"/tasks/{w['task']}", "/decisions", f"/decisions/{w['decision']}",
                 "/grants", "/grants/list", f"/grants/{w['application']}", "/calendar", "/register"]:
        r = pages.get(path)
        if r.status_code != 200:
            broken.append(f"{path}: {r.status_code} {r.text[:200]!r}")
    assert not broken, "\n".join(broken)
    # Shown as stored, in UTC.
    assert w.api.get(f"/api/v1/meetings/{w['meeting']}", headers=w.chair).json()["starts_at"] == \
        "0001-01-01T00:00:00+00:00"


# --- the error handlers themselves ----------------------------------------------------------

def test_an_unexpected_error_is_a_page_or_json_in_the_persons_language_never_plain_text(world):
    """Even a bug answers with the site's page (or JSON for the API), and a value the database
    refuses that got past every check is a 422 that changed nothing."""
    app = world.app

    def boom():
        raise RuntimeError("a bug")

    def refused_by_the_database():
        raise DataError("INSERT ...", {}, Exception("PostgreSQL text fields cannot contain NUL (0x00) bytes"))

    app.router.add_api_route("/api/v1/_test/boom", boom)
    app.router.add_api_route("/_test/boom", boom)
    app.router.add_api_route("/api/v1/_test/data", refused_by_the_database)
    app.router.add_api_route("/_test/data", refused_by_the_database)
    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/api/v1/_test/boom")
    assert r.status_code == 500 and r.json()["code"] == "error.internal"
    r = client.get("/_test/boom")
    assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
    assert "Erreur interne" in r.text and "<html" in r.text.lower()
    r = client.get("/api/v1/_test/data")
    assert r.status_code == 422 and r.json()["code"] == "error.invalid_value", r.text
    r = client.get("/_test/data")
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    # A field name someone sent is echoed printable.
    r = client.post("/api/v1/decisions", headers={**world.chair, "content-type": "application/json"},
                    content='{"kind": "budget", "title": "B", "x\\u0000\\u001b": 1}')
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["field"] == "x\ufffd\ufffd"
