"""Business rules of the intervention logbook: who logs and sees, logging, correcting.

Who (the rules' `logbook` section; `access(ctx)`):
* the team — staff observers of `team_body` (the outreach workers and the coordinator) — and
  the members of the `loggers` bodies log interventions; each sees and corrects their own
  entries during `correction_days` after logging them;
* the coordinator (a team member designated on the team page) sees the whole team's entries;
* the members of the `visible_to` bodies see the team's entries and statistics (read only);
* nobody else sees anything of the logbook (its pages and API answer 403, an entry 404).
Entries are never confidential-category items: they are not in-camera business, and staff
write them.

Every creation, correction and withdrawal is in the register, with the entry's figures but
never its note (the register is read by every member; the note stays in the logbook).
Services flush; the unit of work commits.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, select

from api.collective.models import Body, Organisation, Person, Seat, SeatRole
from api.context import Context
from api.errors import Forbidden, Invalid, NotFound
from api.logbook.models import Coordinator, Entry, EntryIssue, EntryPeople, Referral
from api.logbook.schemas import EntryFields
from api.register import service as register
from api.timeutil import from_local, local, now

OBJECT = "logbook_entry"

# Obvious identifiers in a note: a North-American phone number, an email address.
PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def note_warnings(note: str | None) -> list[str]:
    """Translation keys of what looks like an identifier in the note."""
    if not note:
        return []
    found = []
    if PHONE.search(note):
        found.append("logbook.warning.phone")
    if EMAIL.search(note):
        found.append("logbook.warning.email")
    return found


# --------------------------------------------------------------------------- access

@dataclass(frozen=True)
class Access:
    person_id: int
    on_team: bool  # a staff observer of the team body (exact figures)
    can_log: bool
    coordinator: bool
    body_member: bool  # member of a body the rules name

    @property
    def sees_team(self) -> bool:
        return self.coordinator or self.body_member

    @property
    def exact(self) -> bool:
        """Exact small cells: only inside the team. Anything that leaves it is masked."""
        return self.on_team

    @property
    def any(self) -> bool:
        return self.can_log or self.sees_team


def _body_ids(ctx: Context, keys: list[str]) -> set[int]:
    if not keys:
        return set()
    return set(ctx.session.execute(select(Body.id).where(Body.key.in_(keys))).scalars())


def team_body_id(ctx: Context) -> int | None:
    return ctx.session.execute(select(Body.id).where(Body.key == ctx.rules.logbook.team_body)).scalar()


def access(ctx: Context) -> Access:
    viewer = ctx.viewer
    if viewer is None:
        return Access(0, False, False, False, False)
    book = ctx.rules.logbook
    team = team_body_id(ctx)
    on_team = any(s.body_id == team and s.role == SeatRole.staff_observer for s in viewer.seats)
    members = viewer.member_body_ids
    loggers = bool(members & _body_ids(ctx, book.loggers))
    body_member = bool(members & _body_ids(ctx, book.visible_to))
    coordinator = on_team and ctx.session.execute(
        select(Coordinator.id).where(Coordinator.person_id == viewer.id)).first() is not None
    return Access(viewer.id, on_team, on_team or loggers, coordinator, body_member)


def require_any(ctx: Context) -> Access:
    acc = access(ctx)
    if not acc.any:
        raise Forbidden("logbook.error.not_allowed")
    return acc


def require_team_view(ctx: Context) -> Access:
    """The team page: the logbook's people, and administrators (who name the coordinator)."""
    acc = access(ctx)
    if not (acc.any or ctx.viewer.is_admin):
        raise Forbidden("logbook.error.not_allowed")
    return acc


def shown_in_menu(ctx: Context, viewer) -> bool:
    return access(ctx).any


def may_read(ctx: Context) -> bool:
    """Who reads the logbook's register events: the same people as the logbook itself."""
    return ctx.viewer is not None and access(ctx).any


def team_members(ctx: Context) -> list[Person]:
    """The team: current staff observers of the team body, and anyone who logged before."""
    team = team_body_id(ctx)
    seated = select(Seat.person_id).where(Seat.body_id == team, Seat.role == SeatRole.staff_observer,
                                          Seat.current_on(ctx.today))
    return list(ctx.session.execute(select(Person).where(Person.id.in_(seated)).order_by(Person.name)).scalars())


def workers_seen(ctx: Context, acc: Access) -> list[Person]:
    """The people whose entries and figures this person may look at one by one."""
    if acc.sees_team:
        logged = select(Entry.worker_id).distinct()
        team = [p.id for p in team_members(ctx)]
        return list(ctx.session.execute(select(Person).where(
            (Person.id.in_(logged)) | (Person.id.in_(team))).order_by(Person.name)).scalars())
    person = ctx.session.get(Person, acc.person_id)
    return [person] if person is not None and acc.can_log else []


