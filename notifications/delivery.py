"""Delivering due outbox rows: claim, render, send over pooled SMTP connections, record.

Delivery manages its own transactions: each batch is claimed and recorded in short units of
work of its own, opened on the `Runtime` (`runtime.unit_of_work()`); the functions that do so
say it in their name (`..._in_own_transaction`).

1. **Claim** (short transaction, `claim_in_own_transaction`): the due rows (`status` planned,
   or sending with an expired lease, and `next_attempt_at <= now`, read through the index
   `ix_outbox_due`) are marked
   `sending`, `attempts + 1`, with a lease (`next_attempt_at = now + lease`). On PostgreSQL
   the SELECT is `FOR UPDATE SKIP LOCKED`, so several workers take disjoint rows; on SQLite
   the transaction is `BEGIN IMMEDIATE`, so claims are serialised (one worker is the norm).
2. **Send** outside any transaction, `settings.smtp_connections` aiosmtplib connections in
   parallel, each reused for many messages (STARTTLS and login when configured).
3. **Record** (short transaction, `record_in_own_transaction`): sent rows become `sent`;
   failures go back to `planned` with `next_attempt_at = now + backoff_seconds *
   2**(attempts-1)`, or `failed` after `max_attempts`, with the error, shown to the admin
   who can retry them.

With no SMTP host the rendered message is stored and the row becomes `local` (the local
mailbox on /admin/outbox): the demo shows its emails without a mail server.

Exactly once, and the one exception: if the process dies after the SMTP server accepted a
message but before step 3 commits, the row stays `sending`; when its lease expires it is
claimed again and sent again. The outcome is at most one duplicate per crash, carrying the
same Message-ID (`<reminder-{row id}@domain>`), which mail clients collapse. Nothing is
lost: a row is never left unsent without being retried or marked failed.

Reminders missed while the process was down are sent when it comes back; when several
reminders of the same item for the same person are due at once, only the one nearest the
deadline is sent and the older ones are marked cancelled with `superseded`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr

import aiosmtplib
from sqlalchemy import select, update

from api.access import load_viewer
from api.collective.models import Person
from api.config import Settings
from api.context import Context, Runtime
from api.register.scopes import current_scopes, may_see
from api.timeutil import local, now
from notifications import render
from notifications.models import DUE_STATUSES, NotificationPreference, OutboxMessage, Status
from notifications.planner import next_digest_time
from notifications.render import Letterhead
from notifications.service import SIGNIN_KIND, get_preference

log = logging.getLogger("relais.notifications")

LEASE_SECONDS = 300
BATCH_SIZE = 200


class SmtpDown(Exception):
    pass


class SmtpPool:
    """`size` reusable SMTP connections; `send` borrows one, reconnects a stale one once."""

    def __init__(self, settings: Settings, size: int | None = None):
        self.settings = settings
        self.size = max(1, size or self.settings.smtp_connections)
        self._idle: asyncio.Queue | None = None
        self.down: str | None = None  # set when connecting fails: the rest of the batch waits

    def _client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_username,
                               password=s.smtp_password, start_tls=bool(s.smtp_starttls),
                               timeout=s.smtp_timeout_seconds)

    def _queue(self) -> asyncio.Queue:
        if self._idle is None:
            self._idle = asyncio.Queue()
            for _ in range(self.size):
                self._idle.put_nowait(self._client())
        return self._idle

    async def send(self, message: bytes, sender: str, recipient: str) -> None:
        if self.down:
            raise SmtpDown(self.down)
        queue = self._queue()
        client = await queue.get()
        try:
            for attempt in (1, 2):
                fresh = not client.is_connected
                if fresh:
                    try:
                        await client.connect()
                    except (OSError, aiosmtplib.SMTPException) as exc:
                        self.down = f"{type(exc).__name__}: {exc}"
                        client = self._client()
                        raise SmtpDown(self.down) from exc
                try:
                    await client.sendmail(sender, [recipient], message)
                    return
                except aiosmtplib.SMTPResponseException:
                    await _quietly(client.rset())
                    raise
                except (aiosmtplib.SMTPServerDisconnected, OSError):
                    # A connection closed by the server while idle: reconnect once.
                    await _quietly(client.quit())
                    client = self._client()
                    if fresh or attempt == 2:
                        raise
        finally:
            queue.put_nowait(client)

    async def close(self) -> None:
        if self._idle is None:
            return
        while not self._idle.empty():
            client = self._idle.get_nowait()
            if client.is_connected:
                await _quietly(client.quit())
        self._idle = None


async def _quietly(coro) -> None:
    try:
        await coro
    except Exception:  # noqa: BLE001 - closing a broken connection
        pass


@dataclass
class Job:
    """One email to send: one row (immediate) or several rows of one person (digest)."""

    rows: list[OutboxMessage]
    person: Person
    pref: NotificationPreference | None
    message: bytes | None = None
    subject: str = ""
    text: str = ""
    html: str = ""
    message_id: str = ""
    error: str | None = None


@dataclass
class Claimed:
    jobs: list[Job] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # cancelled / moved to the digest
    at: datetime | None = None


def due_query(current: datetime, digest: bool, limit: int, for_update: bool):
    """The due sweep: an index range search on ix_outbox_due (status, next_attempt_at)."""
    stmt = (select(OutboxMessage.id)
            .where(OutboxMessage.status.in_([str(s) for s in DUE_STATUSES]),
                   OutboxMessage.next_attempt_at <= current,
                   OutboxMessage.digest.is_(digest))
            .order_by(OutboxMessage.next_attempt_at).limit(limit))
    return stmt.with_for_update(skip_locked=True) if for_update else stmt


def letterhead_of(runtime: Runtime) -> Letterhead:
    """What the emails of this process carry: its settings and the rules in force."""
    return render.letterhead(runtime.settings, runtime.book.in_force.rules)


def claim_in_own_transaction(runtime: Runtime, digest: bool = False, limit: int = BATCH_SIZE,
                             lease_seconds: int = LEASE_SECONDS) -> Claimed:
    """Take up to `limit` due rows for this worker, in a unit of work of its own that commits
    the claim before anything is sent (see the module docstring)."""
    current = now()
    result = Claimed(at=current)
    with runtime.unit_of_work() as ctx:
        session = ctx.session
        ids = list(session.execute(due_query(current, digest, limit, runtime.database.is_postgres)).scalars())
        if not ids:
            return result
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                        .values(status=Status.sending, attempts=OutboxMessage.attempts + 1,
                                next_attempt_at=current + timedelta(seconds=lease_seconds)),
                        execution_options={"synchronize_session": False})
        rows = list(session.execute(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                    .order_by(OutboxMessage.id)).scalars())
        _decide(ctx, rows, digest, current, result)
    return result


def _decide(ctx: Context, rows: list[OutboxMessage], digest: bool, current: datetime,
            result: Claimed) -> None:
    """Checks made at sending time, since seats, preferences and the item's confidentiality
    may have changed."""
    session = ctx.session
    tz = ctx.tz
    person_ids = {r.recipient_id for r in rows}
    people = {p.id: p for p in session.execute(select(Person).where(Person.id.in_(person_ids))).scalars()}
    prefs = {p.person_id: p for p in session.execute(
        select(NotificationPreference).where(NotificationPreference.person_id.in_(person_ids))).scalars()}
    for pid in person_ids - set(prefs):
        if pid in people:  # every email carries an unsubscribe link: give each person a token
            prefs[pid] = get_preference(ctx, pid)
    today = local(current, tz).date()
    # The item as it is now: one made confidential since the row was planned goes only to
    # people who may still see it.
    scopes = current_scopes(ctx, {(r.object_type, r.object_id) for r in rows})
    viewers: dict[int, object] = {}
    groups: dict[int, list[OutboxMessage]] = {}
    # Several reminders of one item due together (the process was down): the one nearest the
    # deadline goes, the older ones are recorded as superseded (never two emails at once).
    nearest: dict[tuple, int] = {}
    for row in rows:
        key = (row.kind, row.object_type, row.object_id, row.recipient_id, row.due_at)
        if key not in nearest or row.offset_seconds < nearest[key]:
            nearest[key] = row.offset_seconds
    for row in rows:
        person, pref = people.get(row.recipient_id), prefs.get(row.recipient_id)
        reason = None
        key = (row.kind, row.object_type, row.object_id, row.recipient_id, row.due_at)
        if row.offset_seconds != nearest[key]:
            reason = "superseded"
        elif person is None or not person.is_active:
            reason = "inactive"
        else:
            written, scope_now = (row.confidential_category, row.body_id), scopes.get((row.object_type, row.object_id))
            if written[0] is not None or (scope_now is not None and scope_now[0] is not None):
                if person.id not in viewers:
                    viewers[person.id] = load_viewer(session, person, today)
                if not may_see(viewers[person.id], written, scope_now):
                    reason = "not_visible"
        if reason is None and pref is not None and row.kind != SIGNIN_KIND:
            if row.kind in pref.muted:
                reason = "unsubscribed"
            elif pref.paused_until is not None and pref.paused_until >= today:
                reason = "paused"
            elif not digest and pref.mode == "digest":
                at = next_digest_time(current, pref.digest_hour, tz)
                result.skipped.append({"id": row.id, "status": Status.planned, "digest": True,
                                       "next_attempt_at": at, "attempts": row.attempts - 1,
                                       "last_error": None})
                continue
        if reason is not None:
            result.skipped.append({"id": row.id, "status": Status.cancelled, "digest": row.digest,
                                   "next_attempt_at": row.next_attempt_at,
                                   "attempts": row.attempts, "last_error": reason})
            continue
        if digest:
            groups.setdefault(row.recipient_id, []).append(row)
        else:
            result.jobs.append(Job(rows=[row], person=person, pref=pref))
    for pid, group in groups.items():
        result.jobs.append(Job(rows=group, person=people[pid], pref=prefs.get(pid)))


def prepare(job: Job, head: Letterhead, with_smtp: bool) -> None:
    """Render the job's email (subject, text, HTML, ICS) and its stable Message-ID."""
    row = job.rows[0]
    lang = job.person.language or row.language
    token = job.pref.unsubscribe_token if job.pref is not None else None
    if row.kind == SIGNIN_KIND:
        job.subject, job.text, job.html = row.subject or "", row.body_text or "", row.body_html or ""
        job.message_id = render.message_id_for(head, row, "signin")
        ics, unsubscribe = None, None
    elif len(job.rows) > 1 or row.digest:
        job.subject, job.text, job.html = render.render_digest(head, job.rows, lang, token)
        job.message_id = render.message_id_for(head, min(r.id for r in job.rows), "digest")
        ics = render.ics_for(head, job.rows, lang)
        unsubscribe = f"{head.base_url}/unsubscribe/{token}" if token else None
    else:
        job.subject, job.text, job.html = render.render_reminder(head, row, lang, token)
        job.message_id = render.message_id_for(head, row)
        ics = render.ics_for(head, [row], lang)
        unsubscribe = f"{head.base_url}/unsubscribe/{token}?kind={row.kind}" if token else None
    if with_smtp:
        job.message = render.build_message(head, job.person.email, job.subject, job.text, job.html,
                                           job.message_id, ics, unsubscribe)


