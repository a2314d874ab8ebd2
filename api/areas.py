"""The areas of Relais and how one application is put together from them.

Each area has an `area.py` (the dashboard: `api/dashboard.py`) with one `install(registry)`
that adds, in this order: its routers, guards, workflow bindings and hooks, deadline providers, sweeps, demo data, menu
entries and dashboard sections. `install_all` calls them in the fixed order below (an area
may hook into one installed before it: fee splits and meetings listen to decisions).
To add an area, write its `area.py` and add it to `AREAS`.
"""

import importlib

from api.admission import Gate
from api.config import Settings
from api.context import Runtime
from api.db import Database
from api.registry import Registry
from api.viewers import ViewerCache, track_membership

AREAS = [
    "api.collective.area",
    "api.auth.area",
    "api.register.area",
    "api.rules.area",
    "api.decisions.area",
    "api.feesplit.area",
    "api.grants.area",
    "api.committees.area",
    "notifications.area",
    "api.calendar.area",
    "api.logbook.area",
    "api.documents.area",
    "api.dashboard",
]

# Modules holding SQLAlchemy models (for migrations and create_all in tests).
MODELS = [
    "api.collective.models",
    "api.viewers",
    "api.rules.models",
    "api.register.models",
    "api.decisions.models",
    "api.feesplit.models",
    "api.grants.models",
    "api.committees.models",
    "notifications.models",
    "api.logbook.models",
    "api.documents.models",
]


def import_models() -> None:
    for name in MODELS:
        importlib.import_module(name)


def install_all() -> Registry:
    registry = Registry()
    for name in AREAS:
        importlib.import_module(name).install(registry)
    return registry


def load_rules_checked(settings: Settings, registry: Registry):
    """The rules file, with its guard names checked against what the areas installed."""
    from api.rules.loader import load_rules

    return load_rules(settings.rules_path, registry.engine.guard_names())


def build_runtime(settings: Settings, database: Database | None = None) -> Runtime:
    """Install the areas, load and record the rules, and bind them to one database.

    An invalid rules file stops here with file:line messages (`RulesInvalid`)."""
    from api.rules.service import book_for

    import_models()
    registry = install_all()
    loaded = load_rules_checked(settings, registry)
    database = database or Database(settings.database_url)
    track_membership(database.sessionmaker)
    with database.session() as session:
        book = book_for(session, loaded)
    gate = Gate.for_database(database.is_postgres, settings.admission_capacity, settings.admission_queue,
                             settings.admission_wait_seconds, settings.processes)
    return Runtime(settings=settings, database=database, book=book, registry=registry,
                   viewers=ViewerCache(), gate=gate)