def is_coordinator(ctx: Context, person_id: int) -> bool:
    return ctx.session.execute(select(Coordinator.id).where(Coordinator.person_id == person_id)).first() is not None


def set_coordinator(ctx: Context, person_id: int, on: bool) -> None:
    """Designate (or no longer) a team member as the coordinator. Administrators only."""
    if not ctx.viewer.is_admin:
        raise Forbidden("logbook.error.admin_only")
    if person_id not in {p.id for p in team_members(ctx)}:
        raise Invalid("logbook.error.not_on_team", field="person_id")
    row = ctx.session.execute(select(Coordinator).where(Coordinator.person_id == person_id)).scalar_one_or_none()
    if on and row is None:
        row = Coordinator(person_id=person_id, created_at=now())
        ctx.session.add(row)
        ctx.session.flush()
        register.record_for(ctx, row, "logbook.coordinator_named", object_type="logbook_coordinator",
                            after={"person_id": person_id})
    elif not on and row is not None:
        register.record_for(ctx, row, "logbook.coordinator_removed", object_type="logbook_coordinator",
                            before={"person_id": person_id})
        ctx.session.delete(row)
        ctx.session.flush()


# --------------------------------------------------------------------------- entries

def correctable_until(ctx: Context, entry: Entry, acc: Access) -> date | None:
    """The last day the viewer may correct this entry (their own, within the window)."""
    if entry.worker_id != acc.person_id or not acc.can_log:
        return None
    last = local(entry.created_at, ctx.tz).date() + timedelta(days=ctx.rules.logbook.correction_days)
    return last if ctx.today <= last else None


def visible_stmt(ctx: Context, acc: Access) -> Select:
    stmt = select(Entry)
    if not acc.sees_team:
        stmt = stmt.where(Entry.worker_id == acc.person_id)
    return stmt


def get_entry(ctx: Context, entry_id: int, acc: Access | None = None) -> Entry:
    acc = acc or access(ctx)
    entry = ctx.session.get(Entry, entry_id)
    if entry is None or not (acc.sees_team or (acc.can_log and entry.worker_id == acc.person_id)):
        raise NotFound("logbook.error.entry_not_found")
    return entry


def list_stmt(ctx: Context, acc: Access, worker_id: int | None = None, start: date | None = None,
              end: date | None = None) -> Select:
    stmt = visible_stmt(ctx, acc)
    if worker_id is not None:
        stmt = stmt.where(Entry.worker_id == worker_id)
    if start is not None:
        stmt = stmt.where(Entry.occurred_on >= start)
    if end is not None:
        stmt = stmt.where(Entry.occurred_on <= end)
    return stmt.order_by(Entry.occurred_on.desc(), Entry.id.desc())


def snapshot(entry: Entry) -> dict:
    """What the register keeps of an entry: its figures, never its note."""
    return {"worker_id": entry.worker_id, "occurred_on": entry.occurred_on.isoformat(),
            "duration_minutes": entry.duration_minutes, "site": entry.site, "mode": entry.mode,
            "people": {p.age: p.count for p in entry.people}, "followups": entry.followups,
            "issues": [i.issue for i in entry.issues],
            "referrals": [[r.resource, r.issue, r.organisation_id] for r in entry.referrals],
            "note_chars": len(entry.note or ""), "version": entry.version}


def _check_key(ctx: Context, category: str, key: str, field: str, keep: set[str]) -> None:
    items = ctx.rules.logbook.category(category).items
    item = items.get(key)
    if item is None or (item.retired and key not in keep):
        raise Invalid("logbook.error.unknown_value", field=field, value=key)


def _validate(ctx: Context, data: EntryFields, previous: Entry | None) -> date:
    """The entry's day; every key checked against the rules (retired values only when the
    corrected entry already had them)."""
    keep: dict[str, set[str]] = {"sites": set(), "modes": set(), "ages": set(), "issues": set(),
                                 "resources": set()}
    if previous is not None:
        keep["sites"].add(previous.site)
        keep["modes"].add(previous.mode)
        keep["ages"] |= {p.age for p in previous.people}
        keep["issues"] |= {i.issue for i in previous.issues} | {r.issue for r in previous.referrals if r.issue}
        keep["resources"] |= {r.resource for r in previous.referrals}
    _check_key(ctx, "sites", data.site, "site", keep["sites"])
    _check_key(ctx, "modes", data.mode, "mode", keep["modes"])
    for age, count in data.people.items():
        _check_key(ctx, "ages", age, "people", keep["ages"])
        if not 0 <= count <= 500:
            raise Invalid("logbook.error.count_range", field="people")
    total = sum(data.people.values())
    if total < 1:
        raise Invalid("logbook.error.nobody", field="people")
    if data.followups > total:
        raise Invalid("logbook.error.followups_too_many", field="followups")
    if len(set(data.issues)) != len(data.issues):
        raise Invalid("logbook.error.issue_twice", field="issues")
    for issue in data.issues:
        _check_key(ctx, "issues", issue, "issues", keep["issues"])
    for ref in data.referrals:
        _check_key(ctx, "resources", ref.resource, "referrals", keep["resources"])
        if ref.issue is not None:
            _check_key(ctx, "issues", ref.issue, "referrals", keep["issues"])
        if ref.organisation_id is not None and ctx.session.get(Organisation, ref.organisation_id) is None:
            raise Invalid("error.organisation_not_found", field="referrals")
    day = data.occurred_on or ctx.today
    if day > ctx.today:
        raise Invalid("logbook.error.future", field="occurred_on")
    warnings = note_warnings(data.note)
    if warnings and not data.note_confirmed:
        raise Invalid(warnings[0], field="note")
    return day


