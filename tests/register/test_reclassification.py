"""An item written about while it was public, then made in camera (an agenda item moved to a
confidential kind, a grant application made confidential): from then on, nobody who may not
see it as it is now reads anything about it — not in the API, the pages, the register (its
earlier events included, which themselves never change), the admin's outbox, the calendar
feed, the CSV export, nor in the emails that were planned while it was public."""

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.areas import build_runtime
from api.collective.models import Organisation, Person
from api.register import service as register
from api.register.models import RegisterEvent
from api.timeutil import set_clock
from notifications import service as notifications
from notifications.models import OutboxMessage, Status
from tests.committees.helpers import body_id
from tests.grants.helpers import HANDROITS, award, fire, make_application
from tests.helpers import ADMIN, CHAIR, MEMBERS, PARTNER, STAFF, make_settings, sign_in, token_for, unit_of_work
from tests.notifications.conftest import SmtpServer, deliver, wait_for

KEY = register.signing_key(make_settings("sqlite://").secret_key)
# Who may not see an in-camera item of the executive committee: the coordinator (a staff
# observer), a partner (partners' committee only) and the admin (no member seat).
OUTSIDERS = {"staff": STAFF, "partner": PARTNER, "admin": ADMIN}
GRANT_TITLE = "Projet Lumière pour les locataires"
ITEM_TITLE = "Départ de la coordonnatrice et remplacement"


@pytest.fixture
def clock() -> Iterator[None]:
    set_clock(lambda: CLOCK[0])
    yield
    set_clock(None)


CLOCK = [datetime(2026, 11, 23, 15, 0, tzinfo=UTC)]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def _shown(response) -> str:
    return html.unescape(response.text)


def _all_events(client, headers) -> list[dict]:
    events, page = [], 1
    while True:
        data = client.get("/api/v1/register", params={"page": page, "per_page": 200}, headers=headers).json()
        events += data["items"]
        if page >= data["pages"]:
            return events
        page += 1


def _about(events: list[dict], object_type: str, object_id: int) -> list[dict]:
    """The events about one object, oldest first."""
    return sorted((e for e in events if e["object_type"] == object_type and e["object_id"] == object_id),
                  key=lambda e: e["seq"])


def _feed(web: TestClient) -> str:
    page = web.get("/calendar").text
    match = re.search(r'id="feed-url"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*id="feed-url"', page)
    assert match, "the calendar page shows the personal feed address"
    feed = web.get(html.unescape(match.group(1)).replace("http://testserver", ""))
    assert feed.status_code == 200
    return feed.text.replace("\r\n ", "")  # unfold ICS lines


def _register_page_names(web: TestClient, object_type: str, object_id: int) -> bool:
    return f"{object_type} {object_id}</td>" in web.get("/register").text


