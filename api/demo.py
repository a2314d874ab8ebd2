"""The demo collective of seed 000 (Équipe Ressources Relais, MRC de Memphrémagog).

People are named by their role, never by the names of people quoted in the seeds.
Loading is idempotent: it does nothing when organisations already exist.
"""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.collective import service
from api.collective.models import Organisation, Person
from api.collective.schemas import OrganisationIn, PersonIn, SeatIn
from api.context import Context

DEMO_PASSWORD = "relais-demo-2026"

# (name, kind, is lead organisation)
ORGANISATIONS = [
    ("Association des Townshippers", "community", False),
    ("Carrefour jeunesse-emploi Memphrémagog", "community", False),
    ("Centre l'Élan", "community", False),
    ("CIUSSS de l'Estrie-CHUS", "public_institution", False),
    ("Corporation Jeunesse Memphrémagog", "community", False),
    ("Han-Droits", "community", True),
    ("Memphré en Mouvement", "community", False),
    ("Office municipal d'habitation de Magog", "public_institution", False),
    ("Table des aînés Memphrémagog", "community", False),
    ("Zone Libre", "community", False),
]

# (email, name, organisation, language, admin, [(body key, role)])
PEOPLE = [
    ("admin@relais.demo", "Administration — Han-Droits", "Han-Droits", "fr", True, []),
    ("direction.cje@relais.demo", "Direction — Carrefour jeunesse-emploi", "Carrefour jeunesse-emploi Memphrémagog", "fr", False,
     [("executive_committee", "chair"), ("partners_committee", "member"), ("hr", "member")]),
    ("gestion.handroits@relais.demo", "Direction — Han-Droits (organisme porteur)", "Han-Droits", "fr", False,
     [("executive_committee", "treasurer"), ("partners_committee", "member"), ("funding", "member"), ("administration", "member")]),
    ("organisation.ciusss@relais.demo", "Organisation communautaire — CIUSSS (membre neutre)", "CIUSSS de l'Estrie-CHUS", "fr", False,
     [("executive_committee", "member"), ("partners_committee", "member"), ("funding", "member")]),
    ("direction.mdj@relais.demo", "Direction — Corporation Jeunesse Memphrémagog", "Corporation Jeunesse Memphrémagog", "fr", False,
     [("executive_committee", "secretary"), ("partners_committee", "member"), ("communications", "member"), ("hr", "member")]),
    ("coordination.mem@relais.demo", "Coordination — Memphré en Mouvement", "Memphré en Mouvement", "en", False,
     [("executive_committee", "member"), ("partners_committee", "member"), ("communications", "member"), ("administration", "member")]),
    ("direction.townshippers@relais.demo", "Direction — Association des Townshippers", "Association des Townshippers", "en", False,
     [("partners_committee", "chair")]),
    ("direction.elan@relais.demo", "Direction — Centre l'Élan", "Centre l'Élan", "fr", False, [("partners_committee", "member")]),
    ("direction.omh@relais.demo", "Direction — OMH de Magog", "Office municipal d'habitation de Magog", "fr", False, [("partners_committee", "member")]),
    ("direction.aines@relais.demo", "Direction — Table des aînés", "Table des aînés Memphrémagog", "fr", False, [("partners_committee", "member")]),
    ("direction.zonelibre@relais.demo", "Direction — Zone Libre", "Zone Libre", "fr", False, [("partners_committee", "member")]),
    ("coordination.err@relais.demo", "Coordination — ÉRR", "Han-Droits", "fr", False, [("executive_committee", "staff_observer")]),
    ("intervention1.err@relais.demo", "Intervention de proximité — territoires", "Han-Droits", "fr", False, [("executive_committee", "staff_observer")]),
    ("intervention2.err@relais.demo", "Intervention de proximité — personnes aînées", "Han-Droits", "fr", False, [("executive_committee", "staff_observer")]),
]


def load_demo(ctx: Context, today: date, with_area_data: bool = True) -> list[tuple[str, str]]:
    """Create the demo collective; returns the sign-in accounts (email, description).

    `today` is the day the demo is set on (seats start on January 1st of its year); the
    areas' demo data (decisions, grants, tasks...) follows, in the order they installed it."""
    session = ctx.session
    if session.execute(select(func.count()).select_from(Organisation)).scalar_one():
        return demo_accounts(session)
    orgs = {}
    for name, kind, lead in ORGANISATIONS:
        orgs[name] = service.create_organisation(ctx, OrganisationIn(name=name, kind=kind, is_lead=lead))
    bodies = {b.key: b for b in service.list_bodies(session)}
    start = date(today.year, 1, 1)
    for email, name, org, lang, admin, seats in PEOPLE:
        person = service.create_person(ctx, PersonIn(
            email=email, name=name, organisation_id=orgs[org].id, language=lang, is_admin=admin,
            password=DEMO_PASSWORD))
        for body_key, role in seats:
            service.create_seat(ctx, SeatIn(person_id=person.id, body_id=bodies[body_key].id, role=role,
                                organisation_id=orgs[org].id, starts_on=start))
    if with_area_data:
        for _, hook in sorted(ctx.registry.demo_hooks, key=lambda h: h[0]):
            hook(ctx, today)
    return demo_accounts(session)


def demo_accounts(session: Session) -> list[tuple[str, str]]:
    emails = [p[0] for p in PEOPLE]
    people = session.execute(select(Person).where(Person.email.in_(emails))).scalars().all()
    by_email = {p.email: p for p in people}
    return [(e, by_email[e].name) for e in emails if e in by_email]
