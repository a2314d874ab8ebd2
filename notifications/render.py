"""Emails from Jinja2 templates (notifications/templates): HTML and plain text, in the
person's language, dates in the collective's time zone, links to the item, the preferences
and the unsubscribe page, and an ICS attachment for dated items.

Everything an email needs besides its rows comes in one `Letterhead` (collective name, time
zone, base URL, From address), made once per unit of work or per delivery run from the
settings and the rules in force: rendering reads no global and no database.

The emails of a vote's life (invitation, outcome, "remind those who have not voted", the
answer to a vote by email: `NOTICE_KINDS`) are written by the decisions area when it queues
them, in each person's language, and kept on their outbox row; `render_reminder` only adds
the footer and, at sending time, the personal vote links (`[[vote:<choice>:<seat>]]`
markers signed with the secret key, so no working link is ever stored), and `build_message`
adds the per-person Reply-To (`vote+...@domain`) of a message that carries vote buttons,
read back from its Message-ID (`<vote-{row}.{decision}.{person}@domain>`).
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formataddr, formatdate, parseaddr
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from api.config import Settings
from api.decisions import tokens
from api.i18n import catalog, normalise, t, translator
from api.rules.schema import GovernanceRules
from api.timeutil import as_utc, local, now
from api.web import format_date, format_datetime
from notifications.models import OutboxMessage

env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
                  autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Letterhead:
    """What every email of the collective carries besides its content."""

    collective: str  # the collective's name
    tz: str  # its time zone: dates are shown there
    base_url: str  # links: base URL without the final "/"
    mail_from: str  # the From header (RELAIS_MAIL_FROM)
    secret: str = ""  # signs the personal vote links and reply addresses at sending time
    # No SMTP host: messages are kept in the admin's local mailbox, so they carry no personal
    # vote link (the buttons open the decision, which asks to sign in).
    local_mailbox: bool = False

    @property
    def domain(self) -> str:
        """The domain of Message-IDs and calendar UIDs."""
        return _domain(self.mail_from)


def letterhead(settings: Settings, rules: GovernanceRules) -> Letterhead:
    return Letterhead(collective=rules.collective.name, tz=rules.collective.timezone,
                      base_url=settings.base_url.rstrip("/"), mail_from=settings.mail_from,
                      secret=settings.secret_key, local_mailbox=not settings.smtp_host)


# --- the emails of a vote's life ----------------------------------------------------------

# Written when queued (subject, text, HTML fragment on the row); see the module docstring.
NOTICE_KINDS = ("decision_invitation", "decision_outcome", "decision_nudge", "decision_vote_receipt")
# Kinds whose messages may carry vote buttons (and then a Reply-To to vote by answering).
VOTE_KINDS = ("decision_invitation", "decision_nudge")
# Kinds with a date worth a calendar entry (the vote's closing time).
CALENDAR_KINDS_EXCLUDED = ("decision_outcome", "decision_vote_receipt", "decision_comment")
VOTE_MARKER = re.compile(r"\[\[vote:(yes|no|abstain):(\d{1,10})\]\]")
_VOTE_MESSAGE_ID = re.compile(r"^<vote-\d+\.(\d+)\.(\d+)@")


def vote_marker(choice: str, seat_id: int) -> str:
    """What a queued email holds in place of a personal vote link (filled when it is sent)."""
    return f"[[vote:{choice}:{seat_id}]]"


def _votes_by_reply(row: OutboxMessage) -> bool:
    return row.kind in VOTE_KINDS and bool(row.body_text) and VOTE_MARKER.search(row.body_text) is not None


def vote_link(head: Letterhead, row: OutboxMessage, choice: str, seat_id: int) -> str:
    """The personal link of one vote button: the decision's page in a local mailbox (no
    usable secret is ever stored), else a signed single-purpose link valid until closing."""
    if head.local_mailbox or not head.secret:
        return f"{head.base_url}{row.path}"
    token = tokens.link_token(head.secret, person_id=row.recipient_id, seat_id=seat_id,
                              decision_id=row.object_id, choice=choice, expires_at=row.due_at)
    return f"{head.base_url}/decisions/{row.object_id}/email-vote/{choice}/{token}"


def _fill_votes(head: Letterhead, row: OutboxMessage, text: str) -> str:
    return VOTE_MARKER.sub(lambda m: vote_link(head, row, m.group(1), int(m.group(2))), text)


def reply_to_for(head: Letterhead, message_id: str) -> str | None:
    """The Reply-To of a message with vote buttons: its person's address for its decision."""
    match = _VOTE_MESSAGE_ID.match(message_id or "")
    if match is None or not head.secret or head.local_mailbox:
        return None
    return tokens.reply_address(head.secret, int(match.group(1)), int(match.group(2)), head.domain)


