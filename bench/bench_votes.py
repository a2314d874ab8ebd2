"""Vote casting through the real API, on SQLite and PostgreSQL, next to a bare insert endpoint.

    /tmp/venv/bin/python bench/bench_votes.py [--seats 400] [--decisions 3] [--clients 32]

For each database: a temporary database (a SQLite file; a PostgreSQL database created on
postgresql://postgres@127.0.0.1:5432 and dropped after), a body with `--seats` voting seats and
`--decisions` open budget decisions; a uvicorn server on 127.0.0.1 (its own process) serving
Relais plus `POST /bench/bare`, a bare FastAPI + SQLAlchemy endpoint that inserts one row per
request into a table with the same (decision, seat) unique key, on the same database and engine
settings. `--clients` concurrent httpx clients send every vote once (each seat on each
decision), then as many bare inserts. Printed: requests/s, p50/p99 latency, the ratio of the
vote rate to the bare rate, and a check that the votes stored equal the votes accepted.
Bounded: at most seats x decisions requests per endpoint and `--time-limit` seconds per phase.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-key-not-for-production-0123456789"
PG_ADMIN = os.environ.get("RELAIS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BODY_KEY = "bench_committee"


def _bare_table():
    from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, UniqueConstraint

    metadata = MetaData()
    table = Table("bench_bare_vote", metadata,
                  Column("id", Integer, primary_key=True),
                  Column("decision_id", Integer, nullable=False),
                  Column("seat_id", Integer, nullable=False),
                  Column("choice", String(8), nullable=False),
                  Column("cast_at", DateTime, nullable=False),
                  UniqueConstraint("decision_id", "seat_id"))
    return metadata, table


def _settings(db_url: str):
    from api.config import Settings

    return Settings(database_url=db_url, rules_path=ROOT / "governance_rules.yaml", secret_key=SECRET,
                    scheduler_enabled=False, base_url="http://127.0.0.1")


# --- setup (in this process) ------------------------------------------------------------

def setup(db_url: str, seats: int, decisions: int) -> dict:
    from sqlalchemy import select

    from api.access import load_viewer
    from api.areas import import_all_areas
    from api.collective.models import Body, Person, Seat
    from api.collective.setup import sync_from_rules
    from api.db import Database
    from api.decisions import service
    from api.decisions.schemas import DecisionIn
    from api.rules.loader import load_rules
    from api.rules.service import record_version
    from api.security import make_token
    from migrations import upgrade

    import_all_areas()
    upgrade(db_url)
    db = Database(db_url)
    metadata, _ = _bare_table()
    metadata.create_all(db.engine)
    loaded = load_rules(ROOT / "governance_rules.yaml")
    with db.session() as session:
        version_id = record_version(session, loaded).id
        sync_from_rules(session, loaded.rules)
        body = Body(key=BODY_KEY, kind="sub_committee", name_fr="Comité du banc d'essai",
                    name_en="Benchmark committee")
        session.add(body)
        session.flush()
        people = [Person(email=f"bench{i}@relais.bench", name=f"Banc {i}", language="fr")
                  for i in range(seats)]
        session.add_all(people)
        session.flush()
        session.add_all([Seat(person_id=p.id, body_id=body.id, role="chair" if i == 0 else "member",
                              voting=True, starts_on=date(2000, 1, 1)) for i, p in enumerate(people)])
        session.flush()
        body_id, person_ids = body.id, [p.id for p in people]
    with db.session() as session:
        chair = session.execute(select(Person).where(Person.id == person_ids[0])).scalar_one()
        viewer = load_viewer(session, chair, date.today())
        ids = []
        for n in range(decisions):
            decision = service.create(session, DecisionIn(kind="budget", title=f"Budget {n}", text="Banc d'essai",
                                                          body_id=body_id), viewer, loaded.rules)
            service.transition(session, decision.id, "open", viewer, loaded.rules, version_id)
            ids.append(decision.id)
    db.dispose()
    return {"decisions": ids, "tokens": [make_token(SECRET, pid) for pid in person_ids]}


def count_rows(db_url: str, decision_ids: list[int]) -> tuple[int, int, int]:
    from sqlalchemy import func, select

    from api.db import Database
    from api.decisions.models import Vote
    from api.register.service import verify

    db = Database(db_url)
    _, bare = _bare_table()
    with db.session() as session:
        votes = session.execute(select(func.count()).select_from(Vote)
                                .where(Vote.decision_id.in_(decision_ids))).scalar_one()
        dupes = session.execute(select(func.count()).select_from(
            select(Vote.decision_id, Vote.seat_id).group_by(Vote.decision_id, Vote.seat_id)
            .having(func.count() > 1).subquery())).scalar_one()
        bare_rows = session.execute(select(func.count()).select_from(bare)).scalar_one()
        ok = verify(session).ok
    db.dispose()
    if not ok:
        raise SystemExit("register verify FAILED after the run")
    return votes, dupes, bare_rows


# --- the server (its own process) ---------------------------------------------------------

def serve(db_url: str, port: int) -> None:
    import uvicorn
    from fastapi import Body as JsonBody
    from fastapi.responses import JSONResponse
    from sqlalchemy.exc import IntegrityError

    from api.main import create_app
    from api.timeutil import now

    app = create_app(_settings(db_url))
    _, table = _bare_table()

    @app.post("/bench/bare")
    def bare(payload: dict = JsonBody(...)):  # noqa: B008 - FastAPI idiom
        session = app.state.db.sessionmaker()
        try:
            session.execute(table.insert().values(decision_id=int(payload["decision_id"]),
                                                  seat_id=int(payload["seat_id"]),
                                                  choice=str(payload["choice"])[:8],
                                                  cast_at=now().replace(tzinfo=None)))
            session.commit()
        except IntegrityError:
            session.rollback()
            return JSONResponse({"status": "duplicate"}, status_code=409)
        finally:
            session.close()
        return JSONResponse({"status": "ok"}, status_code=201)

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_url: str) -> tuple[subprocess.Popen, str]:
    import httpx

    port = _free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", db_url, str(port)], cwd=str(ROOT))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the bench server did not start")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("the bench server did not answer in 60 s")


# --- load ------------------------------------------------------------------------------

async def drive(url: str, jobs: list[tuple[str, dict, dict]], clients: int, time_limit: float) -> dict:
    import httpx

    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    stop_at = time.monotonic() + time_limit

    async def worker(client: httpx.AsyncClient) -> None:
        while time.monotonic() < stop_at:
            try:
                path, body, headers = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            start = time.perf_counter()
            try:
                r = await client.post(path, json=body, headers=headers)
                code = r.status_code
            except httpx.HTTPError:
                code = -1
            latencies.append(time.perf_counter() - start)
            statuses[code] = statuses.get(code, 0) + 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    n = len(latencies)
    return {"requests": n, "elapsed": elapsed, "rate": n / elapsed if elapsed else 0.0,
            "p50": statistics.median(latencies) * 1000 if n else 0.0,
            "p99": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else 0.0,
            "statuses": statuses}


def run_backend(name: str, db_url: str, args) -> dict:
    print(f"\n== {name}: setting up {args.seats} seats and {args.decisions} open decisions ...", flush=True)
    data = setup(db_url, args.seats, args.decisions + 1)  # the last one for the 1-client probe
    probe_decision = data["decisions"].pop()
    proc, url = start_server(db_url)
    try:
        choices = ("yes", "no", "abstain")
        vote_jobs = [(f"/api/v1/decisions/{d}/votes", {"choice": choices[i % 3]},
                      {"Authorization": f"Bearer {token}"})
                     for d in data["decisions"] for i, token in enumerate(data["tokens"])]
        bare_jobs = [("/bench/bare", {"decision_id": d, "seat_id": i + 1, "choice": choices[i % 3]}, {})
                     for d in data["decisions"] for i in range(len(data["tokens"]))]
        # Warm up both paths (imports, pools, caches) on rows that are not counted.
        asyncio.run(drive(url, [("/bench/bare", {"decision_id": -1, "seat_id": i, "choice": "yes"}, {})
                                for i in range(64)], args.clients, 30))
        bare = asyncio.run(drive(url, bare_jobs, args.clients, args.time_limit))
        votes = asyncio.run(drive(url, vote_jobs, args.clients, args.time_limit))
        # One client alone: the service time of each path, without queueing.
        probe_n = min(100, len(data["tokens"]) - 1)
        probe_bare = asyncio.run(drive(url, [("/bench/bare", {"decision_id": probe_decision, "seat_id": i,
                                                              "choice": "yes"}, {}) for i in range(probe_n)],
                                       1, args.time_limit))
        probe_votes = asyncio.run(drive(url, [(f"/api/v1/decisions/{probe_decision}/votes", {"choice": "yes"},
                                               {"Authorization": f"Bearer {token}"})
                                              for token in data["tokens"][:probe_n]], 1, args.time_limit))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    stored, dupes, bare_rows = count_rows(db_url, data["decisions"])
    accepted = votes["statuses"].get(201, 0)
    bare_rows -= 64 + probe_bare["statuses"].get(201, 0)  # the warm-up and probe rows
    result = {"name": name, "bare": bare, "votes": votes, "stored": stored, "accepted": accepted,
              "dupes": dupes, "bare_rows": bare_rows}
    ratio = votes["rate"] / bare["rate"] if bare["rate"] else 0.0
    print(f"bare insert : {bare['requests']:5d} req  {bare['rate']:8.1f} req/s  p50 {bare['p50']:6.1f} ms  "
          f"p99 {bare['p99']:6.1f} ms  statuses {bare['statuses']}")
    print(f"vote (API)  : {votes['requests']:5d} req  {votes['rate']:8.1f} votes/s  p50 {votes['p50']:6.1f} ms  "
          f"p99 {votes['p99']:6.1f} ms  statuses {votes['statuses']}")
    print(f"ratio vote/bare: {ratio:.2f}x   votes stored {stored} = accepted {accepted}: "
          f"{'OK' if stored == accepted else 'MISMATCH'}   duplicated seats: {dupes}   "
          f"bare rows {bare_rows} = accepted {bare['statuses'].get(201, 0)}")
    print(f"1 client    : bare p50 {probe_bare['p50']:.1f} ms p99 {probe_bare['p99']:.1f} ms; "
          f"vote p50 {probe_votes['p50']:.1f} ms p99 {probe_votes['p99']:.1f} ms")
    # Little's law: with N clients always waiting, latency = N / rate; a p99 under 50 ms with 32
    # clients needs 640 requests/s through one serialised writer.
    result["ratio"] = ratio
    result["probe_votes"], result["probe_bare"] = probe_votes, probe_bare
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seats", type=int, default=400)
    parser.add_argument("--decisions", type=int, default=3)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per phase")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--serve", nargs=2, metavar=("DB_URL", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    args.seats = max(2, min(args.seats, 2000))
    args.decisions = max(1, min(args.decisions, 10))
    args.clients = max(1, min(args.clients, 128))
    results = []
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(run_backend("SQLite", f"sqlite:///{tmp}/bench.db", args))
    if args.only in (None, "postgresql"):
        from sqlalchemy import create_engine, text

        name = f"relais_bench_{uuid.uuid4().hex[:8]}"
        try:
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001 - reported
            print(f"\n== PostgreSQL skipped: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
        else:
            try:
                results.append(run_backend("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", args))
            finally:
                with admin.connect() as conn:
                    conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                      f"WHERE datname = '{name}'"))
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                admin.dispose()
    print("\n== summary (targets: vote rate >= 0.5x bare; SQLite p99 < 50 ms; stored == accepted)")
    failed = False
    for r in results:
        ok_count = r["stored"] == r["accepted"] and r["dupes"] == 0
        ok_ratio = r["ratio"] >= 0.5
        ok_p99 = r["name"] != "SQLite" or r["votes"]["p99"] < 50
        failed |= not ok_count
        print(f"{r['name']:10} {r['votes']['rate']:8.1f} votes/s (bare {r['bare']['rate']:8.1f})  "
              f"ratio {r['ratio']:.2f} [{'ok' if ok_ratio else 'MISSED'}]  p50 {r['votes']['p50']:.1f} ms  "
              f"p99 {r['votes']['p99']:.1f} ms [{'ok' if ok_p99 else 'MISSED'}]  "
              f"count [{'ok' if ok_count else 'WRONG'}]  1-client vote p99 {r['probe_votes']['p99']:.1f} ms")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
