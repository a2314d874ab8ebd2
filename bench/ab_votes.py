"""Two versions of Relais's vote path side by side, in short alternating runs (A B B A A B ...).

    .venv/bin/python bench/ab_votes.py --a /path/to/other/checkout          # A: that one, B: this one
    .venv/bin/python bench/ab_votes.py --a ../base --db sqlite --connections 1,32 --rounds 6

This machine is shared: its speed drifts by 20 % or more within minutes, so one benchmark run
per version cannot tell a change of a few percent from the drift. Here both versions are set up
the same way as in `bench_votes.py` (each its own database, seeded alike, its own `relais
serve`), then wrk drives them in turn, a few seconds each, for several rounds, the order
alternating so that a drift falls on both. Printed per connection count: votes per second,
p50/p99 (the median over rounds), server and PostgreSQL CPU per stored vote (totals over
rounds), and B/A.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import bench_votes as bv  # noqa: E402 - next to this file
import vote_seed  # noqa: E402


def setup(name: str, kind: str, code: bv.Code, args, tmp: Path) -> dict:
    """A seeded database and a running server for one version; what its runs need."""
    if kind == "sqlite":
        url, pg_db = f"sqlite:///{tmp}/{name}.db", None
    else:
        pg_db = f"relais_ab_{name.lower()}_{uuid.uuid4().hex[:8]}"
        url = bv.pg_create(pg_db)
    code.cli(url, "init")
    directory = vote_seed.seed_directory(url, args.people, args.bodies, args.bodies_per_person,
                                         vote_seed.cheap_password_hash())
    port = bv.free_port()
    server = bv.Server(name, [code.python, "-c", bv.CLI, "serve", "--host", "127.0.0.1", "--port", str(port),
                              *code.serve_args], code.env(url, port), code.dir, port, tmp / f"{name}.log").start()
    call = vote_seed.http_caller(server.url)
    tokens = vote_seed.fetch_tokens(call, directory.emails, parallel=4)
    decisions = vote_seed.open_decisions(call, directory, tokens, args.decisions, kind=args.kind, parallel=4)
    pairs = vote_seed.plan_pairs(directory, decisions, active=0)
    bv.deliver_backlog(url)  # the invitations, as bench_votes does
    tokens_file, pairs_file = tmp / f"{name}_tokens.txt", tmp / f"{name}_pairs.txt"
    tokens_file.write_text("\n".join(tokens) + "\n")
    pairs_file.write_text("".join(f"{d} {p}\n" for d, p, _ in pairs))
    return {"name": name, "code": code, "url": url, "pg_db": pg_db, "server": server, "next": 0,
            "limit": len(pairs), "extra": [str(tokens_file), str(pairs_file)],
            "counter": bv.Counter(url, "vote"), "runs": {}}


def run(side: dict, driver: bv.Driver, kind: str, conns: int, duration: float) -> None:
    r = bv.Run(kind, "relais", conns)
    side["next"] = driver.run(r, side["server"], side["server"].url, side["next"], side["limit"], side["extra"],
                              side["counter"], side["pg_db"], duration)
    side["runs"].setdefault(conns, []).append(r)
    bv.say(f"  {side['name']} {conns:>3} conn  {r.rate:6.0f} votes/s  p50 {r.latency_ms['p50']:6.1f} ms  "
           f"p99 {r.latency_ms['p99']:6.1f} ms  CPU {r.cpu_per_ok_ms or 0:.2f} ms/vote  other work {r.others:.2f}")


def figures(runs: list[bv.Run]) -> dict:
    m = bv.merged(runs)  # totals, and the median of each run's latencies
    stored = m.stored or 1
    return {"rate": m.rate, "p50": m.latency_ms["p50"], "p99": m.latency_ms["p99"],
            "cpu": m.server_cpu / stored * 1000, "db": (m.db_cpu or 0.0) / stored * 1000,
            "errors": sum(n for c, n in m.codes.items() if not 200 <= c < 300),
            "exhausted": m.exhausted, "others": m.others}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", type=Path, required=True, help="checkout A (the reference)")
    parser.add_argument("--b", type=Path, default=bv.ROOT, help="checkout B (default: this one)")
    parser.add_argument("--db", default="postgresql", help="sqlite or postgresql")
    parser.add_argument("--connections", default="1,32")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per run")
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--bodies", type=int, default=4)
    parser.add_argument("--bodies-per-person", type=int, default=3)
    parser.add_argument("--decisions", type=int, default=60)
    parser.add_argument("--kind", default="budget")
    args = parser.parse_args()
    # What bench_votes's driver reads from its arguments.
    args.wrk_threads, args.timeout, args.spy, args.wait_quiet, args.max_drain = 1, 5, None, 10.0, 60.0
    kind = "postgresql" if args.db in ("pg", "postgres", "postgresql") else "sqlite"
    conns_list = [int(c) for c in args.connections.split(",") if c.strip()]
    codes = {}
    for name, path in (("A", args.a), ("B", args.b)):
        path = path.resolve()
        python = str(path / ".venv/bin/python") if (path / ".venv/bin/python").exists() else sys.executable
        codes[name] = bv.Code(path, python, [])
        bv.say(f"{name}: {codes[name].describe()}")
    sides: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="relais-ab-") as tmp:
        try:
            t0 = time.monotonic()
            for name, code in codes.items():
                sides.append(setup(name, kind, code, args, Path(tmp)))
            bv.say(f"seeded both in {time.monotonic() - t0:.0f} s ({sides[0]['limit']} first votes each)")
            driver = bv.Driver(bv.ensure_wrk(), Path(tmp), args)
            for side in sides:  # warm-up, not counted
                run(side, driver, kind, 8, 2)
                side["runs"].clear()
            for round_no in range(args.rounds):
                order = sides if round_no % 2 == 0 else sides[::-1]
                for conns in conns_list:
                    for side in order:
                        run(side, driver, kind, conns, args.duration)
            bv.say(f"\n{args.rounds} rounds of {args.duration:.0f} s per version and connection count, {kind}")
            bv.say("| conns | A votes/s | B votes/s | B/A | A p50/p99 ms | B p50/p99 ms | A CPU/vote (db) ms "
                   "| B CPU/vote (db) ms | B/A CPU | errors A/B | other work max |")
            bv.say("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
            for conns in conns_list:
                a, b = (figures(side["runs"][conns]) for side in sides)
                bv.say(f"| {conns} | {a['rate']:.0f} | {b['rate']:.0f} | {b['rate'] / a['rate']:.2f} | "
                       f"{a['p50']:.1f} / {a['p99']:.1f} | {b['p50']:.1f} / {b['p99']:.1f} | "
                       f"{a['cpu']:.2f} ({a['db']:.2f}) | {b['cpu']:.2f} ({b['db']:.2f}) | {b['cpu'] / a['cpu']:.2f} | "
                       f"{a['errors']}/{b['errors']} | {max(a['others'], b['others']):.2f} |")
                if a["exhausted"] or b["exhausted"]:
                    bv.say(f"  warning: at {conns} connections a version ran out of planned votes; its figures "
                           "are wrong: raise --decisions")
        finally:
            for side in sides:
                side["counter"].close()
                side["server"].stop()
                if side["pg_db"]:
                    bv.pg_drop(side["pg_db"])


if __name__ == "__main__":
    main()
