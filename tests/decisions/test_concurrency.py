"""One vote per seat, even when ten requests for the same seat arrive at once."""

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.collective.models import Person
from api.decisions import service
from api.decisions.models import Vote
from api.errors import Conflict
from tests.decisions.conftest import create_and_open, vote
from tests.helpers import CHAIR, MEMBERS


def test_ten_simultaneous_votes_for_one_seat_store_exactly_one_vote(client, app, voters):
    decision_id = create_and_open(client, voters[CHAIR])
    with app.state.runtime.database.session() as session:
        person_id = session.execute(select(Person.id).where(Person.email == MEMBERS[0])).scalar_one()
    barrier = threading.Barrier(10)
    results: list[str] = []
    lock = threading.Lock()

    runtime = app.state.runtime

    def cast(i: int) -> None:
        with runtime.unit_of_work(viewer_id=person_id) as ctx:  # signed in, then released
            viewer = ctx.viewer
        barrier.wait()
        try:
            with runtime.unit_of_work() as ctx:
                ctx.viewer = viewer
                _, _, status = service.cast_vote(ctx, decision_id, ["yes", "no"][i % 2])
        except Conflict as exc:
            status = exc.key
        with lock:
            results.append(status)

    threads = [threading.Thread(target=cast, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 10
    assert results.count("cast") == 1, results
    assert set(results) <= {"cast", "changed", "unchanged", "decision.vote_concurrent"}
    with app.state.runtime.database.session() as session:
        rows = session.execute(select(Vote).where(Vote.decision_id == decision_id)).scalars().all()
        assert len(rows) == 1
    assert client.get("/api/v1/register/verify", headers=voters[CHAIR]).json()["ok"] is True


def test_simultaneous_api_requests_for_one_seat_never_make_two_votes(client, app, voters):
    decision_id = create_and_open(client, voters[CHAIR])
    member = voters[MEMBERS[1]]
    barrier = threading.Barrier(8)
    codes: list[int] = []

    def post() -> None:
        barrier.wait()
        codes.append(vote(client, member, decision_id, "yes").status_code)  # 500 would show here

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(codes) == 8 and codes.count(201) == 1 and set(codes) <= {200, 201, 409}, codes
    with app.state.runtime.database.session() as session:
        assert len(session.execute(select(Vote).where(Vote.decision_id == decision_id)).all()) == 1


def test_the_database_itself_refuses_a_second_vote_for_a_seat(client, app, voters):
    decision_id = create_and_open(client, voters[CHAIR])
    assert vote(client, voters[MEMBERS[0]], decision_id, "yes").status_code == 201
    with app.state.runtime.database.session() as session:
        first = session.execute(select(Vote).where(Vote.decision_id == decision_id)).scalar_one()
        clone = {k: getattr(first, k) for k in ("decision_id", "seat_id", "person_id", "organisation_id")}
    with pytest.raises(IntegrityError), app.state.runtime.database.session() as session:
        session.add(Vote(**clone, choice="no"))
        session.flush()


def test_five_voters_at_once_close_the_vote_exactly_once_with_every_vote_counted(client, app, voters):
    decision_id = create_and_open(client, voters[CHAIR], kind="procedure")
    barrier = threading.Barrier(len(voters))
    codes: list[int] = []

    def post(email: str) -> None:
        barrier.wait()
        codes.append(vote(client, voters[email], decision_id, "yes").status_code)

    threads = [threading.Thread(target=post, args=(email,)) for email in voters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert codes == [201] * 5
    service.close_due_decisions(app.state.runtime)  # a sweep right after changes nothing
    detail = client.get(f"/api/v1/decisions/{decision_id}", headers=voters[CHAIR]).json()
    assert detail["state"] == "adopted" and detail["outcome"]["yes"] == 5
    events = client.get(f"/api/v1/register?object_type=decision&object_id={decision_id}&per_page=100",
                        headers=voters[CHAIR]).json()["items"]
    assert [e["action"] for e in events].count("decision.tallied") == 1
    assert client.get("/api/v1/register/verify", headers=voters[CHAIR]).json()["ok"] is True
