"""The calendar page and the personal ICS feed: every deadline a person may see, in UTC with
the right local times, all-day report dates, and never an in-camera item for staff."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from fastapi.testclient import TestClient

from api.timeutil import set_clock
from tests.grants.helpers import HANDROITS, award, make_application
from tests.helpers import STAFF, csrf_of, sign_in, token_for

TORONTO = ZoneInfo("America/Toronto")


@pytest.fixture
def fixed_clock():
    set_clock(lambda: datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    yield
    set_clock(None)


def _feed_url(web: TestClient) -> str:
    html = web.get("/calendar").text
    start = html.index('id="feed-url"')
    value = html[html.index('value="', start) + 7:]
    return value[:value.index('"')]


def _events(text: str) -> list:
    cal = icalendar.Calendar.from_ical(text)
    return [c for c in cal.walk() if c.name == "VEVENT"]


def _seed(client) -> dict:
    lead = token_for(client, HANDROITS)
    public = make_application(client, lead, title="Fonds aînés (public)", confidential=False,
                              application_deadline="2027-01-15T17:00:00-05:00",
                              internal_draft_deadline="2027-01-05")
    summer = make_application(client, lead, title="Programme d'été (public)", confidential=False,
                              application_deadline="2027-06-15T17:00:00")  # no zone: Toronto time
    secret = make_application(client, lead, title="Entente Zeta",
                              application_deadline="2027-01-20T12:00:00-05:00",
                              period_start="2027-01-01", period_end="2027-03-31",
                              requirements=[{"kind": "final", "due_rule": "fixed", "due_date": "2027-04-30"}])
    award(client, lead, secret["id"], "5000")
    reported = make_application(client, lead, title="Projet public avec rapport", confidential=False,
                                period_start="2026-04-01", period_end="2027-03-31",
                                requirements=[{"kind": "financial", "due_rule": "fixed", "due_date": "2027-03-20"}])
    award(client, lead, reported["id"], "7000")
    make_application(client, lead, title="Demande Zeta en cours",
                     application_deadline="2027-01-25T12:00:00-05:00")
    return {"public": public, "summer": summer, "secret": secret}


def test_the_feed_parses_with_local_times_and_all_day_reports(client, app, fixed_clock):
    _seed(client)
    with TestClient(app) as web:
        sign_in(web, HANDROITS)
        url = _feed_url(web)
        assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
        r = web.get(url.replace("http://testserver", ""))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    events = {str(e["SUMMARY"]): e for e in _events(r.text)}
    deadline = events["Dépôt de la demande — Fonds aînés (public)"]
    start = deadline.decoded("DTSTART")
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)  # written in UTC
    assert start.astimezone(TORONTO).replace(tzinfo=None) == datetime(2027, 1, 15, 17, 0)
    assert start == datetime(2027, 1, 15, 22, 0, tzinfo=UTC)
    summer = events["Dépôt de la demande — Programme d'été (public)"].decoded("DTSTART")
    assert summer == datetime(2027, 6, 15, 21, 0, tzinfo=UTC)  # EDT: UTC-4
    assert summer.astimezone(TORONTO).hour == 17
    report = events["Rapport financier — Projet public avec rapport"]
    assert report.decoded("DTSTART") == date(2027, 3, 20) and report.decoded("DTEND") == date(2027, 3, 21)
    draft = events["Brouillon interne — Fonds aînés (public)"]
    assert draft.decoded("DTSTART") == date(2027, 1, 5)
    # A CE member of the funding items sees the in-camera application too.
    assert "Dépôt de la demande — Demande Zeta en cours" in events
    assert "Dépôt de la demande — Entente Zeta" not in events  # awarded: no longer a deadline
    assert "Rapport final — Entente Zeta" in events
    assert all("UID" in e and "DTSTAMP" in e for e in events.values())
    assert len({str(e["UID"]) for e in events.values()}) == len(events)


def test_a_staff_member_never_gets_an_in_camera_item(client, app, fixed_clock):
    _seed(client)
    with TestClient(app) as web:
        sign_in(web, STAFF)
        url = _feed_url(web).replace("http://testserver", "")
        feed = web.get(url).text
        page = web.get("/calendar?month=2027-01").text
    titles = [str(e["SUMMARY"]) for e in _events(feed)]
    assert "Dépôt de la demande — Fonds aînés (public)" in titles
    assert not any("Zeta" in t for t in titles) and "Zeta" not in feed
    assert "Fonds aînés (public)" in page and "Zeta" not in page


def test_the_calendar_page_shows_a_month_and_the_feed_address_can_be_rotated(client, app, fixed_clock):
    _seed(client)
    with TestClient(app) as web:
        sign_in(web, HANDROITS)
        page = web.get("/calendar?month=2027-01")
        assert page.status_code == 200
        assert "janvier 2027" in page.text and "Fonds aînés (public)" in page.text
        assert "Demande Zeta en cours" in page.text
        assert "Aucune échéance" in web.get("/calendar?month=2030-02").text
        assert web.get("/calendar?month=nonsense").status_code == 200  # falls back to this month
        old = _feed_url(web).replace("http://testserver", "")
        assert web.get(old).status_code == 200
        token = csrf_of(web.get("/calendar").text)
        r = web.post("/calendar/feed", data={"csrf_token": token}, follow_redirects=True)
        assert r.status_code == 200
        new = _feed_url(web).replace("http://testserver", "")
        assert new != old
        assert web.get(old).status_code == 404
        assert web.get(new).status_code == 200
        assert web.get("/calendar/not-a-token.ics").status_code == 404
