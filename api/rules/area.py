"""The rules area: the workflows of the rules in force, as documents (API and pages)."""

from api import workflow_routes
from api.registry import Registry


def install(registry: Registry) -> None:
    registry.routers += [workflow_routes.router, workflow_routes.pages]
    registry.add_nav("nav.workflows", "/workflows")
