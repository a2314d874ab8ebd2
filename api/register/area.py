"""The register area: every transition of every workflow lands in the register; pending events
(the vote path's) are linked, and events appended without the signing key signed, every
second by the scheduler (`register_seal`)."""

from api.register import routes, service
from api.registry import Registry


def install(registry: Registry) -> None:
    registry.routers += [routes.router, routes.pages]
    registry.engine.after_each(service.on_transition)
    registry.add_sweep("register_seal", service.seal, seconds=1)
    registry.add_nav("nav.register", "/register")
