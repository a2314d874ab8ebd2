"""`relais worker`: the scheduler's jobs in a process of their own.

Run it next to web apps started with RELAIS_SCHEDULER_ENABLED=false. On PostgreSQL several
workers may run at once (rows are claimed with FOR UPDATE SKIP LOCKED); on SQLite run one.
Stops cleanly on SIGINT / SIGTERM.
"""

import asyncio
import logging
import signal

from api.config import Settings
from api.db import Database
from api.rules.loader import load_rules
from notifications.scheduler import build_scheduler

log = logging.getLogger("relais.notifications")


async def _main(settings: Settings, stop: asyncio.Event | None = None) -> None:
    rules = load_rules(settings.rules_path).rules
    db = Database(settings.database_url)
    scheduler = build_scheduler(db, settings, rules)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not the main thread
            pass
    scheduler.start()
    log.info("relais worker running on %s", db.engine.dialect.name)
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await scheduler.relais_jobs.close()
        db.dispose()


def run_worker(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_main(settings))
