"""Grant applications and reports through the JSON API, on SQLite and PostgreSQL: every
transition of both workflows, refusals (409 with the allowed triggers, 403 without the right),
the submission guard, bad input, visibility and the CSV export."""

import csv
import io

from tests.grants.helpers import HANDROITS, advance, fire, make_application, make_funder
from tests.helpers import ADMIN, CHAIR, MEMBERS, PARTNER, STAFF, token_for

APP = "grant-applications"


def test_an_application_goes_through_the_whole_pipeline_and_its_reports_are_created(client):
    lead = token_for(client, HANDROITS)
    member = token_for(client, MEMBERS[1])  # CE member (CIUSSS, neutral member)
    app = make_application(client, lead, period_start="2027-01-01", period_end="2027-12-31", confidential=False,
                           requirements=[{"kind": "narrative_interim", "due_rule": "fixed", "due_date": "2027-06-30"},
                                         {"kind": "final", "due_rule": "offset", "anchor": "period_end",
                                          "offset_days": 30}])
    assert app["state"] == "idea" and app["allowed_transitions"] == ["start_drafting", "withdraw"]
    steps = [(lead, "start_drafting", "drafting"), (lead, "send_to_review", "internal_review"),
             (member, "request_changes", "drafting"), (lead, "send_to_review", "internal_review"),
             (member, "approve", "approved"), (lead, "submit", "submitted")]
    for who, trigger, state in steps:
        r = advance(client, who, app["id"], trigger)
        assert r.status_code == 200, (trigger, r.text)
        assert r.json()["state"] == state
    # Awarding needs the amount awarded: refused without it, with the guard's reason.
    r = fire(client, lead, APP, app["id"], "award")
    assert r.status_code == 409 and r.json()["guard"] == "amount_awarded_set"
    assert "montant accordé" in r.json()["message"]
    r = fire(client, lead, APP, app["id"], "award", amount_awarded="8 500,50")
    assert r.status_code == 200 and r.json()["state"] == "awarded"
    body = client.get(f"/api/v1/{APP}/{app['id']}", headers=lead).json()
    assert body["amount_awarded"] == "8500.50"
    reports = client.get(f"/api/v1/reports?application_id={app['id']}", headers=lead).json()["items"]
    assert [r["due_date"] for r in reports] == ["2027-06-30", "2028-01-30"]
    assert all(r["state"] == "upcoming" for r in reports)
    for trigger, state in [("activate", "active"), ("start_closing", "closing"), ("close", "closed")]:
        r = fire(client, lead, APP, app["id"], trigger)
        assert r.status_code == 200 and r.json()["state"] == state
    # A final state: nothing applies any more, and the answer lists what would (nothing).
    r = fire(client, lead, APP, app["id"], "start_drafting")
    assert r.status_code == 409 and r.json()["allowed_triggers"] == []


def test_refused_transitions_say_why(client):
    lead = token_for(client, HANDROITS)
    app = make_application(client, lead, confidential=False)
    r = fire(client, lead, APP, app["id"], "submit")
    assert r.status_code == 409
    assert r.json()["allowed_triggers"] == ["start_drafting", "withdraw"] and r.json()["state"] == "idea"
    r = fire(client, lead, APP, app["id"], "no_such_trigger")
    assert r.status_code == 409
    # A partners'-committee-only person sees the (public) application but may not move it.
    partner = token_for(client, PARTNER)
    assert client.get(f"/api/v1/{APP}/{app['id']}", headers=partner).status_code == 200
    r = fire(client, partner, APP, app["id"], "start_drafting")
    assert r.status_code == 403 and r.json()["code"] == "workflow.forbidden"
    # Approval is for CE members and the lead organisation, not for a partner.
    fire(client, lead, APP, app["id"], "start_drafting")
    fire(client, lead, APP, app["id"], "send_to_review")
    assert fire(client, partner, APP, app["id"], "approve").status_code == 403


