"""Alternates ("substituts") and written proxies, as the rules of each body allow them: a
seat's vote counts once whoever casts it, shows who cast it, and the titular cannot vote
after their alternate nor while their proxy is active; a proxy holder carries at most the
rules' number of proxies; both are in the register and on the decision's page."""

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.collective.models import Organisation
from api.collective.schemas import PersonIn
from api.collective.service import create_person
from tests.decisions.conftest import create_and_open, events, seat_id, vote
from tests.helpers import ADMIN, CHAIR, DEMO_PASSWORD, MEMBERS, STAFF, sign_in, token_for, unit_of_work

DEPUTY = "adjointe.handroits@relais.demo"


def _deputy(app) -> None:
    """A second person of Han-Droits (MEMBERS[0]'s organisation), who sits on no body."""
    with unit_of_work(app, ADMIN) as ctx:
        han_droits = ctx.session.execute(select(Organisation.id).where(Organisation.name == "Han-Droits")).scalar_one()
        create_person(ctx, PersonIn(email=DEPUTY, name="Direction adjointe — Han-Droits", organisation_id=han_droits,
                                    password=DEMO_PASSWORD))


def _name_alternate(client, headers, seat: int, person: int):
    return client.post("/api/v1/alternates", json={"seat_id": seat, "person_id": person}, headers=headers)


def _person(client, email: str) -> int:
    return client.get("/api/v1/me", headers=token_for(client, email)).json()["id"]


def test_the_alternate_votes_for_the_seat_once_and_the_titular_can_no_longer_vote(app, client, voters):
    _deputy(app)
    titular = voters[MEMBERS[0]]
    seat = seat_id(app, MEMBERS[0])
    deputy_id = _person(client, DEPUTY)
    # Only someone of the seat's organisation, and never a staff observer.
    r = _name_alternate(client, titular, seat, _person(client, MEMBERS[1]))
    assert r.status_code == 422 and r.json()["code"] == "decision.alternate.other_organisation"
    r = _name_alternate(client, titular, seat, _person(client, STAFF))  # Han-Droits staff
    assert r.status_code == 422 and r.json()["code"] == "decision.alternate.staff"
    # Another member may not name someone's alternate.
    r = _name_alternate(client, voters[MEMBERS[1]], seat, deputy_id)
    assert r.status_code == 403
    r = _name_alternate(client, titular, seat, deputy_id)
    assert r.status_code == 201, r.text
    assert r.json()["alternate"] == "Direction adjointe — Han-Droits"
    assert r.json()["titular"].startswith("Direction — Han-Droits")
    assert [a["person_id"] for a in client.get("/api/v1/alternates", headers=titular).json()["items"]] == [deputy_id]

    decision_id = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure d'accueil")
    deputy = token_for(client, DEPUTY)
    r = vote(client, deputy, decision_id, "no")
    assert r.status_code == 201 and r.json()["seat_id"] == seat
    # The titular can no longer vote, nor change it.
    r = vote(client, titular, decision_id, "yes")
    assert r.status_code == 409 and r.json()["code"] == "decision.seat_voted_by_other"
    assert "Direction adjointe — Han-Droits" in r.json()["message"]
    detail = client.get(f"/api/v1/decisions/{decision_id}", headers=titular).json()
    [cast] = detail["voters"]
    assert (cast["name"], cast["capacity"], cast["choice"]) == ("Direction adjointe — Han-Droits", "alternate", "no")
    assert cast["on_behalf_of"].startswith("Direction — Han-Droits")
    assert detail["my_vote"] == "no" and detail["may_vote"] is False  # my seat's vote, cast by my alternate
    # The alternate may change the seat's vote; the quorum counts the seat once.
    assert vote(client, deputy, decision_id, "abstain").status_code == 200
    for email in [CHAIR, MEMBERS[1], MEMBERS[2], MEMBERS[3]]:
        assert vote(client, voters[email], decision_id, "yes").status_code == 201
    outcome = client.get(f"/api/v1/decisions/{decision_id}", headers=titular).json()["outcome"]
    assert (outcome["eligible"], outcome["participants"], outcome["abstain"]) == (5, 5, 1)
    cast_events = [e for e in events(client, voters[CHAIR], decision_id) if e["action"] == "vote.cast"]
    assert cast_events[0]["after"]["capacity"] == "alternate"
    assert cast_events[0]["after"]["cast_by"] == deputy_id and cast_events[0]["actor_id"] == deputy_id

    # Once the titular voted, the alternate cannot.
    second = create_and_open(client, voters[CHAIR], kind="procedure", title="Deuxième procédure")
    assert vote(client, titular, second, "yes").status_code == 201
    r = vote(client, deputy, second, "no")
    assert r.status_code == 409 and r.json()["code"] == "decision.seat_voted_by_other"
    # Ending the alternate ends their ballot.
    alternate_id = client.get("/api/v1/alternates", headers=titular).json()["items"][0]["id"]
    assert client.delete(f"/api/v1/alternates/{alternate_id}", headers=titular).status_code == 200
    third = create_and_open(client, voters[CHAIR], kind="procedure", title="Troisième procédure")
    r = vote(client, deputy, third, "no")
    assert r.status_code == 403 and r.json()["code"] == "decision.no_voting_seat"
    register = client.get("/api/v1/register?object_type=seat&per_page=50", headers=titular).json()["items"]
    assert {e["action"] for e in register} >= {"alternate.named", "alternate.ended"}


