"""The intervention logbook: one row per intervention, and its people, issues and referrals.

Nothing here identifies the people helped: counts by age category, issue and referral keys
(the rules' categories), a partner organisation at most, and a short note checked for
obvious identifiers when it is written.

The statistics read the child rows directly (one grouped query per table), so each child row
carries a copy of its entry's day, worker, site and mode; `service` rewrites them whenever the
entry is corrected. Entries are never confidential-category items (`confidential_category`
is always None); who sees them is the logbook's own rule (`api.logbook.access`).
"""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime
from api.timeutil import now


class Entry(Base):
    __tablename__ = "logbook_entry"
    __table_args__ = (
        # Covering index of the statistics' grouped query over a period.
        Index("ix_logbook_entry_stats", "occurred_on", "worker_id", "site", "mode", "people_total",
              "followups", "duration_minutes"),
        Index("ix_logbook_entry_worker_day", "worker_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    occurred_on: Mapped[date] = mapped_column(Date)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=0)
    site: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(64))
    people_total: Mapped[int] = mapped_column(Integer, default=0)
    # People for whom a follow-up begins with this intervention ("personnes suivies").
    followups: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    people: Mapped[list["EntryPeople"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="EntryPeople.id")
    issues: Mapped[list["EntryIssue"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="EntryIssue.id")
    referrals: Mapped[list["Referral"]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="Referral.id")

    # Never an in-camera item: the register shows its events to whoever reads the register,
    # which is why they carry no note (see service.snapshot).
    confidential_category = None
    body_id = None


class EntryPeople(Base):
    """People reached by one intervention in one age category."""

    __tablename__ = "logbook_people"
    __table_args__ = (
        Index("ix_logbook_people_stats", "occurred_on", "worker_id", "site", "mode", "age", "count", "entry_id"),
        Index("ix_logbook_people_entry", "entry_id", "age"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("logbook_entry.id", ondelete="CASCADE"))
    occurred_on: Mapped[date] = mapped_column(Date)
    worker_id: Mapped[int] = mapped_column(Integer)
    site: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(64))
    age: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)

    entry: Mapped[Entry] = relationship(back_populates="people")


class EntryIssue(Base):
    """An issue the people met in this intervention live with (several per entry)."""

    __tablename__ = "logbook_issue"
    __table_args__ = (
        Index("ix_logbook_issue_stats", "occurred_on", "worker_id", "site", "mode", "issue"),
        Index("ix_logbook_issue_entry", "entry_id", "issue"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("logbook_entry.id", ondelete="CASCADE"))
    occurred_on: Mapped[date] = mapped_column(Date)
    worker_id: Mapped[int] = mapped_column(Integer)
    site: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(64))
    issue: Mapped[str] = mapped_column(String(64))

    entry: Mapped[Entry] = relationship(back_populates="issues")


class Referral(Base):
    """One person referred to a kind of resource (for an issue, to a partner, if known)."""

    __tablename__ = "logbook_referral"
    __table_args__ = (
        Index("ix_logbook_referral_stats", "occurred_on", "worker_id", "site", "mode", "resource", "issue"),
        Index("ix_logbook_referral_entry", "entry_id", "resource"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("logbook_entry.id", ondelete="CASCADE"))
    occurred_on: Mapped[date] = mapped_column(Date)
    worker_id: Mapped[int] = mapped_column(Integer)
    site: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(64))
    issue: Mapped[str | None] = mapped_column(String(64))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))

    entry: Mapped[Entry] = relationship(back_populates="referrals")


class Coordinator(Base):
    """A team member designated as the coordinator: sees the whole team's entries."""

    __tablename__ = "logbook_coordinator"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    confidential_category = None
    body_id = None