def test_declined_and_withdrawn_applications(client):
    lead = token_for(client, HANDROITS)
    funder = make_funder(client, lead)
    a = make_application(client, lead, funder)
    for trigger in ["start_drafting", "send_to_review", "approve", "submit", "decline"]:
        assert advance(client, lead, a["id"], trigger).status_code == 200
    assert client.get(f"/api/v1/{APP}/{a['id']}", headers=lead).json()["state"] == "declined"
    for steps in ([], ["start_drafting"], ["start_drafting", "send_to_review"],
                  ["start_drafting", "send_to_review", "approve"]):
        b = make_application(client, lead, funder)
        for trigger in steps:
            assert advance(client, lead, b["id"], trigger).status_code == 200
        r = fire(client, lead, APP, b["id"], "withdraw")
        assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    c = make_application(client, lead, funder)
    for trigger in ["start_drafting", "send_to_review", "approve", "submit"]:
        advance(client, lead, c["id"], trigger)
    r = fire(client, lead, APP, c["id"], "withdraw")
    assert r.status_code == 409 and set(r.json()["allowed_triggers"]) == {"award", "decline"}


def _awarded_with_report(client, lead, **fields):
    app = make_application(client, lead, period_start="2027-01-01", period_end="2027-03-31", **fields,
                           requirements=[{"kind": "financial", "due_rule": "fixed", "due_date": "2027-04-30"}])
    for trigger in ["start_drafting", "send_to_review", "approve", "submit"]:
        assert advance(client, lead, app["id"], trigger).status_code == 200
    assert fire(client, lead, APP, app["id"], "award", amount_awarded="10000").status_code == 200
    reports = client.get(f"/api/v1/reports?application_id={app['id']}", headers=lead).json()["items"]
    return app, reports[0]


def test_every_report_transition(client):
    lead = token_for(client, HANDROITS)
    member = token_for(client, MEMBERS[1])
    app, report = _awarded_with_report(client, lead, confidential=False)
    rid = report["id"]
    steps = [(lead, "start", "in_preparation"), (lead, "send_to_review", "internal_review"),
             (member, "request_rework", "in_preparation"), (lead, "send_to_review", "internal_review"),
             (lead, "submit", "submitted"), (lead, "request_changes", "changes_requested"),
             (lead, "resubmit", "resubmitted"), (lead, "accept", "accepted")]
    for who, trigger, state in steps:
        r = fire(client, who, "reports", rid, trigger)
        assert r.status_code == 200, (trigger, r.text)
        assert r.json()["state"] == state
    detail = client.get(f"/api/v1/reports/{rid}", headers=lead).json()
    assert detail["submitted_at"] is not None and detail["allowed_transitions"] == []
    r = fire(client, lead, "reports", rid, "start")
    assert r.status_code == 409 and r.json()["allowed_triggers"] == []
    # mark_overdue belongs to the system: nobody fires it through the API.
    _, other = _awarded_with_report(client, lead, confidential=False)
    r = fire(client, token_for(client, ADMIN), "reports", other["id"], "mark_overdue")
    assert r.status_code == 403
    # A partner-only person may not move a report; accepted directly after submission works too.
    assert fire(client, token_for(client, PARTNER), "reports", other["id"], "start").status_code == 403
    for trigger in ["start", "send_to_review", "submit", "accept"]:
        assert fire(client, lead, "reports", other["id"], trigger).status_code == 200


def _adopted_submission_decision(client, title: str) -> int:
    """A grant_submission decision of the CE, opened, voted yes by every voting seat, closed."""
    chair = token_for(client, CHAIR)
    r = client.post("/api/v1/decisions", json={"kind": "grant_submission", "title": title,
                                               "text": "Déposer la demande."}, headers=chair)
    assert r.status_code == 201, r.text
    decision_id = r.json()["id"]
    r = fire(client, chair, "decisions", decision_id, "open")
    assert r.status_code == 200, r.text
    for email in [CHAIR, HANDROITS, MEMBERS[1], MEMBERS[2], MEMBERS[3]]:
        v = client.post(f"/api/v1/decisions/{decision_id}/votes", json={"choice": "yes"},
                        headers=token_for(client, email))
        assert v.status_code in (200, 201), v.text
    state = client.get(f"/api/v1/decisions/{decision_id}", headers=chair).json()["state"]
    if state == "open":  # closed by the sweep when every seat has voted
        from api.decisions.service import close_due_decisions

        close_due_decisions(client.app.state.runtime)
        state = client.get(f"/api/v1/decisions/{decision_id}", headers=chair).json()["state"]
    assert state == "adopted"
    return decision_id


