"""Where one vote's time goes, by operation: sequential first votes through the real app, in process.

    .venv/bin/python bench/profile_vote.py                      # SQLite and PostgreSQL, 300 votes each
    .venv/bin/python bench/profile_vote.py --db sqlite --votes 500
    .venv/bin/python bench/profile_vote.py --code /path/to/other/checkout

The database is seeded like bench_votes.py (`vote_seed.py`: `relais init`, people and seats by
SQL, tokens and open decisions through the API), then the app from `api.main.create_app` (its
lifespan run, scheduler off) receives `POST /api/v1/decisions/{id}/votes` one at a time through
httpx's ASGI transport — no network, no uvicorn — each a distinct first vote.

First `--votes` votes are timed without instrumentation (wall time per request, process CPU per
vote). Then as many again with a few functions instrumented: their code objects are swapped for
a thin wrapper (so every reference to them — FastAPI's dependency graph, hook lists, imported
names — goes through it) that charges the wall time spent inside them to an operation:

  auth + viewer load         the bearer token read, the person, seats and bodies loaded
  decision lock + load       the decision row read FOR SHARE / FOR UPDATE (get_visible)
  vote checks + savepoint    the rest of cast_vote: rules of the version, seat, recusal and
                             existing-vote lookups, the savepoint
  vote insert (flush)        Session.flush directly under cast_vote (the INSERT of the vote)
  register append            register.record / record_for (head row locked, event inserted)
  early-close check          _after_vote (counts of eligible, cast and recused)
  reminder refresh           _refresh_deadline (the person's planned reminders)
  closing                    closing a decision after its last vote
  commit + close             Session.commit / close / rollback outside the operations above
  FastAPI, middleware, ...   what is left of the request: routing, dependency resolution,
                             thread-pool hops, validation, JSON, middleware (and the in-process
                             client, whose cost the "empty request" line shows)

The innermost operation wins, except that a flush or commit inside another operation belongs to
that operation. Functions that do not exist in the code under test are listed and skipped; their
time falls to the enclosing operation. SQL statements (count and time) are attributed the same
way, and listed by kind.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
import uuid
from collections import Counter, defaultdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import bench_votes as bv  # noqa: E402
import vote_seed  # noqa: E402

# (operation, level, candidate functions "module:qualname"). Levels: an "inner" operation takes
# everything under it; a "generic" one (flush, commit) only what no inner operation holds; an
# "outer" one what is left inside it.
OPERATIONS = [
    ("auth + viewer load", "inner", ["api.deps:current_viewer", "api.deps:_load_viewer", "api.deps:_person_id",
                                     "api.access:load_viewer", "api.context:Context.sign_in",
                                     "api.security:read_token"]),
    ("decision lock + load", "inner", ["api.decisions.service:get_visible",
                                       "api.decisions.service:_lock_for_vote"]),
    ("register append", "inner", ["api.register.service:record", "api.register.service:record_for"]),
    ("early-close check", "inner", ["api.decisions.service:_after_vote"]),
    ("reminder refresh", "inner", ["api.decisions.service:_refresh_deadline"]),
    ("closing (after a last vote)", "inner", ["api.decisions.service:_close_one",
                                              "api.decisions.service:close_one_in_own_transaction",
                                              "api.decisions.service:close_decision"]),
    ("vote insert (flush)", "generic", ["sqlalchemy.orm.session:Session.flush"]),
    ("commit + close", "generic", ["sqlalchemy.orm.session:Session.commit", "sqlalchemy.orm.session:Session.close",
                                   "sqlalchemy.orm.session:Session.rollback", "api.deps:_finish"]),
    ("vote checks + savepoint", "outer", ["api.decisions.service:cast_vote"]),
]
REST = "FastAPI, middleware, thread hops (rest)"
LEVEL_RANK = {"inner": 2, "generic": 1, "outer": 0}
ASYNC_FLAGS = 0x20 | 0x80 | 0x100 | 0x200  # generator, coroutine, iterable coroutine, async generator


class Probe:
    """Swaps the code of the candidate functions for a wrapper that charges wall time to operations."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.time: dict[str, float] = defaultdict(float)   # wall seconds by operation
        self.cpu: dict[str, float] = defaultdict(float)    # CPU seconds of the thread by operation
        self.calls: Counter = Counter()
        self.sql_n: Counter = Counter()
        self.sql_t: dict[str, float] = defaultdict(float)
        self.sql_kind_n: Counter = Counter()
        self.sql_kind_t: dict[str, float] = defaultdict(float)
        self.hops = 0
        self.process_cpu = 0.0
        self.found: dict[str, list[str]] = defaultdict(list)
        self.missing: list[str] = []
        self.skipped: list[str] = []
        self._swapped: list[tuple[types.FunctionType, types.CodeType]] = []
        self._targets: list[tuple[types.FunctionType, str]] = []
        self.active = False

    def _stack(self) -> list[tuple[str, int]]:
        st = getattr(self.local, "stack", None)
        if st is None:
            st = self.local.stack = []
            self.local.last, self.local.last_cpu = time.perf_counter(), time.thread_time()
        return st

    @staticmethod
    def current(stack: list[tuple[str, int]]) -> str | None:
        best = None
        for op, rank in stack:  # outermost first: a later (inner) one of equal or higher rank wins
            if best is None or rank >= best[1]:
                best = (op, rank)
        return best[0] if best else None

    def _charge(self, stack) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if stack and self.active:
            op = self.current(stack)
            self.time[op] += now - self.local.last
            self.cpu[op] += cpu - self.local.last_cpu
        self.local.last, self.local.last_cpu = now, cpu

    def call(self, index: int, args, kwargs):
        original, op, rank = self._originals[index]
        stack = self._stack()
        self._charge(stack)
        stack.append((op, rank))
        if self.active:
            self.calls[op] += 1
        try:
            return original(*args, **kwargs)
        finally:
            self._charge(stack)
            stack.pop()

    def resolve(self) -> None:
        import importlib

        self._originals: list[tuple[types.FunctionType, str, int]] = []
        for op, level, candidates in OPERATIONS:
            for spec in candidates:
                module_name, qualname = spec.split(":")
                try:
                    obj = importlib.import_module(module_name)
                    for part in qualname.split("."):
                        obj = getattr(obj, part)
                except (ImportError, AttributeError):
                    self.missing.append(spec)
                    continue
                fn = getattr(obj, "__func__", obj)
                if not isinstance(fn, types.FunctionType) or fn.__code__.co_freevars \
                        or fn.__code__.co_flags & ASYNC_FLAGS:
                    self.skipped.append(spec)
                    continue
                self.found[op].append(qualname.rsplit(".", 1)[-1] if "." in qualname else qualname)
                self._targets.append((fn, op, LEVEL_RANK[level]))

    def install(self) -> None:
        for fn, op, rank in self._targets:
            copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
            copy.__kwdefaults__ = fn.__kwdefaults__
            index = len(self._originals)
            self._originals.append((copy, op, rank))
            fn.__globals__["__bench_probe__"] = self
            namespace: dict = {}
            exec(f"def _w(*args, **kwargs):\n    return __bench_probe__.call({index}, args, kwargs)\n",
                 fn.__globals__, namespace)
            self._swapped.append((fn, fn.__code__))
            fn.__code__ = namespace["_w"].__code__

    def uninstall(self) -> None:
        for fn, code in self._swapped:
            fn.__code__ = code
        self._swapped.clear()
        self._originals.clear()

    # SQL statements, attributed to the operation running in this thread
    def before_sql(self, conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_t0", []).append(time.perf_counter())

    def after_sql(self, conn, cursor, statement, parameters, context, executemany):
        t0s = conn.info.get("bench_t0")
        if not t0s or not self.active:
            if t0s:
                t0s.pop()
            return
        elapsed = time.perf_counter() - t0s.pop()
        op = self.current(getattr(self.local, "stack", None) or []) or REST
        self.sql_n[op] += 1
        self.sql_t[op] += elapsed
        kind = sql_kind(statement)
        self.sql_kind_n[kind] += 1
        self.sql_kind_t[kind] += elapsed


def sql_kind(statement: str) -> str:
    s = " ".join(statement.split())
    verb = s.split(" ", 1)[0].upper()
    table = None
    if verb == "SELECT":
        m = re.search(r"\bFROM\s+\"?(\w+)", s, re.I)
        table = m.group(1) if m else None
        if re.search(r"\bcount\(", s, re.I):
            verb = "SELECT count"
        if re.search(r"FOR (UPDATE|SHARE)", s, re.I):
            verb += " " + re.search(r"FOR (UPDATE|SHARE)", s, re.I).group(0).upper()
    elif verb == "INSERT":
        m = re.search(r"INTO\s+\"?(\w+)", s, re.I)
        table = m.group(1) if m else None
    elif verb in ("UPDATE", "DELETE"):
        m = re.search(r"(?:UPDATE|FROM)\s+\"?(\w+)", s, re.I)
        table = m.group(1) if m else None
    else:
        return s[:40]
    return f"{verb} {table or '?'}"


# --- one database ----------------------------------------------------------------------------

class Loop:
    """An event loop in its own thread, so the synchronous seeding helpers can call the app."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 120):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def profile_database(kind: str, args, code: bv.Code) -> None:
    import httpx

    label = "SQLite" if kind == "sqlite" else "PostgreSQL"
    pg_name = None
    tmp = tempfile.mkdtemp(prefix="relais-profile-")
    if kind == "sqlite":
        url = f"sqlite:///{tmp}/profile.db"
    else:
        pg_name = f"relais_profile_{uuid.uuid4().hex[:8]}"
        url = bv.pg_create(pg_name)
    loop = Loop()
    lifespan = None
    try:
        code.cli(url, "init")
        directory = vote_seed.seed_directory(url, args.people, args.bodies, args.bodies_per_person,
                                             vote_seed.cheap_password_hash())
        os.environ.update({k: v for k, v in code.env(url).items() if k.startswith("RELAIS_")})
        from api.config import Settings, get_settings
        from api.main import create_app

        get_settings.cache_clear()
        app = create_app(Settings())
        lifespan = app.router.lifespan_context(app)
        loop.run(lifespan.__aenter__())
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")

        def call(method, path, json_body=None, form=None, token=None):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            r = loop.run(client.request(method, path, json=json_body, data=form, headers=headers))
            try:
                return r.status_code, r.json()
            except ValueError:
                return r.status_code, r.text

        tokens = vote_seed.fetch_tokens(call, directory.emails, parallel=1)
        decisions = vote_seed.open_decisions(call, directory, tokens, args.decisions, parallel=1)
        pairs = iter(vote_seed.plan_pairs(directory, decisions, active=args.active))

        async def votes(n: int) -> tuple[list[float], Counter]:
            times, codes = [], Counter()
            for _ in range(n):
                decision_id, person, _seat = next(pairs)
                t0 = time.perf_counter()
                r = await client.post(f"/api/v1/decisions/{decision_id}/votes", json={"choice": "yes"},
                                      headers={"Authorization": f"Bearer {tokens[person]}"})
                times.append(time.perf_counter() - t0)
                codes[r.status_code] += 1
            return times, codes

        async def empties(n: int) -> list[float]:
            times = []
            for _ in range(n):
                t0 = time.perf_counter()
                await client.get("/api/v1/bench-no-such-route")
                times.append(time.perf_counter() - t0)
            return times

        loop.run(votes(args.warmup))
        empty = loop.run(empties(200))
        bv.wait_quiet(args.wait_quiet)
        cpu0, busy0, wall0 = time.process_time(), bv.machine_jiffies(), time.perf_counter()
        plain, codes = loop.run(votes(args.votes), timeout=600)
        cpu = (time.process_time() - cpu0) / args.votes
        others = [other_work(busy0, wall0, cpu * args.votes)]

        probe = Probe()
        probe.resolve()
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.listen(Engine, "before_cursor_execute", probe.before_sql)
        event.listen(Engine, "after_cursor_execute", probe.after_sql)
        import anyio.to_thread

        real_run_sync = anyio.to_thread.run_sync

        async def counting_run_sync(*a, **kw):
            if probe.active:
                probe.hops += 1
            return await real_run_sync(*a, **kw)

        anyio.to_thread.run_sync = counting_run_sync
        probe.install()
        try:
            loop.run(votes(10))  # through the wrappers once before counting
            bv.wait_quiet(args.wait_quiet)
            cpu0, busy0, wall0 = time.process_time(), bv.machine_jiffies(), time.perf_counter()
            probe.active = True
            measured, codes2 = loop.run(votes(args.votes), timeout=600)
            probe.active = False
            probe.process_cpu = time.process_time() - cpu0
            others.append(other_work(busy0, wall0, probe.process_cpu))
        finally:
            probe.uninstall()
            anyio.to_thread.run_sync = real_run_sync
            event.remove(Engine, "before_cursor_execute", probe.before_sql)
            event.remove(Engine, "after_cursor_execute", probe.after_sql)
        report(label, args, plain, codes + codes2, cpu, empty, measured, probe, others)
        loop.run(client.aclose())
    finally:
        if lifespan is not None:
            try:
                loop.run(lifespan.__aexit__(None, None, None))
            except Exception:  # noqa: BLE001 - the report is out already
                pass
        loop.close()
        shutil.rmtree(tmp, ignore_errors=True)
        if pg_name:
            try:
                bv.pg_drop(pg_name)
            except Exception as exc:  # noqa: BLE001 - reported
                print(f"could not drop database {pg_name}: {exc}")


def other_work(busy0: tuple[int, int], wall0: float, own_cpu: float) -> float:
    """Cores used by other processes while a pass ran (PostgreSQL's backend included)."""
    busy1 = bv.machine_jiffies()
    busy = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]) * os.cpu_count()
    return max(0.0, busy - own_cpu / max(1e-9, time.perf_counter() - wall0))


