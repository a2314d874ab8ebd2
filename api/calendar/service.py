"""Every deadline of the collective for a viewer: the calendar page and the ICS feeds.

The deadlines come from the areas' providers (`notifications.deadlines.deadlines_between`)
and are filtered with `Viewer.can_see`: a confidential item never reaches a person who may
not see it, on the page or in a feed.
"""

import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import Viewer, load_viewer
from api.calendar import ics
from api.collective.models import Person
from api.i18n import t
from api.timeutil import local, now
from notifications.deadlines import Deadline, deadlines_between

FEED_PAST_DAYS = 60
FEED_FUTURE_DAYS = 400


def month_bounds(year: int, month: int, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return start, end


def visible_deadlines(session: Session, viewer: Viewer, start: datetime, end: datetime) -> list[Deadline]:
    """`Viewer.can_see` for each deadline (its set of bodies computed once for the list)."""
    allowed = viewer.confidential_body_ids
    return [d for d in deadlines_between(session, start, end)
            if d.confidential_category is None or (d.body_id is not None and d.body_id in allowed)]


def month_days(session: Session, viewer: Viewer, year: int, month: int, tz: str) -> list[tuple[date, list[Deadline]]]:
    start, end = month_bounds(year, month, tz)
    days: dict[date, list[Deadline]] = {}
    for deadline in visible_deadlines(session, viewer, start, end):
        days.setdefault(local(deadline.due_at, tz).date(), []).append(deadline)
    return sorted(days.items())


def ensure_feed_token(session: Session, person: Person) -> str:
    if not person.feed_token:
        person.feed_token = secrets.token_urlsafe(32)
        session.commit()
    return person.feed_token


def rotate_feed_token(session: Session, person: Person) -> str:
    person.feed_token = secrets.token_urlsafe(32)
    session.commit()
    return person.feed_token


def person_for_token(session: Session, token: str) -> Person | None:
    if not token or len(token) > 64:
        return None
    person = session.execute(select(Person).where(Person.feed_token == token)).scalar_one_or_none()
    if person is None or not person.is_active or not secrets.compare_digest(person.feed_token, token):
        return None
    return person


def feed(session: Session, person: Person, tz: str, base_url: str, at: datetime | None = None) -> str:
    at = at or now()
    viewer = load_viewer(session, person, local(at, tz).date())
    items = visible_deadlines(session, viewer, at - timedelta(days=FEED_PAST_DAYS),
                              at + timedelta(days=FEED_FUTURE_DAYS))
    lang = person.language
    zone = ZoneInfo(tz)
    rows = ((d, d.title(lang), d.due_at.astimezone(zone).date()) for d in items)
    return ics.calendar(rows, t("calendar.feed_name", lang, name=person.name), at, base_url, tz)
