"""Seeding for the vote benchmark and profile, written against the database schema and the HTTP
API only (never against service functions, whose signatures move).

* `relais init` (run with the code under test) creates the schema and loads the rules.
* People, bodies and seats are inserted with plain SQL into the reflected tables: 400 people
  through the API would cost 400 argon2 hashes. Every person gets one precomputed password hash
  made with cheap argon2 parameters (verification reads the parameters from the hash), so
  signing in through `POST /api/v1/auth/token` stays fast.
* Bearer tokens come from `POST /api/v1/auth/token`; decisions are drafted with
  `POST /api/v1/decisions` by the chair of their body and opened with
  `POST /api/v1/decisions/{id}/transitions` {"trigger": "open"}.

`plan_pairs` then lists every valid first vote (decision, person, seat) once, interleaved so
that consecutive votes go to different decisions and different people.
"""

from __future__ import annotations

import json
import random
import time
import urllib.parse
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

PASSWORD = "bench-password-2026"
EMAIL = "bench{:04d}@relais.bench"
BODY_KEY = "bench_body_{}"


def cheap_password_hash(password: str = PASSWORD) -> str:
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(password)


@dataclass
class Directory:
    person_ids: list[int]                        # index -> person id
    emails: list[str]
    body_ids: list[int]                          # index -> body id
    seats: dict[tuple[int, int], int]            # (person index, body index) -> seat id
    members: dict[int, list[int]]                # body index -> person indexes, in order
    chairs: dict[int, int]                       # body index -> person index of its chair
    filled: list[str] = field(default_factory=list)  # required columns we had to guess


def _value_for(column) -> object:
    """A neutral value for a NOT NULL column without a default (the schema grew a column)."""
    from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Numeric, String, Text

    t = column.type
    if isinstance(t, Boolean):
        return False
    if isinstance(t, Integer | Float | Numeric):
        return 0
    if isinstance(t, DateTime):
        return datetime.now(UTC).replace(tzinfo=None)
    if isinstance(t, Date):
        return date(2000, 1, 1)
    if isinstance(t, String | Text):
        return ""
    return None


def _complete(table, rows: list[dict], filled: list[str]) -> list[dict]:
    missing = [c for c in table.columns
               if not c.nullable and c.server_default is None and not c.primary_key and c.name not in rows[0]]
    for c in missing:
        filled.append(f"{table.name}.{c.name}")
        value = _value_for(c)
        for row in rows:
            row[c.name] = value
    return rows


def seed_directory(db_url: str, people: int, bodies: int, bodies_per_person: int,
                   password_hash: str) -> Directory:
    """People with a voting seat on `bodies_per_person` of `bodies` new bodies each."""
    from sqlalchemy import MetaData, create_engine, select

    bodies_per_person = max(1, min(bodies_per_person, bodies))
    engine = create_engine(db_url)
    md = MetaData()
    md.reflect(engine, only=["body", "person", "seat"])
    body_t, person_t, seat_t = md.tables["body"], md.tables["person"], md.tables["seat"]
    now = datetime.now(UTC).replace(tzinfo=None)
    filled: list[str] = []
    with engine.begin() as conn:
        keys = [BODY_KEY.format(k) for k in range(bodies)]
        conn.execute(body_t.insert(), _complete(body_t, [
            {"key": key, "kind": "sub_committee", "name_fr": f"Banc d'essai {k}", "name_en": f"Bench body {k}"}
            for k, key in enumerate(keys)], filled))
        by_key = dict(conn.execute(select(body_t.c.key, body_t.c.id).where(body_t.c.key.in_(keys))).all())
        body_ids = [by_key[key] for key in keys]
        emails = [EMAIL.format(i) for i in range(people)]
        conn.execute(person_t.insert(), _complete(person_t, [
            {"email": e, "name": f"Votant·e {i}", "language": "fr", "password_hash": password_hash,
             "is_admin": False, "is_active": True, "created_at": now} for i, e in enumerate(emails)], filled))
        by_email = dict(conn.execute(select(person_t.c.email, person_t.c.id)
                                     .where(person_t.c.email.like("%@relais.bench"))).all())
        person_ids = [by_email[e] for e in emails]
        members: dict[int, list[int]] = {b: [] for b in range(bodies)}
        rows = []
        for i in range(people):
            for j in range(bodies_per_person):
                b = (i + j) % bodies
                rows.append({"person_id": person_ids[i], "body_id": body_ids[b],
                             "role": "chair" if not members[b] else "member", "voting": True,
                             "starts_on": date(2000, 1, 1), "ends_on": None})
                members[b].append(i)
        conn.execute(seat_t.insert(), _complete(seat_t, rows, filled))
        index_of_person = {pid: i for i, pid in enumerate(person_ids)}
        index_of_body = {bid: b for b, bid in enumerate(body_ids)}
        seats = {(index_of_person[p], index_of_body[b]): s for s, p, b in conn.execute(
            select(seat_t.c.id, seat_t.c.person_id, seat_t.c.body_id).where(seat_t.c.body_id.in_(body_ids)))}
    engine.dispose()
    return Directory(person_ids, emails, body_ids, seats, members,
                     {b: m[0] for b, m in members.items() if m}, sorted(set(filled)))


