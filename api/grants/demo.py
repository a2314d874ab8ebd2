"""Demo grants.

* Seed 004: the nine local projects supported by the regional agreement on community support
  in social housing (Chaudière-Appalaches), support granted / total cost, 41 300 $ / 94 161 $.
  Published results, so they are not in camera.
* The ÉRR's current applications (seed 000 / 001): Centraide's 10 000 $ envelope, a ministry
  programme and a foundation, in several states, with reports due in the coming weeks.

Installed by `api/grants/area.py` (order 30). Everything is done on behalf of the lead
organisation's grants owner, in the demo's unit of work (nothing is committed here).
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from api.collective.models import Organisation, Person
from api.context import Context
from api.grants import service
from api.grants.models import Funder, GrantApplication
from api.grants.schemas import ApplicationIn, FunderIn, RequirementIn

REGIONAL_AGREEMENT = "Entente régionale — Chaudière-Appalaches"

# (project, support granted $, total cost $) — seed 004, "Soutien Entente / coût total".
SEED_004_PROJECTS = [
    ("Appalaches — Le Carré Famille St-Maurice", 6000, 15137),
    ("Beauce-Sartigan et Robert-Cliche — Conférences sur les deuils, les préjugés et la participation citoyenne",
     5500, 5925),
    ("Etchemins — Transport collectif : service adapté aux aînés", 2000, 7000),
    ("Etchemins — Familles en action!", 1000, 2000),
    ("Lotbinière — Jardin collectif à Dosquet", 5500, 8690),
    ("Montmagny — Jardin collectif à l'OMH de Montmagny", 5500, 8743),
    ("Lévis — Groupes de couponnage", 3625, 7905),
    ("Lévis — Entre voisins, pourquoi pas des liens!", 6875, 30044),
    ("Robert-Cliche — Liaison Club Parentaide et les HLM famille", 5300, 8717),
]

PIPELINE = {  # triggers from the initial state to reach each demo state
    "drafting": ["start_drafting"],
    "internal_review": ["start_drafting", "send_to_review"],
    "approved": ["start_drafting", "send_to_review", "approve"],
    "submitted": ["start_drafting", "send_to_review", "approve", "submit"],
    "active": ["start_drafting", "send_to_review", "approve", "submit", "award", "activate"],
    "closed": ["start_drafting", "send_to_review", "approve", "submit", "award", "activate",
               "start_closing", "close"],
}


def _move(ctx: Context, app: GrantApplication, steps: list[str], amount: Decimal | None,
          decision_id: int | None = None) -> None:
    """Fire these triggers as the person of `ctx`, through the same service as the pages and
    the API: approving names the executive committee's adopted decision (`decision_id`, or one
    adopted now for this application; without one, the application stays in review)."""
    approving = service.approval_triggers(ctx.rules.workflows[service.APPLICATION])
    for trigger in steps:
        params: dict = {}
        if trigger == "award" and amount is not None:
            params["amount_awarded"] = str(amount)
        if trigger in approving:
            if decision_id is None:
                decision_id = _adopted_decision(
                    ctx, f"Dépôt — {app.title}"[:200],
                    f"Le conseil exécutif approuve le dépôt de la demande « {app.title} ».")
            if decision_id is None:
                return
            params["decision_id"] = decision_id
        service.transition_application(ctx, app, trigger, params)


def _adopted_decision(ctx: Context, title: str, text: str) -> int | None:
    """A "grant_submission" decision adopted by the body the rules name for that kind (the
    executive committee): its chair drafts and opens it, every voting seat votes yes."""
    from api.collective.models import Body, Seat, SeatRole
    from api.decisions import service as decisions
    from api.decisions.schemas import DecisionIn
    from api.grants.guards import SUBMISSION_KIND

    session = ctx.session
    kind = ctx.rules.decision_kinds.get(SUBMISSION_KIND)
    body = kind and session.execute(select(Body).where(Body.key == kind.body)).scalar_one_or_none()
    if body is None:
        return None
    chair = session.execute(select(Person).join(Seat, Seat.person_id == Person.id).where(
        Seat.body_id == body.id, Seat.role == SeatRole.chair, Seat.current_on(ctx.today))).scalars().first()
    if chair is None:
        return None
    as_chair = ctx.acting_as(ctx.viewer_of(chair))
    decision = decisions.create(as_chair, DecisionIn(kind=SUBMISSION_KIND, title=title, text=text))
    decisions.transition(as_chair, decision.id, "open")
    for seat in decisions.voting_seats(ctx, body.id):
        if decision.state != "open":
            break
        voter = session.get(Person, seat.person_id)
        decisions.cast_vote(ctx.acting_as(ctx.viewer_of(voter)), decision.id, "yes", seat_id=seat.id)
    if decision.state == "open":  # a kind that waits for the end of the vote: closed now
        decisions.close_decision(ctx, decision, decisions.judged_rules(ctx, decision))
    adopted = decisions.adopted_states(ctx.rules, decision.workflow)
    return decision.id if decision.state in adopted else None


def _deadline(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(17, 0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def load_grants(ctx: Context, today: date) -> None:
    session = ctx.session
    if session.execute(select(func.count()).select_from(Funder)).scalar_one():
        return
    owner = session.execute(select(Person).where(Person.email == "gestion.handroits@relais.demo")).scalar_one_or_none()
    if owner is None:
        return
    ctx = ctx.acting_as(ctx.viewer_of(owner))
    tz = ctx.tz
    orgs = {o.name: o.id for o in session.execute(select(Organisation)).scalars()}

    regional = service.create_funder(ctx, FunderIn(
        name=REGIONAL_AGREEMENT, kind="regional_agreement",
        contacts="Comité régional de l'Entente (CISSS de Chaudière-Appalaches, SHQ, offices d'habitation)",
        programmes="Soutien communautaire en logement social — mesure de soutien aux plans d'action des ÉLÉ"))
    regional_ok = _adopted_decision(
        ctx, "Dépôt des projets locaux — Entente régionale 2014-2016",
        "Le conseil exécutif approuve le dépôt des neuf projets locaux auprès du comité régional de l'Entente.")
    for title, granted, cost in SEED_004_PROJECTS:
        app = service.create_application(ctx, ApplicationIn(
            funder_id=regional.id, title=title, programme="Soutien aux plans d'action des ÉLÉ",
            amount_requested=Decimal(granted), total_cost=Decimal(cost), confidential=False,
            period_start=date(2014, 4, 1), period_end=date(2016, 3, 31),
            application_deadline=_deadline(date(2014, 2, 28), tz)))
        _move(ctx, app, PIPELINE["closed"], Decimal(granted), regional_ok)

    centraide = service.create_funder(ctx, FunderIn(
        name="Centraide Estrie", kind="foundation", contacts="Conseillère en développement social",
        programmes="Soutien aux projets collectifs; enveloppes du conseil d'administration"))
    ministry = service.create_funder(ctx, FunderIn(
        name="Ministère de la Santé et des Services sociaux", kind="ministry",
        programmes="Programme de soutien aux organismes communautaires (PSOC) — projets ponctuels"))
    foundation = service.create_funder(ctx, FunderIn(
        name="Fondation Lucie et André Chagnon", kind="foundation",
        programmes="Soutien aux collectivités — développement des communautés"))

    year_start = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    partners = [orgs[n] for n in ("Carrefour jeunesse-emploi Memphrémagog", "Memphré en Mouvement") if n in orgs]
    envelope = service.create_application(ctx, ApplicationIn(
        funder_id=centraide.id, title="Enveloppe du conseil d'administration — volet virtuel",
        programme="Enveloppe du C. A.", amount_requested=Decimal(10000), partner_ids=partners,
        period_start=year_start, period_end=year_start.replace(year=year_start.year + 1) - timedelta(days=1),
        management_fee=Decimal("1000.00"),
        application_deadline=_deadline(year_start - timedelta(days=45), tz),
        notes="Bilan à remettre : objectifs, résultats obtenus, moyens, ajustements, apprentissages (seed 001).",
        requirements=[
            RequirementIn(kind="narrative_interim", due_rule="fixed", due_date=today + timedelta(days=12),
                          preparation_days=7),
            RequirementIn(kind="financial", due_rule="recurring", frequency="quarterly", offset_days=15),
            RequirementIn(kind="final", due_rule="offset", anchor="period_end", offset_days=30),
        ]))
    _move(ctx, envelope, PIPELINE["active"], Decimal(10000))

    current = [
        (ministry, "Intervention de proximité auprès des personnes aînées", Decimal("24500"), "submitted", 20),
        (foundation, "Mobilisation des locataires — trois territoires", Decimal("40000"), "approved", 35),
        (ministry, "Soutien aux familles en HLM", Decimal("18000"), "drafting", 60),
        (foundation, "Transport collectif pour les aînés", Decimal("12000"), "idea", 90),
    ]
    for funder, title, amount, state, days in current:
        app = service.create_application(ctx, ApplicationIn(
            funder_id=funder.id, title=title, amount_requested=amount, partner_ids=partners,
            application_deadline=_deadline(today + timedelta(days=days), tz),
            internal_draft_deadline=today + timedelta(days=days - 10),
            period_start=date(today.year + 1, 4, 1), period_end=date(today.year + 2, 3, 31),
            management_fee_rate=Decimal("10")))
        _move(ctx, app, PIPELINE.get(state, []), None)
