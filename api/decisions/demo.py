"""Demo decisions: an open budget vote with two votes, an adopted procedure, an open in-camera hiring."""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.access import load_viewer
from api.collective.models import Person
from api.decisions import service
from api.decisions.models import Decision
from api.decisions.schemas import DecisionIn
from api.demo_hooks import demo_hook
from api.rules.models import RulesVersion
from api.rules.schema import GovernanceRules

CHAIR = "direction.cje@relais.demo"
VOTERS = ["gestion.handroits@relais.demo", "organisation.ciusss@relais.demo",
          "direction.mdj@relais.demo", "coordination.mem@relais.demo"]


@demo_hook(20)
def demo_decisions(session: Session, rules: GovernanceRules, today: date) -> None:
    if session.execute(select(func.count()).select_from(Decision)).scalar_one():
        return
    version_id = session.execute(select(func.max(RulesVersion.id))).scalar_one_or_none()
    if version_id is None:
        return
    people = {p.email: p for p in session.execute(
        select(Person).where(Person.email.in_([CHAIR, *VOTERS]))).scalars()}
    if CHAIR not in people:
        return

    def viewer(email: str):
        return load_viewer(session, people[email], today)

    def draft_and_open(kind: str, title: str, text: str) -> int:
        decision = service.create(session, DecisionIn(kind=kind, title=title, text=text),
                                  viewer(CHAIR), rules)
        service.transition(session, decision.id, "open", viewer(CHAIR), rules, version_id)
        return decision.id

    procedure = draft_and_open(
        "procedure", "Procédure de remboursement des frais de déplacement",
        "Les frais de déplacement des intervenants sont remboursés à 0,50 $/km sur pièces justificatives.")
    for email, choice in zip([CHAIR, *VOTERS], ["yes", "yes", "yes", "no", "yes"], strict=True):
        service.cast_vote(session, procedure, choice, viewer(email))

    budget = draft_and_open(
        "budget", "Budget révisé 2026-2027",
        "Adoption du budget révisé de l'Équipe Ressources Relais pour l'exercice 2026-2027.")
    for email, choice in [(CHAIR, "yes"), (VOTERS[0], "yes")]:
        service.cast_vote(session, budget, choice, viewer(email))

    draft_and_open(
        "hiring", "Embauche d'une intervenante de proximité (personnes aînées)",
        "Recommandation du sous-comité RH : embauche à 28 h/semaine dès janvier.")
