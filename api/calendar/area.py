"""The calendar area: every deadline a person may see, by month, and their ICS feed."""

from api.calendar import routes
from api.registry import Registry


def install(registry: Registry) -> None:
    registry.routers.append(routes.router)
    registry.add_nav("nav.calendar", "/calendar")