def render_notice(head: Letterhead, template: str, lang: str, data: dict) -> tuple[str, str]:
    """A vote-life email's text and HTML fragment (no footer), rendered when it is queued
    from `notifications/templates/<template>.txt|.html`; `data["subject"]` is its subject."""
    lang = normalise(lang)
    ctx = {"_": translator(lang), "lang": lang, "collective": head.collective, **data}
    return (env.get_template(f"{template}.txt").render(ctx),
            env.get_template(f"{template}.html").render(ctx))


def _render_notice_row(head: Letterhead, row: OutboxMessage, lang: str, token: str | None
                       ) -> tuple[str, str, str]:
    """A queued vote-life email as it leaves: its links filled in, the footer added."""
    lang = normalise(row.language or lang)
    _ = translator(lang)
    links = _links(head, row, token)
    ctx = {"_": _, "links": links, "collective": head.collective, "lang": lang,
           "subject": row.subject or "",
           "content": _fill_votes(head, row, row.body_text or ""),
           "content_html": Markup(_fill_votes(head, row, row.body_html or ""))}
    return (row.subject or "", env.get_template("notice.txt").render(ctx),
            env.get_template("notice.html").render(ctx))


@lru_cache(maxsize=8)
def _domain(mail_from: str) -> str:
    address = parseaddr(mail_from)[1]
    return address.rsplit("@", 1)[1] if "@" in address else "relais.local"


@lru_cache(maxsize=8)
def _from_header(mail_from: str) -> str:
    name, address = parseaddr(mail_from)
    return formataddr((name, address)) if not name.isascii() else mail_from


def message_id_for(head: Letterhead, row: OutboxMessage | int, prefix: str = "reminder") -> str:
    """Stable per outbox row: every send of the row carries the same Message-ID. A message
    with vote buttons names its decision and person (for its Reply-To, see build_message)."""
    if isinstance(row, int):
        return f"<{prefix}-{row}@{head.domain}>"
    if _votes_by_reply(row):
        return f"<vote-{row.id}.{row.object_id}.{row.recipient_id}@{head.domain}>"
    return f"<{prefix}-{row.id}@{head.domain}>"


