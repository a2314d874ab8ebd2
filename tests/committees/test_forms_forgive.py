"""Forms that forgive (issue 13): choices by name instead of internal id numbers, checkboxes
instead of Ctrl/Cmd+click lists, destructive moves that ask for a confirmation and a reason
kept in the register, attendance as one form for the whole body, the new-task form at the top
of the board with one main action per card, and the shares drawn as a picture with their
numbers written out."""

import html
import re

import pytest
from fastapi.testclient import TestClient

from tests.committees.helpers import body_id, ce_meeting_with_in_camera_item, create_task
from tests.feesplit.helpers import THREE, org_ids, propose_and_adopt
from tests.grants.helpers import make_application
from tests.helpers import CHAIR, sign_in


@pytest.fixture
def web(app):
    with TestClient(app) as c:
        yield c


def _page(response) -> str:
    return html.unescape(response.text).replace("\u00a0", " ")


def test_a_new_task_is_linked_to_a_grant_chosen_by_its_name_and_owners_are_ticked(web, client, as_chair):
    grant = make_application(client, as_chair, title="Soutien aux locataires 2027")
    board = body_id(client, as_chair, "administration")
    me = client.get("/api/v1/me", headers=as_chair).json()
    token = sign_in(web, CHAIR)
    page = _page(web.get(f"/committees/{board}/board"))
    # The form is at the top of the board, before the columns.
    assert page.index('id="new-task"') < page.index('class="board"')
    # No id number to type, no Ctrl/Cmd+click: the grant by its name, the owners as checkboxes.
    assert 'name="link_id"' not in page and "Ctrl" not in page and "multiple" not in page
    assert f'value="grant_application:{grant["id"]}"' in page
    assert "Centraide Estrie — Soutien aux locataires 2027" in page
    assert f'type="checkbox" name="owner_ids" value="{me["id"]}"' in page

    r = web.post(f"/committees/{board}/tasks", data={
        "csrf_token": token, "title": "Préparer le budget", "priority": "normal",
        "owner_ids": [str(me["id"])], "link": f"grant_application:{grant['id']}"}, follow_redirects=True)
    assert r.status_code == 200
    task = next(t for t in client.get(f"/api/v1/tasks?body_id={board}", headers=as_chair).json()["items"]
                if t["title"] == "Préparer le budget")
    assert task["link"]["type"] == "grant_application" and task["link"]["id"] == grant["id"]
    # The task's page names what it is about, and its edit form keeps the same choice.
    task_page = _page(web.get(f"/tasks/{task['id']}"))
    assert "Soutien aux locataires 2027" in task_page
    assert re.search(rf'<option value="grant_application:{grant["id"]}" selected>', task_page)


def test_a_link_that_is_not_a_choice_is_refused_with_the_form_kept(web, client, as_chair):
    board = body_id(client, as_chair, "administration")
    token = sign_in(web, CHAIR)
    r = web.post(f"/committees/{board}/tasks", data={
        "csrf_token": token, "title": "Gardez-moi", "priority": "normal", "link": "spaceship:12"})
    assert r.status_code == 422
    page = _page(r)
    assert 'href="#f-link"' in page and 'value="Gardez-moi"' in page
    assert not [t for t in client.get(f"/api/v1/tasks?body_id={board}", headers=as_chair).json()["items"]
                if t["title"] == "Gardez-moi"]


def test_cancelling_a_task_asks_for_a_confirmation_and_a_reason_kept_in_the_register(web, client, as_chair):
    board = body_id(client, as_chair, "administration")
    task = create_task(client, as_chair, board, title="Tâche à annuler").json()
    token = sign_in(web, CHAIR)
    page = _page(web.get(f"/committees/{board}/board"))
    card = page[page.index(f'id="task-{task["id"]}"'):]
    card = card[:card.index("</article>")]
    # One main action in view; the others, cancelling included, under "more".
    assert card.count('name="move"') >= 2 and card.index("<details") < card.index('value="cancel"')
    assert card.index('value="start"') < card.index("<details")

    for data in ({"reason": "Plus nécessaire"}, {"confirm": "1"}, {"confirm": "1", "reason": "  "}):
        r = web.post(f"/tasks/{task['id']}/move", data={"csrf_token": token, "trigger": "cancel", **data},
                     follow_redirects=True)
        assert r.status_code == 200
        assert client.get(f"/api/v1/tasks/{task['id']}", headers=as_chair).json()["state"] == "todo"
    assert "Cochez la case" in _page(web.post(f"/tasks/{task['id']}/move", data={
        "csrf_token": token, "trigger": "cancel", "reason": "x"}, follow_redirects=True))

    r = web.post(f"/tasks/{task['id']}/move", data={"csrf_token": token, "trigger": "cancel", "confirm": "1",
                                                    "reason": "Le bailleur a retiré le programme"},
                 follow_redirects=True)
    assert r.status_code == 200
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=as_chair).json()["state"] == "cancelled"
    events = client.get(f"/api/v1/register?object_type=task&object_id={task['id']}&per_page=50",
                        headers=as_chair).json()["items"]
    assert any("Le bailleur a retiré le programme" in str(e) for e in events)


