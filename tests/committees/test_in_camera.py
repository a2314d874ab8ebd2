"""In-camera agenda items (human resources, funding) never reach a staff observer: not on the
agenda, not in the minutes, not in the printable version, not in the API, not in the
calendar feed, not in counts or numbering. Members see the whole record."""

import html
import re

from tests.committees.helpers import (
    IN_CAMERA_TITLE,
    OPEN_TITLES,
    body_id,
    ce_meeting_with_in_camera_item,
    create_task,
)
from tests.helpers import CHAIR, MEMBERS, STAFF, sign_in, token_for


def _text(response) -> str:
    assert response.status_code == 200, response.text[:500]
    return html.unescape(response.text)


def test_a_staff_observer_reads_the_agenda_and_minutes_without_the_in_camera_item(client, as_chair, as_staff):
    meeting, ids = ce_meeting_with_in_camera_item(client, as_chair)

    agenda = client.get(f"/api/v1/meetings/{meeting}/agenda", headers=as_staff)
    assert IN_CAMERA_TITLE not in agenda.text
    items = agenda.json()["items"]
    # Renumbered 1..3: no gap reveals that something was left out.
    assert [(i["number"], i["title"]) for i in items] == list(enumerate(OPEN_TITLES, start=1))
    assert ids[2] not in [i["id"] for i in items]

    detail = client.get(f"/api/v1/meetings/{meeting}", headers=as_staff)
    assert detail.json()["agenda_items"] == 3 and IN_CAMERA_TITLE not in detail.text
    for version in ("complete", "public"):
        minutes = client.get(f"/api/v1/meetings/{meeting}/minutes?version={version}", headers=as_staff)
        assert minutes.status_code == 200
        assert IN_CAMERA_TITLE not in minutes.text and "Congédiement" not in minutes.text
        assert minutes.json()["version"] == "public"
        assert [i["number"] for i in minutes.json()["items"]] == [1, 2, 3]
    # The in-camera item itself is a 404 for staff, never a 403.
    r = client.patch(f"/api/v1/meetings/{meeting}/agenda/{ids[2]}", json={"minutes": "x"}, headers=as_staff)
    assert r.status_code == 404


def test_a_member_sees_the_whole_agenda_and_minutes(client, as_chair, as_member):
    meeting, ids = ce_meeting_with_in_camera_item(client, as_chair)
    items = client.get(f"/api/v1/meetings/{meeting}/agenda", headers=as_member).json()["items"]
    assert [i["title"] for i in items] == [OPEN_TITLES[0], OPEN_TITLES[1], IN_CAMERA_TITLE, OPEN_TITLES[2]]
    assert items[2]["in_camera"] is True and items[2]["number"] == 3
    minutes = client.get(f"/api/v1/meetings/{meeting}/minutes", headers=as_member).json()
    assert minutes["version"] == "complete" and len(minutes["items"]) == 4
    assert f"Procès-verbal : {IN_CAMERA_TITLE}" in [i["minutes"] for i in minutes["items"]]
    # The partners' report version leaves the in-camera item out, even for a member.
    public = client.get(f"/api/v1/meetings/{meeting}/minutes?version=public", headers=as_member)
    assert IN_CAMERA_TITLE not in public.text and len(public.json()["items"]) == 3


def test_pages_and_printable_minutes_hide_the_in_camera_item_from_staff_only(client, app, as_chair):
    meeting, _ = ce_meeting_with_in_camera_item(client, as_chair)
    paths = [f"/meetings/{meeting}", f"/meetings/{meeting}/minutes", f"/meetings/{meeting}/minutes/print",
             f"/meetings/{meeting}/minutes?version=public", "/meetings"]
    from fastapi.testclient import TestClient

    with TestClient(app) as staff:
        sign_in(staff, STAFF)
        for path in paths:
            page = _text(staff.get(path))
            assert IN_CAMERA_TITLE not in page, path
            assert "Congédiement" not in page, path
        minutes = _text(staff.get(f"/meetings/{meeting}/minutes/print"))
        assert "3. " + OPEN_TITLES[2] in minutes and "4. " not in minutes
        assert "@media print" in minutes
    with TestClient(app) as member:
        sign_in(member, MEMBERS[1])
        for path in paths[:3]:
            assert IN_CAMERA_TITLE in _text(member.get(path)), path
        printed = _text(member.get(f"/meetings/{meeting}/minutes/print"))
        assert "3. " + IN_CAMERA_TITLE in printed and "4. " + OPEN_TITLES[2] in printed
        assert IN_CAMERA_TITLE not in _text(member.get(f"/meetings/{meeting}/minutes/print?version=public"))


