"""A whole vote through the API, on SQLite and PostgreSQL: draft, open, vote, close, register."""

from datetime import timedelta

from api.decisions import service
from api.decisions.models import Vote, VoteChange
from api.timeutil import now, set_clock
from tests.decisions.conftest import create, create_and_open, events, open_decision, vote
from tests.helpers import CHAIR, MEMBERS, unit_of_work


def test_the_chair_opens_a_budget_vote_and_it_closes_early_once_all_five_have_voted(client, voters):
    chair = voters[CHAIR]
    draft = create(client, chair)
    assert draft["state"] == "draft" and draft["rules_version_id"] is None
    assert set(draft["allowed_transitions"]) == {"open", "withdraw"}
    opened = open_decision(client, chair, draft["id"])
    assert opened["state"] == "open" and opened["allowed_transitions"] == ["withdraw"]
    detail = client.get(f"/api/v1/decisions/{draft['id']}", headers=chair).json()
    assert detail["rules_version_id"] is not None
    assert detail["closes_at"] is not None and detail["eligible"] == 5

    choices = ["yes", "yes", "yes", "no", "abstain"]
    for i, (email, choice) in enumerate(zip(voters, choices, strict=True)):
        r = vote(client, voters[email], draft["id"], choice)
        assert r.status_code == 201, r.text
        assert r.json()["state"] == ("adopted" if i == 4 else "open")

    detail = client.get(f"/api/v1/decisions/{draft['id']}", headers=voters[MEMBERS[0]]).json()
    assert detail["state"] == "adopted" and detail["allowed_transitions"] == []
    outcome = detail["outcome"]
    assert (outcome["result"], outcome["yes"], outcome["no"], outcome["abstain"]) == ("adopted", 3, 1, 1)
    assert outcome["explanation"]["fr"] == (
        "Adoptée\u00a0: 3 pour, 1 contre, 1 abstention; quorum de 3 sur 5 atteint; "
        "majorité simple des votes exprimés.")
    assert detail["tally"] == {"yes": 3, "no": 1, "abstain": 1}
    assert {v["choice"] for v in detail["voters"]} == {"yes", "no", "abstain"}

    actions = [e["action"] for e in events(client, chair, draft["id"])]
    assert actions == ["decision.created", "decision.open", *["vote.cast"] * 5, "decision.tallied",
                       "decision.adopt"]
    evts = events(client, chair, draft["id"])
    # Budget results are hidden until closing: vote events do not carry the choice...
    assert all("choice" not in e["after"] for e in evts if e["action"] == "vote.cast")
    # ...the closing event does, for every seat.
    tallied = next(e for e in evts if e["action"] == "decision.tallied")
    assert sorted(v["choice"] for v in tallied["after"]["votes"]) == sorted(choices)
    assert tallied["rules_version_id"] == detail["rules_version_id"]
    assert client.get("/api/v1/register/verify", headers=chair).json()["ok"] is True

    # After closing, nobody votes any more.
    r = vote(client, chair, draft["id"], "no")
    assert r.status_code == 409 and r.json()["code"] == "decision.vote_not_open"


def test_the_sweep_closes_a_vote_whose_time_has_passed_and_running_it_twice_changes_nothing(client, app, voters):
    chair = voters[CHAIR]
    decision_id = create_and_open(client, chair, kind="procedure", title="Procédure d'accueil")
    for email, choice in [(CHAIR, "yes"), (MEMBERS[0], "no"), (MEMBERS[1], "no")]:
        assert vote(client, voters[email], decision_id, choice).status_code == 201
    # Procedure results are visible while voting, and the register carries the choice.
    detail = client.get(f"/api/v1/decisions/{decision_id}", headers=voters[MEMBERS[2]]).json()
    assert detail["tally"] == {"yes": 1, "no": 2, "abstain": 0}
    assert [e["after"].get("choice") for e in events(client, chair, decision_id)
            if e["action"] == "vote.cast"] == ["yes", "no", "no"]

    assert service.close_due_decisions(app.state.runtime) == []  # not due yet, not everyone voted
    later = now() + timedelta(hours=73)
    set_clock(lambda: later)
    try:
        r = vote(client, voters[MEMBERS[3]], decision_id, "yes")
        assert r.status_code == 409 and r.json()["code"] == "decision.vote_closed"
        assert service.close_due_decisions(app.state.runtime) == [decision_id]
        assert service.close_due_decisions(app.state.runtime) == []
    finally:
        set_clock(None)
    detail = client.get(f"/api/v1/decisions/{decision_id}", headers=chair).json()
    assert detail["state"] == "rejected"
    assert detail["outcome"]["explanation"]["en"] == (
        "Rejected: 1 yes, 2 no, 0 abstain; quorum 3 of 5 reached; 2 yes needed (simple majority of votes cast).")
    actions = [e["action"] for e in events(client, chair, decision_id)]
    assert actions.count("decision.tallied") == 1 and actions[-1] == "decision.reject"
    assert client.get("/api/v1/register/verify", headers=chair).json()["ok"] is True