def _fill(entry: Entry, data: EntryFields, day: date) -> None:
    entry.occurred_on = day
    entry.duration_minutes = data.duration_minutes
    entry.site, entry.mode = data.site, data.mode
    entry.people_total = sum(data.people.values())
    entry.followups = data.followups
    entry.note = data.note or None
    common = {"occurred_on": day, "worker_id": entry.worker_id, "site": data.site, "mode": data.mode}
    entry.people = [EntryPeople(age=age, count=count, **common)
                    for age, count in data.people.items() if count > 0]
    entry.issues = [EntryIssue(issue=issue, **common) for issue in data.issues]
    entry.referrals = [Referral(resource=r.resource, issue=r.issue, organisation_id=r.organisation_id, **common)
                       for r in data.referrals]


def log_entry(ctx: Context, data: EntryFields, acc: Access | None = None) -> Entry:
    """A new entry by the person acting (who must be allowed to log)."""
    acc = acc or access(ctx)
    if not acc.can_log:
        raise Forbidden("logbook.error.may_not_log")
    day = _validate(ctx, data, None)
    at = now()
    entry = Entry(worker_id=acc.person_id, created_at=at, updated_at=at, version=1)
    _fill(entry, data, day)
    ctx.session.add(entry)
    ctx.session.flush()
    register.record_for(ctx, entry, "logbook_entry.logged", object_type=OBJECT, after=snapshot(entry))
    return entry


def _correctable(ctx: Context, entry_id: int, acc: Access) -> Entry:
    entry = get_entry(ctx, entry_id, acc)
    if entry.worker_id != acc.person_id:
        raise Forbidden("logbook.error.not_yours")
    if correctable_until(ctx, entry, acc) is None:
        raise Forbidden("logbook.error.window_closed", days=ctx.rules.logbook.correction_days)
    return entry


def correct_entry(ctx: Context, entry_id: int, data: EntryFields, acc: Access | None = None) -> Entry:
    """The author corrects their entry within the correction window; the register keeps the
    figures before and after."""
    acc = acc or access(ctx)
    entry = _correctable(ctx, entry_id, acc)
    before = snapshot(entry)
    day = _validate(ctx, data, entry)
    _fill(entry, data, day)
    entry.version += 1
    entry.updated_at = now()
    ctx.session.flush()
    register.record_for(ctx, entry, "logbook_entry.corrected", object_type=OBJECT, before=before,
                        after=snapshot(entry))
    return entry


def withdraw_entry(ctx: Context, entry_id: int, acc: Access | None = None) -> None:
    """An entry logged by mistake is withdrawn by its author (same window); the register
    keeps its figures."""
    acc = acc or access(ctx)
    entry = _correctable(ctx, entry_id, acc)
    register.record_for(ctx, entry, "logbook_entry.withdrawn", object_type=OBJECT, before=snapshot(entry))
    ctx.session.delete(entry)  # its people, issues and referrals go with it (cascade)
    ctx.session.flush()


def import_entries(ctx: Context, rows: list[tuple[int, EntryFields, date]], source: str) -> int:
    """Bring in entries kept elsewhere (a previous logbook), in one batch: (worker id, the
    entry, the day it was logged). Checked against the rules like any entry; the register
    records the import once, with its count and period. Used by the demo data."""
    entries = []
    for worker_id, data, logged_on in rows:
        day = _validate(ctx, data.model_copy(update={"note_confirmed": True}), None)
        at = local_noon(logged_on, ctx.tz)
        entry = Entry(worker_id=worker_id, created_at=at, updated_at=at, version=1)
        _fill(entry, data, day)
        entries.append(entry)
    ctx.session.add_all(entries)
    ctx.session.flush()
    if entries:
        days = [e.occurred_on for e in entries]
        register.record(ctx.session, action="logbook.imported", object_type=OBJECT, object_id=None,
                        actor_id=ctx.actor_id, after={"source": source, "entries": len(entries),
                                                      "from": min(days).isoformat(), "to": max(days).isoformat(),
                                                      "people": sum(e.people_total for e in entries)})
    return len(entries)


def local_noon(day: date, tz: str) -> datetime:
    return from_local(datetime.combine(day, time(12, 0)), tz)
