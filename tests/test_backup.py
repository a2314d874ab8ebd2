"""Backup, restore and leaving with your data.

A collective backs Relais up while it runs (`relais backup FILE`: one consistent instant, the
register's head written next to it), restores into a new database (`relais restore FILE`,
refused when the copy's register does not verify), and may leave with every table as CSV and
JSON (`relais export DIR`, with a README of the columns)."""

import csv
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from api import backup
from api.areas import import_models
from api.db import Base
from api.register import service as register
from tests.conftest import _admin_engine, _drop_pg, _pg_url, make_settings, seed_demo
from tests.test_overload import SECRET, _prepare, _vote, relais_server

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = make_settings("sqlite://").secret_key


@pytest.fixture
def new_db_url(db_url, tmp_path) -> Iterator[str]:
    """A new, empty database on the same backend as `db_url`, to restore into."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"relais_restore_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    try:
        yield _pg_url(name)
    finally:
        _drop_pg(admin, name)
        admin.dispose()


def _relais(db_url: str, *args: str, secret: str = TEST_SECRET) -> subprocess.CompletedProcess:
    env = dict(os.environ, RELAIS_DATABASE_URL=db_url, RELAIS_SECRET_KEY=secret,
               RELAIS_RULES_PATH=str(ROOT / "governance_rules.yaml"), RELAIS_SCHEDULER_ENABLED="false")
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def _votes(db_url: str) -> set[tuple[int, int]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return {tuple(r) for r in conn.execute(text("SELECT decision_id, seat_id FROM vote"))}
    finally:
        engine.dispose()


def _tables(db_url: str) -> list[str]:
    engine = create_engine(db_url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_a_backup_during_a_burst_of_votes_restores_every_vote_answered_before_it(db_url, new_db_url, tmp_path):
    file = tmp_path / "relais.backup"
    answers: list[tuple[tuple[int, int, int], int, float]] = []  # (pair, status, answered at)
    lock = threading.Lock()
    stop = threading.Event()
    with relais_server(db_url, tmp_path) as base_url:
        _, tokens, pairs = _prepare(db_url, base_url, people=60, decisions=8)
        queue = iter(pairs)

        def voter() -> None:
            while not stop.is_set():
                with lock:
                    pair = next(queue, None)
                if pair is None:
                    return
                status, _ = _vote(base_url, tokens[pair[1]], pair[0], pair[2])
                with lock:
                    answers.append((pair, status, time.monotonic()))
                time.sleep(0.005)

        with ThreadPoolExecutor(max_workers=6) as pool:
            running = [pool.submit(voter) for _ in range(6)]
            while len(answers) < 40:
                time.sleep(0.01)
            started = time.monotonic()
            done = _relais(db_url, "backup", str(file), secret=SECRET)
            finished = time.monotonic()
            stop.set()
            for job in running:
                job.result()
    assert done.returncode == 0, done.stderr
    with lock:
        before = {(p[0], p[2]) for p, status, at in answers if 200 <= status < 300 and at < started}
        during = [p for p, status, at in answers if 200 <= status < 300 and started <= at <= finished]
    assert len(before) >= 40
    assert during, "votes went on while the backup was taken"
    assert {status for _, status, _ in answers} <= {201, 503}

    # The register's head is recorded next to the file.
    sidecar = json.loads(backup.sidecar_of(file).read_text())
    assert sidecar["verified"] is True and sidecar["seq"] > 0 and len(sidecar["hash"]) == 64

    restored = _relais(new_db_url, "restore", str(file), secret=SECRET)
    assert restored.returncode == 0, restored.stderr
    assert f"{sidecar['seq']}:{sidecar['hash']}" in restored.stdout
    stored = _votes(new_db_url)
    assert before <= stored, f"{len(before - stored)} votes answered before the backup are missing"
    verified = _relais(new_db_url, "register", "verify", "--anchor", f"{sidecar['seq']}:{sidecar['hash']}",
                       secret=SECRET)
    assert verified.returncode == 0, verified.stderr
    assert "signed" in verified.stdout and "is in the chain" in verified.stdout


def _seed_sealed(database) -> None:
    """The demo collective, its register signed as `relais demo` leaves it."""
    from api.areas import build_runtime

    seed_demo(database)
    runtime = build_runtime(make_settings(database.url), database)
    with runtime.unit_of_work() as ctx:
        assert register.seal(ctx) > 0


def _edit_event(db_url: str, seq: int) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE register_event SET action = 'seat.deleted' WHERE seq = :s"), {"s": seq})
    engine.dispose()


def test_restore_refuses_a_copy_whose_register_does_not_verify_and_leaves_nothing_behind(
        database, db_url, new_db_url, tmp_path):
    _seed_sealed(database)
    settings = make_settings(db_url)
    good = tmp_path / "good.backup"
    record = backup.backup(settings, good)
    assert record.verified and record.seq > 10

    # A register edited before the backup: the backup says so and exits 1; restore refuses it.
    _edit_event(db_url, 7)
    bad = tmp_path / "edited.backup"
    done = _relais(db_url, "backup", str(bad))
    assert done.returncode == 1 and "does NOT verify" in done.stderr and "event 7" in done.stderr
    refused = _relais(new_db_url, "restore", str(bad))
    assert refused.returncode == 1 and "refused" in refused.stderr and "event 7" in refused.stderr
    assert _tables(new_db_url) == []

    # A good copy restored by an installation with another secret key: its signatures do not
    # match that key, so it is refused too (the register cannot be re-signed elsewhere).
    other = _relais(new_db_url, "restore", str(good), secret="another-installation-key")
    assert other.returncode == 1 and "refused" in other.stderr
    assert _tables(new_db_url) == []

    # A copy whose head is not the one recorded next to it (an older copy under a newer head).
    backup.sidecar_of(bad).write_text(backup.sidecar_of(good).read_text())
    assert _relais(new_db_url, "restore", str(bad)).returncode == 1

    # The good copy restores, and restoring over a database that is not empty is refused.
    assert _relais(new_db_url, "restore", str(good)).returncode == 0
    with_data = _relais(new_db_url, "restore", str(good))
    assert with_data.returncode == 1 and "not empty" in with_data.stderr
    engine = create_engine(new_db_url)
    try:
        with engine.connect() as conn:
            from sqlalchemy.orm import Session

            with Session(bind=conn) as session:
                result = register.verify(session, register.signing_key(TEST_SECRET))
    finally:
        engine.dispose()
    assert result.ok and (result.head_seq, result.head_hash) == (record.seq, record.hash)


def test_a_sqlite_backup_file_rewritten_and_rehashed_is_refused_with_the_event_named(sqlite_url, tmp_path):
    from api.db import Database

    database = Database(sqlite_url)
    try:
        _seed_sealed(database)
        file = tmp_path / "relais.backup"
        backup.backup(make_settings(sqlite_url), file)
    finally:
        database.dispose()
    # Someone edits event 12 in the copy and recomputes every later hash and the head.
    copy = create_engine(f"sqlite:///{file}")
    from sqlalchemy.orm import Session

    from api.register.models import RegisterEvent, RegisterHead

    with Session(copy) as session, session.begin():
        events = session.query(RegisterEvent).filter(RegisterEvent.seq >= 12).order_by(RegisterEvent.seq).all()
        prev = events[0].prev_hash
        events[0].after = {**(events[0].after or {}), "role": "chair"}
        for event in events:
            event.prev_hash = prev
            event.hash = register.compute_hash(event)
            prev = event.hash
        session.get(RegisterHead, 1).hash = prev
    copy.dispose()
    target = f"sqlite:///{tmp_path / 'new.db'}"
    refused = _relais(target, "restore", str(file))
    assert refused.returncode == 1 and "event 12" in refused.stderr and "rewritten" in refused.stderr
    assert not (tmp_path / "new.db").exists() or _tables(target) == []


def test_export_writes_every_table_as_csv_and_json_with_a_readme_of_the_columns(database, db_url, tmp_path):
    from datetime import date

    from api.areas import build_runtime

    runtime = build_runtime(make_settings(db_url), database)
    with runtime.unit_of_work() as ctx:  # the areas' demo data: decisions, grants, tasks...
        for _, hook in sorted(ctx.registry.demo_hooks, key=lambda h: h[0]):
            hook(ctx, date(2026, 11, 23))
    engine = create_engine(db_url)
    with engine.begin() as conn:  # a value a spreadsheet would run as a formula
        conn.execute(text("UPDATE organisation SET name = '=HYPERLINK(\"http://x\")' WHERE id = "
                          "(SELECT MIN(id) FROM organisation)"))
        counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()
                  for t in inspect(conn).get_table_names() if t != "alembic_version"}
    engine.dispose()
    out = tmp_path / "export"
    done = _relais(db_url, "export", str(out))
    assert done.returncode == 0, done.stderr

    import_models()
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "vérifié / verified" in readme
    for table in Base.metadata.sorted_tables:
        if table.name not in counts:
            continue
        with (out / f"{table.name}.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        data = json.loads((out / f"{table.name}.json").read_text(encoding="utf-8"))
        assert len(rows) - 1 == len(data) == counts[table.name], table.name
        assert f"## {table.name} ({counts[table.name]})" in readme
        for column in rows[0]:
            assert f"| `{column}` |" in readme, (table.name, column)
        # Secrets never leave: password hashes, sign-in, feed and unsubscribe tokens.
        assert not any("password" in c or "token" in c for c in rows[0]), table.name
    assert counts["decision"] > 0 and counts["grant_application"] > 0 and counts["register_event"] > 20
    organisations = json.loads((out / "organisation.json").read_text(encoding="utf-8"))
    assert '=HYPERLINK("http://x")' in [o["name"] for o in organisations]  # JSON: exact
    with (out / "organisation.csv").open(encoding="utf-8", newline="") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    assert "'=HYPERLINK(\"http://x\")" in names  # CSV: not run by a spreadsheet
    assert not list(out.glob(".export-snapshot*"))
