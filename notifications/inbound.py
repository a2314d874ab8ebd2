"""`relais inbound`: an SMTP server (aiosmtpd) that receives the answers to vote invitations.

An invitation's Reply-To is `vote+<decision>.<person>.<mac>@<domain>` (see
`api.decisions.tokens`), the domain being the one of RELAIS_MAIL_FROM. This server:

* refuses at RCPT TO (550, with a sentence saying what to do instead) every address that is
  not a reply address of this domain signed with this installation's secret key: it relays
  nothing and stores no stray mail, and a forged address never reaches a vote;
* ignores automatic answers (Auto-Submitted, "out of office", empty return path, bulk and
  list mail): they neither vote nor get an answer, so no mail loop can start;
* reads the first word of the answer (the first line that is not quoted history: lines
  beginning with ">", and what follows "Le ... a écrit :", "On ... wrote:", "-----Original
  Message-----", "De :"/"From:" headers of a forwarded message), and hands it to
  `api.decisions.email_votes.vote_by_reply_in_own_transaction`, which votes ("pour",
  "contre", "abstention", "yes", "no", "abstain", any case, accents optional) through the
  same service as the page and queues the confirmation, or a helpful answer for anything
  else, to the voter's own address;
* answers 451 (try again later) if the database cannot be reached, so the sending server
  keeps the message and retries.

Routing the mail of a domain (or a sub-domain) here is described in README.md.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import threading
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from html import unescape

from aiosmtpd.controller import Controller

from api.context import Runtime
from api.decisions import email_votes, tokens
from notifications.render import letterhead

log = logging.getLogger("relais.inbound")

MAX_MESSAGE_BYTES = 1_000_000
REFUSED = ("550 5.1.1 Adresse de vote inconnue ou invalide : votez avec les boutons de votre "
           "invitation ou dans Relais / Unknown or invalid voting address: vote with the "
           "buttons of your invitation or in Relais")
_QUOTE_HEADER = re.compile(
    r"^(on\b.*\bwrote\s*:?|le\b.*\ba\s+[ée]crit\s*:?|-{2,}\s*(original message|message d'origine|forwarded message)"
    r"|_{5,}|(de|from|envoy[ée]|sent|to|à|objet|subject)\s*:)", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")
_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_BLOCK = re.compile(r"<(br|/p|/div|/li|/tr|/h\d)\b[^>]*>", re.IGNORECASE)


def is_automatic(message: EmailMessage, mail_from: str | None) -> bool:
    """An answer no person wrote: out-of-office notices, bounces, lists and bulk mail."""
    if not (mail_from or "").strip("<> "):
        return True
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto and auto != "no":
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond") or message.get("List-Id"):
        return True
    return str(message.get("Precedence", "")).strip().lower() in ("bulk", "junk", "list", "auto_reply")


def answer_text(message: EmailMessage) -> str:
    """The text of the answer: its plain-text part, or its HTML part without the tags."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
    except (KeyError, LookupError, ValueError, AttributeError):
        return ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = content.split("<blockquote", 1)[0]
        content = unescape(_TAG.sub("", _BLOCK.sub("\n", content)))
    return content


def first_word(text: str) -> str:
    """The first word of the first line written by the person (quoted history ignored)."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(">") or _QUOTE_HEADER.match(stripped):
            return ""
        match = _WORD.search(stripped)
        return match.group(0) if match else ""
    return ""


class VoteReplies:
    """The aiosmtpd handler."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.secret = runtime.settings.secret_key
        self.domain = letterhead(runtime.settings, runtime.rules).domain

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if tokens.read_reply_address(self.secret, address, self.domain) is None:
            log.info("refused recipient %r", address[:100])
            return REFUSED
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "replace")
        message = message_from_bytes(raw, policy=default_policy)
        if is_automatic(message, envelope.mail_from):
            log.info("automatic answer from %r ignored", (envelope.mail_from or "")[:100])
            return "250 OK"
        word = first_word(answer_text(message))
        try:
            for address in envelope.rcpt_tos:
                outcome = await asyncio.to_thread(email_votes.vote_by_reply_in_own_transaction,
                                                  self.runtime, address, word)
                log.info("vote by reply to %s: %s", address.split("@")[0][:40], outcome)
        except Exception:  # noqa: BLE001 - the sender keeps the message and retries
            log.exception("vote by reply failed")
            return "451 4.3.0 Erreur temporaire, réessayez plus tard / Temporary error, try again later"
        return "250 OK"


class InboundServer:
    """`relais inbound` on `host`:`port` (a thread of its own, as aiosmtpd runs it)."""

    def __init__(self, runtime: Runtime, host: str = "127.0.0.1", port: int = 2525):
        self.controller = Controller(VoteReplies(runtime), hostname=host, port=port,
                                     data_size_limit=MAX_MESSAGE_BYTES, server_hostname=host)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def serve(runtime: Runtime, host: str, port: int) -> None:
    """Run until interrupted (Ctrl-C or SIGTERM)."""
    server = InboundServer(runtime, host, port)
    server.start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    log.info("relais inbound listening on %s:%s", host, port)
    try:
        stop.wait()
    finally:
        server.stop()