async def send_jobs(jobs: list[Job], pool: SmtpPool, head: Letterhead) -> None:
    """Send every job, `pool.size` at a time; errors are kept on the job, never raised."""
    sender = parseaddr(pool.settings.mail_from)[1] or "relais@localhost"
    pool.down = None
    queue: asyncio.Queue[Job] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def lane() -> None:
        while not queue.empty():
            job = queue.get_nowait()
            try:
                if job.message is None:  # rendered here: one lane renders while others wait
                    prepare(job, head, with_smtp=True)
                await pool.send(job.message, sender, job.person.email)
            except Exception as exc:  # noqa: BLE001 - recorded on the row
                job.error = f"{type(exc).__name__}: {exc}"[:1000]

    # Twice as many lanes as connections: a lane renders its next email while the others
    # wait on the network (a lane holds a connection only while sending).
    await asyncio.gather(*(lane() for _ in range(min(2 * pool.size, len(jobs)) or 1)))


def record_in_own_transaction(runtime: Runtime, claimed: Claimed, local_mailbox: bool) -> None:
    """Record the outcome of a claimed batch in one short unit of work of its own."""
    delivery = runtime.book.in_force.rules.reminders.delivery
    current = now()
    updates: list[dict] = []
    for job in claimed.jobs:
        for row in job.rows:
            values = {"id": row.id, "message_id": job.message_id, "subject": job.subject[:300],
                      "last_error": job.error}
            if job.error is None:
                values.update(status=Status.local if local_mailbox else Status.sent, sent_at=current)
                if local_mailbox:
                    values.update(body_text=job.text, body_html=job.html)
                elif row.kind == SIGNIN_KIND:  # the link is a secret: not kept once sent
                    values.update(body_text=None, body_html=None)
            elif row.attempts >= delivery.max_attempts:
                values.update(status=Status.failed)
            else:
                backoff = delivery.backoff_seconds * 2 ** max(0, row.attempts - 1)
                values.update(status=Status.planned,
                              next_attempt_at=current + timedelta(seconds=backoff))
            updates.append(values)
    with runtime.unit_of_work() as ctx:
        for group in _same_keys(updates + claimed.skipped):
            ctx.session.execute(update(OutboxMessage), group)


