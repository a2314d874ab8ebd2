"""System sweeps other areas register: idempotent work over the database, run by the
scheduler (in the web app or `relais worker`) at every tick.

    from notifications.sweeps import sweep

    @sweep("close_due_decisions")
    def close_due(session, now):
        ...  # close the decisions whose window has passed; commit is done by the runner

Each sweep runs in its own transaction: one failing is logged and rolled back without
stopping the others. A sweep must be safe to run twice or on two workers at once.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from api.db import Database
from api.timeutil import now

log = logging.getLogger("relais.notifications")

Sweep = Callable[[Session, datetime], object]
SWEEPS: dict[str, Sweep] = {}


def sweep(name: str) -> Callable[[Sweep], Sweep]:
    def register(fn: Sweep) -> Sweep:
        SWEEPS[name] = fn
        return fn

    return register


def run_sweeps(db: Database) -> dict[str, str]:
    """Run every registered sweep once; returns {name: "ok" | error}."""
    from api.areas import import_all_areas

    import_all_areas()
    outcome: dict[str, str] = {}
    for name, fn in list(SWEEPS.items()):
        try:
            with db.session() as session:
                fn(session, now())
            outcome[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - one sweep must not stop the others
            log.exception("sweep %s failed", name)
            outcome[name] = f"{type(exc).__name__}: {exc}"
    return outcome
