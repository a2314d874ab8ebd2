""""Approuvée par le CE" names the executive committee's adopted decision, whichever way the
application is approved (API, page, demo data): the rules' guard `approval_decision_adopted`
checks it, the application keeps it, its page and the API show it by title, and the register's
event of the approval records it."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.collective.models import Body
from api.decisions.models import Decision
from api.grants.demo import load_grants
from api.grants.models import GrantApplication
from tests.feesplit.helpers import adopt
from tests.grants.helpers import HANDROITS, fire, make_application
from tests.helpers import CHAIR, MEMBERS, STAFF, sign_in, token_for, unit_of_work

APP = "grant-applications"


@pytest.fixture
def lead(client):
    return token_for(client, HANDROITS)


def _in_review(client, lead, **fields) -> dict:
    app = make_application(client, lead, title="Mobilisation des locataires", **fields)
    for trigger in ("start_drafting", "send_to_review"):
        assert fire(client, lead, APP, app["id"], trigger).status_code == 200
    return app


def _decision(client, title: str, kind: str = "grant_submission") -> int:
    r = client.post("/api/v1/decisions", json={"kind": kind, "title": title, "text": "Le CE approuve le dépôt."},
                    headers=token_for(client, CHAIR))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _events(client, app_id: int) -> list[dict]:
    r = client.get(f"/api/v1/register?object_type=grant_application&object_id={app_id}&per_page=50",
                   headers=token_for(client, CHAIR))
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _unchanged(client, lead, app_id: int) -> None:
    after = client.get(f"/api/v1/{APP}/{app_id}", headers=lead).json()
    assert after["state"] == "internal_review"
    assert after["submission_decision_id"] is None and after["submission_decision"] is None
    assert not [e for e in _events(client, app_id) if e["action"] == "grant_application.approve"]


def test_approving_through_the_api_without_naming_the_adopted_decision_is_refused_and_changes_nothing(
        client, lead):
    app = _in_review(client, lead)
    member = token_for(client, MEMBERS[1])
    r = fire(client, member, APP, app["id"], "approve")
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == "decision_id"
    assert body["code"] == "grants.error.approval_decision"
    assert "Choisissez la décision du CE" in body["message"]
    _unchanged(client, lead, app["id"])


def test_a_decision_not_adopted_of_another_kind_or_of_another_body_cannot_approve(client, lead):
    app = _in_review(client, lead)
    member = token_for(client, MEMBERS[1])
    draft = _decision(client, "Dépôt — encore en brouillon")
    procedure = _decision(client, "Procédure de remboursement", kind="procedure")
    adopt(client, procedure)
    with unit_of_work(client.app) as ctx:  # adopted, but by the partners' committee
        partners = ctx.session.execute(select(Body).where(Body.key == "partners_committee")).scalar_one()
        other_body = Decision(body_id=partners.id, kind="grant_submission", workflow="decision",
                              title="Dépôt adopté par les partenaires", text="", state="adopted")
        ctx.session.add(other_body)
        ctx.session.flush()
        other_body_id = other_body.id
    for decision_id, named in [(draft, "Dépôt — encore en brouillon"), (procedure, "Procédure de remboursement"),
                               (other_body_id, "Dépôt adopté par les partenaires"), (999_999, None)]:
        r = fire(client, member, APP, app["id"], "approve", decision_id=decision_id)
        assert r.status_code == 422, (decision_id, r.text)
        assert r.json()["field"] == "decision_id"
        if named:  # the refusal names the decision the person chose
            assert f"«\u00a0{named}\u00a0»" in r.json()["message"]
    # Not a decision at all: refused by the published shape, the field named too.
    r = fire(client, member, APP, app["id"], "approve", decision_id="le dernier CE")
    assert r.status_code == 422 and r.json()["field"].endswith("decision_id")
    _unchanged(client, lead, app["id"])


def test_approving_with_the_ce_adopted_decision_keeps_it_shows_its_title_and_records_it(client, lead):
    app = _in_review(client, lead, confidential=True)
    decision = _decision(client, "Dépôt de la demande Mobilisation des locataires")
    adopt(client, decision)
    member = token_for(client, MEMBERS[1])
    r = fire(client, member, APP, app["id"], "approve", decision_id=decision)
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["state"] == "approved"
    assert moved["submission_decision"] == "Dépôt de la demande Mobilisation des locataires"
    shown = client.get(f"/api/v1/{APP}/{app['id']}", headers=lead).json()
    assert shown["submission_decision_id"] == decision
    assert shown["submission_decision"] == "Dépôt de la demande Mobilisation des locataires"
    listed = client.get(f"/api/v1/{APP}?q=Mobilisation", headers=lead).json()["items"]
    assert [a["submission_decision"] for a in listed] == ["Dépôt de la demande Mobilisation des locataires"]
    [event] = [e for e in _events(client, app["id"]) if e["action"] == "grant_application.approve"]
    assert event["after"]["state"] == "approved"
    assert event["after"]["decision_id"] == decision
    assert event["after"]["decision"] == "Dépôt de la demande Mobilisation des locataires"
    # Its page says which decision approved it, by its title.
    with TestClient(client.app) as web:
        sign_in(web, HANDROITS)
        page = web.get(f"/grants/{app['id']}").text
    assert "Décision adoptée par le CE" in page and "Dépôt de la demande Mobilisation des locataires" in page


def test_staff_see_a_public_application_approved_in_camera_without_the_decision_title(client, lead):
    app = _in_review(client, lead, confidential=False)
    decision = _decision(client, "Dépôt — stratégie de financement confidentielle")
    adopt(client, decision)
    assert fire(client, token_for(client, MEMBERS[1]), APP, app["id"], "approve",
                decision_id=decision).status_code == 200
    staff = client.get(f"/api/v1/{APP}/{app['id']}", headers=token_for(client, STAFF))
    assert staff.status_code == 200
    assert staff.json()["submission_decision"] == "Décision prise à huis clos"
    assert "stratégie de financement" not in staff.text
    # The public application's register event keeps the decision's number, not its in-camera title.
    [event] = [e for e in _events(client, app["id"]) if e["action"] == "grant_application.approve"]
    assert event["after"]["decision_id"] == decision and "decision" not in event["after"]


def test_the_openapi_document_asks_for_the_decision_and_shows_it_by_title(client):
    doc = client.get("/openapi.json").json()
    op = doc["paths"]["/api/v1/grant-applications/{obj_id}/transitions"]["post"]
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    params_ref = doc["components"]["schemas"][ref]["properties"]["params"]
    params_name = (params_ref.get("$ref") or params_ref["allOf"][0]["$ref"]).rsplit("/", 1)[-1]
    assert "decision_id" in doc["components"]["schemas"][params_name]["properties"]
    answer = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "submission_decision" in doc["components"]["schemas"][answer]["properties"]
    assert "422" in op["responses"]


def test_the_demo_approves_its_applications_with_real_adopted_decisions(client):
    with unit_of_work(client.app) as ctx:
        load_grants(ctx, date.today())
    with unit_of_work(client.app) as ctx:
        session = ctx.session
        past_review = ["approved", "submitted", "active", "closed"]
        apps = session.execute(select(GrantApplication).where(GrantApplication.state.in_(past_review))).scalars().all()
        assert len(apps) >= 12  # the nine seed-004 projects and the ÉRR's current ones
        for app in apps:
            decision = session.get(Decision, app.submission_decision_id)
            assert decision is not None, app.title
            body = session.get(Body, decision.body_id)
            assert (decision.kind, decision.state, body.key) == ("grant_submission", "adopted",
                                                                 "executive_committee"), app.title
        in_review = session.execute(select(GrantApplication).where(
            GrantApplication.state.in_(["idea", "drafting"]))).scalars().all()
        assert in_review and all(a.submission_decision_id is None for a in in_review)


def test_editing_an_application_cannot_name_a_decision_the_ce_has_not_adopted(client, lead):
    app = _in_review(client, lead)
    draft = _decision(client, "Dépôt — toujours en brouillon")
    for decision_id in (draft, 999_999):
        r = client.patch(f"/api/v1/{APP}/{app['id']}", json={"submission_decision_id": decision_id}, headers=lead)
        assert r.status_code == 422 and r.json()["field"] == "submission_decision_id", r.text
    _unchanged(client, lead, app["id"])
