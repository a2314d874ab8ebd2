"""Helpers for the committee tests: bodies by key, a CE meeting with an in-camera item,
and signing in through the HTML form."""

import re

import pytest

from api.timeutil import set_clock
from tests.conftest import DEMO_PASSWORD

IN_CAMERA_TITLE = "Congédiement de l'intervenant X — dossier confidentiel"
OPEN_TITLES = ["Adoption de l'ordre du jour", "Suivi des redditions de comptes", "Bilan des communications"]


def body_id(client, headers, key: str) -> int:
    items = client.get("/api/v1/bodies?per_page=200", headers=headers).json()["items"]
    return next(b["id"] for b in items if b["key"] == key)


def create_task(client, headers, body: int, **extra):
    payload = {"body_id": body, "title": "Réviser le code d'éthique", **extra}
    return client.post("/api/v1/tasks", json=payload, headers=headers)


def ce_meeting_with_in_camera_item(client, chair_headers, **extra) -> tuple[int, list[int]]:
    """A CE meeting whose agenda is: 2 open items, the in-camera HR item, 1 open item."""
    ce = body_id(client, chair_headers, "executive_committee")
    r = client.post("/api/v1/meetings", json={
        "body_id": ce, "title": "Réunion mensuelle du CE", "starts_at": "2026-12-08T13:30:00",
        "ends_at": "2026-12-08T16:00:00", "place": "Han-Droits, Magog", **extra}, headers=chair_headers)
    assert r.status_code == 201, r.text
    meeting = r.json()["id"]
    ids = []
    for title, kind in [(OPEN_TITLES[0], "information"), (OPEN_TITLES[1], "discussion"),
                        (IN_CAMERA_TITLE, "human_resources"), (OPEN_TITLES[2], "discussion")]:
        r = client.post(f"/api/v1/meetings/{meeting}/agenda", headers=chair_headers, json={
            "title": title, "kind": kind, "minutes": f"Procès-verbal : {title}"})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return meeting, ids


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no csrf_token in the page"
    return match.group(1)


def sign_in_page(client, email: str) -> str:
    page = client.get("/signin")
    r = client.post("/signin", data={"email": email, "password": DEMO_PASSWORD, "next": "/",
                                     "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/").text)


@pytest.fixture
def clock():
    """Set the app's clock: clock(datetime) travels, restored after the test."""
    yield lambda moment: set_clock(lambda: moment)
    set_clock(None)
