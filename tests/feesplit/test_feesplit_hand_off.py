"""The treasurer previews and proposes a split; the vote is opened by whoever the rules allow
(the chair or the secretary): they are given an "Open the vote" task, see the proposal on
their dashboard, and the task is completed when the vote opens."""

from sqlalchemy import select

from api.committees.models import Task
from tests.feesplit.helpers import THREE, org_ids
from tests.helpers import CHAIR, MEMBERS, sign_in

TREASURER = MEMBERS[0]
SECRETARY = MEMBERS[2]


def _propose_on_the_page(client, app) -> str:
    token = sign_in(client, TREASURER)
    ids = org_ids(app)
    form = {"csrf_token": token, "amount": "3 000,00", "period": "2026-2027", "action": "propose",
            **{f"weights.{ids[name]}": "10" for name in THREE}}
    r = client.post("/fee-splits/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"]


def _hand_off_tasks(app) -> list[Task]:
    with app.state.runtime.database.session() as session:
        tasks = session.execute(select(Task).where(Task.link_type == "decision")).scalars().all()
        for task in tasks:
            _ = [p.email for p in task.owners], task.body.key
        return tasks


def test_the_treasurers_proposal_reaches_the_chair_who_can_open_the_vote(client, app):
    decision_path = _propose_on_the_page(client, app)
    decision_id = int(decision_path.rsplit("/", 1)[1])
    page = client.get(decision_path).text
    # The treasurer is told who opens the vote, not asked to press a button they do not have.
    assert "revient à" in page and "Direction — Carrefour jeunesse-emploi" in page
    assert 'value="open"' not in page

    [task] = _hand_off_tasks(app)
    assert task.link_id == decision_id and task.body.key == "funding"
    assert {p.email for p in task.owners} == {CHAIR, SECRETARY}
    assert task.confidential_category == "funding" and task.state == "todo"

    client.cookies.clear()
    token = sign_in(client, CHAIR)
    home = client.get("/").text
    assert "Propositions à mettre au vote" in home and f"/decisions/{decision_id}" in home
    assert f"/tasks/{task.id}" in home  # "my tasks" lists the hand-off
    decision_page = client.get(decision_path).text
    assert 'value="open"' in decision_page  # the chair has the button

    r = client.post(f"/decisions/{decision_id}/transition",
                    data={"csrf_token": token, "trigger": "open"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    [task] = _hand_off_tasks(app)
    assert task.state == "done"
    assert "Propositions à mettre au vote" not in client.get("/").text


def test_the_chair_who_proposes_opens_the_vote_without_a_task(client, app):
    token = sign_in(client, CHAIR)
    ids = org_ids(app)
    form = {"csrf_token": token, "amount": "900,00", "period": "2026", "action": "propose",
            **{f"weights.{ids[name]}": "1" for name in THREE}}
    r = client.post("/fee-splits/new", data=form, follow_redirects=True)
    assert r.status_code == 200 and 'value="open"' in r.text
    assert _hand_off_tasks(app) == []