def test_a_grant_application_made_confidential_disappears_from_every_channel_for_whoever_may_not_see_it(
        client, app, database, clock, smtp):
    CLOCK[0] = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    mailer = build_runtime(make_settings(database.url, smtp_host="127.0.0.1", smtp_port=smtp.port,
                                         smtp_timeout_seconds=2), database)
    with database.session() as session:
        elan = session.execute(select(Organisation.id).where(Organisation.name == "Centre l'Élan")).scalar_one()
        ids = dict(session.execute(select(Person.email, Person.id)).all())
    lead = token_for(client, HANDROITS)  # a member of the executive committee
    grant = make_application(client, lead, title=GRANT_TITLE, confidential=False, partner_ids=[elan],
                             application_deadline="2026-12-01T17:00:00-05:00")
    gid = grant["id"]
    tokens = {role: token_for(client, email) for role, email in OUTSIDERS.items()}
    webs = {}
    for role, email in OUTSIDERS.items():
        webs[role] = TestClient(app)
        sign_in(webs[role], email)

    # While it is public, everyone reads it, and its 14-day reminder went out to the partner.
    deliver(mailer)
    wait_for(lambda: len(smtp.sink.to(PARTNER)) == 1)
    assert GRANT_TITLE in smtp.sink.to(PARTNER)[0]["Subject"] + smtp.sink.to(PARTNER)[0].get_body().get_content()
    for role, headers in tokens.items():
        assert client.get(f"/api/v1/grant-applications/{gid}", headers=headers).status_code == 200, role
        created = _about(_all_events(client, headers), "grant_application", gid)
        assert [e["action"] for e in created] == ["grant_application.created"], role
        assert created[0]["after"]["title"] == GRANT_TITLE
        assert GRANT_TITLE in _feed(webs[role]), role
    assert GRANT_TITLE in _shown(webs["admin"].get("/admin/outbox"))
    with database.session() as session:
        written = {e.seq: e.hash for e in session.execute(select(RegisterEvent)).scalars()}

    r = client.patch(f"/api/v1/grant-applications/{gid}", json={"confidential": True}, headers=lead)
    assert r.status_code == 200, r.text

    # The reminders planned while it was public: the partner's are cancelled, in the same
    # transaction; the owner's (who may see it) are kept with the new scope.
    with database.session() as session:
        rows = session.execute(select(OutboxMessage).where(
            OutboxMessage.object_type == "grant_application", OutboxMessage.object_id == gid)).scalars().all()
    partner_rows = [row for row in rows if row.recipient_id == ids[PARTNER]]
    owner_rows = [row for row in rows if row.recipient_id == ids[HANDROITS]]
    assert {row.status for row in partner_rows} == {Status.sent, Status.cancelled}
    assert {row.status for row in owner_rows} == {Status.sent, Status.planned}
    assert all(row.confidential_category is not None for row in rows)

    for role, headers in tokens.items():
        web = webs[role]
        # API and pages: an invisible id is a 404, and lists never name it.
        assert client.get(f"/api/v1/grant-applications/{gid}", headers=headers).status_code == 404, role
        assert GRANT_TITLE not in _shown(client.get("/api/v1/grant-applications", headers=headers)), role
        assert web.get(f"/grants/{gid}").status_code == 404, role
        assert GRANT_TITLE not in _shown(web.get("/grants")), role
        # CSV exports.
        assert GRANT_TITLE not in client.get("/api/v1/grant-applications.csv", headers=headers).text, role
        assert GRANT_TITLE not in web.get("/grants/export.csv").text, role
        # The register: its earlier events (written while it was public) are hidden too.
        assert _about(_all_events(client, headers), "grant_application", gid) == [], role
        filtered = client.get("/api/v1/register", params={"object_type": "grant_application", "object_id": gid},
                              headers=headers).json()
        assert filtered["total"] == 0, role
        assert not _register_page_names(web, "grant_application", gid), role
        # The calendar feed.
        assert GRANT_TITLE not in _feed(web), role
    # The admin's outbox: neither the planned nor the already-sent reminders show the title.
    outbox = webs["admin"]
    assert GRANT_TITLE not in _shown(outbox.get("/admin/outbox"))
    assert GRANT_TITLE not in client.get("/api/v1/outbox", params={"per_page": 200}, headers=tokens["admin"]).text
    for row in rows:
        assert GRANT_TITLE not in _shown(outbox.get(f"/admin/outbox/{row.id}")), row.id

    # A member of the executive committee still reads all of it, its history included.
    member = token_for(client, MEMBERS[0])
    assert client.get(f"/api/v1/grant-applications/{gid}", headers=member).status_code == 200
    assert [e["action"] for e in _about(_all_events(client, member), "grant_application", gid)] == [
        "grant_application.created", "grant_application.updated"]

    # Emails: the 7-day reminder reaches the owner, never the partner.
    CLOCK[0] = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    deliver(mailer)
    wait_for(lambda: len(smtp.sink.to(HANDROITS)) == 2)
    assert len(smtp.sink.to(HANDROITS)) == 2 and len(smtp.sink.to(PARTNER)) == 1
    for email in (STAFF, ADMIN):
        assert smtp.sink.to(email) == []

    # The register itself did not change: same events, same hashes, and it verifies.
    with database.session() as session:
        now_written = {e.seq: e.hash for e in session.execute(select(RegisterEvent)).scalars()}
        assert register.verify(session, KEY).ok
    assert {seq: now_written[seq] for seq in written} == written
    for web in webs.values():
        web.close()


