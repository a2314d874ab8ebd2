"""The committee pages without JavaScript: boards with POST move buttons, forms that keep
what was typed, warnings that are shown, local times, my tasks on the dashboard."""

import html
import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.committees.helpers import (
    IN_CAMERA_TITLE,
    body_id,
    ce_meeting_with_in_camera_item,
    create_task,
)
from tests.helpers import CHAIR, PARTNER, STAFF, csrf_of, sign_in, token_for


@pytest.fixture
def web(app):
    with TestClient(app) as c:
        yield c


def _page(response) -> str:
    return html.unescape(response.text)


def test_the_board_shows_one_column_per_state_and_creating_a_late_task_warns(web, client, as_chair, clock):
    clock(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    board = body_id(client, as_chair, "administration")
    token = sign_in(web, CHAIR)
    page = _page(web.get(f"/committees/{board}/board"))
    for label in ("À faire", "En cours", "Bloquée", "Terminée", "Annulée"):
        assert label in page
    r = web.post(f"/committees/{board}/tasks", data={
        "csrf_token": token, "title": "Mettre à jour les règles", "due_at": "2026-11-20T09:00",
        "priority": "high"}, follow_redirects=True)
    page = _page(r)
    assert r.status_code == 200
    assert "Tâche ajoutée." in page
    assert "l'échéance est déjà passée" in page  # a warning, not silence
    assert "Mettre à jour les règles" in page and "En retard" in page


def test_a_task_form_with_bad_input_keeps_what_was_typed(web, client, as_chair):
    board = body_id(client, as_chair, "administration")
    token = sign_in(web, CHAIR)
    r = web.post(f"/committees/{board}/tasks", data={
        "csrf_token": token, "title": "x" * 10_000, "description": "Ma longue description",
        "due_at": "pas une date", "priority": "high"})
    assert r.status_code == 422
    page = _page(r)
    assert "Trop long" in page and "Ma longue description" in page
    assert 'aria-invalid="true"' in page
    r = web.post(f"/committees/{board}/tasks", data={"csrf_token": token, "title": ""})
    assert r.status_code == 422 and "Ce champ est obligatoire." in _page(r)
    assert client.get(f"/api/v1/tasks?body_id={board}", headers=as_chair).json()["total"] == 0
    r = web.post(f"/committees/{board}/tasks", data={"title": "Sans jeton"})
    assert r.status_code == 403


def test_moving_a_task_with_the_board_buttons_and_blocking_without_a_reason(web, client, as_chair):
    board = body_id(client, as_chair, "communications")
    task = create_task(client, as_chair, board, title="Bilan annuel").json()
    token = sign_in(web, CHAIR)
    page = web.get(f"/committees/{board}/board").text
    assert f'action="/tasks/{task["id"]}/move"' in page and 'name="trigger" value="start"' in page
    r = web.post(f"/tasks/{task['id']}/move", data={"csrf_token": token, "trigger": "start", "back": "board"},
                 follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/committees/{board}/board")
    assert "Nouvel état\u00a0: En cours." in _page(web.get(r.headers["location"]))
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=as_chair).json()["state"] == "in_progress"
    r = web.post(f"/tasks/{task['id']}/move", data={"csrf_token": token, "trigger": "block", "reason": ""},
                 follow_redirects=True)
    assert "Indiquez la raison du blocage." in _page(r)
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=as_chair).json()["state"] == "in_progress"
    r = web.post(f"/tasks/{task['id']}/move", data={"csrf_token": token, "trigger": "block",
                                                    "reason": "Attente des chiffres"}, follow_redirects=True)
    assert "Bloquée\u00a0: Attente des chiffres" in _page(r)


def test_the_task_page_shows_the_due_time_in_toronto_and_flags_it_overdue(web, client, as_chair, clock):
    clock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))  # 20:00 on the 23rd in Toronto
    board = body_id(client, as_chair, "administration")
    me = client.get("/api/v1/me", headers=as_chair).json()
    task = create_task(client, as_chair, board, title="Rapport au bailleur", owner_ids=[me["id"]],
                       due_at="2026-11-24T00:30:00Z").json()
    token = sign_in(web, CHAIR)
    page = _page(web.get(f"/tasks/{task['id']}"))
    assert "23\u00a0novembre 2026, 19\u00a0h\u00a030" in page and "En retard" in page
    dashboard = _page(web.get("/"))
    assert "Mes tâches" in dashboard and "Rapport au bailleur" in dashboard and "En retard" in dashboard
    # In English (the header's language form) the same instant reads November 23, 7:30 PM.
    web.post("/language/en", data={"csrf_token": token, "next": "/"})
    assert "November 23, 2026, 7:30 PM" in _page(web.get(f"/tasks/{task['id']}"))


def test_comments_and_hours_from_the_task_page(web, client, as_chair):
    board = body_id(client, as_chair, "administration")
    task = create_task(client, as_chair, board).json()
    token = sign_in(web, CHAIR)
    r = web.post(f"/tasks/{task['id']}/comments", data={"csrf_token": token, "text": "Bonne idée"},
                 follow_redirects=True)
    assert "Bonne idée" in _page(r)
    r = web.post(f"/tasks/{task['id']}/comments", data={"csrf_token": token, "text": ""})
    assert r.status_code == 422
    r = web.post(f"/tasks/{task['id']}/time", data={"csrf_token": token, "hours": "1,5", "on_date": "2026-11-02"},
                 follow_redirects=True)
    assert r.status_code == 200 and "1,50\u00a0h" in _page(r)  # French: decimal comma, "h"
    r = web.post(f"/tasks/{task['id']}/time", data={"csrf_token": token, "hours": "abc", "on_date": "2026-11-02"})
    assert r.status_code == 422
    workload = _page(web.get("/committees/workload?start=2026-11-01&end=2026-11-30"))
    assert "Carrefour jeunesse-emploi" in workload and "1,50\u00a0h" in workload
    assert web.get("/committees/workload?start=nope").status_code == 422


