"""What the sign-in and session tests share: a browser (or script) from a given network
address, a person's id, and the language switch as the header's form sends it."""

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.collective.models import Person
from tests.helpers import DEMO_PASSWORD, csrf_of


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
