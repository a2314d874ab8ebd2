"""Preferences: daily digest, pause, unsubscribe without signing in; sign-in links by email."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from notifications import service
from notifications.deadlines import Deadline, upsert_deadline
from notifications.models import LoginLink, NotificationPreference, OutboxMessage, Status
from tests.helpers import MEMBERS, csrf_of, sign_in, unit_of_work
from tests.notifications.conftest import deliver, wait_for

TZ = ZoneInfo("America/Toronto")


def plan(runtime, people, email, object_id, due_at, kind="task_due"):
    with unit_of_work(runtime) as ctx:
        upsert_deadline(ctx, Deadline(
            kind=kind, object_type="task", object_id=object_id, due_at=due_at,
            title_fr=f"Tâche {object_id}", title_en=f"Task {object_id}", path=f"/tasks/{object_id}",
            recipient_ids=frozenset({people[email].id})))


def outbox(database, **where):
    with database.session() as session:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, key) == value)
        return list(session.execute(stmt).scalars())


def test_a_digest_reader_gets_the_days_reminders_in_one_email_at_their_hour(
        database, configure, clock, people, smtp):
    runtime = configure(smtp_host="127.0.0.1", smtp_port=smtp.port)
    reader = MEMBERS[0]
    with unit_of_work(runtime, reader) as ctx:
        service.update_preference(ctx, {"task_due", "report_due"}, "digest", 7, None)
    # Three tasks due on 2026-11-10 at different hours: their 1-day reminders fall on the 9th.
    for i, hour in enumerate((9, 13, 17), start=1):
        plan(runtime, people, reader, i, datetime(2026, 11, 10, hour, 0, tzinfo=TZ))
    day_rows = [r for r in outbox(database) if r.offset_seconds == 86400]
    assert {r.digest for r in day_rows} == {True}
    # Gathered at 07:00 local on the 9th (the day's reminders), i.e. 12:00 UTC (EST).
    assert {r.send_at for r in day_rows} == {datetime(2026, 11, 9, 12, 0, tzinfo=UTC)}

    clock.set(datetime(2026, 11, 3, 12, 0, tzinfo=UTC))  # the 7-day reminders' digest
    assert deliver(runtime, digest=True).sent == 1
    clock.set(datetime(2026, 11, 9, 11, 59, tzinfo=UTC))
    assert deliver(runtime, digest=True).sent == 0
    clock.set(datetime(2026, 11, 9, 12, 0, tzinfo=UTC))
    assert deliver(runtime).sent == 0  # the immediate sweep leaves digest rows alone
    assert deliver(runtime, digest=True).sent == 1
    wait_for(lambda: len(smtp.sink.received) == 2)
    mail = smtp.sink.to(reader)[-1]
    text = mail.get_body(("plain",)).get_content()
    assert all(f"Tâche {i}" in text for i in (1, 2, 3))
    assert "Vos rappels du jour (3)" in str(mail["Subject"])
    assert {r.status for r in outbox(database) if r.offset_seconds == 86400} == {Status.sent}
    assert len({r.message_id for r in outbox(database) if r.offset_seconds == 86400}) == 1


def test_a_paused_person_gets_nothing_until_the_pause_ends(database, configure, clock, people, smtp):
    runtime = configure(smtp_host="127.0.0.1", smtp_port=smtp.port)
    plan(runtime, people, MEMBERS[0], 1, clock.at + timedelta(days=1))
    plan(runtime, people, MEMBERS[0], 2, clock.at + timedelta(days=20))
    with unit_of_work(runtime, MEMBERS[0]) as ctx:
        service.update_preference(ctx, {"task_due"}, "immediate", 7, date(2026, 11, 1))
    deliver(runtime)
    clock.set(datetime(2026, 11, 2, 15, 0, tzinfo=UTC))  # after the pause: task 2's 7-day one
    deliver(runtime)
    wait_for(lambda: len(smtp.sink.received) >= 1)
    reasons = {(r.object_id, r.offset_seconds): (r.status, r.last_error) for r in outbox(database)}
    assert reasons[(1, 86400)] == (Status.cancelled, "paused")
    assert reasons[(2, 7 * 86400)][0] == Status.sent
    assert len(smtp.sink.received) == 1


def test_the_unsubscribe_link_works_without_signing_in(client, app, database, configure, clock):
    runtime = configure(base_url="http://testserver")
    from api.collective.models import Person

    with unit_of_work(runtime) as ctx:
        person = ctx.session.execute(select(Person).where(Person.email == MEMBERS[0])).scalar_one()
        token = service.get_preference(ctx, person.id).unsubscribe_token
        upsert_deadline(ctx, Deadline(kind="task_due", object_type="task", object_id=5,
                                          due_at=clock.at + timedelta(hours=30), title_fr="T", title_en="T",
                                          path="/tasks/5", recipient_ids=frozenset({person.id})))
    page = client.get(f"/unsubscribe/{token}?kind=task_due")
    assert page.status_code == 200 and "tâche" in page.text
    csrf = csrf_of(page.text)
    done = client.post(f"/unsubscribe/{token}", data={"csrf_token": csrf, "kind": "task_due"})
    assert done.status_code == 200 and "C'est fait" in done.text.replace("&#39;", "'")
    with database.session() as session:
        assert "task_due" in session.get(NotificationPreference, person.id).muted
    assert client.post(f"/unsubscribe/{token}", data={"kind": "task_due"}).status_code == 403  # CSRF
    assert client.get("/unsubscribe/not-a-token").status_code == 404
    clock.advance(hours=12)
    deliver(runtime)
    assert {(r.status, r.last_error) for r in outbox(database)} == {(Status.cancelled, "unsubscribed")}


def test_preferences_page_saves_kinds_mode_hour_and_pause(client, app, database, configure):
    sign_in(client, MEMBERS[1])
    page = client.get("/preferences")
    assert page.status_code == 200 and 'for="f-paused_until"' in page.text
    csrf = csrf_of(page.text)
    bad = client.post("/preferences", data={"csrf_token": csrf, "kinds": ["meeting"], "mode": "digest",
                                            "digest_hour": "6", "paused_until": "31/12/2026"})
    assert bad.status_code == 422 and "AAAA-MM-JJ" in bad.text and 'value="31/12/2026"' in bad.text
    ok = client.post("/preferences", data={"csrf_token": csrf, "kinds": ["meeting"], "mode": "digest",
                                           "digest_hour": "6", "paused_until": "2026-12-31"},
                     follow_redirects=False)
    assert ok.status_code == 303
    with database.session() as session:
        from api.collective.models import Person

        pid = session.execute(select(Person.id).where(Person.email == MEMBERS[1])).scalar_one()
        pref = session.get(NotificationPreference, pid)
        assert pref.mode == "digest" and pref.digest_hour == 6 and pref.paused_until == date(2026, 12, 31)
        assert "meeting" not in pref.muted and "task_due" in pref.muted


def test_a_sign_in_link_works_once_for_15_minutes_and_never_reveals_an_address(
        client, app, database, configure, clock):
    runtime = configure(base_url="http://testserver")
    page = client.get("/signin/link")
    csrf = csrf_of(page.text)
    known = client.post("/signin/link", data={"csrf_token": csrf, "email": MEMBERS[2]})
    unknown = client.post("/signin/link", data={"csrf_token": csrf, "email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731 - CSRF tokens differ
    assert strip(known.text) == strip(unknown.text)
    deliver(runtime)  # no SMTP host: the local mailbox
    [row] = outbox(database, kind="signin_link")
    assert row.status == Status.local and row.recipient_id
    url = re.search(r"http://testserver(/signin/link/\S+)", row.body_text).group(1)

    confirm = client.get(url)  # a GET (a mail scanner) does not use the link up
    assert confirm.status_code == 200
    used = client.post(url, data={"csrf_token": csrf}, follow_redirects=False)
    assert used.status_code == 303
    page = client.get("/preferences")
    assert page.status_code == 200  # signed in
    csrf = csrf_of(page.text)
    again = client.post(url, data={"csrf_token": csrf})
    assert again.status_code == 422 and "plus valide" in again.text

    client.post("/signin/link", data={"csrf_token": csrf, "email": MEMBERS[2]})
    with database.session() as session:
        assert session.execute(select(LoginLink)).scalars().all()[-1].used_at is None
    # An expired link (16 minutes later) is refused; the token itself is never stored.
    clock.advance(minutes=16)
    with database.session() as session:
        link = session.execute(select(LoginLink).order_by(LoginLink.id.desc())).scalars().first()
        assert len(link.token_hash) == 64
    deliver(runtime)
    second = outbox(database, kind="signin_link")[-1]
    url2 = re.search(r"http://testserver(/signin/link/\S+)", second.body_text).group(1)
    assert client.post(url2, data={"csrf_token": csrf}).status_code == 422
