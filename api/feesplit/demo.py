"""Demo fee splits: one adopted for 2025-2026 (recorded through the real vote), one open.

Installed by `api/feesplit/area.py` (order 25, after the decisions' demo data). It acts for
several people in the same unit of work: the chair proposes and opens, members vote."""

from datetime import date

from sqlalchemy import func, select

from api.collective.models import Organisation, Person
from api.context import Context
from api.decisions import service as decisions
from api.feesplit import service
from api.feesplit.models import FeeSplit
from api.feesplit.schemas import FeeSplitIn

CHAIR = "direction.cje@relais.demo"
NEUTRAL = "organisation.ciusss@relais.demo"

# (amount, period, {organisation: weight}, votes to cast after opening)
ADOPTED = ("10 000,00", "2025-2026", {
    "Han-Droits": "120", "Corporation Jeunesse Memphrémagog": "80",
    "Memphré en Mouvement": "80"}, [(CHAIR, "yes"), (NEUTRAL, "yes")])
OPEN = ("12 345,67", "2026-2027", {
    "Han-Droits": "110", "Corporation Jeunesse Memphrémagog": "72,5",
    "Memphré en Mouvement": "64"}, [(NEUTRAL, "yes")])


def demo_fee_splits(ctx: Context, today: date) -> None:
    session = ctx.session
    if session.execute(select(func.count()).select_from(FeeSplit)).scalar_one():
        return
    if service.KIND not in ctx.rules.decision_kinds:
        return
    people = {p.email: p for p in session.execute(
        select(Person).where(Person.email.in_([CHAIR, NEUTRAL]))).scalars()}
    if CHAIR not in people:
        return
    orgs = {o.name: o.id for o in session.execute(select(Organisation)).scalars()}

    def as_person(email: str) -> Context:
        """The same unit of work, on behalf of this demo person."""
        return ctx.acting_as(ctx.viewer_of(people[email]))

    for amount, period, weights, votes in (ADOPTED, OPEN):
        if any(name not in orgs for name in weights):
            return
        data = FeeSplitIn(amount=amount, period=period,
                          weights={orgs[name]: w for name, w in weights.items()})
        chair = as_person(CHAIR)
        split = service.create_fee_split(chair, data)
        decisions.transition(chair, split.decision_id, "open")
        for email, choice in votes:
            decisions.cast_vote(as_person(email), split.decision_id, choice)
