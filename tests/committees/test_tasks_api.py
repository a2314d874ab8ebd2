"""Sub-committee tasks through the JSON API: moves by the workflow, refused moves, blocking
with a reason, overdue across time zones, comments, hours and the workload weights."""

from datetime import UTC, date, datetime
from decimal import Decimal

from tests.committees.helpers import body_id, create_task
from tests.helpers import MEMBERS, PARTNER, token_for, unit_of_work


def _me(client, headers) -> dict:
    return client.get("/api/v1/me", headers=headers).json()


def test_an_owner_moves_a_task_through_the_workflow_and_each_move_is_in_the_register(client, as_chair, as_member):
    board = body_id(client, as_chair, "administration")
    me = _me(client, as_member)
    r = create_task(client, as_chair, board, owner_ids=[me["id"]], priority="high",
                    description="Version 2027", due_at="2027-01-15T17:00:00")
    assert r.status_code == 201, r.text
    task = r.json()
    assert task["state"] == "todo" and task["warnings"] == []
    assert task["owners"] == [{"id": me["id"], "name": me["name"]}]
    assert set(task["allowed_transitions"]) == {"start", "block", "complete", "cancel"}
    url = f"/api/v1/tasks/{task['id']}/transitions"
    for trigger, state in [("start", "in_progress"), ("complete", "done"), ("reopen", "todo")]:
        r = client.post(url, json={"trigger": trigger}, headers=as_member)
        assert r.status_code == 200, r.text
        assert r.json()["state"] == state
    events = client.get(f"/api/v1/register?object_type=task&object_id={task['id']}&per_page=50",
                        headers=as_chair).json()["items"]
    actions = [e["action"] for e in events]
    for action in ("task.created", "task.start", "task.complete", "task.reopen"):
        assert action in actions


def test_a_move_that_does_not_apply_is_a_409_listing_the_allowed_triggers(client, as_chair):
    board = body_id(client, as_chair, "administration")
    task = create_task(client, as_chair, board).json()
    r = client.post(f"/api/v1/tasks/{task['id']}/transitions", json={"trigger": "unblock"}, headers=as_chair)
    assert r.status_code == 409
    body = r.json()
    assert body["state"] == "todo" and set(body["allowed_triggers"]) == {"start", "block", "complete", "cancel"}
    r = client.post(f"/api/v1/tasks/{task['id']}/transitions", json={"trigger": "teleport"}, headers=as_chair)
    assert r.status_code == 409


def test_a_person_without_a_seat_on_the_board_or_the_executive_may_not_move_a_task(client, as_chair):
    board = body_id(client, as_chair, "communications")
    task = create_task(client, as_chair, board).json()
    partner = token_for(client, PARTNER)
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=partner).status_code == 200
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=partner).json()["allowed_transitions"] == []
    r = client.post(f"/api/v1/tasks/{task['id']}/transitions", json={"trigger": "start"}, headers=partner)
    assert r.status_code == 403 and r.json()["code"] == "workflow.forbidden"
    r = create_task(client, partner, board)
    assert r.status_code == 403
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=as_chair).json()["state"] == "todo"


def test_blocking_needs_a_reason_and_the_reason_is_kept(client, as_chair):
    board = body_id(client, as_chair, "funding")
    task = create_task(client, as_chair, board).json()
    url = f"/api/v1/tasks/{task['id']}/transitions"
    r = client.post(url, json={"trigger": "block"}, headers=as_chair)
    assert r.status_code == 409 and r.json()["guard"] == "reason_given"
    assert r.json()["message"] == "Indiquez la raison du blocage."
    r = client.post(url, json={"trigger": "block", "params": {"reason": "   "}}, headers=as_chair)
    assert r.status_code == 409
    r = client.post(url, json={"trigger": "block", "params": {"reason": "Attente du bailleur"}}, headers=as_chair)
    assert r.status_code == 200 and r.json()["state"] == "blocked"
    got = client.get(f"/api/v1/tasks/{task['id']}", headers=as_chair).json()
    assert got["blocked_reason"] == "Attente du bailleur"
    r = client.post(url, json={"trigger": "unblock"}, headers=as_chair)
    assert r.json()["state"] == "in_progress"
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=as_chair).json()["blocked_reason"] is None


