"""A vote's register event is written in the vote's own transaction but *pending*: linked to
the chain (sequence number, hash, signature) a moment later, by the next linked event, the
one-second sweep, or whoever reads the register. These tests hold the promises of that
moment: nothing is lost, nothing is out of order, nothing is listed half-made, and the chain
stays whole when many people vote at once."""

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.decisions import service as decisions
from api.decisions.models import Vote
from api.register import service as register
from api.register.models import RegisterEvent
from notifications.sweeps import run_sweeps
from tests.decisions.conftest import VOTERS, create_and_open, events, vote
from tests.helpers import CHAIR, MEMBERS, make_settings, token_for, unit_of_work

ROOT = Path(__file__).parents[2]
KEY = register.signing_key(make_settings("sqlite://").secret_key)


def _pending(database) -> list[RegisterEvent]:
    with database.session() as session:
        return session.execute(select(RegisterEvent).where(RegisterEvent.seq.is_(None))
                               .order_by(RegisterEvent.id)).scalars().all()


def _verify(database) -> register.VerifyResult:
    with database.session() as session:
        return register.verify(session, KEY)


def _event_of(database, event_id: int) -> RegisterEvent:
    with database.session() as session:
        return session.get(RegisterEvent, event_id)


def test_a_vote_is_listed_in_the_register_in_its_place_as_soon_as_it_is_answered(client, database):
    chair = token_for(client, CHAIR)
    decision_id = create_and_open(client, chair)
    assert vote(client, token_for(client, MEMBERS[0]), decision_id, "yes").status_code == 201

    # Written with the vote, not linked yet (no sweep runs in the tests' app).
    [waiting] = _pending(database)
    assert (waiting.action, waiting.object_id, waiting.hash) == ("vote.cast", decision_id, None)

    # Whoever reads the register sees it linked, hashed and in order.
    listed = events(client, chair, decision_id)
    assert [e["action"] for e in listed] == ["decision.created", "decision.open", "vote.cast"]
    assert listed[-1]["seq"] == listed[-2]["seq"] + 1 and listed[-1]["hash"]
    assert _pending(database) == []
    result = _verify(database)
    assert result.ok and result.signed and result.pending == 0


def test_the_sweep_links_pending_votes_in_the_order_they_were_written_and_signs_them(client, runtime, database):
    chair = token_for(client, CHAIR)
    decisions_opened = [create_and_open(client, chair, title=f"Budget {n}") for n in range(3)]
    for decision_id, email in zip(decisions_opened, [CHAIR, MEMBERS[0], MEMBERS[1]], strict=True):
        assert vote(client, token_for(client, email), decision_id, "yes").status_code == 201
    waiting = [event.id for event in _pending(database)]
    assert len(waiting) == 3

    before = _verify(database)  # the linked chain is whole; the votes wait beside it
    assert before.ok and before.pending == 3

    assert run_sweeps(runtime, ["register_seal"]) == {"register_seal": "ok"}
    linked = [_event_of(database, event_id) for event_id in waiting]
    assert [e.seq for e in linked] == list(range(before.head_seq + 1, before.head_seq + 4))
    assert all(e.signature for e in linked)
    after = _verify(database)
    assert after.ok and after.signed and after.pending == 0 and after.head_seq == before.head_seq + 3
    assert run_sweeps(runtime, ["register_seal"]) == {"register_seal": "ok"}  # nothing left: a no-op
    assert _verify(database).head_seq == after.head_seq


def test_the_vote_that_closes_a_decision_comes_before_its_close_in_the_chain(client, database):
    voters = {email: token_for(client, email) for email in VOTERS}
    decision_id = create_and_open(client, voters[CHAIR])
    for email in VOTERS:
        assert vote(client, voters[email], decision_id, "yes").status_code == 201
    # The close is a linked event: it linked the five pending votes first, in its transaction.
    assert _pending(database) == []
    with database.session() as session:
        chain = session.execute(select(RegisterEvent.action).where(RegisterEvent.object_id == decision_id,
                                                                   RegisterEvent.object_type == "decision")
                                .order_by(RegisterEvent.seq)).scalars().all()
    assert chain == ["decision.created", "decision.open", *["vote.cast"] * 5, "decision.tallied",
                     "decision.adopt"]
    assert _verify(database).ok


