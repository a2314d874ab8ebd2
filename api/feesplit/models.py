"""Fee splits: the proposal (amount, source, weights) and, once adopted, the shares for good.

A split belongs to one decision of kind "fee_split". Its weights are what the partners
vote on; its shares are written once, in the transaction that adopts the decision, and
never updated (there is no code path that changes them).
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.collective.models import Organisation
from api.db import Base, UTCDateTime
from api.timeutil import now


class FeeSplit(Base):
    __tablename__ = "fee_split"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), unique=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    # Where the fees come from: a grant (grants area; no foreign key across areas) and a period.
    grant_id: Mapped[int | None] = mapped_column(Integer, index=True)
    period: Mapped[str] = mapped_column(String(50))
    year: Mapped[int] = mapped_column(Integer, index=True)
    weight_unit: Mapped[str] = mapped_column(String(16))
    # Copied from the decision so lists, totals and exports filter without a join.
    confidential_category: Mapped[str | None] = mapped_column(String(64))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    weights: Mapped[list["FeeSplitWeight"]] = relationship(
        back_populates="split", order_by="FeeSplitWeight.id", cascade="all, delete-orphan")
    shares: Mapped[list["FeeShare"]] = relationship(
        back_populates="split", order_by="FeeShare.id")


class FeeSplitWeight(Base):
    __tablename__ = "fee_split_weight"
    __table_args__ = (UniqueConstraint("split_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    split_id: Mapped[int] = mapped_column(ForeignKey("fee_split.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    weight: Mapped[Decimal] = mapped_column(Numeric(12, 4))

    split: Mapped[FeeSplit] = relationship(back_populates="weights")
    organisation: Mapped[Organisation] = relationship()


class FeeShare(Base):
    """One partner's share of an adopted split, to the cent; written once, never updated."""

    __tablename__ = "fee_share"
    __table_args__ = (UniqueConstraint("split_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    split_id: Mapped[int] = mapped_column(ForeignKey("fee_split.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    # The exact share in cents as a fraction ("100000/3"), and share - exact, also exact.
    exact_cents: Mapped[str] = mapped_column(String(80))
    rounding_delta: Mapped[str] = mapped_column(String(80))
    # 1 when this partner got one of the leftover cents: the running sum breaks later ties.
    rounding_cents: Mapped[int] = mapped_column(Integer, default=0)

    split: Mapped[FeeSplit] = relationship(back_populates="shares")
    organisation: Mapped[Organisation] = relationship()
