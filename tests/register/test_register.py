"""The decision register: every membership change is in it, and any edit is detected."""

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select, text

from api.register import service as register
from api.register.models import RegisterEvent
from tests.helpers import seed_demo


def test_the_demo_collective_is_in_the_register_and_verifies(database):
    seed_demo(database)
    with database.session() as session:
        result = register.verify(session)
        actions = set(session.execute(select(RegisterEvent.action)).scalars())
    assert result.ok and result.checked > 20
    assert {"body.created", "organisation.created", "person.created", "seat.created"} <= actions


def test_an_edited_row_is_detected_and_named(database):
    seed_demo(database)
    with database.session() as session:
        victim = session.execute(select(RegisterEvent).where(RegisterEvent.action == "seat.created")
                                 .order_by(RegisterEvent.seq)).scalars().first()
        seq = victim.seq
    with database.engine.begin() as conn:  # someone edits the table behind Relais' back
        conn.execute(text("UPDATE register_event SET actor_id = NULL, action = 'seat.updated' WHERE seq = :s"),
                     {"s": seq})
    with database.session() as session:
        result = register.verify(session)
    assert not result.ok and result.broken_seq == seq and result.checked == seq - 1


def test_a_removed_row_is_detected(database):
    seed_demo(database)
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM register_event WHERE seq = 5"))
    with database.session() as session:
        result = register.verify(session)
    assert not result.ok and result.broken_seq == 5 and result.reason == "missing event"


def test_a_removed_last_row_is_detected(database):
    seed_demo(database)
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM register_event WHERE seq = (SELECT MAX(seq) FROM register_event)"))
    with database.session() as session:
        assert not register.verify(session).ok


def test_relais_register_verify_exits_non_zero_and_names_the_event(database, db_url):
    seed_demo(database)
    env = {"RELAIS_DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}
    root = Path(__file__).parents[2]
    ok = subprocess.run([sys.executable, "-m", "api.cli", "register", "verify"], capture_output=True,
                        text=True, env=env, cwd=root)
    assert ok.returncode == 0, ok.stderr
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE register_event SET after = NULL WHERE seq = 7"))
    broken = subprocess.run([sys.executable, "-m", "api.cli", "register", "verify"], capture_output=True,
                            text=True, env=env, cwd=root)
    assert broken.returncode == 1 and "event 7" in broken.stderr
