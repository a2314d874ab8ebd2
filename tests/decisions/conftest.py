"""Helpers for the decision tests: the executive committee's voters and a decision put to vote."""

import pytest

from tests.helpers import CHAIR, MEMBERS, token_for

VOTERS = [CHAIR, *MEMBERS]  # the five voting seats of the executive committee


@pytest.fixture
def voters(client) -> dict[str, dict[str, str]]:
    return {email: token_for(client, email) for email in VOTERS}


def create(client, headers, kind="budget", title="Budget révisé 2026-2027", **extra) -> dict:
    payload = {"kind": kind, "title": title, "text": "Adoption du budget révisé.", **extra}
    r = client.post("/api/v1/decisions", json=payload, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def open_decision(client, headers, decision_id: int) -> dict:
    r = client.post(f"/api/v1/decisions/{decision_id}/transitions", json={"trigger": "open"},
                    headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def create_and_open(client, headers, kind="budget", **extra) -> int:
    decision = create(client, headers, kind=kind, **extra)
    assert open_decision(client, headers, decision["id"])["state"] == "open"
    return decision["id"]


def vote(client, headers, decision_id: int, choice: str):
    return client.post(f"/api/v1/decisions/{decision_id}/votes", json={"choice": choice}, headers=headers)


def events(client, headers, decision_id: int) -> list[dict]:
    r = client.get(f"/api/v1/register?object_type=decision&object_id={decision_id}&per_page=200",
                   headers=headers)
    assert r.status_code == 200
    return list(reversed(r.json()["items"]))  # oldest first
