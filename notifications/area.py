"""The reminders area: preferences, unsubscribe, the admin's outbox, sign-in links by email.

Its scheduler (`notifications.scheduler`) is started by the web app's lifespan or by
`relais worker`, not installed here; the deadlines of other areas reach it through
`notifications.deadlines`."""

from api.registry import Registry
from api.web import admin_only
from notifications import demo, pages, routes


def install(registry: Registry) -> None:
    registry.routers += [routes.router, pages.router]
    registry.add_demo(90, demo.plan_demo_reminders)  # after the areas' own demo data
    registry.add_nav("nav.preferences", "/preferences")
    registry.add_nav("nav.outbox", "/admin/outbox", shown=admin_only)
