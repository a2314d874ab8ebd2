"""Demo decisions: an open budget vote with two votes, an adopted procedure, an open in-camera hiring."""

from datetime import date

from sqlalchemy import func, select

from api.collective.models import Person
from api.context import Context
from api.decisions import service
from api.decisions.models import Decision
from api.decisions.schemas import DecisionIn

CHAIR = "direction.cje@relais.demo"
VOTERS = ["gestion.handroits@relais.demo", "organisation.ciusss@relais.demo",
          "direction.mdj@relais.demo", "coordination.mem@relais.demo"]


def demo_decisions(ctx: Context, today: date) -> None:
    session = ctx.session
    if session.execute(select(func.count()).select_from(Decision)).scalar_one():
        return
    people = {p.email: p for p in session.execute(
        select(Person).where(Person.email.in_([CHAIR, *VOTERS]))).scalars()}
    if CHAIR not in people:
        return

    def as_(email: str) -> Context:
        return ctx.acting_as(ctx.viewer_of(people[email]))

    def draft_and_open(kind: str, title: str, text: str) -> int:
        decision = service.create(as_(CHAIR), DecisionIn(kind=kind, title=title, text=text))
        service.transition(as_(CHAIR), decision.id, "open")
        return decision.id

    procedure = draft_and_open(
        "procedure", "Procédure de remboursement des frais de déplacement",
        "Les frais de déplacement des intervenants sont remboursés à 0,50 $/km sur pièces justificatives.")
    for email, choice in zip([CHAIR, *VOTERS], ["yes", "yes", "yes", "no", "yes"], strict=True):
        service.cast_vote(as_(email), procedure, choice)

    budget = draft_and_open(
        "budget", "Budget révisé 2026-2027",
        "Adoption du budget révisé de l'Équipe Ressources Relais pour l'exercice 2026-2027.")
    for email, choice in [(CHAIR, "yes"), (VOTERS[0], "yes")]:
        service.cast_vote(as_(email), budget, choice)

    draft_and_open(
        "hiring", "Embauche d'une intervenante de proximité (personnes aînées)",
        "Recommandation du sous-comité RH : embauche à 28 h/semaine dès janvier.")
