"""APScheduler 3.x jobs: idempotent sweeps over the database, never pickled jobs.

Three interval jobs (in memory; the state is the outbox, not the job store), all bound to one
`Runtime` (settings, database, rules in force, installed areas):
  * `deliver`: send the due outbox rows;
  * `digest`: send the due daily digests;
  * `system`: the sweeps the areas install (`registry.add_sweep`, run by
    `notifications.sweeps.run_sweeps`): closing due decisions, marking overdue reports...
    A sweep installed with its own `seconds` (linking the register's pending events, every
    second) is a job of its own, `sweep:<name>`, at that interval, and also runs with the others.

`coalesce=True` and `max_instances=1`: a late or slow tick runs once, never piles up.
`misfire_grace_time` is one interval: a tick missed while the loop was busy still runs.
Reminders missed while the process was down are not lost either way: their rows are due
in the outbox and the first tick after start (jobs start at once) sends them, once.

The web app starts this in its lifespan (`start_scheduler(runtime)`) unless
RELAIS_SCHEDULER_ENABLED=false; `relais worker` runs the same jobs on its own (see
notifications.worker). `wake(scheduler)` runs the delivery job at once (a sign-in link
should not wait for the next tick).
"""

import asyncio
import logging
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from api.context import Runtime
from notifications.delivery import SmtpPool, deliver_due
from notifications.sweeps import run_sweeps

log = logging.getLogger("relais.notifications")


class Jobs:
    """The three jobs, bound to one runtime and one SMTP pool."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        settings = runtime.settings
        self.pool = SmtpPool(settings) if settings.smtp_host else None
        # Set by `wake`: a row was committed for sending. A wake-up that comes while a delivery
        # is under way (which `max_instances=1` would skip) makes that delivery go round again.
        self.woken = False

    async def deliver(self) -> None:
        while True:
            self.woken = False
            report = await deliver_due(self.runtime, pool=self.pool)
            if report.batches:
                log.info("outbox: %d sent, %d to retry, %d skipped", report.sent, report.failed,
                         report.skipped)
            if not self.woken:
                return

    async def digest(self) -> None:
        await deliver_due(self.runtime, digest=True, pool=self.pool)

    async def system(self) -> None:
        await asyncio.to_thread(run_sweeps, self.runtime)

    def sweep(self, name: str):
        async def run() -> None:
            await asyncio.to_thread(run_sweeps, self.runtime, [name])
        return run

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()


def build_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """The three interval jobs on `runtime`, not started; `scheduler.relais_jobs` holds them
    (close its SMTP pool with `await scheduler.relais_jobs.close()` after shutting down)."""
    jobs = Jobs(runtime)
    interval = max(1, runtime.settings.sweep_interval_seconds)
    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": interval})
    first = datetime.now().astimezone()
    scheduler.add_job(jobs.deliver, "interval", seconds=interval, id="deliver",
                      next_run_time=first, replace_existing=True)
    scheduler.add_job(jobs.digest, "interval", seconds=max(60, interval), id="digest",
                      next_run_time=first, replace_existing=True)
    scheduler.add_job(jobs.system, "interval", seconds=interval, id="system",
                      next_run_time=first, replace_existing=True)
    for name, seconds in runtime.registry.sweep_seconds.items():
        if seconds < interval:
            scheduler.add_job(jobs.sweep(name), "interval", seconds=seconds, id=f"sweep:{name}",
                              next_run_time=first, replace_existing=True,
                              misfire_grace_time=max(1, int(seconds)))
    scheduler.relais_jobs = jobs  # type: ignore[attr-defined]
    return scheduler


def start_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """Called by the web app's lifespan (inside the running event loop). The scheduler is also
    kept as `runtime.scheduler`, so that a page can `wake` it after its unit of work commits."""
    scheduler = build_scheduler(runtime)
    scheduler.start()
    runtime.scheduler = scheduler
    log.info("scheduler started (every %ss)", runtime.settings.sweep_interval_seconds)
    return scheduler


def wake(scheduler: AsyncIOScheduler | None) -> None:
    """Run the delivery job of this scheduler now (None, or stopped: nothing to do).

    Safe from any thread (APScheduler hands the wake-up to its event loop): pages call it
    from `ctx.after_commit`, once the row to send is committed."""
    if scheduler is not None and scheduler.running:
        jobs = getattr(scheduler, "relais_jobs", None)
        if jobs is not None:
            jobs.woken = True  # not lost if a delivery is running now
        job = scheduler.get_job("deliver")
        if job is not None:
            job.modify(next_run_time=datetime.now().astimezone())
