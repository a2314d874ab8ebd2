"""Shapes shared by every area's schemas: ids, texts, moments, days, pages of results.

Bad input is refused here, at the edge, with a 422 naming the field: ids outside the
databases' integer range, control characters (NUL included) in texts, dates outside the
years a collective can mean (1900 to 2200). Nothing invalid reaches a service or a database.
"""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Path
from pydantic import AfterValidator, BaseModel, Field, PlainSerializer

# Primary keys are INTEGER columns: 32 bits on PostgreSQL.
MAX_ID = 2**31 - 1
FIRST_YEAR, LAST_YEAR = 1900, 2200

# An id in a path: anything else than 1..2^31-1 is answered 404 (see api.errors).
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
# An id in a body or a query string: 422 naming the field.
IdField = Annotated[int, Field(ge=1, le=MAX_ID)]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f]")


def _text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


def _line(value: str) -> str:
    if _CONTROL_LINE.search(value.replace("\t", " ")):
        raise ValueError("control characters are not allowed")
    return value


# Several lines (tab, newline and carriage return allowed).
Text = Annotated[str, AfterValidator(_text)]
# One line (a title, a name): no control character but tab.
Line = Annotated[str, AfterValidator(_line)]


def _moment(value: datetime) -> datetime:
    # Compared in UTC when the moment carries a zone; a wall-clock time is compared as is.
    year = value.astimezone(UTC).year if value.tzinfo is not None else value.year
    if not FIRST_YEAR <= year <= LAST_YEAR or not FIRST_YEAR < value.year < LAST_YEAR + 1:
        raise ValueError(f"the date must fall between {FIRST_YEAR} and {LAST_YEAR}")
    return value


def _day(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"the date must fall between {FIRST_YEAR} and {LAST_YEAR}")
    return value


Moment = Annotated[datetime, AfterValidator(_moment)]
Day = Annotated[date, AfterValidator(_day)]

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
