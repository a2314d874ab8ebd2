"""The admission gate (`api.admission`): when the database is taken and nobody more may wait,
a request that needs it gets a fast 503 with Retry-After, in the person's language, and
changes nothing; what needs no database (health check, style sheet) is still served. The
queue itself is first come, first served, and a place is never lost. A connection to the
database lost under a request (PostgreSQL restarted) is the same kind of 503, and the next
try works."""

import asyncio
import os

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.admission import Gate
from api.db import Database
from api.main import create_app
from tests.auth.helpers import language_of, person_id
from tests.conftest import PG_ADMIN_URL
from tests.helpers import MEMBERS, make_settings, token_for


def _full(app):
    """Someone holds the database's only place and nobody may wait."""
    gate = app.state.runtime.gate
    gate.capacity, gate.max_queue, gate.inside = 1, 0, 1
    return gate


def test_a_member_changing_their_language_while_the_server_is_full_gets_a_503_and_nothing_changes(app, client):
    me = person_id(app, MEMBERS[0])
    token = token_for(client, MEMBERS[0])
    gate = _full(app)
    r = client.patch(f"/api/v1/people/{me}", json={"language": "en"}, headers=token)
    assert r.status_code == 503
    assert r.headers["retry-after"] == "1"
    assert r.json()["code"] == "error.busy"
    assert "réessayez" in r.json()["message"]
    gate.inside = 0
    assert language_of(app, MEMBERS[0]) == "fr"


def test_a_page_asked_for_while_the_server_is_full_says_so_in_english_for_an_english_browser(app, client):
    _full(app)
    client.cookies.set("lang", "en")
    r = client.get("/signin")
    assert r.status_code == 503 and r.headers["retry-after"] == "1"
    assert "try again in a few seconds" in r.text
    assert "password" not in r.text  # the error page, not the sign-in form


def test_the_health_check_and_the_style_sheet_do_not_wait_for_the_database(app, client):
    _full(app)
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/relais.css").status_code == 200


def test_waiting_requests_get_in_first_come_first_served_and_a_late_one_is_refused():
    async def story():
        gate = Gate(capacity=1, max_queue=10, max_wait=0.5)
        order = []

        async def request(name: str, hold: float):
            async with gate.admitted():
                order.append(name)
                await asyncio.sleep(hold)

        first = asyncio.create_task(request("first", 0.05))
        await asyncio.sleep(0)
        waiting = [asyncio.create_task(request(name, 0.01)) for name in ("second", "third", "fourth")]
        await asyncio.gather(first, *waiting)
        assert order == ["first", "second", "third", "fourth"]
        assert gate.inside == 0 and not gate.waiting

        slow = asyncio.create_task(request("slow", 1.0))
        await asyncio.sleep(0)
        refused = await gate.enter()  # waits 0.5 s behind a 1-s holder
        assert refused is False
        await slow
        assert gate.inside == 0

    asyncio.run(story())


def test_a_client_that_goes_away_while_waiting_hands_its_place_to_the_next_in_line():
    async def story():
        gate = Gate(capacity=1, max_queue=10, max_wait=2.0)
        assert await gate.enter()
        gone = asyncio.create_task(gate.enter())
        after = asyncio.create_task(gate.enter())
        await asyncio.sleep(0.01)
        gone.cancel()
        gate.leave()  # the place goes past the one who left, to the next in line
        assert await after is True
        assert gate.inside == 1
        gate.leave()
        assert gate.inside == 0

    asyncio.run(story())


def test_a_member_whose_request_meets_a_restarted_database_is_told_to_try_again_and_the_retry_works(pg_url):
    database = Database(pg_url)
    app = create_app(make_settings(pg_url), db=database)
    try:
        with TestClient(app) as client:
            me = person_id(app, MEMBERS[0])
            token = token_for(client, MEMBERS[0])
            # What a PostgreSQL restart does to the connections the app keeps in its pool.
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                ended = conn.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"),
                    {"name": pg_url.rsplit("/", 1)[1]}).scalar_one()
            admin.dispose()
            assert ended >= 1

            r = client.patch(f"/api/v1/people/{me}", json={"language": "en"}, headers=token)
            assert r.status_code == 503
            assert r.headers["retry-after"] == "1"
            assert r.json()["code"] == "error.database_unavailable"
            assert "réessayez" in r.json()["message"]
            assert language_of(app, MEMBERS[0]) == "fr"  # nothing was saved

            r = client.patch(f"/api/v1/people/{me}", json={"language": "en"}, headers=token)
            assert r.status_code == 200
            assert language_of(app, MEMBERS[0]) == "en"
    finally:
        database.dispose()


def test_several_app_processes_share_the_database_s_admission_capacity(monkeypatch):
    """`relais serve --workers 2` on PostgreSQL: each process lets in 2 units of work, not 4,
    so the database holds as many transactions at once as with one process."""
    import uvicorn
    from typer.testing import CliRunner

    from api.cli import app as cli
    from api.config import get_settings

    assert Gate.for_database(True, 0, 10, 1.0).capacity == 4
    assert Gate.for_database(True, 0, 10, 1.0, processes=2).capacity == 2
    assert Gate.for_database(True, 0, 10, 1.0, processes=3).capacity == 2
    assert Gate.for_database(True, 0, 10, 1.0, processes=8).capacity == 1
    assert Gate.for_database(True, 6, 10, 1.0, processes=2).capacity == 6  # set by hand: kept
    assert Gate.for_database(False, 0, 10, 1.0, processes=2).capacity == 1

    started: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.update(kwargs))
    monkeypatch.delenv("RELAIS_PROCESSES", raising=False)
    try:
        result = CliRunner().invoke(cli, ["serve", "--workers", "2"])
        assert result.exit_code == 0, result.output
        assert started["workers"] == 2
        assert get_settings().processes == 2  # what each worker process reads at start-up
        # Set by hand (several instances behind a proxy): kept.
        os.environ["RELAIS_PROCESSES"] = "4"
        get_settings.cache_clear()
        result = CliRunner().invoke(cli, ["serve", "--workers", "2"])
        assert result.exit_code == 0, result.output
        assert get_settings().processes == 4
    finally:
        os.environ.pop("RELAIS_PROCESSES", None)
        get_settings.cache_clear()
