"""Voters who have voted stop being reminded: at once when a reminder is near, else by the sweep."""

from datetime import timedelta

from sqlalchemy import func, select

from api.collective.models import Person
from api.decisions import service
from api.timeutil import as_utc, set_clock
from notifications.models import OutboxMessage, Status
from tests.decisions.conftest import create_and_open, vote
from tests.helpers import CHAIR, MEMBERS


def _planned(app, decision_id: int, email: str) -> int:
    """Planned closing reminders (the invitation and the outcome are other kinds of email)."""
    with app.state.runtime.database.session() as session:
        pid = session.execute(select(Person.id).where(Person.email == email)).scalar_one()
        return len(session.execute(select(OutboxMessage.id).where(
            OutboxMessage.kind == service.DEADLINE_KIND,
            OutboxMessage.object_type == "decision", OutboxMessage.object_id == decision_id,
            OutboxMessage.recipient_id == pid, OutboxMessage.status == Status.planned)).all())


def test_a_voter_leaves_the_reminder_list_and_the_others_stay_on_it(client, app, voters):
    decision_id = create_and_open(client, voters[CHAIR])  # 72 h window, reminders at 48 h and 4 h
    assert _planned(app, decision_id, MEMBERS[0]) >= 1
    assert vote(client, voters[MEMBERS[0]], decision_id, "yes").status_code == 201
    service.close_due_decisions(app.state.runtime)  # the sweep replans the still-open vote
    assert _planned(app, decision_id, MEMBERS[0]) == 0
    assert _planned(app, decision_id, MEMBERS[1]) >= 1

    # Minutes before this member's next reminder, a vote cancels it in its own transaction.
    with app.state.runtime.database.session() as session:
        pid = session.execute(select(Person.id).where(Person.email == MEMBERS[1])).scalar_one()
        first = session.execute(select(func.min(OutboxMessage.send_at)).where(
            OutboxMessage.kind == service.DEADLINE_KIND,
            OutboxMessage.object_id == decision_id, OutboxMessage.object_type == "decision",
            OutboxMessage.recipient_id == pid, OutboxMessage.status == Status.planned)).scalar_one()
    moment = as_utc(first) - timedelta(minutes=5)
    set_clock(lambda: moment)
    try:
        assert vote(client, voters[MEMBERS[1]], decision_id, "no").status_code == 201
    finally:
        set_clock(None)
    assert _planned(app, decision_id, MEMBERS[1]) == 0
    assert _planned(app, decision_id, MEMBERS[2]) >= 1


def test_closing_cancels_every_reminder_of_the_vote(client, app, voters):
    decision_id = create_and_open(client, voters[CHAIR], kind="procedure")
    for email in voters:
        assert vote(client, voters[email], decision_id, "yes").status_code == 201
    for email in voters:
        assert _planned(app, decision_id, email) == 0



def test_the_sweep_takes_voters_off_the_reminders_without_replanning_everyone(client, app, voters, monkeypatch):
    """Every 30 s the sweep passes over every open vote; replanning the reminders of each at
    every pass cost a quarter of the server's time in a burst of votes, so it leaves a vote
    alone when nothing changed, and when only votes did, cancels the voters' reminders
    only, which leaves the outbox exactly as a full replanning would."""
    from notifications import planner
    from tests.helpers import unit_of_work

    runtime = app.state.runtime
    planned: list[int] = []
    plan_deadline = planner.plan_deadline

    def counting(ctx, deadline):
        planned.append(deadline.object_id)
        return plan_deadline(ctx, deadline)

    def outbox(decision_id):
        with runtime.database.session() as session:
            return sorted(session.execute(select(
                OutboxMessage.recipient_id, OutboxMessage.offset_seconds, OutboxMessage.status).where(
                OutboxMessage.kind == service.DEADLINE_KIND, OutboxMessage.object_type == "decision",
                OutboxMessage.object_id == decision_id)).all())

    monkeypatch.setattr(planner, "plan_deadline", counting)
    decision_id = create_and_open(client, voters[CHAIR])  # opening plans the reminders
    planned.clear()
    service.close_due_decisions(runtime)  # the first pass of this process plans them again
    assert planned == [decision_id]
    planned.clear()
    service.close_due_decisions(runtime)
    assert planned == []  # nothing changed: nothing replanned

    assert vote(client, voters[MEMBERS[0]], decision_id, "yes").status_code == 201
    assert _planned(app, decision_id, MEMBERS[0]) >= 1  # far from a reminder: left to the sweep
    service.close_due_decisions(runtime)
    assert planned == []
    assert _planned(app, decision_id, MEMBERS[0]) == 0
    assert _planned(app, decision_id, MEMBERS[1]) >= 1

    after_sweep = outbox(decision_id)
    with unit_of_work(runtime) as ctx:  # a full replanning finds nothing to change
        decision = ctx.session.get(service.Decision, decision_id)
        service._refresh_deadline(ctx, decision, service.voting_seats(ctx, decision.body_id))
    assert outbox(decision_id) == after_sweep


def test_one_sweep_takes_the_voters_off_every_open_vote_in_two_statements(client, app, voters):
    """A general assembly opens many votes at once; while they are all being voted on, the
    sweep's pass costs the same two statements (list the open votes with their counts, cancel
    the reminders of everyone who has no seat left to vote with) however many there are."""
    from sqlalchemy import event

    runtime = app.state.runtime
    ids = [create_and_open(client, voters[CHAIR]) for _ in range(4)]
    service.close_due_decisions(runtime)  # this process's first pass plans each one
    for n, decision_id in enumerate(ids):
        assert vote(client, voters[MEMBERS[n % 2]], decision_id, "yes").status_code == 201
        assert _planned(app, decision_id, MEMBERS[n % 2]) >= 1  # far from a reminder: left to the sweep

    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        if statement.lstrip().split(None, 1)[0].upper() in ("SELECT", "UPDATE", "INSERT", "DELETE"):
            statements.append(statement)

    engine = runtime.database.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert service.close_due_decisions(runtime) == []
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 2, statements
    for n, decision_id in enumerate(ids):
        assert _planned(app, decision_id, MEMBERS[n % 2]) == 0
        assert _planned(app, decision_id, MEMBERS[(n + 1) % 2]) >= 1
        assert _planned(app, decision_id, MEMBERS[2]) >= 1
