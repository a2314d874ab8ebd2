"""Demo: plan the reminders of the demo's deadlines (the areas' providers) so that, with no
SMTP host, the admin's local mailbox (/admin/outbox) shows real emails once the scheduler
has run."""

from datetime import date, timedelta

from sqlalchemy.orm import Session

from api.demo_hooks import demo_hook
from api.rules.schema import GovernanceRules
from api.timeutil import now


@demo_hook(90)  # after the areas' own demo data
def plan_demo_reminders(session: Session, rules: GovernanceRules, today: date) -> None:
    from notifications.planner import resync

    start = now()
    resync(session, start - timedelta(days=7), start + timedelta(days=90), rules)
    session.commit()