def test_submission_above_the_threshold_needs_an_adopted_ce_decision(client):
    lead = token_for(client, HANDROITS)
    app = make_application(client, lead, amount_requested="40 000,00")
    for trigger in ["start_drafting", "send_to_review", "approve"]:
        assert advance(client, lead, app["id"], trigger).status_code == 200
    # Approving linked the CE's decision; without a linked decision, submitting is refused.
    client.patch(f"/api/v1/{APP}/{app['id']}", json={"submission_decision_id": None}, headers=lead)
    r = fire(client, lead, APP, app["id"], "submit")
    assert r.status_code == 409 and r.json()["guard"] == "submission_decision_adopted"
    assert "Dépôt d'une demande de subvention" in r.json()["message"]
    # A decision still in draft cannot even be linked: the edit is refused and names the field.
    chair = token_for(client, CHAIR)
    draft = client.post("/api/v1/decisions", json={"kind": "grant_submission", "title": "Dépôt Fondation X"},
                        headers=chair).json()["id"]
    r = client.patch(f"/api/v1/{APP}/{app['id']}", json={"submission_decision_id": draft}, headers=lead)
    assert r.status_code == 422 and r.json()["field"] == "submission_decision_id"
    assert fire(client, lead, APP, app["id"], "submit").status_code == 409
    adopted = _adopted_submission_decision(client, "Dépôt de la demande de 40 000 $")
    client.patch(f"/api/v1/{APP}/{app['id']}", json={"submission_decision_id": adopted}, headers=lead)
    r = fire(client, lead, APP, app["id"], "submit")
    assert r.status_code == 200 and r.json()["state"] == "submitted"


def test_submission_at_or_below_the_threshold_needs_no_decision(client):
    lead = token_for(client, HANDROITS)
    app = make_application(client, lead, amount_requested="25000.00")
    for trigger in ["start_drafting", "send_to_review", "approve"]:
        assert advance(client, lead, app["id"], trigger).status_code == 200
    client.patch(f"/api/v1/{APP}/{app['id']}", json={"submission_decision_id": None}, headers=lead)
    assert fire(client, lead, APP, app["id"], "submit").status_code == 200


def test_bad_input_names_the_field_and_saves_nothing(client):
    lead = token_for(client, HANDROITS)
    funder = make_funder(client, lead)
    good = {"funder_id": funder, "title": "Projet"}
    cases = [
        ({**good, "amount_requested": "12,34.5"}, "amount_requested"),
        ({**good, "amount_requested": "abc"}, "amount_requested"),
        ({**good, "amount_requested": "-5"}, "amount_requested"),
        ({**good, "amount_awarded": "1.234"}, "amount_awarded"),
        ({**good, "funder_id": 999_999}, "funder_id"),
        ({**good, "title": "x" * 10_000}, "title"),
        ({**good, "period_start": "2027-12-31", "period_end": "2027-01-01"}, "period_end"),
        ({**good, "owner_id": 999_999}, "owner_id"),
        ({**good, "partner_ids": [999_999]}, "partner_ids"),
        ({**good, "requirements": [{"due_rule": "fixed"}]}, "requirements.0.due_date"),
        ({"title": "Sans bailleur"}, "funder_id"),
    ]
    for payload, field in cases:
        r = client.post(f"/api/v1/{APP}", json=payload, headers=lead)
        assert r.status_code == 422, (payload, r.text[:300])
        assert field in [d["field"] for d in r.json()["detail"]], r.json()
        assert len(r.text) < 5_000
    assert client.get(f"/api/v1/{APP}", headers=lead).json()["total"] == 0
    for amount, cents in [("12 345,67", "12345.67"), ("12345.67", "12345.67"), ("12,345.67", "12345.67"),
                          (12345, "12345.00"), ("12\u00a0345", "12345.00")]:
        r = client.post(f"/api/v1/{APP}", json={**good, "amount_requested": amount}, headers=lead)
        assert r.status_code == 201 and r.json()["amount_requested"] == cents, (amount, r.text)


