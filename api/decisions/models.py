"""Decisions, their votes (one per seat), the history of vote changes, recusals, the
discussion, alternates ("substituts") and written proxies."""

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
    # The ratification vote of another body on the decision this one ratifies.
    ratifies_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"), index=True)
    # Why it was withdrawn once votes had been cast (also in the register).
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    # Last "remind those who have not voted" (at most one per the kind's interval).
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

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
    # In what capacity `person_id` cast it for the seat: titular, alternate or proxy.
    capacity: Mapped[str] = mapped_column(String(16), default="titular")
    # How it arrived: page, api, link (email button) or reply (email answer).
    channel: Mapped[str] = mapped_column(String(8), default="api")
    reason: Mapped[str | None] = mapped_column(Text)  # optional, shown when votes are named


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


class Comment(Base):
    """A message in a decision's discussion: seen by whoever sees the decision; its author may
    edit it for a short while (EDIT_MINUTES in the service)."""

    __tablename__ = "decision_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    # The author's organisation when they wrote it (shown with the comment).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Alternate(Base):
    """The alternate ("substitut") of a seat: a person of the seat's organisation who may vote
    in place of the titular member, where the body's rules allow alternates. One active
    (ended_at NULL) per seat, kept by the service under the seat's lock."""

    __tablename__ = "seat_alternate"

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seat.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    designated_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Proxy(Base):
    """A written proxy: the holder of a seat lets another seat holder of the same body vote for
    it, for one decision or for the decisions of one meeting. Revoked (revoked_at) while
    unused; its statement is kept as written."""

    __tablename__ = "vote_proxy"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seat.id"), index=True)  # the grantor's seat
    grantor_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(Integer, index=True)  # committees area
    statement: Mapped[str] = mapped_column(Text)
    # The scope of what it is about (a proxy for an in-camera decision is in camera too).
    confidential_category: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