def test_cancelling_a_task_through_the_api_needs_a_reason_and_the_register_keeps_it(client, as_chair):
    board = body_id(client, as_chair, "funding")
    task = create_task(client, as_chair, board).json()
    url = f"/api/v1/tasks/{task['id']}/transitions"
    for params in ({}, {"reason": "  "}):
        r = client.post(url, json={"trigger": "cancel", "params": params}, headers=as_chair)
        assert r.status_code == 409 and r.json()["guard"] == "cancel_reason_given"
        assert r.json()["message"] == "Indiquez pourquoi la tâche est annulée."
        assert client.get(f"/api/v1/tasks/{task['id']}", headers=as_chair).json()["state"] == "todo"
    r = client.post(url, json={"trigger": "cancel", "params": {"reason": "Le bailleur a retiré l'appel"}},
                    headers=as_chair)
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    events = client.get(f"/api/v1/register?object_type=task&object_id={task['id']}&per_page=50",
                        headers=as_chair).json()["items"]
    cancel = next(e for e in events if e["action"] == "task.cancel")
    assert cancel["after"]["reason"] == "Le bailleur a retiré l'appel"


def test_a_due_date_in_the_past_is_saved_with_a_warning(client, as_chair, clock):
    clock(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    board = body_id(client, as_chair, "administration")
    r = create_task(client, as_chair, board, due_at="2026-11-20T09:00:00")
    assert r.status_code == 201
    task = r.json()
    assert [w["code"] for w in task["warnings"]] == ["committees.warning.due_in_past"]
    assert task["warnings"][0]["field"] == "due_at" and "échéance" in task["warnings"][0]["message"]
    assert task["overdue"] is True
    r = client.patch(f"/api/v1/tasks/{task['id']}", json={"due_at": "2026-11-21T09:00:00"}, headers=as_chair)
    assert r.status_code == 200 and r.json()["warnings"]
    r = client.patch(f"/api/v1/tasks/{task['id']}", json={"due_at": "2026-12-21T09:00:00"}, headers=as_chair)
    assert r.json()["warnings"] == [] and r.json()["overdue"] is False


def test_overdue_is_judged_in_utc_and_shown_in_the_collectives_time_zone(client, as_chair, clock):
    """Due 2026-11-24 00:30 UTC is 23 November 19:30 in Toronto (EST, UTC-5)."""
    clock(datetime(2026, 11, 23, 23, 0, tzinfo=UTC))  # 18:00 in Toronto
    board = body_id(client, as_chair, "administration")
    task = create_task(client, as_chair, board, due_at="2026-11-24T00:30:00Z").json()
    assert task["due_at"] == "2026-11-24T00:30:00+00:00"
    assert task["due_local"] == "2026-11-23T19:30:00-05:00"
    assert task["overdue"] is False
    # A naive time typed in a form is the collective's wall-clock time.
    same = create_task(client, as_chair, board, due_at="2026-11-23T19:30:00").json()
    assert same["due_at"] == "2026-11-24T00:30:00+00:00"
    clock(datetime(2026, 11, 24, 0, 31, tzinfo=UTC))  # 19:31 in Toronto, still the 23rd there
    got = client.get(f"/api/v1/tasks/{task['id']}", headers=as_chair).json()
    assert got["overdue"] is True
    # Done tasks are never overdue.
    client.post(f"/api/v1/tasks/{task['id']}/transitions", json={"trigger": "complete"}, headers=as_chair)
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=as_chair).json()["overdue"] is False


def test_bad_task_input_names_the_field_and_saves_nothing(client, as_chair):
    board = body_id(client, as_chair, "administration")
    ce = body_id(client, as_chair, "executive_committee")
    before = client.get("/api/v1/tasks", headers=as_chair).json()["total"]
    cases = [
        ({"body_id": board, "title": "x" * 10_000}, 422, "title"),
        ({"body_id": board, "title": ""}, 422, "title"),
        ({"body_id": board, "title": "Ok", "priority": "urgent"}, 422, "priority"),
        ({"body_id": board, "title": "Ok", "due_at": "next tuesday"}, 422, "due_at"),
        ({"body_id": board, "title": "Ok", "owner_ids": [999_999]}, 422, "owner_ids"),
        ({"body_id": 999_999, "title": "Ok"}, 422, "body_id"),
        ({"body_id": ce, "title": "Ok"}, 422, "body_id"),  # not a sub-committee
        ({"body_id": board, "title": "Ok", "link_type": "decision"}, 422, None),
        ({"body_id": board, "title": "Ok", "colour": "red"}, 422, "colour"),
    ]
    for payload, status, field in cases:
        r = client.post("/api/v1/tasks", json=payload, headers=as_chair)
        assert r.status_code == status, (payload, r.text[:300])
        if field:
            fields = [d["field"] for d in r.json()["detail"]]
            assert field in fields, r.json()
        assert len(r.text) < 5_000
    assert client.get("/api/v1/tasks", headers=as_chair).json()["total"] == before
    assert client.get("/api/v1/tasks/999999", headers=as_chair).status_code == 404
    assert client.patch("/api/v1/tasks/999999", json={"title": "x"}, headers=as_chair).status_code == 404
    r = client.post("/api/v1/tasks/999999/transitions", json={"trigger": "start"}, headers=as_chair)
    assert r.status_code == 404