def _same_keys(rows: list[dict]) -> list[list[dict]]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    batches: int = 0


def release_in_own_transaction(runtime: Runtime, claimed: Claimed) -> None:
    """Give back a claimed batch that will not be sent now (the worker stops early), in a unit
    of work of its own."""
    back = [{"id": row.id, "status": Status.planned, "next_attempt_at": claimed.at,
             "attempts": row.attempts - 1} for job in claimed.jobs for row in job.rows]
    with runtime.unit_of_work() as ctx:
        for group in _same_keys(back + claimed.skipped):
            ctx.session.execute(update(OutboxMessage), group)


async def deliver_due(runtime: Runtime, *, digest: bool = False, pool: SmtpPool | None = None,
                      batch_size: int = BATCH_SIZE, max_batches: int | None = None,
                      lease_seconds: int = LEASE_SECONDS) -> Report:
    """Deliver every due row (or digest), batch after batch, until none is due. Manages its
    own transactions: each claim and each record is a unit of work of its own on `runtime`.

    Over SMTP the batches are pipelined: while batch N is being sent, batch N+1 is claimed
    and batch N-1 recorded, in threads, so the connections do not wait on the database."""
    settings = runtime.settings
    head = letterhead_of(runtime)
    local_mailbox = not settings.smtp_host
    own_pool = pool is None and not local_mailbox
    if own_pool:
        pool = SmtpPool(settings)
    report = Report()

    def claim_next():
        return asyncio.ensure_future(asyncio.to_thread(claim_in_own_transaction, runtime, digest,
                                                       batch_size, lease_seconds))

    upcoming = claim_next()
    recording: list[asyncio.Future] = []
    try:
        while True:
            claimed = await upcoming
            upcoming = None
            if not claimed.jobs and not claimed.skipped:
                break
            report.batches += 1
            last = max_batches is not None and report.batches >= max_batches
            if local_mailbox:
                for job in claimed.jobs:
                    prepare(job, head, with_smtp=False)
            elif claimed.jobs:
                if not last:
                    upcoming = claim_next()  # prefetch while this batch is on the wire
                await send_jobs(claimed.jobs, pool, head)
            recording.append(asyncio.ensure_future(
                asyncio.to_thread(record_in_own_transaction, runtime, claimed, local_mailbox)))
            errors = sum(1 for j in claimed.jobs if j.error)
            report.sent += len(claimed.jobs) - errors
            report.failed += errors
            report.skipped += len(claimed.skipped)
            if errors and pool is not None and pool.down:
                log.warning("SMTP unavailable (%s); %d message(s) will be retried", pool.down, errors)
                break
            if last:
                break
            if upcoming is None:
                await asyncio.gather(*recording)  # local mailbox / skipped only: in order
                upcoming = claim_next()
    finally:
        if upcoming is not None:
            pending = await upcoming
            if pending.jobs or pending.skipped:
                await asyncio.to_thread(release_in_own_transaction, runtime, pending)
        await asyncio.gather(*recording)
        if own_pool:
            await pool.close()
    return report
