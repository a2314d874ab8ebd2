"""Delivery to a real SMTP server on loopback: outages, crashes, two workers, the due sweep."""

import asyncio
import dataclasses
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from api.db import Database
from notifications import delivery
from notifications.deadlines import Deadline, upsert_deadline
from notifications.models import OutboxMessage, Status
from tests.helpers import ADMIN, MEMBERS, unit_of_work
from tests.notifications.conftest import deliver, wait_for


def plan_tasks(runtime, people, clock, count, emails=(MEMBERS[0],), due_in=timedelta(days=1)):
    with unit_of_work(runtime) as ctx:
        for i in range(count):
            upsert_deadline(ctx, Deadline(
                kind="task_due", object_type="task", object_id=i + 1, due_at=clock.at + due_in,
                title_fr=f"Tâche {i + 1}", title_en=f"Task {i + 1}", path=f"/tasks/{i + 1}",
                recipient_ids=frozenset(people[e].id for e in emails)))


def statuses(database) -> dict[str, int]:
    with database.session() as session:
        return dict(session.execute(select(OutboxMessage.status, func.count())
                                    .group_by(OutboxMessage.status)).all())


def test_smtp_down_for_an_hour_then_up_every_reminder_arrives_exactly_once(
        database, configure, clock, people, smtp):
    runtime = configure(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_timeout_seconds=2)
    plan_tasks(runtime, people, clock, 5)  # 1-day reminders, due now (catch-up)
    smtp.stop()
    tries = 0
    for _ in range(12):  # an hour of ticks every 5 minutes while the server is down
        report = deliver(runtime)
        tries += report.failed
        clock.advance(minutes=5)
    assert tries >= 5 and statuses(database) == {Status.planned: 5}
    with database.session() as session:
        errors = session.execute(select(OutboxMessage.last_error)).scalars().all()
        attempts = session.execute(select(OutboxMessage.attempts)).scalars().all()
    assert all(e and "SmtpDown" in e or "Connect" in e for e in errors)
    assert max(attempts) < 8  # backoff 60 s doubling: still far from max_attempts

    smtp.start()
    for _ in range(10):
        deliver(runtime)
        clock.advance(minutes=10)
    wait_for(lambda: len(smtp.sink.received) == 5)
    assert len(smtp.sink.received) == 5 and not smtp.sink.duplicates()
    assert statuses(database) == {Status.sent: 5}


def test_after_max_attempts_a_reminder_is_failed_and_the_admin_can_retry_it(
        database, configure, clock, people, smtp):
    runtime = configure(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_timeout_seconds=2)
    plan_tasks(runtime, people, clock, 1)
    smtp.stop()
    for _ in range(8):
        deliver(runtime)
        clock.advance(days=1)
    assert statuses(database) == {Status.failed: 1}
    from notifications import service

    with unit_of_work(runtime, ADMIN) as ctx:
        row = ctx.session.execute(select(OutboxMessage)).scalar_one()
        service.retry(ctx, row.id)
    smtp.start()
    deliver(runtime)
    wait_for(lambda: len(smtp.sink.received) == 1)
    assert statuses(database) == {Status.sent: 1}


def test_killed_between_send_and_commit_gives_at_most_one_duplicate_with_the_same_message_id(
        database, configure, clock, people, smtp):
    """Documented outcome: the SMTP server accepted the message, the process died before
    recording it; the row stays `sending` until its lease expires, then is sent again with
    the same Message-ID. One duplicate at most, and nothing lost."""
    runtime = configure(smtp_host="127.0.0.1", smtp_port=smtp.port)
    plan_tasks(runtime, people, clock, 3)

    async def crash_after_sending():
        claimed = delivery.claim_in_own_transaction(runtime, limit=10)
        head = delivery.letterhead_of(runtime)
        for job in claimed.jobs:
            delivery.prepare(job, head, with_smtp=True)
        pool = delivery.SmtpPool(runtime.settings)
        await delivery.send_jobs(claimed.jobs, pool, head)
        await pool.close()
        # ... killed here: `finish` never runs.

    asyncio.run(crash_after_sending())
    wait_for(lambda: len(smtp.sink.received) == 3)
    assert statuses(database) == {Status.sending: 3}
    assert deliver(runtime).sent == 0  # restarted at once: the lease still holds
    clock.advance(seconds=delivery.LEASE_SECONDS)
    assert deliver(runtime).sent == 3  # lease expired: sent again
    assert deliver(runtime).sent == 0
    wait_for(lambda: len(smtp.sink.received) == 6)
    ids = smtp.sink.message_ids()
    assert len(ids) == 6 and len(set(ids)) == 3
    assert all(count == 2 for count in smtp.sink.duplicates().values())
    with database.session() as session:
        rows = session.execute(select(OutboxMessage)).scalars().all()
    assert {r.status for r in rows} == {Status.sent}
    assert {r.message_id for r in rows} == set(ids)


