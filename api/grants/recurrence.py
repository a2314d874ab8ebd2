"""Due dates of reporting requirements: fixed, offset from a grant date, or recurring.

Pure functions on dates. Month arithmetic clamps to the end of the month and is always
computed from the anchor (never step by step), so January 31 + 1 month is February 28
(29 in a leap year) and + 2 months is March 31 again. Due dates are calendar dates in the
collective's time zone; `due_at` turns one into an instant (local midnight, so the UTC
time moves by one hour across a daylight-saving change, as it must).
"""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

MONTHS_PER_STEP = {"monthly": 1, "quarterly": 3, "yearly": 12}
MAX_INSTANCES = 400  # a safety net: 33 years of monthly reports


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def recurring_dates(start: date, end: date, frequency: str, offset_days: int = 0) -> list[date]:
    """One due date at the end of each month / quarter / year of [start, end], plus offset_days.

    The k-th period ends at start + k steps (clamped to month ends); a last, shorter period
    ends at `end`.
    """
    step = MONTHS_PER_STEP[frequency]
    dates: list[date] = []
    k = 1
    while len(dates) < MAX_INSTANCES:
        boundary = add_months(start, k * step)
        if boundary >= end:
            dates.append(end)
            break
        dates.append(boundary)
        k += 1
    return [d + timedelta(days=offset_days) for d in dates]


def requirement_dates(due_rule: str, *, due_date: date | None = None, anchor: date | None = None,
                      offset_days: int = 0, frequency: str | None = None,
                      period_start: date | None = None, period_end: date | None = None) -> list[date]:
    if due_rule == "fixed":
        return [due_date] if due_date else []
    if due_rule == "offset":
        return [anchor + timedelta(days=offset_days)] if anchor else []
    if due_rule == "recurring":
        if not (period_start and period_end and frequency):
            return []
        return recurring_dates(period_start, period_end, frequency, offset_days)
    raise ValueError(f"unknown due rule {due_rule!r}")


@lru_cache(maxsize=4096)
def due_at(day: date, tz: str) -> datetime:
    """The start of that day in the collective's zone, as an aware UTC instant."""
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
