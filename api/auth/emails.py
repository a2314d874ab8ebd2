"""The emails of getting in — an invitation, a "forgotten password" link — written in the
person's language when queued, and sent by the notifications' delivery like a sign-in link:
a secret link, never muted, not kept once sent (`notifications.service.SIGNIN_KIND`; the
outbox row's `object_type` says which email it is)."""

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.collective.models import Person
from api.context import Context
from api.i18n import normalise, translator
from api.timeutil import now
from api.web import format_datetime
from notifications.models import OutboxMessage, Status
from notifications.render import letterhead
from notifications.scheduler import wake
from notifications.service import SIGNIN_KIND

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "auth" / "emails"
env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                  autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def link(ctx: Context, path: str) -> str:
    """An absolute link to this Relais."""
    return letterhead(ctx.settings, ctx.rules).base_url + path


def queue(ctx: Context, person: Person, template: str, object_type: str, object_id: int,
          expires_at: datetime, data: dict) -> OutboxMessage:
    """Write `auth/emails/<template>.txt|.html` for `person` and queue it, due at once; the
    delivery job is woken once the unit of work has committed."""
    head = letterhead(ctx.settings, ctx.rules)
    lang = normalise(person.language)
    _ = translator(lang)
    values = {"_": _, "lang": lang, "name": person.name, "collective": head.collective,
              "expires": format_datetime(expires_at, lang, head.tz), **data}
    subject = _(f"auth.email.{template}.subject", collective=head.collective)
    values["subject"] = subject
    text = env.get_template(f"{template}.txt").render(values)
    html = env.get_template(f"{template}.html").render(values)
    current = now()
    row = OutboxMessage(kind=SIGNIN_KIND, object_type=object_type, object_id=object_id,
                        offset_seconds=0, recipient_id=person.id, due_at=expires_at,
                        send_at=current, next_attempt_at=current, digest=False,
                        status=Status.planned, attempts=0, language=lang,
                        subject=subject, body_text=text, body_html=html, title_fr=subject,
                        title_en=subject, path=data.get("path", "/"), all_day=False)
    ctx.session.add(row)
    ctx.session.flush()
    scheduler = getattr(ctx.runtime, "scheduler", None)
    ctx.after_commit(lambda: wake(scheduler))
    return row
