"""Planning reminders: from a `Deadline` to outbox rows, idempotently.

`plan_deadline(ctx, deadline)` is called by the areas (through
`notifications.deadlines.upsert_deadline`) in their unit of work, under the rules in force
(`ctx.rules`, time zone `ctx.tz`); it never commits. For each offset of the kind in the rules
and each recipient who may see the item it computes `send_at = due_at - offset` (a negative offset is after the
deadline), shifted into the collective's sending hours, and into the person's digest hour
for digest readers. It then:

* inserts the missing rows (INSERT ... ON CONFLICT DO NOTHING on the uniqueness key, so two
  planners at once, a restart or a second call never plan twice);
* cancels the planned rows of the same item whose due date differs (the deadline moved), whose
  offset left the rules, or whose recipient left the list (for example has voted);
* brings back a cancelled row whose key is wanted again (the deadline moved back).

Reminders whose time has already passed when the deadline is planned are skipped, except the
most recent missed one, which is planned "now" (a vote opened 3 hours before closing still
gets its 4h reminder at once) unless another reminder of the item goes within 24 hours.
Rows planned before the process went down are simply due when it comes back, and are sent
once.

Recipients who may not see a confidential item (staff observers for in-camera items) are
dropped here, and checked again at delivery (seats may have changed in between, and so may the
item: delivery reads its current scope). An item reclassified (made confidential) is planned
again by its area in the same unit of work: recipients who may no longer see it have their
rows cancelled, the rows kept take the new scope and titles, and rows already sent take the
new scope so that no list shows their titles any more.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, bindparam, select, update
from sqlalchemy.orm import Session

from api.collective.models import Body, Person
from api.context import Context
from api.i18n import t
from api.rules.schema import GovernanceRules, SendingHours
from api.timeutil import as_utc, local, now
from notifications.deadline import Deadline
from notifications.models import Mode, NotificationPreference, OutboxMessage, Status

log = logging.getLogger("relais.notifications")

# A missed reminder is caught up at once unless another one goes within this window anyway.
CATCH_UP_WINDOW = timedelta(hours=24)


# --- time helpers -----------------------------------------------------------------------

def _hm(value: str) -> tuple[int, int]:
    hour, minute = value.split(":")
    return int(hour), int(minute)


def _at(day: date, hour: int, minute: int, tz: str) -> datetime:
    """The UTC instant of a wall-clock time (24:00 = next midnight); DST gaps roll forward."""
    if hour == 24:
        day, hour = day + timedelta(days=1), 0
    wall = datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz))
    return as_utc(wall)


def in_sending_hours(moment: datetime, hours: SendingHours | None, tz: str,
                     not_after: datetime | None = None) -> datetime:
    """Move `moment` into the sending window [start, end) of its local day: later to the
    next opening; but if that would pass `not_after` (the deadline, for a reminder before
    it), earlier to the last minute of the window before `moment`. Never skipped."""
    if hours is None:
        return moment
    start, end = _hm(hours.start), _hm(hours.end)
    if start >= end:  # an empty or reversed window: ignore it rather than lose mail
        return moment
    day = local(moment, tz).date()
    opens, closes = _at(day, *start, tz), _at(day, *end, tz)
    if opens <= moment < closes:
        return moment
    if moment < opens:
        later = opens
        earlier = _at(day - timedelta(days=1), *end, tz) - timedelta(minutes=1)
    else:
        later = _at(day + timedelta(days=1), *start, tz)
        earlier = closes - timedelta(minutes=1)
    if not_after is not None and later > not_after and earlier >= now() - timedelta(minutes=1):
        return earlier
    return later


def reminder_time(due_at: datetime, offset: int, tz: str) -> datetime:
    """due_at - offset. Whole days count on the local wall clock, so "7 days before" a 10:00
    deadline is 10:00 local even across a daylight-saving change; hours are exact."""
    if offset % 86400 == 0:
        wall = local(due_at, tz) - timedelta(days=offset // 86400)
        return as_utc(wall.replace(tzinfo=None).replace(tzinfo=ZoneInfo(tz)))
    return due_at - timedelta(seconds=offset)


def next_digest_time(moment: datetime, hour: int, tz: str) -> datetime:
    """The first digest hour (local) at or after `moment`."""
    day = local(moment, tz).date()
    candidate = _at(day, hour, 0, tz)
    if candidate < moment:
        candidate = _at(day + timedelta(days=1), hour, 0, tz)
    return candidate


# --- recipients and preferences ----------------------------------------------------------

def preferences(ctx: Context, person_ids) -> dict[int, NotificationPreference]:
    ids = list(person_ids)
    if not ids:
        return {}
    rows = ctx.session.execute(select(NotificationPreference)
                           .where(NotificationPreference.person_id.in_(ids))).scalars()
    return {p.person_id: p for p in rows}


def allowed_recipients(ctx: Context, deadline: Deadline) -> dict[int, Person]:
    """Active people of the list who may see the item. A must-never-happen: a staff observer
    receiving anything about an in-camera item."""
    if not deadline.recipient_ids:
        return {}
    people = ctx.session.execute(select(Person).where(Person.id.in_(sorted(deadline.recipient_ids)),
                                                      Person.is_active.is_(True))).scalars().all()
    if deadline.confidential_category is None:
        return {p.id: p for p in people}
    allowed = {}
    for person in people:
        if ctx.viewer_of(person).can_see(deadline.confidential_category, deadline.body_id):
            allowed[person.id] = person
    return allowed


def schedule_time(rules: GovernanceRules, due_at: datetime, offset: int,
                  pref: NotificationPreference | None) -> tuple[datetime, bool]:
    """(send_at, digest) for one reminder."""
    tz = rules.collective.timezone
    raw = reminder_time(due_at, offset, tz)
    not_after = due_at if offset > 0 else None
    if pref is not None and pref.mode == Mode.digest:
        # The digest of the reminder's own local day (at the person's hour, possibly earlier
        # than the reminder itself); the next one if that digest has already gone.
        at = _at(local(raw, tz).date(), pref.digest_hour, 0, tz)
        if at < now():
            at = next_digest_time(now(), pref.digest_hour, tz)
        if not_after is None or at <= not_after:
            return at, True
    return in_sending_hours(raw, rules.collective.sending_hours, tz, not_after), False


# --- planning ---------------------------------------------------------------------------

def _insert_ignore(session: Session, rows: list[dict]) -> None:
    if not rows:
        return
    table = OutboxMessage.__table__
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(table).on_conflict_do_nothing(), rows)


def plan_deadline(ctx: Context, deadline: Deadline) -> int:
    """(Re)plan this deadline's reminders under the rules in force; returns how many rows
    were inserted or revived, in the caller's transaction (never committed here)."""
    rules = ctx.rules
    session = ctx.session
    kind = rules.reminders.kinds.get(deadline.kind)
    if kind is None:
        log.warning("no reminder kind %r in the rules; %s %s not planned", deadline.kind,
                    deadline.object_type, deadline.object_id)
        return 0
    tz = rules.collective.timezone
    current = now()
    deadline = described(ctx, deadline)
    due_at = as_utc(deadline.due_at)
    people = allowed_recipients(ctx, deadline)
    prefs = preferences(ctx, people)
    offsets = kind.offset_seconds()

    wanted: dict[tuple[int, int], dict] = {}
    for pid, person in people.items():
        pref = prefs.get(pid)
        if pref is not None and deadline.kind in pref.muted:
            continue
        missed: tuple[datetime, int] | None = None
        upcoming: list[datetime] = []
        for offset in offsets:
            send_at, digest = schedule_time(rules, due_at, offset, pref)
            if send_at < current:
                # Keep only the most recent missed reminder, and a "before" one only while
                # the deadline is still ahead.
                raw = reminder_time(due_at, offset, tz)
                if (offset <= 0 or due_at > current) and (missed is None or raw > missed[0]):
                    missed = (raw, offset)
                continue
            upcoming.append(send_at)
            wanted[(offset, pid)] = _row(deadline, due_at, offset, person, send_at, digest)
        if missed is not None and not any(at <= current + CATCH_UP_WINDOW for at in upcoming):
            wanted[(missed[1], pid)] = _row(deadline, due_at, missed[1], person, current, False)

    existing = session.execute(
        select(OutboxMessage.id, OutboxMessage.offset_seconds, OutboxMessage.recipient_id,
               OutboxMessage.due_at, OutboxMessage.status, *SNAPSHOT_COLUMNS)
        .where(OutboxMessage.object_type == deadline.object_type,
               OutboxMessage.object_id == deadline.object_id,
               OutboxMessage.kind == deadline.kind)
    ).all()
    snapshot = _snapshot(deadline)
    to_cancel, to_revive, present = [], [], set()
    to_restamp: dict[str, list[int]] = {"all": [], "scope": []}
    for row_id, offset, pid, row_due, status, *old in existing:
        same = as_utc(row_due) == due_at and (offset, pid) in wanted
        if same:
            present.add((offset, pid))
            if status == Status.cancelled:
                to_revive.append((row_id, wanted[(offset, pid)]))
        elif status == Status.planned:
            to_cancel.append(row_id)
        # Rows not sent yet take the item as it is now (its scope, titles, link); an item made
        # confidential marks the rows already sent too, so no list shows their titles any more.
        if tuple(old) != tuple(snapshot.values()):
            if status not in SENT_STATUSES:
                to_restamp["all"].append(row_id)
            elif deadline.confidential_category is not None and tuple(old[:2]) != (
                    deadline.confidential_category, deadline.body_id):
                to_restamp["scope"].append(row_id)
    if to_restamp["all"]:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(to_restamp["all"])).values(**snapshot))
    if to_restamp["scope"]:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(to_restamp["scope"])).values(
            confidential_category=deadline.confidential_category, body_id=deadline.body_id))
    if to_cancel:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(to_cancel))
                        .values(status=Status.cancelled, last_error="replanned"))
    for row_id, row in to_revive:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(
            status=Status.planned, send_at=row["send_at"], next_attempt_at=row["send_at"],
            digest=row["digest"], last_error=None, attempts=0))
    new_rows = [row for key, row in wanted.items() if key not in present]
    _insert_ignore(session, new_rows)
    return len(new_rows) + len(to_revive)


