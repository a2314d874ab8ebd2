"""Demo grants: seed 004's nine local projects, and a few current ÉRR applications."""

from datetime import date

from sqlalchemy.orm import Session

from api.demo_hooks import demo_hook
from api.rules.schema import GovernanceRules


@demo_hook(30)
def load_grants(session: Session, rules: GovernanceRules, today: date) -> None:
    return None
