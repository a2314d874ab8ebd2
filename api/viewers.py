"""Who is asking, without three queries on every request: viewers cached per process.

A `Viewer` (person, current seats, the bodies' tree) changes only when a person, a seat or a
body changes. Every flush that adds, changes or deletes one of those gives a single row,
`membership_version`, a new random value in the same transaction (a session listener does it:
no service can forget). A request reads that value (one primary-key lookup) and reuses the
viewer cached for (person, today, value) — loaded fresh when anything changed, in this process
or in another one sharing the database. Random, not +1: a transaction that changed members and
rolled back can never leave behind a value that a later, committed change takes again.

The same value keys other figures derived from seats (`ViewerCache.derived`: a body's count of
current voting seats, read by every vote's early-close check).

A unit of work may also trust the cached viewer without reading the version first
(`ViewerCache.trusted`, the vote's one-hop path): it then checks the version when it reads it
anyway (the vote's insert returns it) or just before committing, and a mismatch rolls the
whole unit of work back (`StaleViewer`) for one more try with a viewer read afresh. Nothing
done with an out-of-date viewer is ever committed or answered; the usual vote saves a round
trip.

A viewer also carries the person's session version (`api.deps` compares a cookie's or a
token's with it): ending sessions changes the person, so the next request loads it afresh.

Cached viewers hold detached rows (seats and their bodies) with every attribute the pages
read already loaded: they are shared between threads and only read. Each request gets the
person merged into its own session (no SQL), so a change to the person is saved as usual.
"""

import dataclasses
import secrets
import threading
from collections import OrderedDict
from datetime import date

from sqlalchemy import Integer, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from api.access import Viewer, load_viewer
from api.collective.models import Body, Person, Seat
from api.db import Base

MEMBERSHIP_MODELS = (Person, Seat, Body)


class StaleViewer(Exception):
    """A trusted cached viewer turned out older than the membership: the unit of work was
    rolled back and is tried once more with a viewer read afresh (`api.deps.OneHopWork`)."""


class MembershipVersion(Base):
    """One row: bumped by every change to people, seats and bodies."""

    __tablename__ = "membership_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


def membership_changed(session: Session) -> None:
    """A new version: cached viewers are loaded again. The session listener below calls it
    for every flushed change; a bulk `UPDATE` of people, seats or bodies (which the listener
    does not see) calls it itself, in the same transaction."""
    session.execute(update(MembershipVersion).where(MembershipVersion.id == 1)
                    .values(version=secrets.randbelow(2**31 - 2) + 1))


def _bump_on_membership_change(session: Session, flush_context, instances) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, MEMBERSHIP_MODELS) and (obj not in session.dirty or session.is_modified(obj))
           for obj in changed):
        membership_changed(session)


def track_membership(factory: sessionmaker) -> None:
    """Bump the counter from every session of this factory (called once per database)."""
    if not event.contains(factory, "before_flush", _bump_on_membership_change):
        event.listen(factory, "before_flush", _bump_on_membership_change)


_VERSION = select(MembershipVersion.version).where(MembershipVersion.id == 1)
# The version as a column of a larger statement, so a figure and its version are read together.
VERSION_COLUMN = _VERSION.scalar_subquery()


def membership_version(session: Session) -> int:
    # Read on every request: a plain Core statement on the session's connection (the ORM's
    # execution path costs several times the query itself).
    return session.connection().execute(_VERSION).scalar_one_or_none() or 0


def _in_session(session: Session, cached: Viewer) -> Viewer:
    """A cached viewer for one unit of work: its person merged into the session (no SQL)."""
    return dataclasses.replace(cached, person=session.merge(cached.person, load=False))


class ViewerCache:
    """Viewers by person, valid for one day and one membership version; bounded, thread-safe."""

    def __init__(self, size: int = 2048):
        self.size = size
        self._items: OrderedDict[int, tuple[date, int, Viewer]] = OrderedDict()
        self._lock = threading.Lock()
        self._derived: dict[tuple, tuple[int, object]] = {}

    def derived(self, key: tuple, version: int | None) -> object | None:
        """A figure derived from people, seats and bodies, kept under `key` (which names the
        day when it depends on it), if it was computed at this membership `version`."""
        hit = self._derived.get(key)
        return hit[1] if hit is not None and version is not None and hit[0] == version else None

    def keep(self, key: tuple, version: int | None, value: object) -> None:
        """Keep a figure read in the same statement as `version` (so they agree)."""
        if version is None:
            return
        if len(self._derived) >= self.size:
            self._derived.clear()  # a few thousand small figures at most; start again
        self._derived[key] = (version, value)

    def trusted(self, session: Session, person_id: int, today: date) -> tuple[int, Viewer] | None:
        """(membership version it was loaded at, viewer) as cached today, without reading the
        current version: for a unit of work that checks that version before it commits."""
        with self._lock:
            hit = self._items.get(person_id)
            if hit is None or hit[0] != today:
                return None
            self._items.move_to_end(person_id)
            _, version, cached = hit
        return version, _in_session(session, cached)

    def viewer(self, session: Session, person_id: int, today: date) -> Viewer | None:
        """The person's viewer today, or None if they do not exist or are not active."""
        version = membership_version(session)
        with self._lock:
            hit = self._items.get(person_id)
            if hit is not None and hit[0] == today and hit[1] == version:
                self._items.move_to_end(person_id)
                cached = hit[2]
                return _in_session(session, cached)
        person = session.get(Person, person_id)
        if person is None or not person.is_active:
            return None
        if person in session.dirty:  # being changed in this unit of work: not for sharing
            return load_viewer(session, person, today)
        cached = load_viewer(session, person, today)
        for obj in (person, *cached.seats, *{seat.body for seat in cached.seats}):
            session.expunge(obj)
        with self._lock:
            self._items[person_id] = (today, version, cached)
            self._items.move_to_end(person_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return _in_session(session, cached)
