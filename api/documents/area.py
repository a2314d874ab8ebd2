"""The documents area, installed by `api.areas.install_all` after the areas whose objects
take attachments (decisions, grants, committees): its API and pages, the
`attachments_for` template global used by the `documents/_attachments.html` include on those
areas' pages, its demo library, and its menu entry."""

from api.documents import demo, pages, routes, service
from api.registry import Registry
from api.web import templates


def install(registry: Registry) -> None:
    registry.routers += [routes.router, pages.router]
    # The include on other areas' pages reads the attachments of the object they show.
    templates.env.globals["attachments_for"] = service.attachments_for
    registry.add_demo(40, demo.load_library)
    registry.add_nav("nav.library", "/library")
