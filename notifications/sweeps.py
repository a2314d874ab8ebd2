"""The system sweeps the areas install: idempotent work over the database, run by the
scheduler (in the web app or `relais worker`) at every tick.

An area installs a sweep in its `area.py`:

    registry.add_sweep("close_due_decisions", sweep_close_due)   # fn(ctx, at)

Each sweep runs in a unit of work of its own (`runtime.unit_of_work()`): committed when it
returns, rolled back when it raises; one failing is logged without stopping the others. A
sweep must be safe to run twice or on two workers at once. A sweep that needs transactions
of its own (one per item) takes `ctx.runtime` and says so in the names of its functions.
"""

import logging

from api.context import Runtime
from api.timeutil import now

log = logging.getLogger("relais.notifications")


def run_sweeps(runtime: Runtime, names: list[str] | None = None) -> dict[str, str]:
    """Run every installed sweep (or those `names`) once, each in its own unit of work;
    returns {name: "ok" | error}."""
    outcome: dict[str, str] = {}
    sweeps = runtime.registry.sweeps
    for name, fn in [(n, sweeps[n]) for n in (names if names is not None else list(sweeps))]:
        try:
            with runtime.unit_of_work() as ctx:
                fn(ctx, now())
            outcome[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - one sweep must not stop the others
            log.exception("sweep %s failed", name)
            outcome[name] = f"{type(exc).__name__}: {exc}"
    return outcome