WEEKDAYS = {"fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
            "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]}


def _when(row: OutboxMessage, lang: str, tz: str) -> str:
    """The due date in words, with its weekday: "jeudi 28 septembre 2017"."""
    weekday = WEEKDAYS[lang][local(row.due_at, tz).weekday()]
    text = format_date(row.due_at, lang, tz) if row.all_day else format_datetime(row.due_at, lang, tz)
    return f"{weekday} {text}" if lang == "fr" else f"{weekday}, {text}"


def days_between(row: OutboxMessage, tz: str, at: datetime) -> int:
    """Whole days from `at` to the deadline (negative once it has passed): calendar days in
    the collective's zone for a date without a time (a report due date), elapsed days else."""
    if row.all_day:
        return (local(row.due_at, tz).date() - local(at, tz).date()).days
    seconds = (as_utc(row.due_at) - as_utc(at)).total_seconds()
    return int(seconds // 86400) if seconds >= 0 else -int(-seconds // 86400)


def _lead(row: OutboxMessage, lang: str, tz: str, at: datetime) -> str:
    """How far the deadline is, as it really is when the email leaves ("en retard depuis 139
    jours"), not the offset the reminder was planned at."""
    days = days_between(row, tz, at)
    if row.offset_seconds < 0 or days < 0:
        return t("notif.email.overdue_since", lang, count=max(1, -days))
    if days >= 1:
        return t("notif.email.in_days", lang, count=days)
    if row.all_day:
        return t("notif.email.today", lang)
    hours = max(1, int((as_utc(row.due_at) - as_utc(at)).total_seconds() // 3600))
    return t("notif.email.in_hours", lang, count=hours)


def action_label(kind: str, lang: str) -> str:
    """The one thing the email asks for ("Rédiger le rapport"), else "Ouvrir dans Relais"."""
    key = f"notif.action.{kind}"
    return t(key, lang) if key in catalog() else t("notif.email.open", lang)


def when_label(kind: str, lang: str) -> str:
    """What the date is: "Échéance :" for a task or a report, "Fin du vote :" for a vote,
    "Date :" for a meeting (`notif.when.<kind>`)."""
    key = f"notif.when.{kind}"
    return t(key, lang) if key in catalog() else t("notif.email.when", lang)


def _details(row: OutboxMessage, lang: str) -> list[str]:
    """The lines saying what the item is about (body, funder, amount, owner...), then where."""
    lines = row.details(lang)
    if row.location:
        lines.append(t("notif.detail.location", lang, value=row.location))
    return lines


def _links(head: Letterhead, row: OutboxMessage, token: str | None) -> dict[str, str]:
    base = head.base_url
    links = {"item": base + row.path, "preferences": base + "/preferences"}
    if token:
        links["unsubscribe"] = f"{base}/unsubscribe/{token}?kind={row.kind}"
        links["unsubscribe_all"] = f"{base}/unsubscribe/{token}"
    return links


def kind_name(kind: str, lang: str) -> str:
    """A new kind of deadline works before its name is translated (the key is shown)."""
    key = f"notif.kind.{kind}"
    return t(key, lang) if key in catalog() else kind.replace("_", " ")


def _item(head: Letterhead, row: OutboxMessage, lang: str, token: str | None,
          at: datetime | None = None) -> dict:
    _ = translator(lang)
    at = at or now()
    if row.kind in NOTICE_KINDS or row.kind == "decision_comment":
        lead = _(f"decision.mail.digest_lead.{row.kind}")
    else:
        lead = _lead(row, lang, head.tz, at)
    overdue = row.kind not in NOTICE_KINDS and (row.offset_seconds < 0 or days_between(row, head.tz, at) < 0)
    return {"title": row.title(lang), "when": _when(row, lang, head.tz), "lead": lead,
            "kind": kind_name(row.kind, lang), "links": _links(head, row, token), "kind_key": row.kind,
            "action": action_label(row.kind, lang), "overdue": overdue, "details": _details(row, lang),
            "when_label": when_label(row.kind, lang)}


def render_reminder(head: Letterhead, row: OutboxMessage, lang: str, token: str | None,
                    at: datetime | None = None) -> tuple[str, str, str]:
    """A reminder as it leaves at `at` (now): its lead says the real delay or time left."""
    if row.kind in NOTICE_KINDS:
        return _render_notice_row(head, row, lang, token)
    lang = normalise(lang)
    _ = translator(lang)
    item = _item(head, row, lang, token, at)
    key = "notif.email.subject_overdue" if item["overdue"] else "notif.email.subject"
    subject = _(key, title=item["title"], when=item["when"], lead=item["lead"])
    ctx = {"_": _, "item": item, "links": item["links"], "subject": subject,
           "collective": head.collective, "lang": lang}
    return (subject, env.get_template("reminder.txt").render(ctx),
            env.get_template("reminder.html").render(ctx))


def render_digest(head: Letterhead, rows: list[OutboxMessage], lang: str, token: str | None,
                  at: datetime | None = None) -> tuple[str, str, str]:
    lang = normalise(lang)
    _ = translator(lang)
    at = at or now()
    items = [_item(head, r, lang, token, at) for r in sorted(rows, key=lambda r: r.due_at)]
    base = head.base_url
    links = {"preferences": base + "/preferences"}
    if token:
        links["unsubscribe_all"] = f"{base}/unsubscribe/{token}"
    subject = _("notif.email.digest_subject", count=len(items))
    ctx = {"_": _, "items": items, "links": links, "subject": subject,
           "collective": head.collective, "lang": lang}
    return (subject, env.get_template("digest.txt").render(ctx),
            env.get_template("digest.html").render(ctx))


def render_signin(head: Letterhead, person, url: str, expires_at: datetime) -> tuple[str, str, str]:
    lang = normalise(person.language)
    _ = translator(lang)
    subject = _("notif.email.signin_subject")
    ctx = {"_": _, "url": url, "name": person.name, "expires": format_datetime(expires_at, lang, head.tz),
           "subject": subject, "collective": head.collective, "lang": lang}
    return (subject, env.get_template("signin.txt").render(ctx),
            env.get_template("signin.html").render(ctx))


def _ics_text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _ics_fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545)."""
    data = line.encode()
    if len(data) <= 75:
        return line
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > (75 if not out else 74):
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _ics_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_for(head: Letterhead, rows: list[OutboxMessage], lang: str) -> bytes:
    """An iCalendar (RFC 5545) file: one VEVENT per dated item. The UID is the item's, so a
    calendar updates the event when the deadline moves instead of adding another.

    Written directly (a few lines per event) rather than with the icalendar package, which
    costs more than the SMTP exchange; the tests parse the result with icalendar."""
    base = head.base_url
    domain = head.domain
    rows = [row for row in rows if row.kind not in CALENDAR_KINDS_EXCLUDED]
    if not rows:
        return b""  # nothing dated (an outcome, a receipt): no attachment
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Relais//reminders//FR", "METHOD:PUBLISH",
             "CALSCALE:GREGORIAN"]
    for row in rows:
        lines += ["BEGIN:VEVENT", f"UID:{row.kind}-{row.object_type}-{row.object_id}@{domain}",
                  f"DTSTAMP:{_ics_utc(row.created_at or row.due_at)}"]
        if row.all_day:
            day = local(row.due_at, head.tz).date()
            lines += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                      f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}"]
        else:
            lines += [f"DTSTART:{_ics_utc(row.due_at)}", f"DTEND:{_ics_utc(row.due_at)}"]
        summary = row.title(lang)
        if row.kind in VOTE_KINDS:
            summary = t("decision.mail.ics_summary", lang, title=summary)
        lines.append(f"SUMMARY:{_ics_text(summary)}")
        lines.append(f"URL:{base}{row.path}")
        if row.location:
            lines.append(f"LOCATION:{_ics_text(row.location)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_ics_fold(line) for line in lines) + "\r\n").encode()


def _b64_lines(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _header_text(value: str) -> str:
    """RFC 2047 encoded words (UTF-8, base64) for a non-ASCII header, folded."""
    if value.isascii() and len(value) < 900:
        return value
    words, chunk = [], ""
    for char in value:
        if len((chunk + char).encode()) > 42:
            words.append(chunk)
            chunk = ""
        chunk += char
    words.append(chunk)
    return "\r\n ".join("=?utf-8?b?" + base64.b64encode(w.encode()).decode() + "?=" for w in words)


def build_message(head: Letterhead, to: str, subject: str, text: str, html: str, message_id: str,
                  ics: bytes | None = None, unsubscribe: str | None = None) -> bytes:
    """The MIME message as bytes (multipart/mixed: alternative text + HTML, then the ICS).

    Written directly rather than with `email.message.EmailMessage`, whose header registry
    and generator cost more than the SMTP exchange itself; the result parses with the
    standard library (the tests read it back with `email.message_from_bytes`)."""
    mixed, alt = "mixed-" + secrets.token_hex(12), "alt-" + secrets.token_hex(12)
    headers = [f"From: {_from_header(head.mail_from)}",
               f"To: {to}", f"Subject: {_header_text(subject)}", f"Message-ID: {message_id}",
               f"Date: {formatdate(localtime=False)}", "MIME-Version: 1.0",
               "Auto-Submitted: auto-generated"]
    if unsubscribe:
        headers.append(f"List-Unsubscribe: <{unsubscribe}>")
    reply_to = reply_to_for(head, message_id)
    if reply_to:
        headers.append(f"Reply-To: {reply_to}")
    headers.append(f'Content-Type: multipart/mixed; boundary="{mixed}"')
    parts = [("\r\n".join(headers) + "\r\n\r\n").encode(),
             f'--{mixed}\r\nContent-Type: multipart/alternative; boundary="{alt}"\r\n\r\n'.encode(),
             f"--{alt}\r\nContent-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n".encode(), _b64_lines(text.encode()),
             f"--{alt}\r\nContent-Type: text/html; charset=utf-8\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n".encode(), _b64_lines(html.encode()),
             f"--{alt}--\r\n".encode()]
    if ics:
        parts += [f'--{mixed}\r\nContent-Type: text/calendar; charset=utf-8; method=PUBLISH; '
                  f'name="relais.ics"\r\nContent-Disposition: attachment; filename="relais.ics"\r\n'
                  "Content-Transfer-Encoding: base64\r\n\r\n".encode(), _b64_lines(ics)]
    parts.append(f"--{mixed}--\r\n".encode())
    return b"".join(parts)