def test_an_agenda_item_moved_in_camera_disappears_for_whoever_may_not_see_it(client, app, database):
    chair = token_for(client, CHAIR)
    ce = body_id(client, chair, "executive_committee")
    r = client.post("/api/v1/meetings", json={"body_id": ce, "title": "Réunion mensuelle du CE",
                                              "starts_at": "2026-12-08T13:30:00"}, headers=chair)
    assert r.status_code == 201, r.text
    meeting = r.json()["id"]
    r = client.post(f"/api/v1/meetings/{meeting}/agenda", json={
        "title": ITEM_TITLE, "kind": "discussion", "minutes": "Procès-verbal : échanges sur le départ."},
        headers=chair)
    assert r.status_code == 201, r.text
    item = r.json()["id"]
    tokens = {role: token_for(client, email) for role, email in OUTSIDERS.items()}
    webs = {}
    for role, email in OUTSIDERS.items():
        webs[role] = TestClient(app)
        sign_in(webs[role], email)
    # While it is public, the coordinator, a partner and the admin read its register events.
    for role, headers in tokens.items():
        created = _about(_all_events(client, headers), "agenda_item", item)
        assert [e["after"]["title"] for e in created] == [ITEM_TITLE], role
    assert ITEM_TITLE in _shown(client.get(f"/api/v1/meetings/{meeting}/agenda", headers=tokens["staff"]))
    with database.session() as session:
        written = {e.seq: e.hash for e in session.execute(select(RegisterEvent)).scalars()}

    r = client.patch(f"/api/v1/meetings/{meeting}/agenda/{item}", json={"kind": "human_resources"}, headers=chair)
    assert r.status_code == 200, r.text

    for role, headers in tokens.items():
        web = webs[role]
        # API: the agenda, the meeting and the minutes (when the meeting is visible at all).
        agenda = client.get(f"/api/v1/meetings/{meeting}/agenda", headers=headers)
        assert agenda.status_code in (200, 404), role
        assert ITEM_TITLE not in _shown(agenda), role
        for path in (f"/api/v1/meetings/{meeting}", f"/api/v1/meetings/{meeting}/minutes"):
            assert ITEM_TITLE not in _shown(client.get(path, headers=headers)), (role, path)
        r = client.patch(f"/api/v1/meetings/{meeting}/agenda/{item}", json={"minutes": "x"}, headers=headers)
        assert r.status_code in (403, 404), role
        # Pages.
        for path in (f"/meetings/{meeting}", f"/meetings/{meeting}/minutes", f"/meetings/{meeting}/minutes/print"):
            assert ITEM_TITLE not in _shown(web.get(path)), (role, path)
        # The register: the event written while the item was public is hidden now.
        assert _about(_all_events(client, headers), "agenda_item", item) == [], role
        assert client.get("/api/v1/register", params={"object_type": "agenda_item", "object_id": item},
                          headers=headers).json()["total"] == 0, role
        assert not _register_page_names(web, "agenda_item", item), role
        assert ITEM_TITLE not in _shown(web.get("/register")), role

    # Members of the committee read the item and its whole history.
    for email in (CHAIR, MEMBERS[0]):
        headers = token_for(client, email)
        assert ITEM_TITLE in _shown(client.get(f"/api/v1/meetings/{meeting}/agenda", headers=headers))
        assert [e["action"] for e in _about(_all_events(client, headers), "agenda_item", item)] == [
            "agenda_item.created", "agenda_item.updated"]

    with database.session() as session:
        now_written = {e.seq: e.hash for e in session.execute(select(RegisterEvent)).scalars()}
        assert register.verify(session, KEY).ok
    assert {seq: now_written[seq] for seq in written} == written
    for web in webs.values():
        web.close()