def test_too_few_votes_close_without_quorum(client, app, voters):
    decision_id = create_and_open(client, voters[CHAIR], kind="procedure")
    assert vote(client, voters[CHAIR], decision_id, "yes").status_code == 201
    later = now() + timedelta(hours=80)
    set_clock(lambda: later)
    try:
        assert service.close_due_decisions(app.state.runtime) == [decision_id]
    finally:
        set_clock(None)
    detail = client.get(f"/api/v1/decisions/{decision_id}", headers=voters[CHAIR]).json()
    assert detail["state"] == "no_quorum"
    assert detail["outcome"]["explanation"]["fr"].startswith("Quorum non atteint")


def test_a_vote_can_be_changed_until_closing_and_the_history_is_kept(client, app, voters):
    decision_id = create_and_open(client, voters[CHAIR])
    member = voters[MEMBERS[0]]
    assert vote(client, member, decision_id, "yes").status_code == 201
    r = vote(client, member, decision_id, "no")
    assert r.status_code == 200 and r.json()["status"] == "changed"
    r = vote(client, member, decision_id, "no")
    assert r.status_code == 200 and r.json()["status"] == "unchanged"
    with app.state.runtime.database.session() as session:
        rows = session.query(Vote).filter_by(decision_id=decision_id).all()
        assert [v.choice for v in rows] == ["no"]
        history = session.query(VoteChange).filter_by(decision_id=decision_id).all()
        assert [(h.old_choice, h.new_choice) for h in history] == [("yes", "no")]
    actions = [e["action"] for e in events(client, voters[CHAIR], decision_id)]
    assert actions.count("vote.changed") == 1


def test_a_vote_cannot_be_changed_where_the_rules_forbid_it(client, voters):
    decision_id = create_and_open(client, voters[CHAIR], kind="governance_document",
                                  title="Règlements généraux")
    member = voters[MEMBERS[1]]
    assert vote(client, member, decision_id, "yes").status_code == 201
    r = vote(client, member, decision_id, "no")
    assert r.status_code == 409 and r.json()["code"] == "decision.vote_change_forbidden"
    assert client.get(f"/api/v1/decisions/{decision_id}", headers=member).json()["my_vote"] == "yes"


def test_the_chair_withdraws_an_open_vote_and_nobody_can_vote_after(client, voters):
    decision_id = create_and_open(client, voters[CHAIR])
    r = client.post(f"/api/v1/decisions/{decision_id}/transitions", json={"trigger": "withdraw"},
                    headers=voters[CHAIR])
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    r = vote(client, voters[MEMBERS[0]], decision_id, "yes")
    assert r.status_code == 409


def test_a_draft_can_be_edited_but_not_once_open(client, voters):
    chair = voters[CHAIR]
    draft = create(client, chair)
    r = client.patch(f"/api/v1/decisions/{draft['id']}", json={"title": "Budget 2027"}, headers=chair)
    assert r.status_code == 200 and r.json()["title"] == "Budget 2027"
    open_decision(client, chair, draft["id"])
    r = client.patch(f"/api/v1/decisions/{draft['id']}", json={"title": "Autre"}, headers=chair)
    assert r.status_code == 409 and r.json()["code"] == "decision.not_draft"


def test_a_closing_time_in_the_past_cannot_be_opened(client, voters):
    chair = voters[CHAIR]
    soon = (now() + timedelta(hours=1)).isoformat()
    draft = create(client, chair, closes_at=soon)
    later = now() + timedelta(hours=2)
    set_clock(lambda: later)
    try:
        r = client.post(f"/api/v1/decisions/{draft['id']}/transitions", json={"trigger": "open"},
                        headers=chair)
    finally:
        set_clock(None)
    assert r.status_code == 409 and r.json()["code"] == "workflow.blocked"
    assert client.get(f"/api/v1/decisions/{draft['id']}", headers=chair).json()["state"] == "draft"


def test_deadline_provider_lists_open_votes_with_the_voters_still_expected(client, app, voters):
    from api.decisions.service import closing_deadlines

    decision_id = create_and_open(client, voters[CHAIR])
    assert vote(client, voters[CHAIR], decision_id, "yes").status_code == 201
    with unit_of_work(app) as ctx:
        found = closing_deadlines(ctx, now(), now() + timedelta(days=4))
        assert [d.object_id for d in found] == [decision_id]
        assert len(found[0].recipient_ids) == 4 and found[0].path == f"/decisions/{decision_id}"


def test_a_seat_ended_during_the_vote_is_no_longer_waited_for(client, app, voters):
    """Five seats; after the first vote one member leaves the committee: the vote closes early
    once the four remaining seats have voted (the count of seats is not kept from before)."""
    from sqlalchemy import select

    from api.collective.models import Person, Seat

    chair = voters[CHAIR]
    decision_id = create_and_open(client, chair)
    body_id = client.get(f"/api/v1/decisions/{decision_id}", headers=chair).json()["body_id"]
    assert vote(client, chair, decision_id, "yes").status_code == 201
    with unit_of_work(app) as ctx:
        leaving = ctx.session.execute(select(Seat).join(Person).where(
            Person.email == MEMBERS[3], Seat.body_id == body_id)).scalar_one()
        leaving.ends_on = ctx.today - timedelta(days=1)
    states = [vote(client, voters[email], decision_id, "yes").json()["state"] for email in MEMBERS[:3]]
    assert states == ["open", "open", "adopted"]