def test_a_written_proxy_lets_another_member_vote_for_the_seat_within_the_rules_limit(app, client, voters):
    decision_id = create_and_open(client, voters[CHAIR], kind="budget", title="Budget 2027")
    grantor, holder = voters[MEMBERS[1]], voters[CHAIR]
    chair_id = _person(client, CHAIR)
    # Only to a voting member of the same body.
    r = client.post("/api/v1/proxies", json={"holder_id": _person(client, STAFF), "decision_id": decision_id},
                    headers=grantor)
    assert r.status_code == 422 and r.json()["code"] == "decision.proxy.holder_not_member"
    r = client.post("/api/v1/proxies", json={"holder_id": chair_id}, headers=grantor)
    assert r.status_code == 422 and r.json()["code"] == "decision.proxy.one_scope"
    r = client.post("/api/v1/proxies", json={"holder_id": chair_id, "decision_id": decision_id}, headers=grantor)
    assert r.status_code == 201, r.text
    proxy = r.json()
    assert proxy["statement"].startswith("Je, Organisation communautaire — CIUSSS (membre neutre), donne procuration à")
    # The executive committee's rules: one proxy per person.
    r = client.post("/api/v1/proxies", json={"holder_id": chair_id, "decision_id": decision_id},
                    headers=voters[MEMBERS[2]])
    assert r.status_code == 409 and r.json()["code"] == "decision.proxy.too_many"

    # While it is active, the grantor does not vote.
    r = vote(client, grantor, decision_id, "no")
    assert r.status_code == 409 and r.json()["code"] == "decision.proxy_given"
    # The holder votes for their own seat by default, and for the grantor's seat by naming it.
    assert vote(client, holder, decision_id, "yes").json()["seat_id"] == seat_id(app, CHAIR)
    r = client.post(f"/api/v1/decisions/{decision_id}/votes",
                    json={"choice": "no", "seat_id": seat_id(app, MEMBERS[1])}, headers=holder)
    assert r.status_code == 201 and r.json()["seat_id"] == seat_id(app, MEMBERS[1])
    # Used, it can no longer be revoked.
    r = client.delete(f"/api/v1/proxies/{proxy['id']}", headers=grantor)
    assert r.status_code == 409 and r.json()["code"] == "decision.proxy.used"
    # Nobody else's seat: 403.
    r = client.post(f"/api/v1/decisions/{decision_id}/votes",
                    json={"choice": "no", "seat_id": seat_id(app, MEMBERS[3])}, headers=holder)
    assert r.status_code == 403 and r.json()["code"] == "decision.not_your_seat"

    detail = client.get(f"/api/v1/decisions/{decision_id}", headers=voters[MEMBERS[3]]).json()
    assert [(p["grantor_id"], p["holder_id"]) for p in detail["proxies"]] == [(_person(client, MEMBERS[1]), chair_id)]
    assert detail["voted_count"] == 2 and detail["eligible"] == 5
    actions = [e["action"] for e in events(client, voters[CHAIR], decision_id)]
    assert actions.count("proxy.given") == 1
    proxy_vote = [e for e in events(client, voters[CHAIR], decision_id) if e["action"] == "vote.cast"][1]
    assert proxy_vote["after"]["capacity"] == "proxy" and proxy_vote["after"]["cast_by"] == chair_id

    # The page shows it.
    browser = TestClient(app)
    sign_in(browser, MEMBERS[2])
    page = browser.get(f"/decisions/{decision_id}").text
    assert "Organisation communautaire — CIUSSS (membre neutre) a donné procuration à Direction — Carrefour" in page


def test_a_proxy_revoked_before_use_gives_the_vote_back(app, client, voters):
    decision_id = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure")
    grantor = voters[MEMBERS[2]]
    r = client.post("/api/v1/proxies", json={"holder_id": _person(client, MEMBERS[3]), "decision_id": decision_id},
                    headers=grantor)
    assert r.status_code == 201
    assert client.delete(f"/api/v1/proxies/{r.json()['id']}", headers=grantor).status_code == 200
    assert vote(client, grantor, decision_id, "yes").status_code == 201
    r = client.post(f"/api/v1/decisions/{decision_id}/votes",
                    json={"choice": "no", "seat_id": seat_id(app, MEMBERS[2])}, headers=voters[MEMBERS[3]])
    assert r.status_code == 403
    assert [e["action"] for e in events(client, voters[CHAIR], decision_id)].count("proxy.revoked") == 1


def test_a_proxy_for_a_meeting_covers_its_decisions(app, client, voters):
    chair = voters[CHAIR]
    body_id = client.get("/api/v1/bodies", headers=chair).json()
    exec_id = next(b["id"] for b in (body_id["items"] if isinstance(body_id, dict) else body_id)
                   if b["key"] == "executive_committee")
    r = client.post("/api/v1/meetings", json={"body_id": exec_id, "title": "Conseil exécutif de novembre",
                                              "starts_at": "2026-11-18T18:00:00"}, headers=chair)
    assert r.status_code == 201, r.text
    meeting_id = r.json()["id"]
    r = client.post("/api/v1/proxies", json={"holder_id": _person(client, MEMBERS[0]), "meeting_id": meeting_id},
                    headers=voters[MEMBERS[3]])
    assert r.status_code == 201, r.text
    decision_id = create_and_open(client, chair, kind="procedure", title="Procédure en réunion", meeting_id=meeting_id)
    r = client.post(f"/api/v1/decisions/{decision_id}/votes",
                    json={"choice": "yes", "seat_id": seat_id(app, MEMBERS[3])}, headers=voters[MEMBERS[0]])
    assert r.status_code == 201
    assert vote(client, voters[MEMBERS[3]], decision_id, "no").json()["code"] == "decision.proxy_given"
    other = create_and_open(client, chair, kind="procedure", title="Procédure hors réunion")
    assert vote(client, voters[MEMBERS[3]], other, "no").status_code == 201
