"""`relais worker`: the scheduler's jobs in a process of their own.

Run it next to web apps started with RELAIS_SCHEDULER_ENABLED=false. It builds the same
runtime as the web app (`api.areas.build_runtime`: installed areas, rules in force, database)
and runs the same jobs on it. On PostgreSQL several workers may run at once (rows are claimed
with FOR UPDATE SKIP LOCKED); on SQLite run one. Stops cleanly on SIGINT / SIGTERM.
"""

import asyncio
import logging
import signal

from api.areas import build_runtime
from api.config import Settings
from notifications.scheduler import build_scheduler

log = logging.getLogger("relais.notifications")


async def _main(settings: Settings, stop: asyncio.Event | None = None) -> None:
    runtime = build_runtime(settings)
    scheduler = build_scheduler(runtime)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not the main thread
            pass
    scheduler.start()
    log.info("relais worker running on %s", runtime.database.engine.dialect.name)
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await scheduler.relais_jobs.close()
        runtime.database.dispose()


def run_worker(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_main(settings))
