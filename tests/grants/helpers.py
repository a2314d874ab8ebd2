"""Shared steps of the grants tests: funders and applications through the API.
Sign-in, CSRF and tokens come from `tests.helpers`."""

from tests.helpers import ADMIN, token_for

HANDROITS = "gestion.handroits@relais.demo"  # lead organisation, CE treasurer


def make_funder(client, headers, name="Centraide Estrie", kind="foundation") -> int:
    r = client.post("/api/v1/funders", json={"name": name, "kind": kind}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def make_application(client, headers, funder_id=None, **fields) -> dict:
    if funder_id is None:
        funder_id = make_funder(client, headers)
    payload = {"funder_id": funder_id, "title": "Soutien aux locataires", "amount_requested": "10 000,00",
               **fields}
    r = client.post("/api/v1/grant-applications", json=payload, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def fire(client, headers, resource, obj_id, trigger, **params):
    return client.post(f"/api/v1/{resource}/{obj_id}/transitions",
                       json={"trigger": trigger, "params": params}, headers=headers)


def admin(client):
    return token_for(client, ADMIN)


def award(client, headers, app_id, amount="10000"):
    for trigger in ["start_drafting", "send_to_review", "approve", "submit"]:
        r = fire(client, headers, "grant-applications", app_id, trigger)
        assert r.status_code == 200, r.text
    r = fire(client, headers, "grant-applications", app_id, "award", amount_awarded=amount)
    assert r.status_code == 200, r.text