def test_tasks_are_listed_by_board_owner_and_state(client, as_chair, as_member):
    admin_board = body_id(client, as_chair, "administration")
    comms = body_id(client, as_chair, "communications")
    me = _me(client, as_member)
    a = create_task(client, as_chair, admin_board, owner_ids=[me["id"]]).json()
    create_task(client, as_chair, comms)
    client.post(f"/api/v1/tasks/{a['id']}/transitions", json={"trigger": "start"}, headers=as_member)
    assert client.get(f"/api/v1/tasks?body_id={admin_board}", headers=as_chair).json()["total"] == 1
    assert client.get(f"/api/v1/tasks?owner_id={me['id']}", headers=as_chair).json()["total"] == 1
    assert client.get("/api/v1/tasks?state=in_progress", headers=as_chair).json()["total"] == 1
    assert client.get("/api/v1/tasks?state=todo", headers=as_chair).json()["total"] == 1


def test_comments_and_hours_feed_the_workload_per_organisation(client, app, as_chair, as_member):
    board = body_id(client, as_chair, "administration")
    member = _me(client, as_member)
    task = create_task(client, as_chair, board, owner_ids=[member["id"]]).json()
    r = client.post(f"/api/v1/tasks/{task['id']}/comments", json={"text": "Premier jet prêt."}, headers=as_member)
    assert r.status_code == 201
    comments = client.get(f"/api/v1/tasks/{task['id']}/comments", headers=as_chair).json()["items"]
    assert comments[0]["text"] == "Premier jet prêt."
    for hours, day in [("1.10", "2026-10-01"), ("2.20", "2026-10-15"), ("0.35", "2026-12-01")]:
        r = client.post(f"/api/v1/tasks/{task['id']}/time-entries", json={"hours": hours, "on_date": day},
                        headers=as_member)
        assert r.status_code == 201, r.text
    r = client.post(f"/api/v1/tasks/{task['id']}/time-entries", json={"hours": "25", "on_date": "2026-10-01"},
                    headers=as_member)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "hours"
    partner = token_for(client, PARTNER)
    r = client.post(f"/api/v1/tasks/{task['id']}/time-entries", json={"hours": "1", "on_date": "2026-10-01"},
                    headers=partner)
    assert r.status_code == 403

    from api.committees.tasks import workload_by_organisation

    with unit_of_work(app) as ctx:
        weights = workload_by_organisation(ctx, date(2026, 10, 1), date(2026, 10, 31))
    assert weights == {member["organisation_id"]: Decimal("3.30")}
    assert isinstance(weights[member["organisation_id"]], Decimal)
    view = client.get("/api/v1/committees/workload?start=2026-10-01&end=2026-12-31", headers=as_chair).json()
    row = next(i for i in view["items"] if i["organisation_id"] == member["organisation_id"])
    assert row["hours"] == "3.65" and row["open_tasks"] == 1
    r = client.get("/api/v1/committees/workload?start=2026-12-31&end=2026-01-01", headers=as_chair)
    assert r.status_code == 422 and r.json()["field"] == "end"


def test_a_task_can_be_edited_and_deleted_by_a_member(client, as_chair):
    board = body_id(client, as_chair, "communications")
    task = create_task(client, as_chair, board).json()
    r = client.patch(f"/api/v1/tasks/{task['id']}", json={"title": "Nouveau titre", "priority": "low",
                                                          "link_type": "meeting", "link_id": 3}, headers=as_chair)
    assert r.status_code == 200
    assert r.json()["title"] == "Nouveau titre" and r.json()["link"] == {"type": "meeting", "id": 3}
    r = client.patch(f"/api/v1/tasks/{task['id']}", json={"title": None}, headers=as_chair)
    assert r.status_code == 422 and r.json()["field"] == "title"
    other = token_for(client, MEMBERS[1])  # CE member: may manage sub-committee boards
    assert client.delete(f"/api/v1/tasks/{task['id']}", headers=other).status_code == 204
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=as_chair).status_code == 404
