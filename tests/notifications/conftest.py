"""Fixtures for the reminders: a real aiosmtpd server on loopback, a controllable clock,
a runtime on the test database with the settings a test asks for, and helpers to plan and
deliver."""

import asyncio
import re
import socket
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from api.areas import build_runtime
from api.collective.models import Body, Person
from api.context import Runtime
from api.timeutil import set_clock
from tests.helpers import make_settings, seed_demo

MID = re.compile(rb"^Message-ID:\s*(\S+)", re.MULTILINE | re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """What the SMTP server received: (envelope recipient, raw bytes)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append((rcpt, envelope.original_content or envelope.content))
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [MID.search(raw).group(1).decode() for _, raw in self.received]

    def messages(self):
        return [(rcpt, message_from_bytes(raw, policy=default_policy)) for rcpt, raw in self.received]

    def to(self, email: str):
        return [msg for rcpt, msg in self.messages() if rcpt == email]

    def duplicates(self) -> dict[str, int]:
        return {k: v for k, v in Counter(self.message_ids()).items() if v > 1}


class SmtpServer:
    """A real SMTP server on 127.0.0.1; `stop()` / `start()` simulate an outage."""

    def __init__(self) -> None:
        self.port = free_port()
        self.sink = Sink()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


class Clock:
    def __init__(self, start: datetime):
        self.at = start
        set_clock(lambda: self.at)

    def set(self, value: datetime) -> None:
        self.at = value

    def advance(self, **delta) -> None:
        from datetime import timedelta

        self.at = self.at + timedelta(**delta)


@pytest.fixture
def clock():
    c = Clock(datetime(2026, 10, 20, 12, 0, tzinfo=UTC))
    yield c
    set_clock(None)  # always restore the real clock


@pytest.fixture
def configure(database):
    """A function returning a runtime on this test's database with the test's settings
    (`configure(smtp_host=...)`), built as the web app and the worker build theirs."""

    def apply(**overrides) -> Runtime:
        return build_runtime(make_settings(database.url, **overrides), database)

    return apply


@pytest.fixture
def people(database, clock):
    seed_demo(database, today=clock.at.date())
    with database.session() as session:
        found = {p.email: p for p in session.execute(select(Person)).scalars()}
        bodies = {b.key: b.id for b in session.execute(select(Body)).scalars()}
    found["_bodies"] = bodies
    return found


def deliver(runtime: Runtime, **kw):
    from notifications.delivery import deliver_due

    return asyncio.run(deliver_due(runtime, **kw))


def wait_for(predicate, timeout: float = 5.0) -> None:
    """Waits for the SMTP server thread to have stored what was already sent (real time,
    bounded; not time travel)."""
    end = time.monotonic() + timeout
    while not predicate() and time.monotonic() < end:
        time.sleep(0.01)