def described(ctx: Context, deadline: Deadline) -> Deadline:
    """The deadline with its body named first in its details ("Instance : Conseil exécutif"),
    unless the area already names it (in the details or the title, as meetings do). Done here
    for every kind, from the planning and from a re-sync alike, so the snapshot stays equal."""
    if deadline.body_id is None:
        return deadline
    body = ctx.session.get(Body, deadline.body_id)
    if body is None:
        return deadline
    texts = {"fr": (deadline.details_fr, deadline.title_fr, body.name_fr),
             "en": (deadline.details_en, deadline.title_en, body.name_en)}
    if any(name and (name in details or name in title) for details, title, name in texts.values()):
        return deadline
    fr, en = (t("notif.detail.body", lang, value=texts[lang][2]) for lang in ("fr", "en"))
    return replace(deadline, details_fr="\n".join(filter(None, (fr, deadline.details_fr))),
                   details_en="\n".join(filter(None, (en, deadline.details_en))))


# What a row keeps of its deadline (scope first), compared and refreshed by `plan_deadline`.
SNAPSHOT_COLUMNS = (OutboxMessage.confidential_category, OutboxMessage.body_id, OutboxMessage.title_fr,
                    OutboxMessage.title_en, OutboxMessage.path, OutboxMessage.all_day, OutboxMessage.location,
                    OutboxMessage.details_fr, OutboxMessage.details_en)