def test_the_secretary_records_the_whole_body_attendance_in_one_save(web, client, as_chair):
    meeting, _ = ce_meeting_with_in_camera_item(client, as_chair)
    token = sign_in(web, CHAIR)
    page = web.get(f"/meetings/{meeting}").text
    seats = re.findall(r'name="status-(\d+)" value="present"', page)
    assert len(seats) >= 5 and page.count(f'action="/meetings/{meeting}/attendance"') == 1
    # Agenda items and the minutes are linked to a decision chosen by title, never by number.
    assert '<select id="f-decision_id" name="decision_id"' in page and 'id="f-minutes_decision_id"' in page
    assert 'type="number"' not in page
    form = {"csrf_token": token}
    for i, seat in enumerate(seats):
        form[f"status-{seat}"] = "present" if i < 4 else "apologies"
    r = web.post(f"/meetings/{meeting}/attendance", data=form, follow_redirects=True)
    assert r.status_code == 200 and "Quorum : 4 présences" in _page(r)
    again = web.get(f"/meetings/{meeting}").text
    assert len(re.findall(r'value="present" checked', again)) == 4
    assert len(re.findall(r'value="apologies" checked', again)) == len(seats) - 4
    # A wrong status for one seat changes nobody's.
    form[f"status-{seats[0]}"] = "asleep"
    form[f"status-{seats[5]}"] = "present"
    r = web.post(f"/meetings/{meeting}/attendance", data=form)
    assert r.status_code == 422
    assert "Quorum : 4 présences" in _page(web.get(f"/meetings/{meeting}"))


def test_the_hours_typed_wrong_are_kept_as_typed(web, client, as_chair):
    board = body_id(client, as_chair, "administration")
    task = create_task(client, as_chair, board).json()
    token = sign_in(web, CHAIR)
    r = web.post(f"/tasks/{task['id']}/time", data={"csrf_token": token, "hours": "2,5,0", "on_date": "2026-11-02"})
    assert r.status_code == 422
    page = _page(r)
    assert 'value="2,5,0"' in page and 'href="#f-hours"' in page and 'id="f-hours"' in page
    assert "nombre d'heures" in page and "montant" not in page[page.index('id="time"'):]


def test_the_fee_split_form_offers_grants_by_name_and_draws_the_shares(web, client, app, as_chair):
    grant = make_application(client, as_chair, title="Fonds des locataires")
    token = sign_in(web, CHAIR)
    page = _page(web.get("/fee-splits/new"))
    assert '<select id="f-grant_id" name="grant_id"' in page and "Centraide Estrie — Fonds des locataires" in page
    ids = org_ids(app)
    form = {"csrf_token": token, "amount": "1 000,00", "period": "2026-2027", "grant_id": str(grant["id"]),
            "action": "preview", **{f"weights.{ids[name]}": w for name, w in zip(THREE, ["1", "1", "2"], strict=True)}}
    page = _page(web.post("/fee-splits/new", data=form))
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "500,00 $" in svg and "50,0" in svg  # the numbers are text in the picture
    assert "<table" in page and "500,00 $" in page[page.index("</svg>"):]  # and in the table
    assert f'<option value="{grant["id"]}" selected' in page


def test_the_adopted_split_is_drawn_in_english_too(web, client, app, as_chair):
    split = propose_and_adopt(client, app, as_chair, amount="900,00")
    token = sign_in(web, CHAIR)
    web.post("/language/en", data={"csrf_token": token, "next": "/"})
    page = _page(web.get(f"/fee-splits/{split['id']}"))
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert "Adopted shares per partner" in svg and "$300.00" in svg and "33.3%" in svg


def test_the_grant_form_offers_adopted_decisions_by_name_never_a_number_to_type(web, client, as_chair):
    r = client.post("/api/v1/decisions", json={"kind": "grant_submission", "title": "Dépôt au MSSS (brouillon)",
                                               "text": "Projet"}, headers=as_chair)
    assert r.status_code == 201, r.text
    sign_in(web, CHAIR)
    page = _page(web.get("/grants/new"))
    assert '<select id="f-submission_decision_id" name="submission_decision_id"' in page
    assert '<input id="f-submission_decision_id"' not in page
    assert "Dépôt au MSSS (brouillon)" not in page  # a draft is not an adopted decision


