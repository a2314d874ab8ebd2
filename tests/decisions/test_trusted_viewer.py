"""A vote trusts the voter's cached viewer and checks it in the same unit of work (`api.viewers`):
a seat, a committee or a session that changed since the voter's last request is always seen,
on SQLite and PostgreSQL, and nothing decided with the old picture is kept or answered."""

from datetime import timedelta

from sqlalchemy import func, select

from api.collective.models import Person, Seat
from api.decisions.models import Vote
from tests.decisions.conftest import create_and_open, vote
from tests.helpers import ADMIN, CHAIR, MEMBERS, PARTNER, statements_run, token_for, unit_of_work


def _body_of(client, headers, decision_id: int) -> int:
    return client.get(f"/api/v1/decisions/{decision_id}", headers=headers).json()["body_id"]


def _end_seat(app, email: str, body_id: int) -> None:
    """The person leaves the body: their seat ended yesterday (the membership version moves)."""
    with unit_of_work(app) as ctx:
        seat = ctx.session.execute(select(Seat).join(Person).where(
            Person.email == email, Seat.body_id == body_id)).scalar_one()
        seat.ends_on = ctx.today - timedelta(days=1)


def _votes_of(app, decision_id: int, email: str) -> int:
    with unit_of_work(app) as ctx:
        return ctx.session.execute(select(func.count()).select_from(Vote).join(Person, Vote.person_id == Person.id)
                                   .where(Vote.decision_id == decision_id, Person.email == email)).scalar_one()


def test_a_member_whose_seat_ended_since_their_last_request_cannot_vote_with_it(app, client, voters):
    decision_id = create_and_open(client, voters[CHAIR])
    member = voters[MEMBERS[1]]
    assert client.get("/api/v1/me", headers=member).status_code == 200  # their viewer, cached with the seat
    _end_seat(app, MEMBERS[1], _body_of(client, voters[CHAIR], decision_id))

    r = vote(client, member, decision_id, "yes")
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "decision.no_voting_seat"
    assert _votes_of(app, decision_id, MEMBERS[1]) == 0


def test_a_partner_given_a_seat_since_their_last_request_votes_at_once(app, client, voters):
    decision_id = create_and_open(client, voters[CHAIR])
    partner = token_for(client, PARTNER)
    assert client.get("/api/v1/me", headers=partner).status_code == 200  # cached without the seat
    body_id = _body_of(client, voters[CHAIR], decision_id)
    with unit_of_work(app) as ctx:
        person = ctx.session.execute(select(Person).where(Person.email == PARTNER)).scalar_one()
        ctx.session.add(Seat(person_id=person.id, body_id=body_id, starts_on=ctx.today))

    r = vote(client, partner, decision_id, "yes")
    assert r.status_code == 201, r.text
    assert _votes_of(app, decision_id, PARTNER) == 1


def test_a_vote_with_the_token_of_a_member_signed_out_everywhere_is_refused_and_not_kept(app, client, voters):
    decision_id = create_and_open(client, voters[CHAIR])
    member = voters[MEMBERS[2]]
    assert client.get("/api/v1/me", headers=member).status_code == 200
    me = client.get("/api/v1/me", headers=member).json()["id"]
    admin = token_for(client, ADMIN)
    assert client.delete(f"/api/v1/people/{me}/sessions", headers=admin).status_code == 204

    assert vote(client, member, decision_id, "yes").status_code == 401
    assert _votes_of(app, decision_id, MEMBERS[2]) == 0


def test_the_usual_vote_does_not_read_the_membership_version_on_its_own(app, client, voters):
    """The vote's insert returns the version: the cached viewer is checked without a read of
    its own, a round trip fewer on every vote."""
    first, second = create_and_open(client, voters[CHAIR]), create_and_open(client, voters[CHAIR])
    member = voters[MEMBERS[0]]
    assert vote(client, member, first, "yes").status_code == 201  # the viewer is now cached
    with statements_run(app.state.runtime.database.engine) as statements:
        assert vote(client, member, second, "no").status_code == 201
    assert any("INSERT INTO vote" in s for s in statements), statements
    assert not [s for s in statements if s.lstrip().startswith("SELECT membership_version.version")], statements


def test_a_member_whose_seat_ended_cannot_change_the_vote_they_cast_with_it(app, client, voters):
    """Changing a vote reads no count: the cached viewer is checked just before the commit."""
    decision_id = create_and_open(client, voters[CHAIR])
    member = voters[MEMBERS[1]]
    assert vote(client, member, decision_id, "yes").status_code == 201
    _end_seat(app, MEMBERS[1], _body_of(client, voters[CHAIR], decision_id))

    r = vote(client, member, decision_id, "no")
    assert r.status_code == 403, r.text
    with unit_of_work(app) as ctx:
        choices = ctx.session.execute(select(Vote.choice).where(Vote.decision_id == decision_id)).scalars().all()
    assert choices == ["yes"]
