"""Demo: plan the reminders of the demo's deadlines (the areas' providers) so that, with no
SMTP host, the admin's local mailbox (/admin/outbox) shows real emails once the scheduler
has run. Installed with order 90, after the areas' own demo data."""

from datetime import date, timedelta

from api.context import Context
from api.timeutil import now
from notifications.deadlines import resync


def plan_demo_reminders(ctx: Context, today: date) -> None:
    start = now()
    resync(ctx, start - timedelta(days=7), start + timedelta(days=90))
