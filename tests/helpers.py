"""Helpers every test file may import: the demo accounts, API tokens, page sign-in, CSRF,
and a unit of work (a `Context`) for tests that call services directly."""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.config import ROOT, Settings
from api.db import Database

DEMO_PASSWORD = "relais-demo-2026"
IN_CI = os.environ.get("CI") == "true"  # then PostgreSQL and Chromium must be there
RULES = ROOT / "governance_rules.yaml"
# Every test database starts as a copy of a template holding the demo collective's people
# (seats from SEED_DAY's year on).
SEED_DAY = date(2026, 1, 15)

# Demo accounts by role (see api/demo.py).
ADMIN = "admin@relais.demo"
CHAIR = "direction.cje@relais.demo"
MEMBERS = ["gestion.handroits@relais.demo", "organisation.ciusss@relais.demo",
           "direction.mdj@relais.demo", "coordination.mem@relais.demo"]
STAFF = "coordination.err@relais.demo"
PARTNER = "direction.elan@relais.demo"  # partners' committee only


def make_settings(db_url: str, **overrides) -> Settings:
    values = dict(database_url=db_url, rules_path=RULES, secret_key="test-secret-key",
                  scheduler_enabled=False, base_url="http://testserver")
    values.update(overrides)
    return Settings(**values)


def seed_demo(database: Database, today: date | None = None, with_area_data: bool = False) -> None:
    from api.areas import build_runtime
    from api.collective.setup import sync_from_rules
    from api.demo import load_demo

    runtime = build_runtime(make_settings(database.url), database)
    with runtime.unit_of_work() as ctx:
        sync_from_rules(ctx)
        load_demo(ctx, today or date.today(), with_area_data=with_area_data)


def token_for(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Bearer-token headers for the API."""
    response = client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def sign_in_page(client: TestClient, email: str, password: str = DEMO_PASSWORD, next: str = "/"):
    """Sign in through the HTML form, as a browser without JavaScript would; returns the
    answer to the form (a 303 to `next` on success)."""
    token = csrf_of(client.get("/signin").text)
    return client.post("/signin", data={"csrf_token": token, "email": email, "password": password,
                                        "next": next}, follow_redirects=False)


def sign_in(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in through the page and return the session's CSRF token for later forms."""
    r = sign_in_page(client, email, password)
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/").text)


@contextmanager
def unit_of_work(app_or_runtime, email: str | None = None) -> Iterator:
    """A `Context` on the app's database, as the person with this email (or nobody):
    commits at the end like a request, rolls back on error."""
    from api.collective.models import Person

    runtime = getattr(getattr(app_or_runtime, "state", None), "runtime", app_or_runtime)
    with runtime.unit_of_work() as ctx:
        if email is not None:
            person_id = ctx.session.execute(select(Person.id).where(Person.email == email)).scalar_one()
            ctx.sign_in(person_id)
        yield ctx


@contextmanager
def statements_run(engine) -> Iterator[list[str]]:
    """The SQL statements the engine runs inside the block, in order."""
    from sqlalchemy import event

    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)