# --- HTTP -----------------------------------------------------------------------------------

Call = Callable[..., tuple[int, object]]
"""call(method, path, json=None, form=None, token=None) -> (status, decoded JSON or text)"""


def http_caller(base_url: str, timeout: float = 60.0) -> Call:
    """A keep-alive HTTP/1.1 client (one connection per thread), stdlib only."""
    import http.client
    import threading

    parsed = urllib.parse.urlsplit(base_url)
    local = threading.local()

    def call(method: str, path: str, json_body=None, form=None, token=None):
        headers = {}
        body = None
        if json_body is not None:
            body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in (1, 2):
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                conn.close()
                local.conn = None
                if attempt == 2:
                    raise
        try:
            return resp.status, json.loads(raw)
        except ValueError:
            return resp.status, raw.decode(errors="replace")

    def call_again_when_busy(*args, **kwargs):
        # A 503 (the server's admission gate) says "try again in Retry-After seconds": seeding
        # does, for at most two minutes (a busy shared machine makes opening votes slow).
        for _ in range(120):
            status, body = call(*args, **kwargs)
            if status != 503:
                return status, body
            time.sleep(1.0)
        return status, body

    return call_again_when_busy


def _map(fn, items: Iterable, parallel: int) -> list:
    items = list(items)
    if parallel <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(fn, items))


def _expect(status: int, body, what: str, ok=(200, 201)) -> None:
    if status not in ok:
        raise RuntimeError(f"{what}: HTTP {status}: {str(body)[:300]}")


def fetch_tokens(call: Call, emails: list[str], parallel: int = 4) -> list[str]:
    def one(email: str) -> str:
        status, body = call("POST", "/api/v1/auth/token", form={"username": email, "password": PASSWORD})
        _expect(status, body, f"sign-in of {email}")
        return body["access_token"]

    return _map(one, emails, parallel)


def open_decisions(call: Call, directory: Directory, tokens: list[str], count: int, kind: str = "budget",
                   parallel: int = 4) -> list[tuple[int, int]]:
    """`count` open decisions spread round-robin over the bench bodies: [(decision id, body index)]."""
    def one(n: int) -> tuple[int, int]:
        b = n % len(directory.body_ids)
        token = tokens[directory.chairs[b]]
        status, body = call("POST", "/api/v1/decisions", json_body={
            "kind": kind, "title": f"Proposition {n}", "text": "Texte soumis au vote du banc d'essai.",
            "body_id": directory.body_ids[b]}, token=token)
        _expect(status, body, "drafting a decision")
        decision_id = body["id"]
        status, body = call("POST", f"/api/v1/decisions/{decision_id}/transitions",
                            json_body={"trigger": "open"}, token=token)
        _expect(status, body, f"opening decision {decision_id}")
        return decision_id, b

    return _map(one, range(count), parallel)


def plan_pairs(directory: Directory, decisions: list[tuple[int, int]], seed: int = 11,
               active: int = 0) -> list[tuple[int, int, int]]:
    """Every valid first vote once: [(decision id, person index, seat id)].

    Each decision's voters are shuffled; the votes are interleaved round-robin over the
    decisions (over `active` decisions at a time when given, the next one starting when one
    is complete, so early closes happen along the way)."""
    rng = random.Random(seed)
    queues = []
    for decision_id, b in decisions:
        voters = list(directory.members[b])
        rng.shuffle(voters)
        queues.append([(decision_id, i, directory.seats[(i, b)]) for i in voters])
    out: list[tuple[int, int, int]] = []
    if active <= 0:
        depth = max((len(q) for q in queues), default=0)
        for r in range(depth):
            out.extend(q[r] for q in queues if r < len(q))
        return out
    waiting = list(reversed(queues))
    running = [iter(waiting.pop()) for _ in range(min(active, len(waiting)))]
    while running:
        still = []
        for it in running:
            item = next(it, None)
            if item is None:
                if waiting:
                    nxt = iter(waiting.pop())
                    first = next(nxt, None)
                    if first is not None:
                        out.append(first)
                        still.append(nxt)
                continue
            out.append(item)
            still.append(it)
        running = still
    return out
