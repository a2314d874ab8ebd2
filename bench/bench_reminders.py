"""Benchmark: plan and deliver N reminders to a local aiosmtpd sink, against raw aiosmtplib.

    /tmp/venv/bin/python bench/bench_reminders.py                  # 100 000 reminders, SQLite
    /tmp/venv/bin/python bench/bench_reminders.py --count 20000
    /tmp/venv/bin/python bench/bench_reminders.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/relais_bench

Loopback only: the sink is an aiosmtpd server in a child process that only counts messages.
Prints the planning rate (outbox rows/s), the delivery rate (messages/s, claim + render +
ICS + SMTP + record), the raw aiosmtplib rate with the same number of connections sending
a pre-rendered message of the same size, their ratio (target >= 0.5), and the resident
memory after 10 000 and after N messages (flat: the outbox is read in batches).
"""

import argparse
import asyncio
import multiprocessing
import os
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PER_DEADLINE = 10  # recipients per deadline; one offset (1 day) per deadline


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sink_process(port: int, counter, ready, stop) -> None:
    from aiosmtpd.controller import Controller

    class Count:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000, help="reminders to plan and deliver")
    parser.add_argument("--connections", type=int, default=2, help="SMTP connections in parallel")
    parser.add_argument("--raw-count", type=int, default=20_000, help="messages for the raw baseline")
    parser.add_argument("--batch", type=int, default=500, help="rows claimed per batch")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()

    import logging

    logging.disable(logging.WARNING)
    from sqlalchemy import func, select, text

    from api.areas import build_runtime
    from api.collective.models import Person
    from api.config import Settings
    from api.db import Database
    from api.rules.schema import ReminderKind
    from api.timeutil import set_clock
    from migrations import upgrade
    from notifications import delivery
    from notifications.deadlines import Deadline, upsert_deadline
    from notifications.models import OutboxMessage
    from tests.conftest import seed_demo

    tmp = tempfile.mkdtemp(prefix="relais-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    upgrade(url)
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox_message"))
    seed_demo(db)

    port = free_port()
    counter, ready, stop = multiprocessing.Value("q", 0), multiprocessing.Event(), multiprocessing.Event()
    sink = multiprocessing.Process(target=sink_process, args=(port, counter, ready, stop), daemon=True)
    sink.start()
    ready.wait(10)
    settings = Settings(database_url=url, smtp_host="127.0.0.1", smtp_port=port,
                        smtp_connections=args.connections, base_url="https://relais.example.org",
                        rules_path=ROOT / "governance_rules.yaml")
    # The runtime a worker builds (areas, rules in force, database), with one more kind of reminder.
    runtime = build_runtime(settings, db)
    runtime.book.in_force.rules.reminders.kinds["bench"] = ReminderKind(offsets=["1d"], audience="owners")

    t0 = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    clock = {"at": t0}
    set_clock(lambda: clock["at"])
    with db.session() as session:
        people = list(session.execute(select(Person.id).order_by(Person.id)).scalars())[:PER_DEADLINE]
    deadlines = -(-args.count // PER_DEADLINE)
    print(f"database: {db.engine.dialect.name}; {args.count} reminders = {deadlines} deadlines x "
          f"{PER_DEADLINE} recipients; {args.connections} SMTP connections; sink pid {sink.pid}")

    # --- planning -------------------------------------------------------------------------
    started = time.perf_counter()
    chunk = 200
    for first in range(0, deadlines, chunk):
        with runtime.unit_of_work() as ctx:
            for i in range(first, min(first + chunk, deadlines)):
                upsert_deadline(ctx, Deadline(
                    kind="bench", object_type="task", object_id=i + 1,
                    due_at=t0 + timedelta(days=3, minutes=i % 600),
                    title_fr=f"Tâche n° {i + 1} : préparer le bilan", title_en=f"Task {i + 1}: prepare the report",
                    path=f"/tasks/{i + 1}", recipient_ids=frozenset(people)))
    plan_s = time.perf_counter() - started
    with db.session() as session:
        planned = session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    print(f"planning: {planned} rows in {plan_s:.1f} s = {planned / plan_s:,.0f} rows/s")

    # --- delivery -------------------------------------------------------------------------
    clock["at"] = t0 + timedelta(days=5)  # everything is due
    pool = delivery.SmtpPool(settings)
    rss = {}

    async def deliver_all():
        sent = 0
        while True:
            report = await delivery.deliver_due(runtime, pool=pool, batch_size=args.batch, max_batches=4)
            sent += report.sent
            if sent >= 10_000 and "10k" not in rss:
                rss["10k"] = rss_mb()
            if report.batches == 0:
                break
        await pool.close()
        return sent

    rss["start"] = rss_mb()
    started = time.perf_counter()
    sent = asyncio.run(deliver_all())
    deliver_s = time.perf_counter() - started
    rss["end"] = rss_mb()
    deadline = time.monotonic() + 30
    while counter.value < sent and time.monotonic() < deadline:
        time.sleep(0.05)
    received = counter.value
    deliver_rate = sent / deliver_s
    print(f"delivery: {sent} messages in {deliver_s:.1f} s = {deliver_rate:,.0f} msg/s "
          f"(sink received {received})")

    # --- raw aiosmtplib baseline, same connections, same message size --------------------
    with db.session() as session:
        row = session.execute(select(OutboxMessage).limit(1)).scalar_one()
        job = delivery.Job(rows=[row], person=session.get(Person, row.recipient_id), pref=None)
        delivery.prepare(job, delivery.letterhead_of(runtime), with_smtp=True)
    message = job.message
    raw_n = min(args.raw_count, args.count)

    async def raw():
        import aiosmtplib

        clients = [aiosmtplib.SMTP(hostname="127.0.0.1", port=port) for _ in range(args.connections)]
        for client in clients:
            await client.connect()
        remaining = [raw_n]

        async def lane(client):
            while remaining[0] > 0:
                remaining[0] -= 1
                await client.sendmail("relais@localhost", [job.person.email], message)

        began = time.perf_counter()
        await asyncio.gather(*(lane(c) for c in clients))
        elapsed = time.perf_counter() - began
        for client in clients:
            await client.quit()
        return elapsed

    raw_s = asyncio.run(raw())
    raw_rate = raw_n / raw_s
    print(f"raw aiosmtplib: {raw_n} messages of {len(message)} bytes in {raw_s:.1f} s = {raw_rate:,.0f} msg/s")
    print(f"ratio delivery / raw: {deliver_rate / raw_rate:.2f} (target >= 0.50)")
    print(f"memory (RSS): start {rss['start']:.0f} MB, after 10k sent {rss.get('10k', float('nan')):.0f} MB, "
          f"after {sent} sent {rss['end']:.0f} MB")
    with db.session() as session:
        by_status = dict(session.execute(select(OutboxMessage.status, func.count())
                                         .group_by(OutboxMessage.status)).all())
    print(f"outbox: {by_status}")
    set_clock(None)
    stop.set()
    sink.join(5)
    db.dispose()


if __name__ == "__main__":
    main()
