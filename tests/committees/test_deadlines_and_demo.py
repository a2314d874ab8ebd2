"""Deadlines fed to reminders and calendars (task_due to the owners, meeting to the body's
seats, staff left out of confidential meetings), and the demo data of the area."""

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from tests.committees.helpers import IN_CAMERA_TITLE, body_id, create_task
from tests.helpers import CHAIR, MEMBERS, STAFF, seed_demo, token_for, unit_of_work


def _id(client, email) -> int:
    return client.get("/api/v1/me", headers=token_for(client, email)).json()["id"]


def test_task_and_meeting_deadlines_are_planned_and_cancelled(client, app, as_chair, monkeypatch):
    import notifications.planner as planner

    planned, cancelled = [], []
    monkeypatch.setattr(planner, "plan_deadline", lambda session, d: planned.append(d))
    monkeypatch.setattr(planner, "cancel", lambda session, kind, t, i: cancelled.append((kind, t, i)))
    hr = body_id(client, as_chair, "hr")
    chair_id = _id(client, CHAIR)
    task = create_task(client, as_chair, hr, title="Politique RH", owner_ids=[chair_id],
                       due_at="2026-12-15T17:00:00").json()
    deadline = planned[-1]
    assert (deadline.kind, deadline.object_type, deadline.object_id) == ("task_due", "task", task["id"])
    assert deadline.recipient_ids == frozenset({chair_id})
    assert deadline.confidential_category == "human_resources" and deadline.body_id == hr
    assert deadline.due_at == datetime(2026, 12, 15, 22, 0, tzinfo=UTC)
    client.post(f"/api/v1/tasks/{task['id']}/transitions", json={"trigger": "complete"}, headers=as_chair)
    assert cancelled[-1] == ("task_due", "task", task["id"])
    client.post(f"/api/v1/tasks/{task['id']}/transitions", json={"trigger": "reopen"}, headers=as_chair)
    assert planned[-1].object_id == task["id"]

    ce = body_id(client, as_chair, "executive_committee")
    r = client.post("/api/v1/meetings", json={"body_id": ce, "title": "CE de décembre",
                                              "starts_at": "2026-12-08T13:30:00"}, headers=as_chair)
    meeting = r.json()["id"]
    assert planned[-1].kind == "meeting" and _id(client, STAFF) in planned[-1].recipient_ids
    assert planned[-1].confidential_category is None
    client.post(f"/api/v1/meetings/{meeting}/transitions", json={"trigger": "cancel"}, headers=as_chair)
    assert cancelled[-1] == ("meeting", "meeting", meeting)


def test_staff_are_not_invited_to_a_confidential_meeting_and_providers_list_open_items(client, app, as_chair, as_admin):
    from api.committees.models import Task
    from notifications.deadlines import deadlines_between

    hr = body_id(client, as_chair, "hr")
    staff_id = _id(client, STAFF)
    r = client.post("/api/v1/seats", json={"person_id": staff_id, "body_id": hr, "role": "staff_observer"},
                    headers=as_admin)
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/meetings", json={"body_id": hr, "title": "Sous-comité RH",
                                              "starts_at": "2026-12-09T10:00:00"}, headers=as_chair)
    assert r.status_code == 201, r.text
    assert r.json()["confidential_category"] == "human_resources"
    open_task = create_task(client, as_chair, hr, due_at="2026-12-10T12:00:00Z").json()
    done = create_task(client, as_chair, hr, due_at="2026-12-11T12:00:00Z").json()
    client.post(f"/api/v1/tasks/{done['id']}/transitions", json={"trigger": "complete"}, headers=as_chair)
    with unit_of_work(app) as ctx:
        found = deadlines_between(ctx, datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC),
                                  kinds=["task_due", "meeting"])
        assert ctx.session.execute(select(func.count()).select_from(Task)).scalar_one() == 2
    meetings = [d for d in found if d.kind == "meeting"]
    assert len(meetings) == 1 and staff_id not in meetings[0].recipient_ids
    assert _id(client, CHAIR) in meetings[0].recipient_ids and _id(client, MEMBERS[2]) in meetings[0].recipient_ids
    assert [d.object_id for d in found if d.kind == "task_due"] == [open_task["id"]]


def test_the_demo_has_boards_an_upcoming_meeting_with_an_in_camera_item_and_drafted_minutes(database, runtime):
    from api.committees.demo import committees_demo
    from api.committees.models import Meeting, Task

    seed_demo(database, today=date(2026, 11, 23))  # the people (a no-op when already there)
    with unit_of_work(runtime) as ctx:
        committees_demo(ctx, date(2026, 11, 23))
    with database.session() as session:
        tasks = session.execute(select(Task)).scalars().all()
        assert {t.body.key for t in tasks} == {"hr", "funding", "administration", "communications"}
        assert any(t.state == "blocked" and t.blocked_reason for t in tasks)
        assert any(t.due_at and t.due_at < datetime(2026, 11, 23, tzinfo=UTC) for t in tasks)
        meetings = session.execute(select(Meeting).order_by(Meeting.starts_at)).scalars().all()
        states = {m.state for m in meetings}
        assert {"minutes_drafted", "agenda_sent"} <= states
        upcoming = next(m for m in meetings if m.state == "agenda_sent")
        assert any(i.confidential_category == "human_resources" for i in upcoming.items)
        assert IN_CAMERA_TITLE not in [i.title for i in upcoming.items]
