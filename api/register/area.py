"""The register area: every transition of every workflow lands in the register."""

from api.register import routes, service
from api.registry import Registry


def install(registry: Registry) -> None:
    registry.routers += [routes.router, routes.pages]
    registry.engine.after_each(service.on_transition)
    registry.add_nav("nav.register", "/register")
