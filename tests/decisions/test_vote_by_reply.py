"""Voting by answering the invitation: real messages sent with aiosmtplib to `relais inbound`
on loopback. "Pour", "CONTRE", "abstention" above a quoted history vote; the answer goes to
the voter's own address; anything else gets a helpful answer and never a vote; a forged or
foreign address is refused at the door; an out-of-office notice does nothing."""

import asyncio
import os
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from notifications.inbound import InboundServer
from tests.decisions.conftest import create_and_open, events, text_of
from tests.helpers import CHAIR, MEMBERS
from tests.notifications.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
QUOTED = """

Le mar. 20 oct. 2026 à 08 h 00, Relais <relais@relais.example> a écrit :
> Vote ouvert — Procédure · Conseil exécutif
> Pour : http://testserver/decisions/1/email-vote/yes/xyz
> Contre : http://testserver/decisions/1/email-vote/no/xyz
"""


@pytest.fixture
def inbound(mail):
    server = InboundServer(mail.runtime, "127.0.0.1", free_port())
    server.start()
    yield server
    server.stop()


def _answer(to: str, body: str, sender: str, html: bool = False, **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, "Re: Vote ouvert"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if html:
        message.set_content("")
        message.clear_content()
        message.set_content(body, subtype="html")
    else:
        message.set_content(body)
    return message


def _send(port: int, message: EmailMessage, sender: str | None = None):
    return asyncio.run(aiosmtplib.send(message, hostname="127.0.0.1", port=port,
                                       sender=sender if sender is not None else str(message["From"])))


def _reply_address(mail, email: str) -> str:
    mail.send()
    return str(next(m for m in mail.to(email) if m["Reply-To"] is not None)["Reply-To"])


def _my_vote(client, voters, email, decision_id):
    return client.get(f"/api/v1/decisions/{decision_id}", headers=voters[email]).json()["my_vote"]


def test_pour_contre_and_abstention_above_a_quoted_history_vote_and_are_confirmed(
        client, voters, mail, inbound, clock):
    decision_id = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure d'accueil")
    address = _reply_address(mail, MEMBERS[0])
    port = inbound.controller.port

    _send(port, _answer(address, "Pour" + QUOTED, MEMBERS[0]))
    assert _my_vote(client, voters, MEMBERS[0], decision_id) == "yes"
    mail.send()
    [receipt] = mail.kind(MEMBERS[0], "Votre vote par courriel")
    assert "Votre vote est enregistré\u00a0: Pour." in text_of(receipt)

    # Capitals, a signature, sent from another address: the answer still goes to the voter.
    clock.advance(minutes=5)
    _send(port, _answer(address, "CONTRE\n\n-- \nDirection, Han-Droits" + QUOTED, "autre@ailleurs.example"))
    assert _my_vote(client, voters, MEMBERS[0], decision_id) == "no"
    # An HTML answer whose quoted history says "Pour": only the first line counts.
    clock.advance(minutes=5)
    _send(port, _answer(address, "<div>abstention</div><blockquote>Pour</blockquote>", MEMBERS[0], html=True))
    assert _my_vote(client, voters, MEMBERS[0], decision_id) == "abstain"
    mail.send()
    texts = [text_of(m) for m in mail.kind(MEMBERS[0], "Votre vote par courriel")]
    assert any("Votre vote est modifié\u00a0: Contre." in t for t in texts)
    assert any("Votre vote est modifié\u00a0: Abstention." in t for t in texts)
    assert mail.to("autre@ailleurs.example") == []
    casts = [e for e in events(client, voters[CHAIR], decision_id) if e["action"] in ("vote.cast", "vote.changed")]
    assert [e["after"]["channel"] for e in casts] == ["reply", "reply", "reply"]

    # An English-speaking member answers "Yes" (accents and case do not matter).
    english = _reply_address(mail, MEMBERS[3])
    _send(port, _answer(english, "yes, of course\n\nOn Tue, Oct 20, 2026, Relais wrote:\n> No", MEMBERS[3]))
    assert _my_vote(client, voters, MEMBERS[3], decision_id) == "yes"
    mail.send()
    [receipt] = mail.kind(MEMBERS[3], "Your vote by email")
    assert "Your vote is recorded: Yes." in text_of(receipt)


def test_anything_else_gets_a_helpful_answer_and_never_a_vote(client, voters, mail, inbound, clock):
    decision_id = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure d'accueil")
    address = _reply_address(mail, MEMBERS[1])
    port = inbound.controller.port

    _send(port, _answer(address, "Bonjour, je suis plutôt d'accord mais j'ai une question." + QUOTED, MEMBERS[1]))
    clock.advance(minutes=5)
    _send(port, _answer(address, QUOTED, MEMBERS[1]))  # only the quoted invitation: its "Pour" is not an answer
    assert _my_vote(client, voters, MEMBERS[1], decision_id) is None
    mail.send()
    answers = mail.kind(MEMBERS[1], "Votre vote par courriel")
    assert len(answers) == 2
    assert all("Nous n'avons pas compris votre réponse\u00a0: aucun vote n'a été enregistré." in text_of(m)
               for m in answers)
    assert ("un seul mot\u00a0: «\u00a0Pour\u00a0», «\u00a0Contre\u00a0» ou «\u00a0Abstention\u00a0»"
            in text_of(answers[0]))

    # An out-of-office notice neither votes nor gets an answer (no mail loop).
    _send(port, _answer(address, "Pour", MEMBERS[1], Auto_Submitted="auto-replied"))
    _send(port, _answer(address, "Pour", MEMBERS[1]), sender="")  # a bounce
    assert _my_vote(client, voters, MEMBERS[1], decision_id) is None
    mail.send()
    assert len(mail.kind(MEMBERS[1], "Votre vote par courriel")) == 2

    # After closing, an answer is refused, and told so.
    clock.advance(hours=73)
    _send(port, _answer(address, "Pour", MEMBERS[1]))
    assert _my_vote(client, voters, MEMBERS[1], decision_id) is None
    mail.send()
    assert any("Votre réponse n'a pas été comptée\u00a0: Le vote est fermé" in text_of(m)
               for m in mail.kind(MEMBERS[1], "Votre vote par courriel"))


def test_a_forged_or_foreign_address_is_refused_at_the_door(client, voters, mail, inbound, clock):
    decision_id = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure d'accueil")
    address = _reply_address(mail, MEMBERS[2])
    local_part, domain = address.split("@")
    forged = [
        f"{local_part[:-4]}0000@{domain}",  # another signature
        address.replace(f"vote+{decision_id}.", f"vote+{decision_id + 1}."),  # another decision
        f"{local_part}@ailleurs.example",  # another domain: no relaying
        f"direction@{domain}",
    ]
    for to in forged:
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
            _send(inbound.controller.port, _answer(to, "Pour", MEMBERS[2]))
        assert "Unknown or invalid voting address" in str(refused.value)
    assert _my_vote(client, voters, MEMBERS[2], decision_id) is None
    # A valid address written in capitals by some mail system still works.
    _send(inbound.controller.port, _answer(address.upper(), "Pour", MEMBERS[2]))
    assert _my_vote(client, voters, MEMBERS[2], decision_id) == "yes"


def test_the_relais_inbound_command_receives_a_vote(client, voters, mail, database, clock, tmp_path):
    """The command itself, as an operator runs it (its own process; real time inside it)."""
    from datetime import UTC, datetime, timedelta

    from api.timeutil import set_clock

    real = datetime.now(UTC)
    set_clock(None)
    decision_id = create_and_open(client, voters[CHAIR], kind="budget", title="Budget par courriel",
                                  closes_at=(real + timedelta(days=3)).isoformat())
    # Deliver the invitation tomorrow at 16:00 UTC (late morning in Toronto): in the sending
    # hours whatever the hour the test runs at.
    clock.set((real + timedelta(days=1)).replace(hour=16))
    set_clock(lambda: clock.at)
    address = _reply_address(mail, MEMBERS[0])
    set_clock(None)
    port = free_port()
    env = {**os.environ, "RELAIS_DATABASE_URL": database.url, "RELAIS_SECRET_KEY": "test-secret-key",
           "RELAIS_MAIL_FROM": "Relais <relais@relais.example>", "RELAIS_SCHEDULER_ENABLED": "false"}
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "inbound", "--port", str(port)], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _send(port, _answer(address, "Pour", MEMBERS[0]))
                break
            except (aiosmtplib.SMTPConnectError, ConnectionError, OSError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert _my_vote(client, voters, MEMBERS[0], decision_id) == "yes", output
