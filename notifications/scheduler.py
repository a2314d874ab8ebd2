"""APScheduler 3.x jobs: idempotent sweeps over the database, never pickled jobs.

Three interval jobs (in memory; the state is the outbox, not the job store):
  * `deliver`: send the due outbox rows;
  * `digest`: send the due daily digests;
  * `system`: the sweeps other areas register (`notifications.sweeps`): closing due decisions,
    marking overdue reports...

`coalesce=True` and `max_instances=1`: a late or slow tick runs once, never piles up.
`misfire_grace_time` is one interval: a tick missed while the loop was busy still runs.
Reminders missed while the process was down are not lost either way: their rows are due
in the outbox and the first tick after start (jobs start at once) sends them, once.

The web app starts this in its lifespan unless RELAIS_SCHEDULER_ENABLED=false; `relais
worker` runs the same jobs on its own (see notifications.worker).
"""

import logging
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from api.config import Settings
from api.db import Database
from api.rules.schema import GovernanceRules
from notifications import context
from notifications.delivery import SmtpPool, deliver_due
from notifications.sweeps import run_sweeps

log = logging.getLogger("relais.notifications")


class Jobs:
    """The three sweeps, bound to one database and one SMTP pool."""

    def __init__(self, db: Database, settings: Settings):
        self.db, self.settings = db, settings
        self.pool = SmtpPool(settings) if settings.smtp_host else None

    async def deliver(self) -> None:
        report = await deliver_due(self.db, pool=self.pool)
        if report.batches:
            log.info("outbox: %d sent, %d to retry, %d skipped", report.sent, report.failed,
                     report.skipped)

    async def digest(self) -> None:
        await deliver_due(self.db, digest=True, pool=self.pool)

    async def system(self) -> None:
        import asyncio

        await asyncio.to_thread(run_sweeps, self.db)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()


def build_scheduler(db: Database, settings: Settings, rules: GovernanceRules) -> AsyncIOScheduler:
    context.configure(settings, rules)
    jobs = Jobs(db, settings)
    interval = max(1, settings.sweep_interval_seconds)
    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": interval})
    first = datetime.now().astimezone()
    scheduler.add_job(jobs.deliver, "interval", seconds=interval, id="deliver",
                      next_run_time=first, replace_existing=True)
    scheduler.add_job(jobs.digest, "interval", seconds=max(60, interval), id="digest",
                      next_run_time=first, replace_existing=True)
    scheduler.add_job(jobs.system, "interval", seconds=interval, id="system",
                      next_run_time=first, replace_existing=True)
    scheduler.relais_jobs = jobs  # type: ignore[attr-defined]
    return scheduler


def start_scheduler(app) -> AsyncIOScheduler:
    """Called by the FastAPI lifespan (inside the running event loop)."""
    scheduler = build_scheduler(app.state.db, app.state.settings, app.state.rules.rules)
    scheduler.start()
    log.info("scheduler started (every %ss)", app.state.settings.sweep_interval_seconds)
    return scheduler


def wake(app) -> None:
    """Run the delivery job now (a sign-in link should not wait for the next tick)."""
    scheduler = getattr(app.state, "scheduler", None)
    if scheduler is not None and scheduler.running:
        job = scheduler.get_job("deliver")
        if job is not None:
            job.modify(next_run_time=datetime.now().astimezone())