def test_without_an_smtp_host_emails_go_to_the_local_mailbox(database, configure, clock, people):
    runtime = configure()
    plan_tasks(runtime, people, clock, 2)
    assert deliver(runtime).sent == 2
    with database.session() as session:
        rows = session.execute(select(OutboxMessage)).scalars().all()
    assert {r.status for r in rows} == {Status.local}
    assert all(r.body_text and r.body_html and r.message_id for r in rows)


def _bulk_due_rows(database, count, people, at):
    person_ids = [p.id for k, p in people.items() if not k.startswith("_")]
    rows = [dict(kind="task_due", object_type="task", object_id=i, offset_seconds=86400,
                 recipient_id=person_ids[i % len(person_ids)], due_at=at + timedelta(days=1),
                 send_at=at, next_attempt_at=at, digest=False, status="planned", attempts=0,
                 language="fr", title_fr=f"Tâche {i}", title_en=f"Task {i}", path=f"/tasks/{i}",
                 all_day=False, created_at=at) for i in range(count)]
    with database.session() as session:
        session.execute(OutboxMessage.__table__.insert(), rows)


def test_two_workers_on_postgresql_deliver_10000_reminders_exactly_once(
        database, configure, clock, people, smtp):
    if not database.is_postgres:
        pytest.skip("several workers share the outbox on PostgreSQL only")
    runtime = configure(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_connections=2)
    _bulk_due_rows(database, 10_000, people, clock.at)
    reports = []

    def worker():  # a process of its own: its own database engine
        db = Database(database.url)
        own = dataclasses.replace(runtime, database=db)
        reports.append(asyncio.run(delivery.deliver_due(own, batch_size=250)))
        db.dispose()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=240)
    elapsed = time.monotonic() - started
    wait_for(lambda: len(smtp.sink.received) >= 10_000, timeout=30)
    ids = smtp.sink.message_ids()
    print(f"\n2 workers, 10000 reminders: {elapsed:.1f} s, {10_000 / elapsed:.0f} msg/s; "
          f"per worker {[r.sent for r in reports]}")
    assert len(ids) == 10_000 and len(set(ids)) == 10_000
    assert all(r.sent > 0 for r in reports)  # both worked: SKIP LOCKED split the rows
    assert statuses(database) == {Status.sent: 10_000}


def test_the_due_sweep_over_a_million_future_reminders_is_an_index_search(database, configure, clock, people):
    """A query-plan test plus a figure (printed), not a timing assertion."""
    runtime = configure()
    future = clock.at + timedelta(days=30)
    n = 1_000_000
    pid = people[MEMBERS[0]].id
    started = time.monotonic()
    if database.is_postgres:
        raw = database.engine.raw_connection()
        try:
            cur = raw.cursor()
            cols = ("kind, object_type, object_id, offset_seconds, recipient_id, due_at, send_at, "
                    "next_attempt_at, digest, status, attempts, language, title_fr, title_en, path, "
                    "all_day, created_at")
            stamp = future.replace(tzinfo=None)
            with cur.copy(f"COPY outbox_message ({cols}) FROM STDIN") as copy:
                for i in range(n):
                    copy.write_row(("task_due", "task", i, 86400, pid, stamp, stamp, stamp, False,
                                    "planned", 0, "fr", "t", "t", "/", False, stamp))
            raw.commit()
            cur.execute("ANALYZE outbox_message")
            raw.commit()
        finally:
            raw.close()
    else:
        with database.engine.begin() as conn:
            conn.execute(text(
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) "
                "INSERT INTO outbox_message (kind, object_type, object_id, offset_seconds, recipient_id,"
                " due_at, send_at, next_attempt_at, digest, status, attempts, language, title_fr,"
                " title_en, path, all_day, created_at) SELECT 'task_due', 'task', i, 86400, :pid, :at,"
                " :at, :at, 0, 'planned', 0, 'fr', 't', 't', '/', 0, :at FROM s"),
                {"n": n, "pid": pid, "at": future.replace(tzinfo=None)})
            conn.exec_driver_sql("ANALYZE")
    loaded = time.monotonic() - started

    query = delivery.due_query(clock.at, False, delivery.BATCH_SIZE, database.is_postgres)
    compiled = query.compile(database.engine, compile_kwargs={"literal_binds": True})
    with database.engine.connect() as conn:
        if database.is_postgres:
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
            assert "ix_outbox_due" in plan and "Seq Scan" not in plan, plan
        else:
            plan = "\n".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
            assert "USING INDEX ix_outbox_due" in plan or "USING COVERING INDEX ix_outbox_due" in plan, plan
            assert "SCAN outbox_message" not in plan.replace("USING", ""), plan
    timings = []
    for _ in range(5):
        t0 = time.perf_counter()
        claimed = delivery.claim_in_own_transaction(runtime)
        timings.append((time.perf_counter() - t0) * 1000)
        assert not claimed.jobs
    print(f"\n{database.engine.dialect.name}: {n} future rows loaded in {loaded:.1f} s; due sweep "
          f"with nothing due: best {min(timings):.2f} ms, worst {max(timings):.2f} ms\n{plan}")
