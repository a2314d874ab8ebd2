"""Bad input gets a clear 4xx naming the field, and nothing already saved changes."""

from sqlalchemy import func, select

from api.decisions.models import Decision, Recusal, Vote
from api.register.models import RegisterEvent
from tests.decisions.conftest import create, create_and_open, vote
from tests.helpers import CHAIR, MEMBERS, PARTNER, STAFF, token_for


def _counts(app) -> tuple[int, int, int, int]:
    with app.state.runtime.database.session() as session:
        return tuple(session.execute(select(func.count()).select_from(m)).scalar_one()
                     for m in (Decision, Vote, Recusal, RegisterEvent))


def test_bad_input_is_refused_clearly_and_changes_nothing(client, app, voters):
    chair, member = voters[CHAIR], voters[MEMBERS[0]]
    draft = create(client, chair)
    open_id = create_and_open(client, chair)
    assert vote(client, voters[MEMBERS[3]], open_id, "yes").status_code == 201
    r = client.post(f"/api/v1/decisions/{open_id}/recusals", json={"reason": "Mon organisme est visé."},
                    headers=voters[MEMBERS[2]])
    assert r.status_code == 201
    closed_id = create_and_open(client, chair, kind="procedure")
    for email in voters:
        assert vote(client, voters[email], closed_id, "yes").status_code == 201
    before = _counts(app)

    # Unknown trigger: 409 with the triggers that do apply.
    r = client.post(f"/api/v1/decisions/{draft['id']}/transitions", json={"trigger": "explode"}, headers=chair)
    assert r.status_code == 409 and r.json()["allowed_triggers"] == ["open", "withdraw"]
    # System triggers and triggers reserved to the chair: 403.
    r = client.post(f"/api/v1/decisions/{open_id}/transitions", json={"trigger": "adopt"}, headers=chair)
    assert r.status_code == 403
    r = client.post(f"/api/v1/decisions/{draft['id']}/transitions", json={"trigger": "open"}, headers=member)
    assert r.status_code == 403
    # Vote on a closed decision.
    r = vote(client, member, closed_id, "no")
    assert r.status_code == 409 and r.json()["code"] == "decision.vote_not_open"
    # Vote on a draft.
    assert vote(client, member, draft["id"], "yes").status_code == 409
    # Choice "maybe": 422 naming `choice`.
    r = vote(client, member, open_id, "maybe")
    assert r.status_code == 422 and [d["field"] for d in r.json()["detail"]] == ["choice"]
    r = client.post(f"/api/v1/decisions/{open_id}/votes", json={}, headers=member)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "choice"
    # No seat on the body; staff observer seat; recused member.
    r = vote(client, token_for(client, PARTNER), open_id, "yes")
    assert r.status_code == 403 and r.json()["code"] == "decision.no_voting_seat"
    r = vote(client, token_for(client, STAFF), open_id, "yes")
    assert r.status_code == 403 and r.json()["code"] == "decision.no_voting_seat"
    r = vote(client, voters[MEMBERS[2]], open_id, "yes")
    assert r.status_code == 403 and r.json()["code"] == "decision.recused"
    # Staff may not draft a decision either.
    r = client.post("/api/v1/decisions", json={"kind": "budget", "title": "x", "text": "y"},
                    headers=token_for(client, STAFF))
    assert r.status_code == 403
    # A 10 000-character title, an unknown kind, an unknown body, unknown fields.
    cases = [
        ({"kind": "budget", "title": "x" * 10_000, "text": "t"}, "title"),
        ({"kind": "budget", "title": ""}, "title"),
        ({"kind": "nope", "title": "Ok", "text": "t"}, "kind"),
        ({"kind": "budget", "title": "Ok", "body_id": 424242}, "body_id"),
        ({"kind": "budget", "title": "Ok", "closes_at": "demain"}, "closes_at"),
        ({"kind": "budget", "title": "Ok", "closes_at": "2001-01-01T10:00:00"}, "closes_at"),
        ({"kind": "budget", "title": "Ok", "surprise": 1}, "surprise"),
    ]
    for payload, field in cases:
        r = client.post("/api/v1/decisions", json=payload, headers=chair)
        assert r.status_code == 422, (payload, r.text)
        assert field in [d["field"] for d in r.json()["detail"]], r.json()
        assert len(r.text) < 5_000
    r = client.patch(f"/api/v1/decisions/{draft['id']}", json={"title": "y" * 10_000}, headers=chair)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "title"
    # Unknown ids.
    assert client.get("/api/v1/decisions/999999", headers=member).status_code == 404
    assert vote(client, member, 999999, "yes").status_code == 404
    assert client.get("/api/v1/decisions/abc", headers=member).status_code == 422
    r = client.post("/api/v1/decisions/999999/transitions", json={"trigger": "open"}, headers=chair)
    assert r.status_code == 404
    # Recusing twice.
    r = client.post(f"/api/v1/decisions/{open_id}/recusals", json={"reason": "encore"}, headers=voters[MEMBERS[2]])
    assert r.status_code == 409
    r = client.post(f"/api/v1/decisions/{open_id}/recusals", json={"reason": ""}, headers=member)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "reason"

    assert _counts(app) == before
    detail = client.get(f"/api/v1/decisions/{open_id}", headers=member).json()
    assert detail["state"] == "open" and detail["voted_count"] == 1
    assert client.get("/api/v1/register/verify", headers=chair).json()["ok"] is True


def test_recusing_after_voting_withdraws_the_vote_and_the_seat_leaves_the_count(client, voters):
    decision_id = create_and_open(client, voters[CHAIR])
    member = voters[MEMBERS[0]]
    assert vote(client, member, decision_id, "yes").status_code == 201
    r = client.post(f"/api/v1/decisions/{decision_id}/recusals", json={"reason": "Conflit"}, headers=member)
    assert r.status_code == 201
    detail = client.get(f"/api/v1/decisions/{decision_id}", headers=member).json()
    assert detail["voted_count"] == 0 and detail["eligible"] == 4 and detail["my_vote"] is None
    # The four others vote: every eligible seat has voted, the vote closes early.
    for email in [CHAIR, *MEMBERS[1:]]:
        assert vote(client, voters[email], decision_id, "yes").status_code == 201
    outcome = client.get(f"/api/v1/decisions/{decision_id}", headers=member).json()["outcome"]
    assert outcome["result"] == "adopted" and outcome["recused"] == 1 and outcome["eligible"] == 4
