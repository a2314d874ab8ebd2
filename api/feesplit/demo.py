"""Demo fee splits: one adopted for 2025-2026 (recorded through the real vote), one open."""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.access import load_viewer
from api.collective.models import Organisation, Person
from api.demo_hooks import demo_hook
from api.feesplit.models import FeeSplit
from api.feesplit.schemas import FeeSplitIn
from api.rules.models import RulesVersion
from api.rules.schema import GovernanceRules

CHAIR = "direction.cje@relais.demo"
NEUTRAL = "organisation.ciusss@relais.demo"

# (amount, period, {organisation: weight}, votes to cast after opening)
ADOPTED = ("10 000,00", "2025-2026", {
    "Han-Droits": "120", "Corporation Jeunesse Memphrémagog": "80",
    "Memphré en Mouvement": "80"}, [(CHAIR, "yes"), (NEUTRAL, "yes")])
OPEN = ("12 345,67", "2026-2027", {
    "Han-Droits": "110", "Corporation Jeunesse Memphrémagog": "72,5",
    "Memphré en Mouvement": "64"}, [(NEUTRAL, "yes")])


@demo_hook(25)
def demo_fee_splits(session: Session, rules: GovernanceRules, today: date) -> None:
    from api.decisions import service as decisions
    from api.feesplit import service

    if session.execute(select(func.count()).select_from(FeeSplit)).scalar_one():
        return
    version_id = session.execute(select(func.max(RulesVersion.id))).scalar_one_or_none()
    if version_id is None or "fee_split" not in rules.decision_kinds:
        return
    people = {p.email: p for p in session.execute(
        select(Person).where(Person.email.in_([CHAIR, NEUTRAL]))).scalars()}
    if CHAIR not in people:
        return
    orgs = {o.name: o.id for o in session.execute(select(Organisation)).scalars()}

    def viewer(email: str):
        return load_viewer(session, people[email], today)

    for amount, period, weights, votes in (ADOPTED, OPEN):
        if any(name not in orgs for name in weights):
            return
        data = FeeSplitIn(amount=amount, period=period,
                          weights={orgs[name]: w for name, w in weights.items()})
        split = service.create_fee_split(session, rules, version_id, data, viewer(CHAIR), today, "fr")
        decisions.transition(session, split.decision_id, "open", viewer(CHAIR), rules, version_id)
        for email, choice in votes:
            decisions.cast_vote(session, split.decision_id, choice, viewer(email))
