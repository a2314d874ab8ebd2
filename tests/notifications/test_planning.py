"""Planning reminders: offsets, DST, sending hours, moved deadlines, idempotence, audiences."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import func, select

from api.timeutil import local
from notifications.deadlines import Deadline, cancel_deadline, upsert_deadline
from notifications.models import OutboxMessage, Status
from tests.helpers import CHAIR, MEMBERS, STAFF, unit_of_work
from tests.notifications.conftest import deliver, wait_for

TZ = ZoneInfo("America/Toronto")


def task(people, due_at, emails, object_id=1, **kw) -> Deadline:
    return Deadline(kind=kw.pop("kind", "task_due"), object_type=kw.pop("object_type", "task"),
                    object_id=object_id, due_at=due_at, title_fr=kw.pop("title_fr", "Préparer le budget"),
                    title_en=kw.pop("title_en", "Prepare the budget"), path=f"/tasks/{object_id}",
                    recipient_ids=frozenset(people[e].id for e in emails), **kw)


def rows(database, **where):
    with database.session() as session:
        stmt = select(OutboxMessage).order_by(OutboxMessage.send_at, OutboxMessage.recipient_id)
        for key, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, key) == value)
        return list(session.execute(stmt).scalars())


def test_a_reminder_schedule_across_the_end_of_dst_arrives_at_the_same_local_time(
        database, configure, clock, people, smtp):
    runtime = configure(smtp_host="127.0.0.1", smtp_port=smtp.port)
    due = datetime(2026, 11, 5, 10, 0, tzinfo=TZ)  # EST; DST ended on 2026-11-01
    with unit_of_work(runtime) as ctx:
        upsert_deadline(ctx, task(people, due, [MEMBERS[0]]))
    planned = rows(database, status=Status.planned)
    assert [local(r.send_at, "America/Toronto").replace(tzinfo=None) for r in planned] == [
        datetime(2026, 10, 29, 10, 0), datetime(2026, 11, 4, 10, 0)]
    assert [r.send_at for r in planned] == [datetime(2026, 10, 29, 14, 0, tzinfo=UTC),  # EDT
                                            datetime(2026, 11, 4, 15, 0, tzinfo=UTC)]   # EST

    clock.set(datetime(2026, 10, 29, 13, 59, tzinfo=UTC))
    assert deliver(runtime).sent == 0
    clock.set(datetime(2026, 10, 29, 14, 0, tzinfo=UTC))
    assert deliver(runtime).sent == 1
    clock.set(datetime(2026, 11, 4, 14, 59, tzinfo=UTC))
    assert deliver(runtime).sent == 0
    clock.set(datetime(2026, 11, 4, 15, 0, tzinfo=UTC))
    assert deliver(runtime).sent == 1
    wait_for(lambda: len(smtp.sink.received) == 2)
    mails = smtp.sink.to(MEMBERS[0])
    assert len(mails) == 2
    for mail in mails:
        text = mail.get_body(("plain",)).get_content()
        # The deadline in local time, in French: HNE, and spaces that never break "10 h 00".
        assert "5\u00a0novembre 2026, 10\u00a0h\u00a000 (HNE)" in text
        assert "http://testserver/tasks/1" in text
        assert "http://testserver/preferences" in text and "/unsubscribe/" in text
        html = mail.get_body(("html",)).get_content()
        assert "Préparer le budget" in html
        ics = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
        assert len(ics) == 1
        [event] = Calendar.from_ical(ics[0].get_payload(decode=True)).walk("VEVENT")
        assert event.decoded("dtstart") == due.astimezone(UTC)
        assert str(event["summary"]) == "Préparer le budget"
        assert str(event["uid"]) == "task_due-task-1@localhost"
    assert mails[0]["Message-ID"] != mails[1]["Message-ID"]


def test_english_readers_get_english_with_the_local_time(database, configure, clock, people):
    runtime = configure()  # no SMTP host: local mailbox
    english = "coordination.mem@relais.demo"
    due = datetime(2026, 11, 5, 10, 0, tzinfo=TZ)
    clock.set(datetime(2026, 11, 4, 15, 0, tzinfo=UTC))
    with unit_of_work(runtime) as ctx:
        upsert_deadline(ctx, task(people, due, [english]))
    deliver(runtime)
    [row] = rows(database, status=Status.local)
    assert row.subject.startswith("Reminder: Prepare the budget")
    assert "November 5, 2026, 10:00 AM (EST)" in row.body_text


def test_planning_twice_plans_nothing_new_and_a_moved_deadline_replans(database, configure, clock, people):
    runtime = configure()
    due = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
    d = task(people, due, [MEMBERS[0], MEMBERS[1]])
    for _ in range(3):
        with unit_of_work(runtime) as ctx:
            upsert_deadline(ctx, d)
    assert len(rows(database)) == 4  # 2 offsets x 2 people, once

    moved = task(people, due + timedelta(days=3), [MEMBERS[0], MEMBERS[1]])
    with unit_of_work(runtime) as ctx:
        upsert_deadline(ctx, moved)
    old = rows(database, due_at=due)
    new = rows(database, due_at=moved.due_at)
    assert {r.status for r in old} == {Status.cancelled}
    assert len(new) == 4 and {r.status for r in new} == {Status.planned}

    with unit_of_work(runtime) as ctx:  # moved back: the original rows come back
        upsert_deadline(ctx, d)
    assert {r.status for r in rows(database, due_at=due)} == {Status.planned}
    assert {r.status for r in rows(database, due_at=moved.due_at)} == {Status.cancelled}
    with unit_of_work(runtime) as ctx:
        assert ctx.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() == 8
        cancel_deadline(ctx, "task_due", "task", 1)
    assert {r.status for r in rows(database)} == {Status.cancelled}


def test_a_vote_closing_reminder_goes_only_to_voters_who_have_not_voted_and_never_to_staff(
        database, configure, clock, people, smtp):
    runtime = configure(smtp_host="127.0.0.1", smtp_port=smtp.port)
    closes = datetime(2026, 10, 23, 18, 0, tzinfo=UTC)  # 14:00 in Toronto
    hr = people["_bodies"]["hr"]
    listed = [CHAIR, MEMBERS[0], STAFF]  # STAFF wrongly listed by the area: dropped here

    def vote(recipients):
        return Deadline(kind="decision_closing", object_type="decision", object_id=7, due_at=closes,
                        title_fr="Embauche d'une intervenante", title_en="Hiring a worker",
                        path="/decisions/7", confidential_category="human_resources", body_id=hr,
                        recipient_ids=frozenset(people[e].id for e in recipients))

    with unit_of_work(runtime) as ctx:
        upsert_deadline(ctx, vote(listed))
    planned = rows(database)
    assert {r.recipient_id for r in planned} == {people[CHAIR].id, people[MEMBERS[0]].id}
    assert {r.offset_seconds for r in planned} == {48 * 3600, 4 * 3600}

    with unit_of_work(runtime) as ctx:  # the chair voted: leaves the list
        upsert_deadline(ctx, vote([MEMBERS[0], STAFF]))
    assert {r.recipient_id for r in rows(database, status=Status.planned)} == {people[MEMBERS[0]].id}

    clock.set(closes - timedelta(hours=1))  # the worker was down: both reminders are due
    deliver(runtime)
    wait_for(lambda: len(smtp.sink.received) >= 1)
    recipients = [rcpt for rcpt, _ in smtp.sink.received]
    assert recipients == [MEMBERS[0]]  # once: the 4h one; the 48h one is superseded
    statuses = {(r.recipient_id, r.offset_seconds): (r.status, r.last_error) for r in rows(database)}
    assert statuses[(people[MEMBERS[0]].id, 4 * 3600)][0] == Status.sent
    assert statuses[(people[MEMBERS[0]].id, 48 * 3600)] == (Status.cancelled, "superseded")


def test_a_staff_observer_never_gets_an_in_camera_item_even_if_seats_change_after_planning(
        database, configure, clock, people):
    runtime = configure()
    from api.collective.models import Seat, SeatRole

    funding = people["_bodies"]["funding"]
    d = Deadline(kind="report_due", object_type="report", object_id=3,
                 due_at=datetime(2026, 11, 20, 17, 0, tzinfo=UTC), title_fr="Rapport financier",
                 title_en="Financial report", path="/reports/3", confidential_category="funding",
                 body_id=funding, recipient_ids=frozenset({people[MEMBERS[0]].id}), all_day=True)
    with unit_of_work(runtime) as ctx:
        upsert_deadline(ctx, d)
        # The member leaves every seat and becomes a staff observer before the reminders go.
        for seat in ctx.session.execute(select(Seat).where(Seat.person_id == people[MEMBERS[0]].id)).scalars():
            seat.ends_on = clock.at.date() - timedelta(days=1)
        ctx.session.add(Seat(person_id=people[MEMBERS[0]].id, body_id=people["_bodies"]["executive_committee"],
                         role=SeatRole.staff_observer, voting=False, starts_on=clock.at.date()))
    clock.set(datetime(2026, 12, 1, tzinfo=UTC))
    deliver(runtime)
    assert {r.status for r in rows(database)} == {Status.cancelled}
    assert {r.last_error for r in rows(database) if r.status == Status.cancelled} >= {"not_visible"}


def test_reminders_wait_for_the_sending_hours_and_are_never_skipped(database, configure, clock, people):
    runtime = configure()
    # Due at 06:00 local: the 1-day reminder (06:00 the day before) waits until 08:00.
    due = datetime(2026, 11, 12, 6, 0, tzinfo=TZ)
    with unit_of_work(runtime) as ctx:
        upsert_deadline(ctx, task(people, due, [MEMBERS[0]]))
    times = [local(r.send_at, "America/Toronto").replace(tzinfo=None) for r in rows(database)]
    assert times == [datetime(2026, 11, 5, 8, 0), datetime(2026, 11, 11, 8, 0)]
    # A 4h reminder of a vote closing at 23:00 local would be 19:00: inside the window.
    # One closing at 02:00 gives 22:00 the day before: moved back to 19:59, not after closing.
    closes = datetime(2026, 11, 13, 2, 0, tzinfo=TZ)
    d = Deadline(kind="decision_closing", object_type="decision", object_id=9, due_at=closes,
                 title_fr="Budget", title_en="Budget", path="/decisions/9",
                 recipient_ids=frozenset({people[MEMBERS[0]].id}))
    with unit_of_work(runtime) as ctx:
        upsert_deadline(ctx, d)
    times = [local(r.send_at, "America/Toronto").replace(tzinfo=None)
             for r in rows(database, object_type="decision")]
    assert times == [datetime(2026, 11, 11, 8, 0), datetime(2026, 11, 12, 19, 59)]
    assert all(r.send_at < closes for r in rows(database, object_type="decision"))


def test_past_reminders_are_skipped_except_the_most_recent_one_and_overdue_ones_come_after(
        database, configure, clock, people):
    runtime = configure()
    # A report due in 3 days: 30d, 14d and 7d are past; only 7d is sent now, 1d later.
    due = clock.at + timedelta(days=3)
    d = Deadline(kind="report_due", object_type="report", object_id=4, due_at=due, title_fr="Bilan",
                 title_en="Report", path="/reports/4", recipient_ids=frozenset({people[MEMBERS[0]].id}))
    with unit_of_work(runtime) as ctx:
        upsert_deadline(ctx, d)
    planned = {r.offset_seconds: r for r in rows(database)}
    assert set(planned) == {7 * 86400, 86400, -7 * 86400}
    assert planned[7 * 86400].send_at == clock.at
    assert planned[-7 * 86400].send_at > due  # 7 days after, if still overdue


def test_muted_kinds_are_not_planned(database, configure, clock, people):
    runtime = configure()
    from notifications import service

    with unit_of_work(runtime, MEMBERS[0]) as ctx:
        service.update_preference(ctx, {"report_due"}, "immediate", 7, None)
        upsert_deadline(ctx, task(people, clock.at + timedelta(days=20), [MEMBERS[0], MEMBERS[1]]))
    assert {r.recipient_id for r in rows(database)} == {people[MEMBERS[1]].id}