def test_withdrawing_a_proposal_without_votes_also_asks_for_a_reason_kept_in_the_register(web, client, as_chair):
    r = client.post("/api/v1/decisions", json={"kind": "procedure", "title": "Proposition à retirer",
                                               "text": "Texte"}, headers=as_chair)
    assert r.status_code == 201, r.text
    decision = r.json()["id"]
    token = sign_in(web, CHAIR)
    page = _page(web.get(f"/decisions/{decision}"))
    assert f'href="/decisions/{decision}/withdraw"' in page  # no one-tap withdrawal
    form = _page(web.get(f"/decisions/{decision}/withdraw"))
    assert "Proposition à retirer" in form and "0 vote" not in form
    r = web.post(f"/decisions/{decision}/withdraw", data={"csrf_token": token, "reason": "Doublon"})
    assert r.status_code == 422
    assert client.get(f"/api/v1/decisions/{decision}", headers=as_chair).json()["state"] == "draft"
    r = web.post(f"/decisions/{decision}/withdraw", data={"csrf_token": token, "reason": "Doublon",
                                                          "confirmed": "1"}, follow_redirects=True)
    assert r.status_code == 200
    assert client.get(f"/api/v1/decisions/{decision}", headers=as_chair).json()["state"] == "withdrawn"
    events = client.get(f"/api/v1/register?object_type=decision&object_id={decision}&per_page=50",
                        headers=as_chair).json()["items"]
    withdrawn = next(e for e in events if e["action"] == "decision.withdraw")
    assert withdrawn["after"]["reason"] == "Doublon"


def test_approved_by_the_ec_names_the_adopted_decision_chosen_by_its_title(web, client):
    from tests.feesplit.helpers import adopt
    from tests.grants.helpers import HANDROITS, fire
    from tests.helpers import MEMBERS, token_for

    lead, member = token_for(client, HANDROITS), token_for(client, MEMBERS[1])
    grant = make_application(client, lead, title="Mobilisation des locataires", confidential=False)
    for trigger in ("start_drafting", "send_to_review"):
        assert fire(client, lead, "grant-applications", grant["id"], trigger).status_code == 200
    token = sign_in(web, MEMBERS[1])
    page = _page(web.get(f"/grants/{grant['id']}"))
    assert "il faut d'abord une décision de dépôt adoptée" in page and 'value="approve"' not in page
    r = web.post(f"/grants/{grant['id']}/transition", data={"csrf_token": token, "trigger": "approve"},
                 follow_redirects=True)
    assert "Choisissez la décision du CE" in _page(r)
    assert client.get(f"/api/v1/grant-applications/{grant['id']}", headers=lead).json()["state"] == "internal_review"

    chair = token_for(client, CHAIR)
    draft = client.post("/api/v1/decisions", json={"kind": "grant_submission", "title": "Dépôt — brouillon",
                                                   "text": "Texte"}, headers=chair).json()["id"]
    adopted = client.post("/api/v1/decisions", json={"kind": "grant_submission",
                                                     "title": "Dépôt de la demande Mobilisation",
                                                     "text": "Le CE approuve le dépôt."}, headers=chair).json()["id"]
    adopt(client, adopted)
    page = _page(web.get(f"/grants/{grant['id']}"))
    assert f'<option value="{adopted}">Dépôt de la demande Mobilisation</option>' in page
    assert "Dépôt — brouillon" not in page
    r = web.post(f"/grants/{grant['id']}/transition", data={"csrf_token": token, "trigger": "approve",
                                                           "decision_id": str(draft)}, follow_redirects=True)
    assert client.get(f"/api/v1/grant-applications/{grant['id']}", headers=lead).json()["state"] == "internal_review"
    r = web.post(f"/grants/{grant['id']}/transition", data={"csrf_token": token, "trigger": "approve",
                                                           "decision_id": str(adopted)}, follow_redirects=True)
    assert r.status_code == 200
    after = client.get(f"/api/v1/grant-applications/{grant['id']}", headers=lead).json()
    assert after["state"] == "approved" and after["submission_decision_id"] == adopted
    # Through the API, a decision that is not adopted is refused too.
    other = make_application(client, lead, title="Autre demande", confidential=False)
    for trigger in ("start_drafting", "send_to_review"):
        fire(client, lead, "grant-applications", other["id"], trigger)
    r = fire(client, member, "grant-applications", other["id"], "approve", decision_id=draft)
    assert r.status_code == 422 and r.json()["field"] == "decision_id"
