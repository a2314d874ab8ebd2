"""Demo tasks on each sub-committee board, the next monthly CE meeting (with an in-camera
human-resources item) and last month's meeting with its minutes drafted."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import load_viewer
from api.collective.models import Person
from api.collective.service import body_by_key
from api.committees import service
from api.committees.schemas import (
    AgendaItemIn,
    AttendanceIn,
    CommentIn,
    MeetingIn,
    TaskIn,
    TimeEntryIn,
)
from api.demo_hooks import demo_hook
from api.rules.schema import GovernanceRules
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


@demo_hook(40)
def committees_demo(session: Session, rules: GovernanceRules, today: date) -> None:
    people = {p.email: p for p in session.execute(select(Person)).scalars()}
    chair_person = people.get("direction.cje@relais.demo")
    ce = body_by_key(session, "executive_committee")
    if chair_person is None or ce is None:
        return
    chair = load_viewer(session, chair_person, today)
    tz = rules.collective.timezone
    for board_key, title, owner_email, days, priority, reason in TASKS:
        body = body_by_key(session, board_key)
        owner = people.get(owner_email)
        if body is None or owner is None:
            continue
        due = _at(today + timedelta(days=days), 17, 0, tz) if days is not None else None
        task, _ = service.create_task(session, TaskIn(
            body_id=body.id, title=title, due_at=due, priority=priority, owner_ids=[owner.id]),
            chair, rules)
        if reason:
            service.move_task(session, chair, task.id, "block", {"reason": reason}, rules)
        owner_viewer = load_viewer(session, owner, today)
        service.add_time_entry(session, owner_viewer, task.id, TimeEntryIn(
            hours=Decimal("2.50") if priority == "high" else Decimal("1.25"),
            on_date=today - timedelta(days=7)))
    first = session.execute(select(service.Task).order_by(service.Task.id)).scalars().first()
    if first is not None:
        service.add_comment(session, chair, first.id, CommentIn(
            text="Un premier jet est prêt; commentaires bienvenus avant la réunion."))

    # Next monthly CE meeting, two weeks ahead, with an in-camera HR item.
    upcoming = service.create_meeting(session, MeetingIn(
        body_id=ce.id, title="Réunion mensuelle du conseil exécutif",
        starts_at=_at(today + timedelta(days=14), 13, 30, tz),
        ends_at=_at(today + timedelta(days=14), 16, 0, tz),
        place="Han-Droits, Magog", video_url="https://visio.example.org/ce-relais"), chair, rules)
    for title, kind in [
        ("Adoption de l'ordre du jour", "information"),
        ("Suivi des redditions de comptes", "discussion"),
        ("Évaluation de probation — intervention auprès des aînés", "human_resources"),
        ("Plan de communication du bilan annuel", "discussion"),
        ("Adoption des règles de fonctionnement révisées", "decision"),
    ]:
        service.add_item(session, chair, upcoming.id, AgendaItemIn(title=title, kind=kind), rules)
    service.move_meeting(session, chair, upcoming.id, "send_agenda", rules)

    # Last month's meeting: held, with attendance and minutes drafted.
    past = service.create_meeting(session, MeetingIn(
        body_id=ce.id, title="Réunion mensuelle du conseil exécutif (mois dernier)",
        starts_at=_at(today - timedelta(days=28), 13, 30, tz),
        ends_at=_at(today - timedelta(days=28), 16, 0, tz), place="Centre l'Élan, Magog"),
        chair, rules)
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
        service.add_item(session, chair, past.id,
                         AgendaItemIn(title=title, kind=kind, minutes=minutes_text[kind]), rules)
    from api.collective.service import current_seats

    for i, seat in enumerate(current_seats(session, ce.id, today - timedelta(days=28))):
        status = "apologies" if i == 1 else "present"
        service.set_attendance(session, chair, past.id,
                               AttendanceIn(seat_id=seat.id, status=status), rules)
    service.move_meeting(session, chair, past.id, "hold", rules)
    service.move_meeting(session, chair, past.id, "draft_minutes", rules)
