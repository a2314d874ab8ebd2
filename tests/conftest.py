"""Shared fixtures: a real database per backend (SQLite file, PostgreSQL server), the app,
the demo collective's people, and API sign-in.

Database tests run on both SQLite and PostgreSQL (`db_url` is parametrised). PostgreSQL is
the local server on 127.0.0.1:5432; when it is missing the tests are skipped, except under
CI=true where they fail.
"""

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.areas import import_models
from api.db import Database
from migrations import upgrade
from tests.helpers import (  # noqa: F401 - re-exported for older test files
    ADMIN,
    CHAIR,
    DEMO_PASSWORD,
    IN_CI,
    MEMBERS,
    PARTNER,
    RULES,
    SEED_DAY,
    STAFF,
    make_settings,
    seed_demo,
    token_for,
)

import_models()

# Tests hash many passwords; the production cost parameters are kept out of the test run.
from argon2 import PasswordHasher  # noqa: E402

import api.security  # noqa: E402

api.security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

PG_ADMIN_URL = os.environ.get("RELAIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


# Every test database starts as a copy of a template holding the demo collective's people
# (seats from SEED_DAY's year on), so no test pays for seeding: a file copy on SQLite,
# CREATE DATABASE ... TEMPLATE on PostgreSQL.


def _admin_engine():
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop_pg(admin, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database with the demo people, for this test session."""
    if not _pg_available():
        if IN_CI:
            pytest.fail("PostgreSQL is required under CI=true but 127.0.0.1:5432 does not answer")
        pytest.skip("PostgreSQL not available")
    name = f"relais_tpl_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(_pg_url(name))
    db = Database(_pg_url(name))
    seed_demo(db, SEED_DAY)
    db.dispose()
    yield name
    _drop_pg(admin, name)
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = Path(tmp_path_factory.mktemp("template")) / "relais-template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    seed_demo(db, SEED_DAY)
    db.dispose()
    conn = sqlite3.connect(path)  # fold the WAL into the file before it is copied
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """Run the test once on SQLite and once on PostgreSQL, each on a fresh copy of the template."""
    if request.param == "sqlite":
        target = tmp_path / "relais-test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"relais_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _pg_url(name)
    _drop_pg(admin, name)
    admin.dispose()


@pytest.fixture
def pg_url(pg_template) -> Iterator[str]:
    """A fresh copy of the PostgreSQL template, for tests that only make sense there."""
    name = f"relais_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    yield _pg_url(name)
    _drop_pg(admin, name)
    admin.dispose()


@pytest.fixture
def sqlite_url(request, tmp_path) -> str:
    target = tmp_path / "relais-test.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
    return f"sqlite:///{target}"


@pytest.fixture
def database(db_url) -> Iterator[Database]:
    """A migrated database on the backend of `db_url`, holding the demo people."""
    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def app(database, db_url):
    """The app on a database holding the demo collective's people (no area data)."""
    from api.main import create_app

    return create_app(make_settings(db_url), db=database)


@pytest.fixture
def runtime(app):
    """The app's runtime (settings, database, rules book, installed areas), for tests that
    open a unit of work with `tests.helpers.unit_of_work(runtime, email)`."""
    return app.state.runtime


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


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
