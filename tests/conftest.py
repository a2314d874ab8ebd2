"""Shared fixtures: a real database per backend (SQLite file, PostgreSQL server), the app,
the demo collective's people, and API sign-in.

Database tests run on both SQLite and PostgreSQL (`db_url` is parametrised). PostgreSQL is
the local server on 127.0.0.1:5432; when it is missing the tests are skipped, except under
CI=true where they fail.
"""

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from api.areas import MODELS, _import_optional
from api.config import ROOT, Settings
from api.db import Base, Database
from migrations import upgrade

for _name in MODELS:
    _import_optional(_name)

# Tests hash many passwords; the production cost parameters are kept out of the test run.
from argon2 import PasswordHasher  # noqa: E402

import api.security  # noqa: E402

api.security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

IN_CI = os.environ.get("CI") == "true"
PG_ADMIN_URL = os.environ.get("RELAIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
RULES = ROOT / "governance_rules.yaml"
DEMO_PASSWORD = "relais-demo-2026"

# Demo accounts by role (see api/demo.py).
ADMIN = "admin@relais.demo"
CHAIR = "direction.cje@relais.demo"
MEMBERS = ["gestion.handroits@relais.demo", "organisation.ciusss@relais.demo",
           "direction.mdj@relais.demo", "coordination.mem@relais.demo"]
STAFF = "coordination.err@relais.demo"
PARTNER = "direction.elan@relais.demo"  # partners' committee only


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    if not _pg_available():
        if IN_CI:
            pytest.fail("PostgreSQL is required under CI=true but 127.0.0.1:5432 does not answer")
        pytest.skip("PostgreSQL not available")
    name = f"relais_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_server_url(tmp_path_factory) -> str:
    path = Path(tmp_path_factory.mktemp("db")) / "relais-test.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


def _empty_all_tables(database: Database) -> None:
    present = set(inspect(database.engine).get_table_names())
    tables = [t.name for t in Base.metadata.sorted_tables if t.name in present]
    with database.engine.begin() as conn:
        if database.is_postgres:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_server_url")
    return request.getfixturevalue("pg_server_url")


@pytest.fixture
def sqlite_url(sqlite_server_url) -> str:
    return sqlite_server_url


@pytest.fixture
def database(db_url) -> Iterator[Database]:
    """An empty, migrated database on the backend of `db_url`."""
    db = Database(db_url)
    _empty_all_tables(db)
    yield db
    db.dispose()


def make_settings(db_url: str, **overrides) -> Settings:
    values = dict(database_url=db_url, rules_path=RULES, secret_key="test-secret-key",
                  scheduler_enabled=False, base_url="http://testserver")
    values.update(overrides)
    return Settings(**values)


def seed_demo(database: Database, today: date | None = None, with_area_data: bool = False) -> None:
    from api.collective.setup import sync_from_rules
    from api.demo import load_demo
    from api.rules.loader import load_rules

    loaded = load_rules(RULES)
    with database.session() as session:
        sync_from_rules(session, loaded.rules)
        load_demo(session, loaded.rules, today or date.today(), with_area_data=with_area_data)


@pytest.fixture
def app(database, db_url):
    """The app on an empty database holding the demo collective's people (no area data)."""
    from api.main import create_app

    seed_demo(database)
    return create_app(make_settings(db_url), db=database)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def token_for(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def as_admin(client) -> dict[str, str]:
    return token_for(client, ADMIN)


@pytest.fixture
def as_chair(client) -> dict[str, str]:
    return token_for(client, CHAIR)


@pytest.fixture
def as_staff(client) -> dict[str, str]:
    return token_for(client, STAFF)


@pytest.fixture
def as_member(client) -> dict[str, str]:
    return token_for(client, MEMBERS[0])
