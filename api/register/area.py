"""The register area: every transition of every workflow lands in the register; events
appended without the signing key are sealed at every scheduler tick."""

from api.register import routes, service
from api.registry import Registry


def install(registry: Registry) -> None:
    registry.routers += [routes.router, routes.pages]
    registry.engine.after_each(service.on_transition)
    registry.add_sweep("register_seal", service.seal)
    registry.add_nav("nav.register", "/register")
