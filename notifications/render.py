"""Emails from Jinja2 templates (notifications/templates): HTML and plain text, in the
person's language, dates in the collective's time zone, links to the item, the preferences
and the unsubscribe page, and an ICS attachment for dated items."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path

from icalendar import Calendar, Event
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.i18n import normalise, translator
from api.web import format_date, format_datetime
from notifications import context
from notifications.models import OutboxMessage

env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
                  autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def mail_domain() -> str:
    address = parseaddr(context.settings().mail_from)[1]
    return address.rsplit("@", 1)[1] if "@" in address else "relais.local"


def message_id_for(row: OutboxMessage | int, prefix: str = "reminder") -> str:
    """Stable per outbox row: every send of the row carries the same Message-ID."""
    row_id = row if isinstance(row, int) else row.id
    return f"<{prefix}-{row_id}@{mail_domain()}>"


def _when(row: OutboxMessage, lang: str, tz: str) -> str:
    return format_date(row.due_at, lang, tz) if row.all_day else format_datetime(row.due_at, lang, tz)


def _links(row: OutboxMessage, token: str | None) -> dict[str, str]:
    base = context.settings().base_url.rstrip("/")
    links = {"item": base + row.path, "preferences": base + "/preferences"}
    if token:
        links["unsubscribe"] = f"{base}/unsubscribe/{token}?kind={row.kind}"
        links["unsubscribe_all"] = f"{base}/unsubscribe/{token}"
    return links


def _item(row: OutboxMessage, lang: str, tz: str, token: str | None) -> dict:
    _ = translator(lang)
    offset = row.offset_seconds
    if offset < 0:
        lead = _("notif.email.overdue_since", days=max(1, -offset // 86400))
    elif offset >= 86400:
        lead = _("notif.email.in_days", days=offset // 86400)
    else:
        lead = _("notif.email.in_hours", hours=max(1, offset // 3600))
    return {"title": row.title(lang), "when": _when(row, lang, tz), "lead": lead,
            "kind": _(f"notif.kind.{row.kind}"), "links": _links(row, token), "kind_key": row.kind}


def render_reminder(row: OutboxMessage, lang: str, token: str | None) -> tuple[str, str, str]:
    lang, tz = normalise(lang), context.timezone()
    _ = translator(lang)
    item = _item(row, lang, tz, token)
    key = "notif.email.subject_overdue" if row.offset_seconds < 0 else "notif.email.subject"
    subject = _(key, title=item["title"], when=item["when"])
    ctx = {"_": _, "item": item, "links": item["links"], "subject": subject,
           "collective": context.rules().collective.name, "lang": lang}
    return (subject, env.get_template("reminder.txt").render(ctx),
            env.get_template("reminder.html").render(ctx))


def render_digest(rows: list[OutboxMessage], lang: str, token: str | None) -> tuple[str, str, str]:
    lang, tz = normalise(lang), context.timezone()
    _ = translator(lang)
    items = [_item(r, lang, tz, token) for r in sorted(rows, key=lambda r: r.due_at)]
    base = context.settings().base_url.rstrip("/")
    links = {"preferences": base + "/preferences"}
    if token:
        links["unsubscribe_all"] = f"{base}/unsubscribe/{token}"
    subject = _("notif.email.digest_subject", count=len(items))
    ctx = {"_": _, "items": items, "links": links, "subject": subject,
           "collective": context.rules().collective.name, "lang": lang}
    return (subject, env.get_template("digest.txt").render(ctx),
            env.get_template("digest.html").render(ctx))


def render_signin(person, url: str, expires_at: datetime) -> tuple[str, str, str]:
    lang, tz = normalise(person.language), context.timezone()
    _ = translator(lang)
    subject = _("notif.email.signin_subject")
    ctx = {"_": _, "url": url, "name": person.name, "expires": format_datetime(expires_at, lang, tz),
           "subject": subject, "collective": context.rules().collective.name, "lang": lang}
    return (subject, env.get_template("signin.txt").render(ctx),
            env.get_template("signin.html").render(ctx))


def ics_for(rows: list[OutboxMessage], lang: str) -> bytes:
    """One VEVENT per dated item; the UID is the item's, so calendars update, not duplicate."""
    cal = Calendar()
    cal.add("prodid", "-//Relais//reminders//FR")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    base = context.settings().base_url.rstrip("/")
    for row in rows:
        event = Event()
        event.add("uid", f"{row.kind}-{row.object_type}-{row.object_id}@{mail_domain()}")
        event.add("summary", row.title(lang))
        if row.all_day:
            day = row.due_at.date()
            event.add("dtstart", day)
            event.add("dtend", day + timedelta(days=1))
        else:
            event.add("dtstart", row.due_at)
            event.add("dtend", row.due_at)
        event.add("dtstamp", row.created_at or row.due_at)
        event.add("url", base + row.path)
        if row.location:
            event.add("location", row.location)
        cal.add_component(event)
    return cal.to_ical()


def build_message(to: str, subject: str, text: str, html: str, message_id: str,
                  ics: bytes | None = None, unsubscribe: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = context.settings().mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = formatdate(localtime=False)
    msg["Auto-Submitted"] = "auto-generated"
    if unsubscribe:
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    if ics:
        msg.add_attachment(ics, maintype="text", subtype="calendar", filename="relais.ics",
                           params={"method": "PUBLISH"})
    return msg
