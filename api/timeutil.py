"""Time helpers: everything is stored in UTC and shown in the collective's time zone.

`now()` goes through a replaceable clock so that tests can travel in time without sleeping.

Converting never fails: a moment at the very edge of what Python can hold (year 1, year 9999:
stored before input was checked, or typed in a form before its schema refuses it) has no
neighbour on the other side of midnight UTC, so it is kept in UTC rather than raising
`OverflowError` in the middle of a page.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
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
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 east of UTC, year 9999 west of it
        return value.replace(tzinfo=UTC)


def shifted(value: datetime, delta: timedelta) -> datetime:
    """`value + delta`, held at the first or last moment Python can hold (year 1, year 9999)
    instead of raising `OverflowError` for a moment stored at the edge of time."""
    try:
        return value + delta
    except OverflowError:
        edge = datetime.min if delta < timedelta(0) else datetime.max
        return edge.replace(tzinfo=value.tzinfo)


def local(value: datetime, tz: str) -> datetime:
    """A stored moment in the collective's zone (in UTC when the zone would leave years 1-9999)."""
    moment = as_utc(value)
    try:
        return moment.astimezone(ZoneInfo(tz))
    except OverflowError:
        return moment


def from_local(value: datetime, tz: str) -> datetime:
    """A wall-clock time typed by a person in the collective's zone, to UTC (kept as typed,
    in UTC, at the edges of years 1-9999: the schemas then refuse such a date by its year)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return as_utc(value)
