"""Sub-committee tasks (owners, comments, hours) and meetings (attendance, agenda, minutes).

Confidential rows (tasks of the hr and funding sub-committees, meetings of those bodies,
in-camera agenda items) carry `confidential_category` + `body_id`, read with `api.access`.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.collective.models import Body, Organisation, Person, Seat
from api.db import Base, UTCDateTime
from api.timeutil import now

task_owner = Table(
    "task_owner",
    Base.metadata,
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id"), primary_key=True),
)


class Task(Base):
    __tablename__ = "task"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    # Loose link to another area's object: ("grant_application" | "report" | "decision" | "meeting", id)
    link_type: Mapped[str | None] = mapped_column(String(32))
    link_id: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(32))
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    confidential_category: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    body: Mapped[Body] = relationship()
    owners: Mapped[list[Person]] = relationship(secondary=task_owner, order_by=Person.name)
    comments: Mapped[list["TaskComment"]] = relationship(
        back_populates="task", order_by="TaskComment.id", cascade="all, delete-orphan")
    time_entries: Mapped[list["TaskTimeEntry"]] = relationship(
        back_populates="task", order_by="TaskTimeEntry.on_date", cascade="all, delete-orphan")


class TaskComment(Base):
    __tablename__ = "task_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    task: Mapped[Task] = relationship(back_populates="comments")
    author: Mapped[Person | None] = relationship()


class TaskTimeEntry(Base):
    """Hours a person spent on a task, counted for their organisation (workload weights)."""

    __tablename__ = "task_time_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    on_date: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    task: Mapped[Task] = relationship(back_populates="time_entries")
    person: Mapped[Person] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class Meeting(Base):
    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(300))
    video_url: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(32))
    # A meeting of a confidential body (hr, funding sub-committee) is itself confidential.
    confidential_category: Mapped[str | None] = mapped_column(String(64))
    # The minutes_approval decision that approves these minutes (decisions area).
    minutes_decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    body: Mapped[Body] = relationship()
    items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan")
    attendance: Mapped[list["MeetingAttendance"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan")


class MeetingAttendance(Base):
    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "seat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seat.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    status: Mapped[str] = mapped_column(String(16))  # present | apologies | absent

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    seat: Mapped[Seat] = relationship()
    person: Mapped[Person] = relationship()


class AgendaItem(Base):
    """One item of a meeting's agenda; a confidential kind makes it in camera."""

    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(64))  # information | discussion | decision | <category>
    description: Mapped[str | None] = mapped_column(Text)
    minutes: Mapped[str | None] = mapped_column(Text)
    decision_id: Mapped[int | None] = mapped_column(Integer)
    confidential_category: Mapped[str | None] = mapped_column(String(64))
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"))

    meeting: Mapped[Meeting] = relationship(back_populates="items")
