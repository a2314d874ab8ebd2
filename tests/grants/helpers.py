"""Shared steps of the grants tests: funders and applications through the API.
Sign-in, CSRF and tokens come from `tests.helpers`."""

from weakref import WeakKeyDictionary

from tests.helpers import ADMIN, token_for, unit_of_work

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


_ADOPTED: WeakKeyDictionary = WeakKeyDictionary()


def adopted_decision(client, title="Dépôt des demandes de l'année") -> int:
    """A "grant_submission" decision the executive committee has adopted, as its register
    shows after the vote (stories about the vote itself use `tests.feesplit.helpers.adopt`;
    here no invitation or outcome email is added to stories about something else)."""
    from sqlalchemy import select

    from api.collective.models import Body
    from api.decisions.models import Decision
    from api.timeutil import now

    if client.app in _ADOPTED:
        return _ADOPTED[client.app]
    with unit_of_work(client.app) as ctx:
        body = ctx.session.execute(select(Body).where(Body.key == "executive_committee")).scalar_one()
        decision = Decision(body_id=body.id, kind="grant_submission", workflow="decision", title=title,
                            text="Le conseil exécutif approuve le dépôt.", state="adopted",
                            confidential_category="funding", closed_at=now())
        ctx.session.add(decision)
        ctx.session.flush()
        _ADOPTED[client.app] = decision.id
    return _ADOPTED[client.app]


def advance(client, headers, app_id, trigger, **params):
    """Fire an application's trigger; approving names the executive committee's adopted decision."""
    if trigger == "approve" and "decision_id" not in params:
        params["decision_id"] = adopted_decision(client)
    return fire(client, headers, "grant-applications", app_id, trigger, **params)


def admin(client):
    return token_for(client, ADMIN)


def award(client, headers, app_id, amount="10000"):
    for trigger in ["start_drafting", "send_to_review", "approve", "submit"]:
        r = advance(client, headers, app_id, trigger)
        assert r.status_code == 200, r.text
    r = fire(client, headers, "grant-applications", app_id, "award", amount_awarded=amount)
    assert r.status_code == 200, r.text
