"""Time helpers: everything is stored in UTC and shown in the collective's time zone.

`now()` goes through a replaceable clock so that tests can travel in time without sleeping.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    return _clock()


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Tests only: replace the clock (None restores the real one)."""
    global _clock
    _clock = clock or (lambda: datetime.now(UTC))


def as_utc(value: datetime) -> datetime:
    """A naive datetime is taken as UTC; an aware one is converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def local(value: datetime, tz: str) -> datetime:
    return as_utc(value).astimezone(ZoneInfo(tz))


def from_local(value: datetime, tz: str) -> datetime:
    """A wall-clock time typed by a person in the collective's zone, to UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(UTC)
