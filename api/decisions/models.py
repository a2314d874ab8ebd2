"""Decisions, their votes (one per seat), the history of vote changes, and recusals."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime
from api.timeutil import now


class Choice(StrEnum):
    yes = "yes"
    no = "no"
    abstain = "abstain"


class Decision(Base):
    """A proposal put to a body's vote, judged forever by the rules version it was opened under."""

    __tablename__ = "decision"
    __table_args__ = (Index("ix_decision_state_closes_at", "state", "closes_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))  # a key of decision_kinds in the rules
    # The workflow of the kind (rules' `workflow`), stamped at creation and again at opening.
    workflow: Mapped[str] = mapped_column(String(64), default="decision")
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(32), index=True)
    rules_version_id: Mapped[int | None] = mapped_column(ForeignKey("rules_version.id"))
    confidential_category: Mapped[str | None] = mapped_column(String(64))
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Tally figures, the rule applied and the explanation in both languages.
    outcome: Mapped[dict | None] = mapped_column(JSON)
    # Decisions taken in a meeting (committees area); no foreign key across areas.
    meeting_id: Mapped[int | None] = mapped_column(Integer, index=True)

    attachments: Mapped[list["DecisionAttachment"]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="DecisionAttachment.id")


class DecisionAttachment(Base):
    """A document linked to a decision (title and address; files are kept elsewhere)."""

    __tablename__ = "decision_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))

    decision: Mapped[Decision] = relationship(back_populates="attachments")


class Vote(Base):
    """One vote per seat and decision (the unique constraint holds under concurrency)."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("decision_id", "seat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seat.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    # The organisation the seat represents: the person votes for it.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    choice: Mapped[str] = mapped_column(String(8))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class VoteChange(Base):
    """History of a seat's vote: each change (or withdrawal at recusal), oldest first."""

    __tablename__ = "vote_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seat.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    old_choice: Mapped[str] = mapped_column(String(8))
    new_choice: Mapped[str | None] = mapped_column(String(8))  # None: withdrawn (recusal)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Recusal(Base):
    """A seat withdrawn from a decision for a conflict of interest: it neither votes nor counts."""

    __tablename__ = "recusal"
    __table_args__ = (UniqueConstraint("decision_id", "seat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seat.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
