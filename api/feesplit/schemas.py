"""Input and output shapes of fee splits, shared by the JSON API and the page form.

Amounts and weights arrive as text (a form field, or a JSON string or number) and are read
by `parse_amount` / `parse_weight`, which accept the French way of writing numbers
("1 234,56") as well as the English one ("1234.56", "1,234.56") and refuse anything
ambiguous ("12,34.5") with a message that says why, instead of guessing.

The `...Out` models are what the JSON API answers, key for key (tests compare them).
"""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.money import MoneyError, to_cents
from api.schemas import IdField, Instant, Line, Whole, line
from api.schemas import text as several_lines

MAX_AMOUNT_CENTS = 100_000_000_000  # one billion dollars: far above any management fee
MAX_WEIGHT = Decimal("99999999.9999")  # Numeric(12, 4)
MAX_PARTNERS = 200

_SPACES = re.compile(r"[\s\u00a0\u202f]")
_PLAIN = re.compile(r"^\d+([.,]\d+)?$")
_EN_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


class InputError(ValueError):
    """A value a person typed that cannot be read; `key` is a translation key."""

    def __init__(self, key: str, **params: object):
        self.key, self.params = key, params
        super().__init__(key)


def _number(text: str, what: str) -> Decimal:
    raw = _SPACES.sub("", str(text)).removesuffix("$").removeprefix("$")
    raw = _SPACES.sub("", raw)
    if raw.startswith("-"):
        raise InputError(f"feesplit.error.{what}_negative")
    if raw.startswith("+"):
        raw = raw[1:]
    if not raw:
        raise InputError("feesplit.error.required")
    if _PLAIN.match(raw):
        normal = raw.replace(",", ".")
    elif _EN_GROUPED.match(raw):
        normal = raw.replace(",", "")
    else:
        raise InputError(f"feesplit.error.{what}_format")
    try:
        value = Decimal(normal)
    except InvalidOperation as exc:  # pragma: no cover - the patterns above only let digits in
        raise InputError(f"feesplit.error.{what}_format") from exc
    return value


def parse_amount(text: object) -> int:
    """'1 234,56', '1234.56', '1,234.56', '1 234,56 $' -> 123456 cents."""
    if isinstance(text, bool):
        raise InputError("feesplit.error.amount_format")
    value = _number(str(text), "amount")
    try:
        cents = to_cents(value)
    except MoneyError as exc:
        raise InputError("feesplit.error.amount_decimals") from exc
    if cents <= 0:
        raise InputError("feesplit.error.amount_zero")
    if cents > MAX_AMOUNT_CENTS:
        raise InputError("feesplit.error.amount_too_large")
    return cents


def parse_weight(text: object) -> Decimal:
    """'12,5', '12.5', '0' -> Decimal; at most four decimals, never negative. Blank is 0."""
    if isinstance(text, bool):
        raise InputError("feesplit.error.weight_format")
    if text is None or (isinstance(text, str) and not text.strip()):
        return Decimal(0)
    value = _number(str(text), "weight")
    if value > MAX_WEIGHT:
        raise InputError("feesplit.error.weight_too_large")
    if value != value.quantize(Decimal("0.0001")):
        raise InputError("feesplit.error.weight_decimals")
    return value.quantize(Decimal("0.0001"))


class FeeSplitIn(BaseModel):
    """A proposed split: the amount, where it comes from, and a weight per partner."""

    model_config = ConfigDict(extra="forbid")

    amount: line(max_length=40) = Field(description="Dollars: '12345.67' or '12 345,67'")
    period: line(1, 50) = Field(description="For example 2026-2027")
    # The grants' ids are 32-bit (fee_split.grant_id is an Integer column).
    grant_id: Whole | None = Field(default=None, ge=1, le=2_000_000_000)
    year: Whole | None = Field(default=None, ge=1990, le=2200,
                             description="Year the split counts for; default: from the period")
    weights: dict[IdField, Line] = Field(default_factory=dict, max_length=MAX_PARTNERS,
                                         description="Organisation id -> workload weight")
    text: several_lines(5000) | None = None

    @field_validator("amount", mode="before")
    @classmethod
    def _amount_text(cls, value):
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("weights", mode="before")
    @classmethod
    def _weights_text(cls, value):
        if isinstance(value, dict):
            return {k: (str(v) if isinstance(v, int | float | Decimal) and not isinstance(v, bool)
                        else v) for k, v in value.items()}
        return value

    @field_validator("weights")
    @classmethod
    def _weight_length(cls, value: dict[int, str]) -> dict[int, str]:
        for text in value.values():
            if len(text) > 40:
                raise ValueError("weight too long")
        return value

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("empty")
        return value


class ShareOut(BaseModel):
    organisation_id: int
    organisation: str
    weight: str  # "12.5": a plain decimal, never an exponent
    amount_cents: int
    amount: str  # dollars, "3631.08"
    exact_cents: str  # the exact share in cents, as a fraction "6172835/17"
    rounding_cents: int  # 1 when this partner got one of the leftover cents


class PreviewOut(BaseModel):
    amount_cents: int
    amount: str
    period: str
    grant_id: int | None
    year: int
    weight_unit: str
    shares: list[ShareOut]
    total_cents: int
    explanation: list[str]


class WeightOut(BaseModel):
    organisation_id: int
    organisation: str
    weight: str


class FeeSplitOut(BaseModel):
    """A split, in the list and on its own (moments as pydantic writes them: "...Z")."""

    id: int
    decision_id: int
    decision_state: str | None
    title: str | None
    amount_cents: int
    amount: str
    period: str
    grant_id: int | None
    year: int
    weight_unit: str
    created_by: int | None
    created_at: datetime
    recorded_at: datetime | None
    weights: list[WeightOut]
    shares: list[ShareOut]


class FeeSplitProposedOut(FeeSplitOut):
    """The split just proposed (201): the same, its moments with their offset ("+00:00"),
    as this answer has always been written."""

    created_at: Instant
    recorded_at: Instant | None


class TotalRowOut(BaseModel):
    dimension: str  # "year" | "grant"
    key: int | None  # the year, or the grant id (None: no grant)
    organisation_id: int
    organisation: str
    total_cents: int
    total: str


class TotalsOut(BaseModel):
    by: str
    items: list[TotalRowOut]
    total_cents: int


class PartnerOut(BaseModel):
    organisation_id: int
    organisation: str


class WorkloadOut(BaseModel):
    start: date
    end: date
    weight_unit: str
    weights: dict[str, str]  # organisation id -> hours ("12.50"), "0" when none logged
    partners: list[PartnerOut]
