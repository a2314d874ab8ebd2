"""A burst of votes far above what the server can hold at once: it answers every request fast,
201 (stored) or 503 with Retry-After (nothing stored, try again), never a 500 and never a
30-second wait; and every vote answered 201 is in the database exactly once.

Relais runs here as shipped, in its own process (`relais serve`), on SQLite and PostgreSQL; the
requests come from a pool of client threads in the test process, each with its own connection
(this test checks answers, not speed: figures live in `bench/bench_votes.py`). Two app processes
on one PostgreSQL database vote on the same decisions without losing, doubling or blocking a vote.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import vote_seed  # noqa: E402 - the bench's seeding, written against SQL and HTTP only

SECRET = "overload-test-secret-key-0123456789abcdef"
CLIENT_TIMEOUT = 20.0  # well under the pool's 30-s time-out: a stall shows as a time-out here


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def relais_server(db_url: str, tmp_path: Path, **env_overrides: str):
    """`relais serve` in its own process on `db_url`, until the block ends."""
    port = _free_port()
    env = dict(os.environ, RELAIS_DATABASE_URL=db_url, RELAIS_SECRET_KEY=SECRET,
               RELAIS_RULES_PATH=str(ROOT / "governance_rules.yaml"),
               RELAIS_SCHEDULER_ENABLED="false", RELAIS_BASE_URL=f"http://127.0.0.1:{port}",
               **env_overrides)
    log = open(tmp_path / f"server-{port}.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.argv[0] = 'relais'; from api.cli import app; app()",
         "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp_path / f"server-{port}.log").read_text(errors="replace"))
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _vote(base_url: str, token: str, decision_id: int, seat_id: int) -> tuple[int, str | None]:
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=CLIENT_TIMEOUT)
    try:
        conn.request("POST", f"/api/v1/decisions/{decision_id}/votes",
                     body=json.dumps({"choice": "yes"}),
                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        answer = conn.getresponse()
        answer.read()
        return answer.status, answer.getheader("Retry-After")
    except TimeoutError:
        return -1, None  # a stall: the server kept the request longer than any client waits
    finally:
        conn.close()


def _prepare(db_url: str, base_url: str, people: int, decisions: int):
    directory = vote_seed.seed_directory(db_url, people=people, bodies=4, bodies_per_person=2,
                                         password_hash=vote_seed.cheap_password_hash())
    call = vote_seed.http_caller(base_url)
    tokens = vote_seed.fetch_tokens(call, directory.emails)
    opened = vote_seed.open_decisions(call, directory, tokens, decisions)
    pairs = vote_seed.plan_pairs(directory, opened)
    return directory, tokens, pairs


def _stored_votes(db_url: str) -> list[tuple[int, int]]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(text("SELECT decision_id, seat_id FROM vote"))]
    engine.dispose()
    return found


def test_a_burst_far_above_the_pool_answers_201_or_503_and_every_201_is_stored(db_url, tmp_path):
    # A short queue and wait, so that the burst overflows it and the 503 path is exercised.
    with relais_server(db_url, tmp_path, RELAIS_ADMISSION_QUEUE="40",
                       RELAIS_ADMISSION_WAIT_SECONDS="1.0") as base_url:
        directory, tokens, pairs = _prepare(db_url, base_url, people=120, decisions=16)
        burst = pairs[:400]
        with ThreadPoolExecutor(max_workers=200) as pool:
            answers = list(pool.map(
                lambda p: _vote(base_url, tokens[p[1]], p[0], p[2]), burst))

    statuses = [status for status, _ in answers]
    assert set(statuses) <= {201, 503}, sorted(set(statuses))
    assert statuses.count(201) > 0
    assert all(retry for status, retry in answers if status == 503), "503 without Retry-After"
    stored = _stored_votes(db_url)
    assert len(stored) == len(set(stored)), "a seat voted twice"
    accepted = {(p[0], p[2]) for p, (status, _) in zip(burst, answers, strict=True) if status == 201}
    refused = {(p[0], p[2]) for p, (status, _) in zip(burst, answers, strict=True) if status == 503}
    assert accepted <= set(stored), "a vote answered 201 is missing"
    assert not (refused & set(stored)), "a vote answered 503 was stored"


def test_two_app_processes_on_postgresql_vote_on_the_same_decisions(pg_url, tmp_path):
    with relais_server(pg_url, tmp_path) as first, relais_server(pg_url, tmp_path) as second:
        directory, tokens, pairs = _prepare(pg_url, first, people=60, decisions=8)
        servers = [first, second]
        with ThreadPoolExecutor(max_workers=32) as pool:
            answers = list(pool.map(
                lambda ip: _vote(servers[ip[0] % 2], tokens[ip[1][1]], ip[1][0], ip[1][2]),
                enumerate(pairs)))
        statuses = [status for status, _ in answers]
        # Either server may close a decision early once its last seat has voted; after that a
        # vote would be 409, but every pair here is a distinct seat of an open decision.
        assert set(statuses) <= {201, 503}, sorted(set(statuses))
        stored = _stored_votes(pg_url)
        assert len(stored) == len(set(stored))
        accepted = {(p[0], p[2]) for p, (status, _) in zip(pairs, answers, strict=True) if status == 201}
        assert accepted <= set(stored)
        engine = create_engine(pg_url)
        with engine.connect() as conn:
            closes = conn.execute(text(
                "SELECT object_id, count(*) FROM register_event WHERE object_type = 'decision' "
                "AND action IN ('decision.adopt', 'decision.reject', 'decision.fail_quorum') "
                "GROUP BY object_id")).all()
        engine.dispose()
        assert all(n == 1 for _, n in closes), "a decision was closed twice"
    verify = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv[0] = 'relais'; from api.cli import app; app()",
         "register", "verify"], cwd=tmp_path, capture_output=True, text=True,
        env=dict(os.environ, RELAIS_DATABASE_URL=pg_url, RELAIS_SECRET_KEY=SECRET,
                 RELAIS_RULES_PATH=str(ROOT / "governance_rules.yaml")))
    assert verify.returncode == 0, verify.stdout + verify.stderr

