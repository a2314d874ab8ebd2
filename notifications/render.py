"""Emails from Jinja2 templates (notifications/templates): HTML and plain text, in the
person's language, dates in the collective's time zone, links to the item, the preferences
and the unsubscribe page, and an ICS attachment for dated items.

Everything an email needs besides its rows comes in one `Letterhead` (collective name, time
zone, base URL, From address), made once per unit of work or per delivery run from the
settings and the rules in force: rendering reads no global and no database.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formataddr, formatdate, parseaddr
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.config import Settings
from api.i18n import catalog, normalise, t, translator
from api.rules.schema import GovernanceRules
from api.timeutil import local
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

    @property
    def domain(self) -> str:
        """The domain of Message-IDs and calendar UIDs."""
        return _domain(self.mail_from)


def letterhead(settings: Settings, rules: GovernanceRules) -> Letterhead:
    return Letterhead(collective=rules.collective.name, tz=rules.collective.timezone,
                      base_url=settings.base_url.rstrip("/"), mail_from=settings.mail_from)


@lru_cache(maxsize=8)
def _domain(mail_from: str) -> str:
    address = parseaddr(mail_from)[1]
    return address.rsplit("@", 1)[1] if "@" in address else "relais.local"


@lru_cache(maxsize=8)
def _from_header(mail_from: str) -> str:
    name, address = parseaddr(mail_from)
    return formataddr((name, address)) if not name.isascii() else mail_from


def message_id_for(head: Letterhead, row: OutboxMessage | int, prefix: str = "reminder") -> str:
    """Stable per outbox row: every send of the row carries the same Message-ID."""
    row_id = row if isinstance(row, int) else row.id
    return f"<{prefix}-{row_id}@{head.domain}>"


def _when(row: OutboxMessage, lang: str, tz: str) -> str:
    return format_date(row.due_at, lang, tz) if row.all_day else format_datetime(row.due_at, lang, tz)


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


def _item(head: Letterhead, row: OutboxMessage, lang: str, token: str | None) -> dict:
    _ = translator(lang)
    offset = row.offset_seconds
    if offset < 0:
        lead = _("notif.email.overdue_since", days=max(1, -offset // 86400))
    elif offset >= 86400:
        lead = _("notif.email.in_days", days=offset // 86400)
    else:
        lead = _("notif.email.in_hours", hours=max(1, offset // 3600))
    return {"title": row.title(lang), "when": _when(row, lang, head.tz), "lead": lead,
            "kind": kind_name(row.kind, lang), "links": _links(head, row, token), "kind_key": row.kind}


def render_reminder(head: Letterhead, row: OutboxMessage, lang: str, token: str | None
                    ) -> tuple[str, str, str]:
    lang = normalise(lang)
    _ = translator(lang)
    item = _item(head, row, lang, token)
    key = "notif.email.subject_overdue" if row.offset_seconds < 0 else "notif.email.subject"
    subject = _(key, title=item["title"], when=item["when"])
    ctx = {"_": _, "item": item, "links": item["links"], "subject": subject,
           "collective": head.collective, "lang": lang}
    return (subject, env.get_template("reminder.txt").render(ctx),
            env.get_template("reminder.html").render(ctx))


def render_digest(head: Letterhead, rows: list[OutboxMessage], lang: str, token: str | None
                  ) -> tuple[str, str, str]:
    lang = normalise(lang)
    _ = translator(lang)
    items = [_item(head, r, lang, token) for r in sorted(rows, key=lambda r: r.due_at)]
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
        lines.append(f"SUMMARY:{_ics_text(row.title(lang))}")
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
