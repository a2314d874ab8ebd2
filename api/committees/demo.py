"""Demo tasks on each sub-committee board, the next monthly CE meeting (with an in-camera
human-resources item) and last month's meeting with its minutes drafted.

Installed by `api.committees.area` (order 40, after the decisions' demo): `committees_demo(ctx, today)`
acts as the executive committee's chair, and as each owner for their hours, on the day given.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from api.access import load_viewer
from api.collective.models import Person
from api.collective.service import body_by_key, current_seats
from api.committees import meetings, tasks
from api.committees.models import Task
from api.committees.schemas import (
    AgendaItemIn,
    AttendanceIn,
    CommentIn,
    MeetingIn,
    TaskIn,
    TimeEntryIn,
)
from api.context import Context
from api.timeutil import from_local

# (board, title, owner email, days from today (None: no date), priority, blocked reason)
TASKS = [
    ("hr", "Mettre à jour la politique de conditions de travail", "direction.cje@relais.demo", 12, "high", None),
    ("hr", "Préparer l'évaluation de probation d'une intervenante", "direction.mdj@relais.demo", -3, "high", None),
    ("funding", "Veille des programmes : appel de projets régional", "organisation.ciusss@relais.demo", 20, "normal", None),
    ("funding", "Reddition de comptes intérimaire — fondation", "gestion.handroits@relais.demo", 6, "high",
     "En attente des statistiques d'intervention du trimestre."),
    ("administration", "Réviser le code d'éthique", "coordination.mem@relais.demo", -2, "normal", None),
    ("administration", "Mettre à jour les règles de fonctionnement", "gestion.handroits@relais.demo", 30, "low", None),
    ("communications", "Bilan annuel : plan de rédaction", "direction.mdj@relais.demo", 25, "normal", None),
    ("communications", "Lettre aux bailleurs de fonds", "coordination.mem@relais.demo", None, "low",
     "La liste des bailleurs n'est pas confirmée."),
]


def _at(day: date, hour: int, minute: int, tz: str) -> datetime:
    return from_local(datetime.combine(day, time(hour, minute)), tz)


def committees_demo(ctx: Context, today: date) -> None:
    session = ctx.session
    people = {p.email: p for p in session.execute(select(Person)).scalars()}
    chair_person = people.get("direction.cje@relais.demo")
    ce = body_by_key(session, "executive_committee")
    if chair_person is None or ce is None:
        return
    # The people's seats on the demo's day (not the clock's): the demo may be set on any day.
    chair = ctx.acting_as(load_viewer(session, chair_person, today))
    tz = ctx.tz
    for board_key, title, owner_email, days, priority, reason in TASKS:
        body = body_by_key(session, board_key)
        owner = people.get(owner_email)
        if body is None or owner is None:
            continue
        due = _at(today + timedelta(days=days), 17, 0, tz) if days is not None else None
        task, _ = tasks.create_task(chair, TaskIn(
            body_id=body.id, title=title, due_at=due, priority=priority, owner_ids=[owner.id]))
        if reason:
            tasks.move_task(chair, task.id, "block", {"reason": reason})
        as_owner = ctx.acting_as(load_viewer(session, owner, today))
        tasks.add_time_entry(as_owner, task.id, TimeEntryIn(
            hours=Decimal("2.50") if priority == "high" else Decimal("1.25"),
            on_date=today - timedelta(days=7)))
    first = session.execute(select(Task).order_by(Task.id)).scalars().first()
    if first is not None:
        tasks.add_comment(chair, first.id, CommentIn(
            text="Un premier jet est prêt; commentaires bienvenus avant la réunion."))

    # Next monthly CE meeting, two weeks ahead, with an in-camera HR item.
    upcoming = meetings.create_meeting(chair, MeetingIn(
        body_id=ce.id, title="Réunion mensuelle du conseil exécutif",
        starts_at=_at(today + timedelta(days=14), 13, 30, tz),
        ends_at=_at(today + timedelta(days=14), 16, 0, tz),
        place="Han-Droits, Magog", video_url="https://visio.example.org/ce-relais"))
    for title, kind in [
        ("Adoption de l'ordre du jour", "information"),
        ("Suivi des redditions de comptes", "discussion"),
        ("Évaluation de probation — intervention auprès des aînés", "human_resources"),
        ("Plan de communication du bilan annuel", "discussion"),
        ("Adoption des règles de fonctionnement révisées", "decision"),
    ]:
        meetings.add_item(chair, upcoming.id, AgendaItemIn(title=title, kind=kind))
    meetings.move_meeting(chair, upcoming.id, "send_agenda")

    # Last month's meeting: held, with attendance and minutes drafted.
    past = meetings.create_meeting(chair, MeetingIn(
        body_id=ce.id, title="Réunion mensuelle du conseil exécutif (mois dernier)",
        starts_at=_at(today - timedelta(days=28), 13, 30, tz),
        ends_at=_at(today - timedelta(days=28), 16, 0, tz), place="Centre l'Élan, Magog"))
    minutes_text = {
        "information": "L'ordre du jour est adopté tel que proposé.",
        "discussion": "Le sous-comité financement présente l'état des redditions de comptes.",
        "human_resources": "Le conseil discute à huis clos du remplacement d'un congé de maladie.",
    }
    for title, kind in [
        ("Adoption de l'ordre du jour", "information"),
        ("État des redditions de comptes", "discussion"),
        ("Remplacement d'un congé — poste d'intervention", "human_resources"),
    ]:
        meetings.add_item(chair, past.id, AgendaItemIn(title=title, kind=kind, minutes=minutes_text[kind]))
    for i, seat in enumerate(current_seats(session, ce.id, today - timedelta(days=28))):
        status = "apologies" if i == 1 else "present"
        meetings.set_attendance(chair, past.id, AttendanceIn(seat_id=seat.id, status=status))
    meetings.move_meeting(chair, past.id, "hold")
    meetings.move_meeting(chair, past.id, "draft_minutes")