def test_a_vote_whose_transaction_rolls_back_leaves_no_event_behind(client, runtime, database):
    decision_id = create_and_open(client, token_for(client, CHAIR))
    with pytest.raises(RuntimeError), unit_of_work(runtime, MEMBERS[0]) as ctx:
        decisions.cast_vote(ctx, decision_id, "yes")
        assert ctx.session.execute(select(func.count()).select_from(RegisterEvent)
                                   .where(RegisterEvent.seq.is_(None))).scalar_one() == 1
        raise RuntimeError("the request fails after the vote")
    assert _pending(database) == []
    with database.session() as session:
        assert session.execute(select(func.count()).select_from(Vote)
                               .where(Vote.decision_id == decision_id)).scalar_one() == 0
    result = _verify(database)
    assert result.ok and result.pending == 0


def test_relais_register_verify_says_how_many_vote_events_wait_to_be_linked(client, db_url, database):
    decision_id = create_and_open(client, token_for(client, CHAIR))
    assert vote(client, token_for(client, MEMBERS[0]), decision_id, "no").status_code == 201
    env = {"RELAIS_DATABASE_URL": db_url, "RELAIS_SECRET_KEY": make_settings(db_url).secret_key,
           "PATH": "/usr/bin:/bin"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "api.cli", "register", *args],
                              capture_output=True, text=True, env=env, cwd=ROOT)

    checked = cli("verify")
    assert checked.returncode == 0, checked.stderr
    assert "register OK" in checked.stdout and "1 vote event(s) pending" in checked.stdout
    sealed = cli("seal")
    assert sealed.returncode == 0 and "1 event(s) linked or signed" in sealed.stdout
    again = cli("verify")
    assert again.returncode == 0 and "pending" not in again.stdout


def test_many_people_voting_at_once_while_the_register_is_read_keep_one_whole_chain(client, runtime, database):
    """Twenty votes on four decisions from five threads, a reader sealing all along: every vote
    has exactly one event, in a chain without gaps, signed."""
    chair = token_for(client, CHAIR)
    opened = [create_and_open(client, chair, kind="procedure", title=f"Procédure {n}") for n in range(4)]
    errors: list[BaseException] = []
    done = threading.Event()

    def voter(email: str) -> None:
        try:
            for decision_id in opened:
                with unit_of_work(runtime, email) as ctx:
                    decisions.cast_vote(ctx, decision_id, "yes")
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    def reader() -> None:
        while not done.is_set():
            try:
                with unit_of_work(runtime) as ctx:
                    register.seal(ctx)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                return
            done.wait(0.005)

    threads = [threading.Thread(target=voter, args=(email,)) for email in VOTERS]
    sealer = threading.Thread(target=reader)
    sealer.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    done.set()
    sealer.join(10)
    assert errors == []

    with unit_of_work(runtime) as ctx:
        register.seal(ctx)
    result = _verify(database)
    assert result.ok and result.signed and result.pending == 0
    with database.session() as session:
        cast = session.execute(select(RegisterEvent.object_id, RegisterEvent.actor_id)
                               .where(RegisterEvent.action == "vote.cast")).all()
        votes = session.execute(select(Vote.decision_id, Vote.person_id)
                                .where(Vote.decision_id.in_(opened))).all()
    assert len(votes) == 20
    assert sorted(cast) == sorted(votes)


def test_a_vote_and_its_register_event_take_one_round_trip_and_match_the_other_path(client, database):
    """On PostgreSQL the vote's INSERT also writes its pending event (one round trip fewer on
    every vote of a general assembly); the event is the same as the one SQLite's two
    statements write, and a refused vote writes none."""
    from sqlalchemy import event as sa_event

    chair = token_for(client, CHAIR)
    decision_id = create_and_open(client, chair)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split())[:60])

    sa_event.listen(database.engine, "before_cursor_execute", seen)
    try:
        assert vote(client, token_for(client, MEMBERS[0]), decision_id, "yes").status_code == 201
    finally:
        sa_event.remove(database.engine, "before_cursor_execute", seen)
    writes = [s for s in statements if s.startswith(("INSERT", "WITH"))]
    if database.is_postgres:
        assert len(writes) == 1 and writes[0].startswith("WITH inserted_vote AS (INSERT INTO vote"), writes
    else:
        assert [w.split("(")[0].strip() for w in writes] == ["INSERT INTO vote", "INSERT INTO register_event"]

    [written] = _pending(database)
    assert (written.action, written.object_type, written.object_id, written.before) == (
        "vote.cast", "decision", decision_id, None)
    assert written.after["channel"] == "api" and written.after["seat_id"] and written.actor_id
    assert written.occurred_at is not None and written.rules_version_id is not None

    # Voting again with the same choice writes no second event.
    assert vote(client, token_for(client, MEMBERS[0]), decision_id, "yes").status_code == 200
    assert len(_pending(database)) == 1
    assert _verify(database).pending == 1