def test_in_camera_applications_are_hidden_from_staff_everywhere(client):
    lead = token_for(client, HANDROITS)
    staff = token_for(client, STAFF)
    secret = make_application(client, lead, title="Demande confidentielle")
    public = make_application(client, lead, title="Demande publique", confidential=False)
    assert secret["confidential"] is True and public["confidential"] is False
    assert client.get(f"/api/v1/{APP}/{secret['id']}", headers=staff).status_code == 404
    assert fire(client, staff, APP, secret["id"], "start_drafting").status_code == 404
    titles = [a["title"] for a in client.get(f"/api/v1/{APP}", headers=staff).json()["items"]]
    assert titles == ["Demande publique"]
    export = client.get(f"/api/v1/{APP}.csv", headers=staff).text
    assert "confidentielle" not in export and "Demande publique" in export
    # Staff are employed by the lead organisation but do not act on grants.
    assert fire(client, staff, APP, public["id"], "start_drafting").status_code == 403
    assert client.post("/api/v1/funders", json={"name": "X"}, headers=staff).status_code == 403
    member = token_for(client, MEMBERS[1])
    assert client.get(f"/api/v1/{APP}/{secret['id']}", headers=member).status_code == 200


def test_list_filters_and_csv_export(client):
    lead = token_for(client, HANDROITS)
    f1 = make_funder(client, lead, "Centraide Estrie")
    f2 = make_funder(client, lead, "Ministère de la Santé", "ministry")
    make_application(client, lead, f1, title="=HYPERLINK(\"x\")", application_deadline="2027-02-01T17:00:00-05:00")
    make_application(client, lead, f2, title="Programme aînés", application_deadline="2026-03-01T17:00:00-05:00")
    assert client.get(f"/api/v1/{APP}?funder_id={f1}", headers=lead).json()["total"] == 1
    assert client.get(f"/api/v1/{APP}?year=2026", headers=lead).json()["items"][0]["title"] == "Programme aînés"
    assert client.get(f"/api/v1/{APP}?state=idea", headers=lead).json()["total"] == 2
    assert client.get(f"/api/v1/{APP}?state=submitted", headers=lead).json()["total"] == 0
    r = client.get(f"/api/v1/{APP}.csv?year=2027", headers=lead)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:3] == ["id", "title", "funder"] and len(rows) == 2
    assert rows[1][1].startswith("'=")  # no formula injection into a spreadsheet


def test_funders_crud(client):
    lead = token_for(client, HANDROITS)
    fid = make_funder(client, lead, "Fondation Lucie et André Chagnon", "foundation")
    r = client.patch(f"/api/v1/funders/{fid}", json={"programmes": "Soutien aux collectivités"}, headers=lead)
    assert r.status_code == 200 and r.json()["programmes"] == "Soutien aux collectivités"
    assert client.get("/api/v1/funders", headers=lead).json()["total"] == 1
    assert client.post("/api/v1/funders", json={"name": "X", "kind": "bank"}, headers=lead).status_code == 422
    make_application(client, lead, fid)
    assert client.delete(f"/api/v1/funders/{fid}", headers=lead).status_code == 409
    other = make_funder(client, lead, "Temporaire")
    assert client.delete(f"/api/v1/funders/{other}", headers=lead).status_code == 204
    assert client.get(f"/api/v1/funders/{other}", headers=lead).status_code == 404
