"""Shared steps of the logbook tests: the team of the demo collective and entries by API."""

from tests.helpers import token_for

WORKER = "intervention1.err@relais.demo"
WORKER2 = "intervention2.err@relais.demo"
COORDINATOR = "coordination.err@relais.demo"  # staff observer of the executive committee


def entry(site="magog", mode="individual", people=None, **fields) -> dict:
    return {"site": site, "mode": mode, "people": people or {"adults": 1}, **fields}


def log(client, headers, **fields) -> dict:
    r = client.post("/api/v1/logbook/entries", json=entry(**fields), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def name_coordinator(runtime, email=COORDINATOR) -> None:
    from sqlalchemy import select

    from api.collective.models import Person
    from api.logbook.models import Coordinator

    with runtime.unit_of_work() as ctx:
        person_id = ctx.session.execute(select(Person.id).where(Person.email == email)).scalar_one()
        ctx.session.add(Coordinator(person_id=person_id))


def worker_headers(client, email=WORKER) -> dict:
    return token_for(client, email)
