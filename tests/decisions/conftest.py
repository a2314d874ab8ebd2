"""Helpers for the decision tests: the executive committee's voters, a decision put to vote,
and the emails of a vote's life delivered to a real SMTP server on loopback."""

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from api.areas import build_runtime
from api.context import Runtime
from tests.helpers import CHAIR, MEMBERS, make_settings, token_for
from tests.notifications.conftest import SmtpServer, clock, deliver, smtp  # noqa: F401 - fixtures

VOTERS = [CHAIR, *MEMBERS]  # the five voting seats of the executive committee


@pytest.fixture
def voters(client) -> dict[str, dict[str, str]]:
    return {email: token_for(client, email) for email in VOTERS}


def create(client, headers, kind="budget", title="Budget révisé 2026-2027", **extra) -> dict:
    payload = {"kind": kind, "title": title, "text": "Adoption du budget révisé.", **extra}
    r = client.post("/api/v1/decisions", json=payload, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def open_decision(client, headers, decision_id: int) -> dict:
    r = client.post(f"/api/v1/decisions/{decision_id}/transitions", json={"trigger": "open"},
                    headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def create_and_open(client, headers, kind="budget", **extra) -> int:
    decision = create(client, headers, kind=kind, **extra)
    assert open_decision(client, headers, decision["id"])["state"] == "open"
    return decision["id"]


def vote(client, headers, decision_id: int, choice: str):
    return client.post(f"/api/v1/decisions/{decision_id}/votes", json={"choice": choice}, headers=headers)


def events(client, headers, decision_id: int) -> list[dict]:
    r = client.get(f"/api/v1/register?object_type=decision&object_id={decision_id}&per_page=200",
                   headers=headers)
    assert r.status_code == 200
    return list(reversed(r.json()["items"]))  # oldest first


# --- the emails of a vote's life: a real SMTP sink, a clock in the sending hours ----------

VOTE_LINK = re.compile(r"https?://\S+?/decisions/(\d+)/email-vote/(yes|no|abstain)/([A-Za-z0-9_.\-]+)")


@dataclass
class Mail:
    """The outbox delivered over SMTP to a real aiosmtpd server on loopback."""

    runtime: Runtime
    server: SmtpServer

    def send(self, digest: bool = False):
        return deliver(self.runtime, digest=digest)

    def to(self, email: str) -> list:
        return self.server.sink.to(email)

    def kind(self, email: str, subject_part: str) -> list:
        return [m for m in self.to(email) if subject_part in str(m["Subject"])]

    @property
    def sink(self):
        return self.server.sink


@pytest.fixture
def mail(database, smtp, clock) -> Mail:  # noqa: F811 - the imported fixtures
    """Delivery as the worker runs it, with an SMTP host; the clock at 08:00 in Toronto
    (Tuesday 20 October 2026), inside the sending hours."""
    runtime = build_runtime(make_settings(database.url, smtp_host="127.0.0.1", smtp_port=smtp.port,
                                          mail_from="Relais <relais@relais.example>"), database)
    return Mail(runtime, smtp)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def vote_links(message) -> dict[str, str]:
    """{choice: url} of the vote buttons of an email (from its HTML part)."""
    return {m.group(2): m.group(0) for m in VOTE_LINK.finditer(html_of(message))}


def person_id(app, email: str) -> int:
    from api.collective.models import Person

    with app.state.runtime.database.session() as session:
        return session.execute(select(Person.id).where(Person.email == email)).scalar_one()


def seat_id(app, email: str, body_key: str = "executive_committee") -> int:
    from api.collective.models import Body, Person, Seat

    with app.state.runtime.database.session() as session:
        return session.execute(select(Seat.id).join(Person, Person.id == Seat.person_id)
                               .join(Body, Body.id == Seat.body_id)
                               .where(Person.email == email, Body.key == body_key)).scalar_one()
