"""The collective area: organisations, people, bodies and seats."""

from api.collective import pages, routes
from api.registry import Registry


def install(registry: Registry) -> None:
    registry.routers += [routes.router, pages.router]
    registry.add_nav("nav.bodies", "/bodies")
    registry.add_nav("nav.organisations", "/organisations")
    registry.add_nav("nav.people", "/people")
