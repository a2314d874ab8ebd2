"""Input and output shapes for funders, applications, requirements and reports (API and forms).

Amounts are dollars as text or numbers: "12 345,67", "12345.67", "12,345.67" and 12345 are
accepted; "12,34.5", "-5" or "1.234" (three decimals) are refused with a clear message.
"""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from api.grants.models import Anchor, DueRule, Frequency, FunderKind, RequirementKind

_FR = re.compile(r"^\d+(,\d{1,2})?$")  # 12345,67 (spaces already removed)
_DOT = re.compile(r"^\d+(\.\d{1,2})?$")  # 12345.67
_EN_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d{1,2})?$")  # 12,345.67
MAX_CENTS = 10**13  # 100 billion dollars


def parse_amount(value: object) -> Decimal | None:
    """Dollars typed by a person, as an exact Decimal; never a float."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise PydanticCustomError("grant_amount", "not an amount")
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip()
    if text == "":
        return None
    for space in (" ", "\u00a0", "\u202f", "$"):
        text = text.replace(space, "")
    if text.startswith("-"):
        raise PydanticCustomError("grant_amount_negative", "the amount cannot be negative")
    if _FR.match(text):
        text = text.replace(",", ".")
    elif _EN_GROUPED.match(text):
        text = text.replace(",", "")
    elif not _DOT.match(text):
        raise PydanticCustomError("grant_amount", "not an amount like 12 345,67")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the patterns above prevent it
        raise PydanticCustomError("grant_amount", "not an amount like 12 345,67") from exc
    if amount * 100 >= MAX_CENTS:
        raise PydanticCustomError("grant_amount_too_large", "the amount is too large")
    return amount


Amount = Annotated[Decimal | None, BeforeValidator(parse_amount)]
Text = Field(default=None, max_length=5000)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FunderIn(Input):
    name: str = Field(min_length=1, max_length=200)
    kind: FunderKind = FunderKind.other
    contacts: str | None = Text
    programmes: str | None = Text


class FunderPatch(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: FunderKind | None = None
    contacts: str | None = Text
    programmes: str | None = Text


class FunderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    contacts: str | None
    programmes: str | None


class RequirementIn(Input):
    kind: RequirementKind = RequirementKind.other
    title: str | None = Field(default=None, max_length=200)
    due_rule: DueRule = DueRule.fixed
    due_date: date | None = None
    anchor: Anchor | None = None
    offset_days: int = Field(default=0, ge=-366, le=3660)
    frequency: Frequency | None = None
    owner_id: int | None = Field(default=None, ge=1)
    preparation_days: int = Field(default=14, ge=0, le=365)


class ApplicationFields(Input):
    programme: str | None = Field(default=None, max_length=200)
    owner_id: int | None = Field(default=None, ge=1)
    partner_ids: list[Annotated[int, Field(ge=1)]] | None = Field(default=None, max_length=100)
    amount_requested: Amount = None
    amount_awarded: Amount = None
    total_cost: Amount = None
    application_deadline: datetime | None = None
    internal_draft_deadline: date | None = None
    period_start: date | None = None
    period_end: date | None = None
    management_fee: Amount = None
    management_fee_rate: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=2)
    notes: str | None = Field(default=None, max_length=20_000)
    # In camera by default (the rules' grants.confidential_category); false makes it visible
    # to staff observers too.
    confidential: bool | None = None
    submission_decision_id: int | None = Field(default=None, ge=1)

    @field_validator("period_end")
    @classmethod
    def _end_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("period_start")
        if value is not None and start is not None and value < start:
            raise PydanticCustomError("grant_end_before_start", "the end is before the start")
        return value


class ApplicationIn(ApplicationFields):
    funder_id: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=300)
    requirements: list[RequirementIn] = Field(default=[], max_length=50)


class ApplicationPatch(ApplicationFields):
    funder_id: int | None = Field(default=None, ge=1)
    title: str | None = Field(default=None, min_length=1, max_length=300)