def test_staff_see_the_sub_committees_but_not_the_in_camera_boards(web, client, as_chair):
    hr = body_id(client, as_chair, "hr")
    create_task(client, as_chair, hr, title="Dossier RH secret")
    sign_in(web, STAFF)
    page = _page(web.get("/committees"))
    assert "Sous-comité ressources humaines" in page and f"/committees/{hr}/board" not in page
    r = web.get(f"/committees/{hr}/board")
    assert r.status_code == 404 and "Dossier RH secret" not in _page(r)
    assert "Dossier RH secret" not in _page(web.get("/committees/workload"))


def test_the_meeting_page_records_attendance_and_reorders_the_agenda(web, client, as_chair):
    meeting, ids = ce_meeting_with_in_camera_item(client, as_chair)
    token = sign_in(web, CHAIR)
    page = web.get(f"/meetings/{meeting}").text
    seat_ids = re.findall(r'name="status-(\d+)" value="present"', page)  # one form for the whole body
    assert len(seat_ids) >= 5
    r = web.post(f"/meetings/{meeting}/attendance", data={"csrf_token": token, "seat_id": seat_ids[0],
                                                          "status": "present"}, follow_redirects=True)
    assert r.status_code == 200 and "Quorum\u00a0: 1 présences" in _page(r)
    partners = body_id(client, as_chair, "partners_committee")
    foreign = client.get(f"/api/v1/bodies/{partners}", headers=as_chair).json()["seats"][0]["id"]
    r = web.post(f"/meetings/{meeting}/attendance", data={"csrf_token": token, "seat_id": str(foreign),
                                                          "status": "present"})
    assert r.status_code == 422 and "n'occupe pas de siège" in _page(r)
    r = web.post(f"/meetings/{meeting}/items/{ids[1]}/move", data={"csrf_token": token, "direction": "up"},
                 follow_redirects=False)
    assert r.status_code == 303
    agenda = client.get(f"/api/v1/meetings/{meeting}/agenda", headers=as_chair).json()["items"]
    assert [i["id"] for i in agenda] == [ids[1], ids[0], ids[2], ids[3]]
    r = web.post(f"/meetings/{meeting}/items", data={"csrf_token": token, "title": "", "kind": "discussion",
                                                     "description": "Gardez-moi"})
    assert r.status_code == 422 and "Gardez-moi" in _page(r)
    assert IN_CAMERA_TITLE in _page(web.get(f"/meetings/{meeting}"))


def test_a_partner_reads_meetings_but_cannot_manage_them(web, client, as_chair):
    meeting, _ = ce_meeting_with_in_camera_item(client, as_chair)
    token = sign_in(web, PARTNER)
    page = _page(web.get(f"/meetings/{meeting}"))
    assert "Réunion mensuelle du CE" in page and "Ajouter un point" not in page
    r = web.post(f"/meetings/{meeting}/move", data={"csrf_token": token, "trigger": "send_agenda"},
                 follow_redirects=True)
    assert "Vous n'avez pas le droit" in _page(r)
    assert client.get(f"/api/v1/meetings/{meeting}", headers=token_for(client, PARTNER)).json()["state"] == "planned"


def test_the_partners_committee_packet_page(web, client, as_chair):
    partners = body_id(client, as_chair, "partners_committee")
    admin = token_for(client, "admin@relais.demo")
    r = client.post("/api/v1/meetings", json={"body_id": partners, "title": "Assemblée semestrielle",
                                              "starts_at": "2026-12-10T18:00:00"}, headers=admin)
    assert r.status_code == 201, r.text
    sign_in(web, STAFF)
    page = web.get(f"/meetings/{r.json()['id']}/packet")
    assert page.status_code == 200
    text = _page(page)
    assert "Bilan d'activités" in text and "Bilan financier" in text
    assert csrf_of(web.get("/").text)


def test_the_meeting_form_moves_the_meeting_and_keeps_bad_input(web, client, as_chair):
    meeting, _ = ce_meeting_with_in_camera_item(client, as_chair)
    token = sign_in(web, CHAIR)
    page = _page(web.get(f"/meetings/{meeting}"))
    assert 'value="2026-12-08T13:30"' in page  # shown in local time
    r = web.post(f"/meetings/{meeting}/edit", data={"csrf_token": token, "title": "CE reporté",
                                                    "starts_at": "2026-12-09T13:30", "ends_at": "2026-12-09T12:00",
                                                    "place": "Salle B"})
    assert r.status_code == 422
    page = _page(r)
    assert "La fin doit suivre le début." in page and 'value="CE reporté"' in page and 'value="Salle B"' in page
    r = web.post(f"/meetings/{meeting}/edit", data={"csrf_token": token, "title": "CE reporté",
                                                    "starts_at": "2026-12-09T13:30", "place": "Salle B"},
                 follow_redirects=False)
    assert r.status_code == 303
    got = client.get(f"/api/v1/meetings/{meeting}", headers=as_chair).json()
    assert got["title"] == "CE reporté" and got["starts_at"] == "2026-12-09T18:30:00+00:00"
    assert got["ends_at"] is None and got["place"] == "Salle B"
