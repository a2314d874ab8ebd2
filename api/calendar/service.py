"""Every deadline of the collective for a viewer: the calendar page and the ICS feeds.

The deadlines come from the providers the areas installed
(`notifications.deadlines.deadlines_between(ctx, ...)`) and are filtered with
`Viewer.can_see`: a confidential item never reaches a person who may not see it, on the page
or in a feed. Dates are shown in the collective's time zone (`ctx.tz`). Nothing here commits.
"""

import re
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from api.access import Viewer, load_viewer
from api.calendar import ics
from api.collective.models import Person
from api.context import Context
from api.i18n import t
from api.timeutil import local, now
from notifications.deadline import Deadline
from notifications.deadlines import deadlines_between

FEED_PAST_DAYS = 60
FEED_FUTURE_DAYS = 400
# What `secrets.token_urlsafe` writes: anything else in a feed address names nobody.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def month_bounds(year: int, month: int, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return start, end


def visible_deadlines(ctx: Context, viewer: Viewer, start: datetime, end: datetime) -> list[Deadline]:
    """`Viewer.can_see` for each deadline (its set of bodies computed once for the list)."""
    allowed = viewer.confidential_body_ids
    return [d for d in deadlines_between(ctx, start, end)
            if d.confidential_category is None or (d.body_id is not None and d.body_id in allowed)]


def month_days(ctx: Context, year: int, month: int) -> list[tuple[date, list[Deadline]]]:
    """The signed-in person's deadlines of this month, by local day."""
    tz = ctx.tz
    start, end = month_bounds(year, month, tz)
    days: dict[date, list[Deadline]] = {}
    for deadline in visible_deadlines(ctx, ctx.viewer, start, end):
        days.setdefault(local(deadline.due_at, tz).date(), []).append(deadline)
    return sorted(days.items())


def ensure_feed_token(ctx: Context) -> str:
    """The signed-in person's secret feed token, made the first time."""
    person = ctx.viewer.person
    if not person.feed_token:
        person.feed_token = secrets.token_urlsafe(32)
        ctx.session.flush()
    return person.feed_token


def rotate_feed_token(ctx: Context) -> str:
    """A new feed token for the signed-in person: the old address stops working."""
    person = ctx.viewer.person
    person.feed_token = secrets.token_urlsafe(32)
    ctx.session.flush()
    return person.feed_token


def person_for_token(ctx: Context, token: str) -> Person | None:
    if not token or not _TOKEN.fullmatch(token):
        return None
    person = ctx.session.execute(select(Person).where(Person.feed_token == token)).scalar_one_or_none()
    if person is None or not person.is_active or not secrets.compare_digest(person.feed_token, token):
        return None
    return person


def feed(ctx: Context, person: Person, at: datetime | None = None) -> str:
    """The person's ICS feed: what they may see on the day of `at` (now by default)."""
    at = at or now()
    tz = ctx.tz
    viewer = load_viewer(ctx.session, person, local(at, tz).date())
    items = visible_deadlines(ctx, viewer, at - timedelta(days=FEED_PAST_DAYS),
                              at + timedelta(days=FEED_FUTURE_DAYS))
    lang = person.language
    rows = ((d, d.title(lang), local(d.due_at, tz).date()) for d in items)
    return ics.calendar(rows, t("calendar.feed_name", lang, name=person.name), at, ctx.settings.base_url, tz)
