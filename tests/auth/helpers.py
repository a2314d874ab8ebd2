"""What the sign-in and session tests share: a browser (or script) from a given network
address, a person's id, and the language switch as the header's form sends it."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.collective.models import Person
from tests.helpers import DEMO_PASSWORD, csrf_of
from tests.notifications.conftest import deliver, wait_for


def device(app, address: str = "testclient") -> TestClient:
    """A browser or a script reaching Relais from `address` (use as a context manager)."""
    return TestClient(app, client=(address, 50000))


def person_id(app, email: str) -> int:
    with app.state.runtime.database.session() as session:
        return session.execute(select(Person.id).where(Person.email == email)).scalar_one()


def language_of(app, email: str) -> str:
    with app.state.runtime.database.session() as session:
        return session.execute(select(Person.language).where(Person.email == email)).scalar_one()


def ask_for_token(client: TestClient, email: str, password: str = DEMO_PASSWORD):
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def switch_language(client: TestClient, lang: str, next_path: str = "/", page: str = "/"):
    """Press the language button in the header of `page`, as a browser without JavaScript."""
    token = csrf_of(client.get(page).text)
    return client.post(f"/language/{lang}", data={"csrf_token": token, "next": next_path},
                       follow_redirects=False)


def mails(app, smtp, email: str, count: int = 1):
    """The emails `email` received once the outbox was delivered (at least `count`)."""
    deliver(app.state.runtime)
    wait_for(lambda: len(smtp.sink.to(email)) >= count)
    received = smtp.sink.to(email)
    assert len(received) >= count, f"{email} received {len(received)} emails"
    return received


def text(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def link(mail, prefix: str) -> str:
    """The path of the link starting with `prefix` in an email's text, as the person clicks it."""
    match = re.search(r"http://testserver(" + re.escape(prefix) + r"\S+)", text(mail))
    assert match, text(mail)
    return match.group(1)
