"""The list of areas: each one's models, API routes and pages are imported from here.

To add an area, add its module names below; nothing else needs to know about it.
"""

import importlib

# (module, attribute) of every router, in the order they are mounted.
ROUTERS = [
    ("api.auth.routes", "router"),
    ("api.auth.pages", "router"),
    ("api.collective.routes", "router"),
    ("api.collective.pages", "router"),
    ("api.register.routes", "router"),
    ("api.register.routes", "pages"),
    ("api.workflow_routes", "router"),
    ("api.decisions.routes", "router"),
    ("api.decisions.pages", "router"),
    ("api.feesplit.routes", "router"),
    ("api.feesplit.pages", "router"),
    ("api.grants.routes", "router"),
    ("api.grants.pages", "router"),
    ("api.committees.routes", "router"),
    ("api.committees.pages", "router"),
    ("notifications.routes", "router"),
    ("notifications.pages", "router"),
    ("api.calendar.routes", "router"),
    ("api.dashboard", "router"),
]

# Modules holding SQLAlchemy models (for migrations and create_all in tests).
MODELS = [
    "api.decisions.guards",
    "api.grants.guards",
    "api.committees.guards",
    "api.collective.models",
    "api.rules.models",
    "api.register.models",
    "api.decisions.models",
    "api.feesplit.models",
    "api.grants.models",
    "api.committees.models",
    "notifications.models",
]


def _import_optional(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # An area not written yet is skipped; a broken import inside an area is not.
        if exc.name == name or (exc.name and name.startswith(exc.name + ".")):
            return None
        raise


def import_all_areas() -> None:
    for name in MODELS:
        _import_optional(name)
    for name, _ in ROUTERS:
        _import_optional(name)


def routers():
    for name, attr in ROUTERS:
        module = _import_optional(name)
        if module is not None and hasattr(module, attr):
            yield getattr(module, attr)