def report(label: str, args, plain: list[float], codes: Counter, cpu: float, empty: list[float],
           measured: list[float], probe: Probe, others: list[float]) -> None:
    n = len(measured)
    ms = 1000 / n
    total = sum(measured) * ms
    plain_ms = [t * 1000 for t in plain]
    print(f"\n== {label}: {len(plain)} sequential first votes, in process (httpx ASGI transport, no uvicorn)")
    print(f"answers: {dict(sorted(codes.items()))}; cores used by other processes during the two passes "
          f"(database server included): {others[0]:.2f} and {others[1]:.2f} of {os.cpu_count()}")
    print(f"uninstrumented: p50 {statistics.median(plain_ms):.2f} ms, mean {statistics.fmean(plain_ms):.2f} ms, "
          f"p99 {sorted(plain_ms)[int(len(plain_ms) * 0.99)]:.2f} ms; process CPU {cpu * 1000:.2f} ms per vote "
          f"(client included); an empty request (404, no database) costs {statistics.median(empty) * 1000:.2f} ms")
    print(f"instrumented: mean {total:.2f} ms per vote; {sum(probe.sql_n.values()) / n:.1f} SQL statements and "
          f"{probe.hops / n:.1f} thread-pool hops per vote")
    attributed = sum(probe.time.values()) * ms
    cpu_total = probe.process_cpu * ms
    cpu_rest = cpu_total - sum(probe.cpu.values()) * ms
    sql_total_n = sum(probe.sql_n.values())
    print("| operation | wall ms/vote | share | CPU ms/vote | calls/vote | SQL/vote | SQL ms/vote | functions |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for op in [op for op, _, _ in OPERATIONS]:
        t = probe.time.get(op, 0.0) * ms
        if not probe.found.get(op) and not t:
            continue
        print(f"| {op} | {t:.3f} | {t / total:.0%} | {probe.cpu.get(op, 0.0) * ms:.3f} | {probe.calls[op] / n:.1f} | "
              f"{probe.sql_n[op] / n:.1f} | {probe.sql_t[op] * ms:.3f} | {', '.join(probe.found.get(op, [])) or '-'} |")
    rest = total - attributed
    print(f"| {REST} | {rest:.3f} | {rest / total:.0%} | {cpu_rest:.3f} | | {probe.sql_n.get(REST, 0) / n:.1f} | "
          f"{probe.sql_t.get(REST, 0.0) * ms:.3f} | - |")
    print(f"| total | {total:.3f} | 100% | {cpu_total:.3f} | | {sql_total_n / n:.1f} | "
          f"{sum(probe.sql_t.values()) * ms:.3f} | |")
    print("(wall: time inside the operation, waits included; CPU: this process's CPU in the operation's thread; "
          "the rest's CPU includes the in-process client and the event loop)")
    print("SQL statements by kind (per vote):")
    for kind, count in sorted(probe.sql_kind_n.items(), key=lambda kv: -probe.sql_kind_t[kv[0]]):
        print(f"  {count / n:5.2f} × {kind:45} {probe.sql_kind_t[kind] * ms:.3f} ms")
    if probe.missing:
        print(f"not in this code (skipped): {', '.join(probe.missing)}")
    if probe.skipped:
        print(f"not instrumentable (async, generator or closure): {', '.join(probe.skipped)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both (comma-separated)")
    parser.add_argument("--votes", type=int, default=300, help="votes timed, in each of the two passes")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--code", type=Path, default=None, help="checkout to profile (default: this one)")
    parser.add_argument("--python", help="interpreter for --code (default: CODE/.venv/bin/python, else this one)")
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--bodies", type=int, default=4)
    parser.add_argument("--bodies-per-person", type=int, default=3)
    parser.add_argument("--decisions", type=int, default=12)
    parser.add_argument("--active", type=int, default=0)
    parser.add_argument("--wait-quiet", type=float, default=20.0,
                        help="before each pass, wait up to this long for the machine to be idle (seconds)")
    args = parser.parse_args()
    code_dir = (args.code or ROOT).resolve()
    python = args.python or (str(code_dir / ".venv/bin/python") if (code_dir / ".venv/bin/python").exists()
                             else sys.executable)
    if os.environ.get("BENCH_PROFILE_CHILD") != "1":
        # Run in a process whose `api` is the code under test.
        code = bv.Code(code_dir, python, [])
        env = {**code.env("sqlite://"), "BENCH_PROFILE_CHILD": "1"}
        env = {k: v for k, v in env.items() if not k.startswith("RELAIS_")}
        raise SystemExit(subprocess.run([python, str(Path(__file__).resolve()), *sys.argv[1:]], cwd=code_dir,
                                        env=env).returncode)
    import api

    if not Path(api.__file__).resolve().is_relative_to(code_dir):
        raise SystemExit(f"api imported from {api.__file__}, not from {code_dir}")
    code = bv.Code(code_dir, sys.executable, [])
    print(f"profile of a vote — code under test: {code.describe()}")
    dbs = [d.strip().lower() for d in args.db.split(",") if d.strip()]
    for kind in ["postgresql" if d in ("pg", "postgres") else d for d in dbs]:
        profile_database(kind, args, code)


if __name__ == "__main__":
    main()