SENT_STATUSES = (Status.sent, Status.local)


def _snapshot(deadline: Deadline) -> dict:
    return dict(confidential_category=deadline.confidential_category, body_id=deadline.body_id,
                title_fr=deadline.title_fr[:300], title_en=deadline.title_en[:300],
                path=deadline.path[:300], all_day=deadline.all_day, location=(deadline.location or None),
                details_fr=deadline.details_fr or None, details_en=deadline.details_en or None)


def _row(deadline: Deadline, due_at: datetime, offset: int, person: Person, send_at: datetime,
         digest: bool) -> dict:
    return dict(kind=deadline.kind, object_type=deadline.object_type, object_id=deadline.object_id,
                offset_seconds=offset, recipient_id=person.id, due_at=due_at, send_at=send_at,
                next_attempt_at=send_at, digest=digest, status=Status.planned, attempts=0,
                language=person.language or "fr", created_at=now(), **_snapshot(deadline))


# In `drop_recipients`' `still_expected`: the id of the item whose reminders are being looked at.
ITEM_ID = bindparam("item_id", type_=Integer)


def drop_recipients(ctx: Context, kind: str, object_type: str, object_ids: Iterable[int],
                    still_expected: Select) -> None:
    """Cancel the planned reminders of these items for every recipient no longer expected
    (they have done what was asked: voted, say); what `plan_deadline` would do if only they had
    left the lists. `still_expected`: a SELECT of the ids of the people still expected for
    the item whose id is `ITEM_ID`. One statement, run for every item in one round trip: the
    sweep runs it over every open vote at once (about a millisecond of the database's time
    per item when nobody is to be dropped)."""
    params = [{"item_id": object_id} for object_id in sorted(object_ids)]  # one locking order
    if not params:
        return
    ctx.session.connection().execute(
        update(OutboxMessage)
        .where(OutboxMessage.kind == kind, OutboxMessage.object_type == object_type,
               OutboxMessage.object_id == ITEM_ID, OutboxMessage.status == Status.planned,
               OutboxMessage.recipient_id.not_in(still_expected))
        .values(status=Status.cancelled, last_error="replanned"),
        params)


def cancel(ctx: Context, kind: str, object_type: str, object_id: int) -> int:
    """Cancel the planned (not yet sent) reminders of this item."""
    result = ctx.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.kind == kind, OutboxMessage.object_type == object_type,
               OutboxMessage.object_id == object_id, OutboxMessage.status == Status.planned)
        .values(status=Status.cancelled, last_error="cancelled")
    )
    return result.rowcount or 0

