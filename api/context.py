"""One explicit context per unit of work (a request, a scheduler sweep, a CLI command).

Everything a service needs and does not get as an argument comes from here: the database
session, who is asking, the rules in force with their version id, the collective's time
zone and "today" in that zone, the settings, and what the areas installed. Nothing is looked
up in the application object, module globals, the session's info dict or the rules file.

Transactions: services flush; whoever opened the unit of work (the request dependency, the
sweep runner, the CLI command) commits on success and rolls back on any error, then runs the
`after_commit` callbacks (work that must see the committed result, in its own transaction).
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.access import Viewer, load_viewer
from api.admission import Gate
from api.collective.models import Person
from api.config import Settings
from api.db import Database
from api.registry import Registry
from api.rules.schema import GovernanceRules
from api.rules.service import RulesBook
from api.timeutil import local, now
from api.viewers import StaleViewer, ViewerCache, membership_version

log = logging.getLogger("relais")


@dataclass
class Runtime:
    """What one process runs with: settings, database, rules book, installed areas."""

    settings: Settings
    database: Database
    book: RulesBook
    registry: Registry
    # Admission of the web app's units of work to the database (`api.admission`, `api.deps`),
    # sized from the settings by `api.areas.build_runtime`, the one place a runtime is built.
    gate: Gate
    scheduler: Any = None  # the in-process scheduler, when the web app runs one
    viewers: ViewerCache = field(default_factory=ViewerCache)

    @property
    def rules(self) -> GovernanceRules:
        """The rules in force."""
        return self.book.in_force.rules

    def context(self, session: Session, viewer: Viewer | None = None) -> "Context":
        return Context(session=session, runtime=self, viewer=viewer)

    @contextmanager
    def unit_of_work(self, viewer_id: int | None = None) -> Iterator["Context"]:
        """A session in a context: commit on success, roll back on error, then after-commit."""
        ctx = self.context(self.database.sessionmaker())
        failed = False
        try:
            if viewer_id is not None:
                ctx.sign_in(viewer_id)
            yield ctx
        except BaseException:
            failed = True
            raise
        finally:
            ctx.end(failed)


@dataclass
class Context:
    session: Session
    runtime: Runtime
    viewer: Viewer | None = None
    _after_commit: list[Callable[[], None]] = field(default_factory=list)
    # Set when the unit of work answers an error without raising (a form shown again with
    # its errors): it is then rolled back, never committed.
    refused: bool = False
    _after_end: list[Callable[[], None]] = field(default_factory=list)
    # The membership version a trusted cached viewer was loaded at, until it is checked
    # (`sign_in(..., trusted=True)`, `membership_seen`).
    _unchecked_version: int | None = None

    # --- what the unit of work runs under ------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def database(self) -> Database:
        return self.runtime.database

    @property
    def registry(self) -> Registry:
        return self.runtime.registry

    @property
    def rules(self) -> GovernanceRules:
        """The rules in force."""
        return self.runtime.book.in_force.rules

    @property
    def rules_version_id(self) -> int:
        return self.runtime.book.in_force.version_id

    def rules_of_version(self, version_id: int | None) -> GovernanceRules:
        """The rules of a stored version (those in force when None)."""
        if version_id is None:
            return self.rules
        return self.runtime.book.of_version(self.session, version_id)

    @property
    def tz(self) -> str:
        return self.rules.collective.timezone

    def now(self) -> datetime:
        return now()

    @property
    def today(self) -> date:
        return local(now(), self.tz).date()

    # --- who is asking -------------------------------------------------------------------

    @property
    def actor_id(self) -> int | None:
        return self.viewer.id if self.viewer is not None else None

    @property
    def lang(self) -> str:
        return self.viewer.lang if self.viewer is not None else "fr"

    def sign_in(self, person_id: int, trusted: bool = False) -> Viewer | None:
        """Load this person's viewer (None if they do not exist or are inactive).

        `trusted`: take the viewer cached today without reading the membership version; the
        version is checked later (`membership_seen`, or at the end), and a stale viewer rolls
        the unit of work back with `StaleViewer` (see `api.viewers`)."""
        if trusted and (hit := self.runtime.viewers.trusted(self.session, person_id, self.today)):
            self._unchecked_version, self.viewer = hit
            return self.viewer
        self.viewer = self.runtime.viewers.viewer(self.session, person_id, self.today)
        return self.viewer

    def membership_seen(self, version: int | None) -> None:
        """A statement of this unit of work read the membership version: a trusted viewer
        is now checked (StaleViewer when it is out of date)."""
        if self._unchecked_version is not None:
            expected, self._unchecked_version = self._unchecked_version, None
            if (version or 0) != expected:
                raise StaleViewer()

    def _viewer_is_stale(self) -> bool:
        """Whether a trusted viewer never checked during the work is out of date (one read)."""
        expected, self._unchecked_version = self._unchecked_version, None
        return expected is not None and membership_version(self.session) != expected

    def acting_as(self, viewer: Viewer | None) -> "Context":
        """The same unit of work (session, after-commit list) on behalf of someone else:
        demo data and system steps that act for a given person."""
        return Context(session=self.session, runtime=self.runtime, viewer=viewer,
                       _after_commit=self._after_commit, _after_end=self._after_end)

    def viewer_of(self, person: Person) -> Viewer:
        """Another person's viewer today, for checks made on their behalf (emails, roles)."""
        if self.viewer is not None and self.viewer.id == person.id:
            return self.viewer
        return load_viewer(self.session, person, self.today)

    # --- ending ---------------------------------------------------------------------------

    def refuse(self) -> None:
        """This unit of work answers an error: whatever it wrote is rolled back at the end."""
        self.refused = True

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run `fn` once this unit of work has committed (never if it rolls back)."""
        self._after_commit.append(fn)

    def after_end(self, fn: Callable[[], None]) -> None:
        """Run `fn` once this unit of work has ended, committed or rolled back: a trace that
        must be kept even though the request answers an error (a failed sign-in)."""
        self._after_end.append(fn)

    def end(self, failed: bool) -> None:
        """Commit, or roll back when the work `failed` or was refused; close the session; run
        the after-end steps, then, once committed, the after-commit ones. The one ending of
        every unit of work (a request's, a sweep's, a command's)."""
        session = self.session
        failed = failed or self.refused
        stale = False
        try:
            if failed:
                session.rollback()
                # An error seen through an out-of-date viewer is not the answer either (unless
                # the database cannot say: the error stands).
                try:
                    stale = self._viewer_is_stale()
                except SQLAlchemyError:
                    session.rollback()
            elif self._viewer_is_stale():
                stale = failed = True
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            self.run_after_end()
        if stale:
            raise StaleViewer()
        if not failed:
            self.run_after_commit()

    def run_after_end(self) -> None:
        callbacks, self._after_end = self._after_end, []
        for fn in callbacks:
            try:
                fn()
            except Exception:  # noqa: BLE001
                log.exception("after-end step %r failed", fn)

    def run_after_commit(self) -> None:
        callbacks, self._after_commit = self._after_commit, []
        for fn in callbacks:
            try:
                fn()
            except Exception:  # noqa: BLE001 - the unit of work is saved; a follow-up may retry
                log.exception("after-commit step %r failed", fn)