def test_a_submitted_report_of_an_application_made_confidential_keeps_nothing_readable(client, app, database,
                                                                                       clock, smtp):
    """The report's reminders were sent and its deadline closed before the application was made
    confidential: nothing re-plans them, so the outbox and the register judge them by the
    application as it is now."""
    CLOCK[0] = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    mailer = build_runtime(make_settings(database.url, smtp_host="127.0.0.1", smtp_port=smtp.port,
                                         smtp_timeout_seconds=2), database)
    lead = token_for(client, HANDROITS)
    grant = make_application(client, lead, title=GRANT_TITLE, confidential=False, period_start="2026-01-01",
                             period_end="2026-10-31",
                             requirements=[{"kind": "financial", "due_rule": "fixed", "due_date": "2026-12-01"}])
    award(client, lead, grant["id"], "8000")
    report = client.get(f"/api/v1/reports?application_id={grant['id']}", headers=lead).json()["items"][0]
    CLOCK[0] = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    deliver(mailer)  # its 7-day reminder, sent
    wait_for(lambda: len(smtp.sink.to(HANDROITS)) >= 1)
    for trigger in ("start", "send_to_review", "submit"):
        assert fire(client, lead, "reports", report["id"], trigger).status_code == 200, trigger
    admin = token_for(client, ADMIN)
    staff = token_for(client, STAFF)
    assert GRANT_TITLE in client.get("/api/v1/outbox", params={"per_page": 200}, headers=admin).text
    assert _about(_all_events(client, staff), "report", report["id"])

    r = client.patch(f"/api/v1/grant-applications/{grant['id']}", json={"confidential": True}, headers=lead)
    assert r.status_code == 200, r.text

    with database.session() as session:
        sent = session.execute(select(OutboxMessage).where(
            OutboxMessage.object_type == "report", OutboxMessage.object_id == report["id"],
            OutboxMessage.status == Status.sent)).scalars().all()
    assert sent and all(row.confidential_category is None for row in sent)  # as written then
    assert GRANT_TITLE not in client.get("/api/v1/outbox", params={"per_page": 200}, headers=admin).text
    with TestClient(app) as web:
        sign_in(web, ADMIN)
        assert GRANT_TITLE not in _shown(web.get("/admin/outbox"))
        assert GRANT_TITLE not in _shown(web.get(f"/admin/outbox/{sent[0].id}"))
    for headers in (admin, staff, token_for(client, PARTNER)):
        assert client.get(f"/api/v1/reports/{report['id']}", headers=headers).status_code == 404
        events = _all_events(client, headers)
        assert _about(events, "report", report["id"]) == []
        assert _about(events, "grant_application", grant["id"]) == []
    member = token_for(client, MEMBERS[0])
    actions = [e["action"] for e in _about(_all_events(client, member), "report", report["id"])]
    assert actions[:3] == ["report.start", "report.send_to_review", "report.submit"]


def test_the_check_at_sending_time_still_moves_a_reminder_to_the_digest_of_who_asked_for_one_since(
        client, database, clock, smtp):
    """The same check at sending time that reads the item's current scope also honours a
    person who switched to a daily digest after the reminder was planned."""
    CLOCK[0] = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    mailer = build_runtime(make_settings(database.url, smtp_host="127.0.0.1", smtp_port=smtp.port,
                                         smtp_timeout_seconds=2), database)
    lead = token_for(client, HANDROITS)
    make_application(client, lead, title=GRANT_TITLE, confidential=False,
                     application_deadline="2026-12-01T17:00:00-05:00")
    with unit_of_work(mailer, HANDROITS) as ctx:
        notifications.update_preference(ctx, {"grant_application_deadline"}, "digest", 7, None)
    report = deliver(mailer)
    assert report.sent == 0 and smtp.sink.received == []
    with database.session() as session:
        due = session.execute(select(OutboxMessage).where(OutboxMessage.offset_seconds == 14 * 86400)).scalar_one()
    assert due.status == Status.planned and due.digest is True
    assert due.next_attempt_at.astimezone(UTC) == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # 07:00 in Toronto
