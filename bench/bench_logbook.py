"""The intervention logbook after 10 years of one team (200 000 entries), on SQLite.

    .venv/bin/python bench/bench_logbook.py [--entries 200000] [--runs 50] [--keep]

Builds a temporary SQLite database (migrated, demo people, no other area data) and
bulk-inserts `--entries` logbook entries spread over the last ten years for the team's two
outreach workers and its coordinator, with their people by age category (1 to 3 rows an
entry), issues (0 to 3) and referrals (about one entry in five), every child row carrying its
entry's copies (day, worker, site, mode) as the service writes them. Then, through the app in
process (FastAPI TestClient, the coordinator signed in), an awarded grant funded over the
current fiscal year gets a report on the `regional_agreement` template (15 indicators, the
heaviest shipped), and the bench times `--runs` times each:

* the statistics page of one fiscal year (team view, every category, bar charts), its JSON
  and its CSV export;
* the report's page (its indicators computed live from the logbook over the grant's period)
  and its JSON content;
* logging an entry (`POST /api/v1/logbook/entries`, as a worker) next to casting a vote
  (`POST /api/v1/decisions/{id}/votes`, executive committee members on open decisions),
  interleaved, so both see the same machine.

Printed: wall-clock and CPU (process time: the app runs in this process) p50 / p95 / max in
milliseconds, against the 200 ms p95 target for the pages, and the logging/vote ratio. Exit
status 1 when a page is over its target or logging is more than 1.5 times a vote at p95.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "relais-demo-2026"
COORDINATOR = "coordination.err@relais.demo"
WORKERS = ["intervention1.err@relais.demo", "intervention2.err@relais.demo"]
LEAD = "gestion.handroits@relais.demo"
CHAIR = "direction.cje@relais.demo"
VOTERS = ["direction.cje@relais.demo", "gestion.handroits@relais.demo", "organisation.ciusss@relais.demo",
          "direction.mdj@relais.demo", "coordination.mem@relais.demo"]
PAGE_TARGET_MS = 200
BATCH = 5_000


def _weighted(rng: random.Random, items: list[str], weights: list[float], k: int) -> list[str]:
    return rng.choices(items, weights=weights, k=k)


def build(settings, today: date, n_entries: int) -> str:
    """The database: demo people, then the logbook's 10 years inserted in batches. Returns
    the rules' first day of the fiscal year."""
    from sqlalchemy import insert, select

    from api.areas import build_runtime
    from api.collective.models import Person
    from api.collective.setup import sync_from_rules
    from api.db import Database
    from api.demo import load_demo
    from api.logbook.models import Coordinator, Entry, EntryIssue, EntryPeople, Referral
    from migrations import upgrade

    upgrade(settings.database_url)
    db = Database(settings.database_url)
    runtime = build_runtime(settings, db)
    with runtime.unit_of_work() as ctx:
        sync_from_rules(ctx)
        load_demo(ctx, today, with_area_data=False)
        book = ctx.rules.logbook
        sites = list(book.sites.active())
        modes = list(book.modes.active())
        ages = list(book.ages.active())
        issues = list(book.issues.active())
        resources = list(book.resources.active())
        fy_start = book.fiscal_year_start
    rng = random.Random(2026)
    with db.session() as session:
        ids = {email: session.execute(select(Person.id).where(Person.email == email)).scalar_one()
               for email in [*WORKERS, COORDINATOR]}
        session.add(Coordinator(person_id=ids[COORDINATOR], created_at=datetime.now(UTC)))
        session.commit()
        workers = [ids[w] for w in WORKERS] + [ids[COORDINATOR]]
        first = today - timedelta(days=3652)
        span = (today - first).days
        site_w = [6 if s.startswith("omh") else 3 if s in ("magog", "eastman", "potton") else 1 for s in sites]
        mode_w = [5 if m == "individual" else 1 for m in modes]
        next_id = 1
        done = 0
        while done < n_entries:
            size = min(BATCH, n_entries - done)
            entries, people, entry_issues, referrals = [], [], [], []
            days = sorted(first + timedelta(days=(done + i) * span // n_entries) for i in range(size))
            for day, site, mode in zip(days, _weighted(rng, sites, site_w, size), _weighted(rng, modes, mode_w, size),
                                       strict=True):
                entry_id, worker = next_id, rng.choice(workers)
                next_id += 1
                common = {"entry_id": entry_id, "occurred_on": day, "worker_id": worker, "site": site, "mode": mode}
                reached = {age: rng.randint(1, 3) for age in rng.sample(ages, rng.choice((1, 1, 1, 2, 3)))}
                total = sum(reached.values())
                people += [{**common, "age": age, "count": n} for age, n in reached.items()]
                chosen = rng.sample(issues, rng.choice((0, 1, 1, 2, 3)))
                entry_issues += [{**common, "issue": issue} for issue in chosen]
                if rng.random() < 0.2:
                    referrals.append({**common, "resource": rng.choice(resources),
                                      "issue": chosen[0] if chosen else None, "organisation_id": None})
                at = datetime(day.year, day.month, day.day, 17, tzinfo=UTC)
                entries.append({"id": entry_id, "worker_id": worker, "occurred_on": day,
                                "duration_minutes": rng.choice((15, 30, 30, 45, 60, 90)), "site": site, "mode": mode,
                                "people_total": total, "followups": 1 if rng.random() < 0.05 else 0,
                                "note": None, "version": 1, "created_at": at, "updated_at": at})
            session.execute(insert(Entry), entries)
            session.execute(insert(EntryPeople), people)
            session.execute(insert(EntryIssue), entry_issues)
            if referrals:
                session.execute(insert(Referral), referrals)
            session.commit()
            done += size
    db.dispose()
    return fy_start


def timed(fn, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each call. The app runs in this process
    (TestClient), so the process CPU time of a request is the work it needed, whatever else
    the machine runs."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def _q(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def _get(client, path: str, headers: dict | None = None):
    def call():
        r = client.get(path, headers=headers)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        return r
    return call


def _token(client, email: str) -> dict:
    r = client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _sign_in(client, email: str) -> None:
    html = client.get("/signin").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = client.post("/signin", data={"csrf_token": token, "email": email, "password": PASSWORD, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:300]


def _post(client, path: str, headers: dict, json: dict, status: int = 201) -> dict:
    r = client.post(path, json=json, headers=headers)
    assert r.status_code == status, (path, r.status_code, r.text[:300])
    return r.json()


def adopted_submission(client) -> int:
    """The executive committee's vote to submit the application ("Approuvée par le CE" names it)."""
    chair = _token(client, CHAIR)
    body_id = next(b["id"] for b in client.get("/api/v1/bodies", headers=chair).json()["items"]
                   if b["key"] == "executive_committee")
    decision = _post(client, "/api/v1/decisions", chair, {
        "kind": "grant_submission", "title": "Dépôt de la demande (banc d'essai)", "body_id": body_id,
        "text": "Le conseil exécutif approuve le dépôt de la demande."})
    _post(client, f"/api/v1/decisions/{decision['id']}/transitions", chair, {"trigger": "open"}, 200)
    for email in VOTERS:
        r = client.post(f"/api/v1/decisions/{decision['id']}/votes", json={"choice": "yes"},
                        headers=_token(client, email))
        assert r.status_code in (200, 201, 403), r.text
    state = client.get(f"/api/v1/decisions/{decision['id']}", headers=chair).json()["state"]
    assert state == "adopted", state
    return decision["id"]


def grant_report(client, lead: dict, period: tuple[date, date]) -> tuple[int, int]:
    """An awarded grant funded over `period`, its final report on the regional agreement's
    template: (application id, report id)."""
    funder = _post(client, "/api/v1/funders", lead, {"name": "Entente régionale (banc d'essai)",
                                                     "kind": "regional_agreement"})
    app = _post(client, "/api/v1/grant-applications", lead, {
        "funder_id": funder["id"], "title": "Soutien communautaire — banc d'essai", "amount_requested": "20000",
        "confidential": False, "period_start": period[0].isoformat(), "period_end": period[1].isoformat(),
        "requirements": [{"kind": "final", "due_rule": "fixed", "due_date": period[1].isoformat()}]})
    decision_id = adopted_submission(client)
    for trigger in ["start_drafting", "send_to_review", "approve", "submit"]:
        params = {"decision_id": decision_id} if trigger == "approve" else {}
        _post(client, f"/api/v1/grant-applications/{app['id']}/transitions", lead,
              {"trigger": trigger, "params": params}, 200)
    _post(client, f"/api/v1/grant-applications/{app['id']}/transitions", lead,
          {"trigger": "award", "params": {"amount_awarded": "20000"}}, 200)
    report = client.get(f"/api/v1/reports?application_id={app['id']}", headers=lead).json()["items"][0]
    r = client.put(f"/api/v1/reports/{report['id']}/setup", json={"template": "regional_agreement"}, headers=lead)
    assert r.status_code == 200, r.text
    return app["id"], report["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    parser.add_argument("--no-gc-freeze", action="store_true",
                        help="leave the start-up objects in the collector's generations")
    args = parser.parse_args()

    import logging

    logging.getLogger("relais").setLevel(logging.WARNING)
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from api.config import Settings
    from api.db import Database
    from api.logbook.models import Entry, EntryIssue, EntryPeople, Referral
    from api.logbook.stats import fiscal_year, fiscal_year_of
    from api.main import create_app

    tmp = Path(tempfile.mkdtemp(prefix="relais-bench-logbook-"))
    db_url = f"sqlite:///{tmp / 'bench.db'}"
    settings = Settings(database_url=db_url, secret_key="bench-secret-key", scheduler_enabled=False,
                        base_url="http://testserver", data_dir=tmp / "data")
    today = date.today()
    t0 = time.perf_counter()
    fy_start = build(settings, today, args.entries)
    database = Database(db_url)
    with database.session() as session:
        counts = {m.__tablename__: session.execute(select(func.count()).select_from(m)).scalar_one()
                  for m in (Entry, EntryPeople, EntryIssue, Referral)}
        first_day, last_day = session.execute(select(func.min(Entry.occurred_on), func.max(Entry.occurred_on))).one()
    size_mb = (tmp / "bench.db").stat().st_size / 1024 / 1024
    print(f"built {counts['logbook_entry']} entries ({first_day} .. {last_day}), "
          f"{counts['logbook_people']} age rows, {counts['logbook_issue']} issue rows, "
          f"{counts['logbook_referral']} referrals in {time.perf_counter() - t0:.1f} s "
          f"({size_mb:.0f} MB, {db_url})")

    year = fiscal_year_of(today, fy_start) - 1  # the last complete fiscal year
    period = fiscal_year(year, fy_start)
    app = create_app(settings, db=database)
    if not args.no_gc_freeze:
        # What a production server does after start-up (preload + gc.freeze): the app's
        # long-lived objects leave the collector's generations.
        gc.collect()
        gc.freeze()
    ok = True
    with TestClient(app) as coordinator, TestClient(app) as lead_client:
        _sign_in(coordinator, COORDINATOR)
        lead = _token(lead_client, LEAD)
        _sign_in(lead_client, LEAD)
        app_id, report_id = grant_report(lead_client, lead, (period.start, period.end))
        stats_q = f"period=year&year={year}"
        with database.session() as session:
            in_year = session.execute(select(func.count()).select_from(Entry).where(
                Entry.occurred_on >= period.start, Entry.occurred_on <= period.end)).scalar_one()
        figures = lead_client.get(f"/api/v1/reports/{report_id}/content", headers=lead).json()["figures"]
        print(f"fiscal year {period.start} .. {period.end}: {in_year} entries; the report (grant {app_id}) "
              f"shows {len(figures)} indicators: "
              + ", ".join(f"{f['key']}={f['shown']}" for f in figures[:4]) + ", ...")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"load average {load:.1f} on {os.cpu_count()} CPUs (wall-clock figures grow with it; CPU figures "
              f"do not); gc.freeze after start-up: {'no' if args.no_gc_freeze else 'yes'}\n")
        header = (f"{'request':<34}{'runs':>5}{'wall p50':>10}{'wall p95':>10}{'wall max':>10}"
                  f"{'cpu p50':>9}{'cpu p95':>9}")
        print(header + f"   target p95 < {PAGE_TARGET_MS} ms")
        pages = [
            ("statistics page, one year", _get(coordinator, f"/logbook/statistics?{stats_q}"), True),
            ("statistics JSON, one year", _get(coordinator, f"/api/v1/logbook/statistics?{stats_q}"), True),
            ("statistics CSV, one year", _get(coordinator, f"/logbook/statistics.csv?{stats_q}"), True),
            ("report page (live indicators)", _get(lead_client, f"/grants/reports/{report_id}"), True),
            ("report content JSON", _get(lead_client, f"/api/v1/reports/{report_id}/content", lead), True),
            ("report .docx", _get(lead_client, f"/api/v1/reports/{report_id}/report.docx", lead), False),
            ("statistics page, ten years", _get(
                coordinator, f"/logbook/statistics?period=range&start={first_day}&end={last_day}"), False),
        ]
        for label, call, targeted in pages:
            timed(call, 3)  # warm-up
            wall, cpu = timed(call, args.runs)
            good = _q(wall, 95) < PAGE_TARGET_MS
            ok &= good or not targeted
            verdict = ("ok" if good else "over (wall)") if targeted else "(no target)"
            print(f"{label:<34}{args.runs:>5}{_q(wall, 50):>10.1f}{_q(wall, 95):>10.1f}{max(wall):>10.1f}"
                  f"{_q(cpu, 50):>9.1f}{_q(cpu, 95):>9.1f}   {verdict}")

        # Logging an entry next to casting a vote, interleaved.
        worker = _token(coordinator, WORKERS[0])
        voters = [_token(coordinator, email) for email in VOTERS]
        chair = voters[0]
        decisions = []
        for i in range(args.runs // len(voters) + 1):
            d = _post(coordinator, "/api/v1/decisions", chair, {"kind": "budget", "title": f"Budget {i}",
                                                                 "text": "Adoption du budget."})
            _post(coordinator, f"/api/v1/decisions/{d['id']}/transitions", chair, {"trigger": "open"}, 200)
            decisions.append(d["id"])
        ballots = iter([(d, v) for d in decisions for v in voters])
        rng = random.Random(7)
        entry_body = {"site": "omh_magog", "mode": "individual", "people": {"adults": 1, "seniors": 1},
                      "issues": ["housing", "isolation"], "referrals": [{"resource": "cisss", "issue": "housing"}],
                      "duration_minutes": 30, "note": "Accompagnement au bureau de l'OMH."}

        def log_one():
            _post(coordinator, "/api/v1/logbook/entries", worker,
                  {**entry_body, "followups": rng.choice((0, 1))})

        def vote_one():
            decision_id, headers = next(ballots)
            _post(coordinator, f"/api/v1/decisions/{decision_id}/votes", headers, {"choice": "yes"})

        log_wall, log_cpu, vote_wall, vote_cpu = [], [], [], []
        log_one()
        vote_one()  # warm-up
        for _ in range(args.runs):
            w, c = timed(log_one, 1)
            log_wall += w
            log_cpu += c
            w, c = timed(vote_one, 1)
            vote_wall += w
            vote_cpu += c
        for label, wall, cpu in [("log an entry (API)", log_wall, log_cpu), ("cast a vote (API)", vote_wall, vote_cpu)]:
            print(f"{label:<34}{args.runs:>5}{_q(wall, 50):>10.1f}{_q(wall, 95):>10.1f}{max(wall):>10.1f}"
                  f"{_q(cpu, 50):>9.1f}{_q(cpu, 95):>9.1f}")
        ratio50, ratio95 = _q(log_wall, 50) / _q(vote_wall, 50), _q(log_wall, 95) / _q(vote_wall, 95)
        same = ratio95 <= 1.5
        ok &= same
        print(f"logging / vote: {ratio50:.2f} at p50, {ratio95:.2f} at p95   "
              f"{'ok (same latency as a vote)' if same else 'over (logging slower than a vote)'}")
    database.dispose()
    if not args.keep:
        for f in sorted(tmp.rglob("*"), reverse=True):
            f.unlink() if f.is_file() else f.rmdir()
        tmp.rmdir()
    else:
        print(f"kept {tmp}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
