"""The sign-in area: API tokens, sign-in pages, language switch; getting in (invitations,
"forgotten password") and my profile."""

from api.auth import account_pages, invitations, pages, routes
from api.registry import Registry


def install(registry: Registry) -> None:
    registry.routers += [routes.router, pages.router, account_pages.router]
    registry.add_nav("nav.invitations", "/invitations", lambda ctx, viewer: invitations.may_invite(viewer))
    registry.add_nav("nav.profile", "/profile")
