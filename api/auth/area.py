"""The sign-in area: API tokens, sign-in pages, language switch."""

from api.auth import pages, routes
from api.registry import Registry


def install(registry: Registry) -> None:
    registry.routers += [routes.router, pages.router]
