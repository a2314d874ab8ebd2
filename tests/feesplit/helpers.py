"""Helpers for the fee-split stories: organisation ids by name, voting through the services."""

from sqlalchemy import select

from api.access import load_viewer
from api.collective.models import Organisation, Person
from api.feesplit import service as feesplit
from tests.conftest import CHAIR, MEMBERS

HAN_DROITS = "Han-Droits"
CJM = "Corporation Jeunesse Memphrémagog"
MEM = "Memphré en Mouvement"
CJE = "Carrefour jeunesse-emploi Memphrémagog"
CIUSSS = "CIUSSS de l'Estrie-CHUS"
ZONE_LIBRE = "Zone Libre"
NEUTRAL = MEMBERS[1]  # CIUSSS: not a community partner, never recused from a fee split


def org_ids(app) -> dict[str, int]:
    with app.state.db.session() as session:
        return {o.name: o.id for o in session.execute(select(Organisation)).scalars()}


def adopt(app, decision_id: int, voters=(CHAIR, NEUTRAL)) -> None:
    """The chair opens the vote; the voters who are not recused vote yes; it closes early."""
    from api.decisions import service as decisions

    rules = app.state.rules.rules
    version = app.state.rules_version_id
    with app.state.db.session() as session:
        today = feesplit.today_for(rules)

        def viewer(email):
            person = session.execute(select(Person).where(Person.email == email)).scalar_one()
            return load_viewer(session, person, today)

        decisions.transition(session, decision_id, "open", viewer(CHAIR), rules, version)
        for email in voters:
            decisions.cast_vote(session, decision_id, "yes", viewer(email))
