"""Shapes shared by every area's schemas: ids, texts, moments, days, pages of results.

Bad input is refused here, at the edge, with a 422 naming the field: ids outside the
databases' integer range, control characters (NUL included) in texts, dates outside the
years a collective can mean (1900 to 2200), a number where a date or a yes/no is expected.
Nothing invalid reaches a service or a database, and every refusal has an error type the
page forms translate (`form.<type>` in the catalogs).

Texts with length limits are written `line(1, 200)` / `text(5000)` (optional:
`line(max_length=300) | None = None`): the limits are checked as string limits, so a value too
long is reported as `string_too_long` with its limit. (`Line | None = Field(max_length=...)`
would report a vague `too_long`.)
"""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, PlainSerializer, StringConstraints
from pydantic_core import PydanticCustomError

# Primary keys are INTEGER columns: 32 bits on PostgreSQL.
MAX_ID = 2**31 - 1
FIRST_YEAR, LAST_YEAR = 1900, 2200

# --- whole numbers and yes/no ---------------------------------------------------------------


def _not_a_flag(value: Any) -> Any:
    """true/false is not a number (pydantic alone would read it as 1/0)."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


def _not_a_number(value: Any) -> Any:
    """0/1 is not a yes/no in JSON (forms send their checkboxes as booleans already)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError("bool_type", "Input should be a valid boolean")
    return value


# A whole number in a body (true/false refused).
Whole = Annotated[int, BeforeValidator(_not_a_flag)]
# A yes/no in a body (0/1 refused).
Flag = Annotated[bool, BeforeValidator(_not_a_number)]

# An id in a path: anything else than 1..2^31-1 is answered 404 (see api.errors).
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
# An id in a body: 422 naming the field.
IdField = Annotated[int, BeforeValidator(_not_a_flag), Field(ge=1, le=MAX_ID)]
# An optional id in a query string (?body_id=): 422 naming the parameter.
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]

# --- texts ----------------------------------------------------------------------------------

# Control characters (C0 but tab, newline and carriage return; DEL; C1) and lone surrogates,
# which no database stores (PostgreSQL refuses NUL, neither encodes a lone surrogate).
_CONTROL_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# One line: tab only.
_CONTROL_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")


def _refuse(found: re.Match) -> None:
    raise PydanticCustomError("control_characters", "Control characters are not allowed (U+{code})",
                              {"code": f"{ord(found.group()):04X}"})


def _text(value: str) -> str:
    found = _CONTROL_TEXT.search(value)
    if found:
        _refuse(found)
    return value


def _line(value: str) -> str:
    found = _CONTROL_LINE.search(value)
    if found:
        _refuse(found)
    return value


def _optional(check):
    return lambda value: value if value is None else check(value)


# Several lines (tab, newline and carriage return allowed).
Text = Annotated[str, AfterValidator(_text)]
# One line (a title, a name): no control character but tab.
Line = Annotated[str, AfterValidator(_line)]


def line(min_length: int | None = None, max_length: int | None = None, pattern: str | None = None) -> Any:
    """One line of text with its length limits (checked first: a value too long is
    `string_too_long`, with the limit in the message) and, if given, the pattern it follows."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern),
                     AfterValidator(_line)]


def text(max_length: int | None = None, min_length: int | None = None) -> Any:
    """Several lines of text with their length limits."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length), AfterValidator(_text)]


def query_line(max_length: int = 200, description: str | None = None) -> Any:
    """An optional one-line text in a query string (?q=, ?state=): 422 naming the parameter
    for control characters or a value too long."""
    return Annotated[str | None, Query(max_length=max_length, description=description),
                     AfterValidator(_optional(_line))]


# --- dates ----------------------------------------------------------------------------------

_ISO_DAY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")


def _iso_only(kind: str):
    """A date is written as a date: a number (a Unix timestamp to pydantic) is refused."""

    def check(value: Any) -> Any:
        if isinstance(value, bool | int | float) or (isinstance(value, str) and not _ISO_DAY.match(value)):
            raise PydanticCustomError(f"{kind}_parsing", f"Input should be a valid {kind} in ISO 8601 format")
        return value

    return check


def _out_of_range() -> PydanticCustomError:
    return PydanticCustomError("date_out_of_range", "The date must fall between {first} and {last}",
                               {"first": FIRST_YEAR, "last": LAST_YEAR})


def _moment(value: datetime) -> datetime:
    # As written first (converting year 1 or 9999 to UTC would itself overflow), then in UTC
    # when the moment carries its offset. A wall-clock time is the collective's local time.
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise _out_of_range()
    if value.tzinfo is not None and not FIRST_YEAR <= value.astimezone(UTC).year <= LAST_YEAR:
        raise _out_of_range()
    return value


def _day(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise _out_of_range()
    return value


# A date and time in a body or a query: ISO 8601, years 1900 to 2200 (as written and in UTC).
Moment = Annotated[datetime, BeforeValidator(_iso_only("datetime")), AfterValidator(_moment)]
# A date: YYYY-MM-DD, years 1900 to 2200.
Day = Annotated[date, BeforeValidator(_iso_only("date")), AfterValidator(_day)]

# A moment in an answer: ISO 8601 with its offset ("2026-11-24T00:30:00+00:00"), the format
# the API has always sent (pydantic alone would write "Z").
Instant = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str, when_used="json")]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: ?page=1&per_page=50."""

    items: list[T]
    total: int
    page: int
    per_page: int
    pages: int
