"""Due dates of reporting requirements: fixed, offset from a grant date, or recurring.

Pure functions on dates. Month arithmetic clamps to the end of the month and is always
computed from the anchor (never step by step), so January 31 + 1 month is February 28
(29 in a leap year) and + 2 months is March 31 again. A recurring requirement is due a number
of days after the LAST DAY of each month / quarter / half-year / year of the funded period (a
period starting June 1 has quarters ending August 31, November 30, February 28 and May 31: "28
days after each quarter" is September 28, not September 29). Due dates are calendar dates in the
collective's time zone; `due_at` turns one into an instant (local midnight, so the UTC
time moves by one hour across a daylight-saving change, as it must).

Periods aligned on the fiscal year (`Anchor.fiscal_year`, an annual report's default): the
months / quarters / half-years / years are those of the collective's fiscal year
(`collective.fiscal_year_start`, "04-01" for most Québec organisations), not counted from the
grant's start. Every fiscal period the funded period touches gets its report, due a number of
days after that fiscal period's END, the last one included (an annual report is about a whole
fiscal year: a grant of July 1 – June 30 with a fiscal year starting April 1 reports after
March 31 of each of the two fiscal years it touches).

Each recurring report covers its own period (`ReportPeriod`), cut to the funded period: its
indicators count that quarter or that fiscal year, not the whole grant.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

MONTHS_PER_STEP = {"monthly": 1, "quarterly": 3, "semiannual": 6, "yearly": 12}
MAX_INSTANCES = 400  # a safety net: 33 years of monthly reports


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def period_end(start: date, k: int, step: int) -> date:
    """The last day of the k-th period (k >= 1) of `step` months counted from `start`.

    A period starting on the 1st ends on the last day of a month (June 1 -> August 31); one
    starting on the last day of a month ends on month ends too (January 31 -> February 28,
    March 31); otherwise it ends the day before the same day k steps later (March 15 -> June 14).
    """
    if start.day == 1:
        return _month_end(add_months(start, k * step - 1))
    if start == _month_end(start):
        return _month_end(add_months(start, k * step))
    return add_months(start, k * step) - timedelta(days=1)


@dataclass(frozen=True)
class ReportPeriod:
    """What one recurring report covers: [first, last], inside the funded period; its due date
    counts from `ends`, the end of its month / quarter / year (the same day as `last`, except
    for a fiscal period the funded period stops short of: the report is still due after the
    fiscal period's end)."""

    first: date
    last: date
    ends: date


def recurring_periods(start: date, end: date, frequency: str) -> list[ReportPeriod]:
    """Each month / quarter / half-year / year of [start, end] counted from `start`; a last,
    shorter period ends at `end`."""
    step = MONTHS_PER_STEP[frequency]
    periods: list[ReportPeriod] = []
    first, k = start, 1
    while len(periods) < MAX_INSTANCES:
        last = min(period_end(start, k, step), end)
        periods.append(ReportPeriod(first, last, last))
        if last >= end:
            break
        first, k = last + timedelta(days=1), k + 1
    return periods


def recurring_dates(start: date, end: date, frequency: str, offset_days: int = 0) -> list[date]:
    """One due date offset_days after the last day of each period of `recurring_periods` (the
    dates alone; the app goes through `requirement_dates`)."""
    return [p.ends + timedelta(days=offset_days) for p in recurring_periods(start, end, frequency)]


def fiscal_year_start_on_or_before(day: date, fiscal_year_start: str) -> date:
    """The first day of the fiscal year holding `day` ("MM-DD", e.g. "04-01")."""
    month, first = (int(part) for part in fiscal_year_start.split("-"))
    start = date(day.year, month, first)
    return start if start <= day else date(day.year - 1, month, first)


def fiscal_periods(start: date, end: date, frequency: str, fiscal_year_start: str) -> list[ReportPeriod]:
    """Each fiscal month / quarter / half-year / year that [start, end] touches (the fiscal
    year starting on `fiscal_year_start`, "MM-DD"), cut to [start, end]."""
    step = MONTHS_PER_STEP[frequency]
    anchor = fiscal_year_start_on_or_before(start, fiscal_year_start)
    periods: list[ReportPeriod] = []
    first, k = anchor, 1
    while len(periods) < MAX_INSTANCES:
        ends = period_end(anchor, k, step)
        if ends >= start:
            periods.append(ReportPeriod(max(first, start), min(ends, end), ends))
        if ends >= end:
            break
        first, k = ends + timedelta(days=1), k + 1
    return periods


def fiscal_dates(start: date, end: date, frequency: str, fiscal_year_start: str,
                 offset_days: int = 0) -> list[date]:
    """One due date offset_days after the END of each fiscal period of `fiscal_periods`."""
    return [p.ends + timedelta(days=offset_days)
            for p in fiscal_periods(start, end, frequency, fiscal_year_start)]


def requirement_periods(due_rule: str, *, frequency: str | None = None,
                        period_start: date | None = None, period_end: date | None = None,
                        fiscal_year_start: str | None = None) -> list[ReportPeriod]:
    """What each report of a recurring requirement covers, in the order of its due dates
    (`requirement_dates`); none for a fixed or offset one, which covers the funded period."""
    if due_rule != "recurring" or not (period_start and period_end and frequency):
        return []
    if fiscal_year_start:
        return fiscal_periods(period_start, period_end, frequency, fiscal_year_start)
    return recurring_periods(period_start, period_end, frequency)


def requirement_dates(due_rule: str, *, due_date: date | None = None, anchor: date | None = None,
                      offset_days: int = 0, frequency: str | None = None,
                      period_start: date | None = None, period_end: date | None = None,
                      fiscal_year_start: str | None = None) -> list[date]:
    """The due dates of one requirement. A recurring one is due after the end of each of its
    `requirement_periods`: the fiscal periods given `fiscal_year_start` ("MM-DD"), otherwise
    periods counted from the grant's start."""
    if due_rule == "fixed":
        return [due_date] if due_date else []
    if due_rule == "offset":
        return [anchor + timedelta(days=offset_days)] if anchor else []
    if due_rule == "recurring":
        return [p.ends + timedelta(days=offset_days) for p in requirement_periods(
            due_rule, frequency=frequency, period_start=period_start, period_end=period_end,
            fiscal_year_start=fiscal_year_start)]
    raise ValueError(f"unknown due rule {due_rule!r}")


@lru_cache(maxsize=4096)
def due_at(day: date, tz: str) -> datetime:
    """The start of that day in the collective's zone, as an aware UTC instant."""
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