def test_the_calendar_feed_of_staff_has_the_meeting_but_no_in_camera_item_or_confidential_task(
        client, app, as_chair):
    meeting, _ = ce_meeting_with_in_camera_item(client, as_chair)
    hr = body_id(client, as_chair, "hr")
    r = create_task(client, as_chair, hr, title="Enquête confidentielle RH", due_at="2026-12-01T12:00:00Z")
    assert r.status_code == 201, r.text
    from fastapi.testclient import TestClient

    feeds = {}
    for email in (STAFF, CHAIR):
        with TestClient(app) as c:
            sign_in(c, email)
            page = c.get("/calendar?month=2026-12")
            match = re.search(r"/calendar/([A-Za-z0-9_\-]+)\.ics", page.text)
            assert match, "no feed link on the calendar page"
            feeds[email] = html.unescape(c.get(f"/calendar/{match.group(1)}.ics").text).replace("\r\n ", "")
    assert "Réunion mensuelle du CE" in feeds[STAFF]
    for leaked in (IN_CAMERA_TITLE, "Congédiement", "Enquête confidentielle"):
        assert leaked not in feeds[STAFF]
    assert "Enquête confidentielle RH" in feeds[CHAIR]


def test_confidential_boards_and_their_tasks_are_404_for_staff(client, as_chair, as_staff):
    hr = body_id(client, as_chair, "hr")
    funding = body_id(client, as_chair, "funding")
    admin_board = body_id(client, as_chair, "administration")
    hr_task = create_task(client, as_chair, hr, title="Évaluation confidentielle").json()["id"]
    create_task(client, as_chair, funding, title="Montage financier confidentiel")
    open_task = create_task(client, as_chair, admin_board, title="Tâche ouverte").json()["id"]

    assert client.get(f"/api/v1/tasks/{hr_task}", headers=as_staff).status_code == 404
    r = client.post(f"/api/v1/tasks/{hr_task}/transitions", json={"trigger": "start"}, headers=as_staff)
    assert r.status_code == 404
    assert client.get(f"/api/v1/tasks/{hr_task}/comments", headers=as_staff).status_code == 404
    listing = client.get("/api/v1/tasks", headers=as_staff).json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == open_task
    assert client.get(f"/api/v1/tasks?body_id={hr}", headers=as_staff).json()["total"] == 0
    committees = {c["key"]: c for c in client.get("/api/v1/committees", headers=as_staff).json()["items"]}
    assert committees["hr"]["board_visible"] is False and committees["hr"]["open_tasks"] is None
    # A member of the executive committee sees the sub-committees' confidential boards.
    assert client.get(f"/api/v1/tasks/{hr_task}", headers=as_chair).status_code == 200


def test_a_staff_observer_cannot_own_an_in_camera_task(client, as_chair, as_admin):
    hr = body_id(client, as_chair, "hr")
    staff_id = client.get("/api/v1/me", headers=token_for(client, STAFF)).json()["id"]
    r = create_task(client, as_chair, hr, owner_ids=[staff_id])
    assert r.status_code == 422 and r.json()["field"] == "owner_ids"


def test_the_register_never_shows_staff_an_in_camera_item_or_its_id(client, as_chair, as_staff):
    meeting, ids = ce_meeting_with_in_camera_item(client, as_chair)
    r = client.put(f"/api/v1/meetings/{meeting}/agenda/order", json={"item_ids": list(reversed(ids))},
                   headers=as_chair)
    assert r.status_code == 200
    staff_view = client.get("/api/v1/register?per_page=200", headers=as_staff)
    assert staff_view.status_code == 200
    assert IN_CAMERA_TITLE not in staff_view.text
    actions = [e["action"] for e in staff_view.json()["items"]]
    assert "agenda.reordered" not in actions
    assert actions.count("agenda_item.created") == 3
    member_view = client.get("/api/v1/register?per_page=200", headers=as_chair)
    assert IN_CAMERA_TITLE in member_view.text
    assert "agenda.reordered" in [e["action"] for e in member_view.json()["items"]]
