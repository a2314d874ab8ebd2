"""The logbook area, installed by `api.areas.install_all` after the grants area (its
statistics read grants' funded periods): the intervention logbook's API and pages, its demo
data (seed 004's and seed 001's figures) and its menu entry, shown to the team and to the
bodies the rules name."""

from api.logbook import demo, pages, routes, service
from api.registry import Registry


def install(registry: Registry) -> None:
    registry.routers += [routes.router, pages.router]
    registry.add_demo(35, demo.load_logbook)
    registry.add_nav("nav.logbook", "/logbook", shown=service.shown_in_menu)
    # Entries are not in-camera items, but only the team and the bodies the rules name read
    # about them, in the register too.
    for object_type in (service.OBJECT, "logbook_coordinator"):
        registry.add_readers(object_type, service.may_read)
