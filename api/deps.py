"""Request dependencies, as `Annotated` aliases a route names in its signature.

    def vote(decision_id: int, data: VoteIn, ctx: ViewerCtx) -> VoteOut: ...

* `Ctx` — the unit of work of this request (`api.context.Context`): session, rules in force,
  time zone, settings, installed areas; `viewer` is None. Commits when the route returns
  without error, rolls back when it raises or answers an error page (`ctx.refuse()`, which
  `api.web.render` calls for any status >= 400), before the answer is sent.
* `ViewerCtx` — the same with the signed-in person (bearer token or session cookie), 401 if
  none; `AdminCtx` — an administrator, 403 otherwise. A token or cookie counts only while the
  session version it carries is the person's (`api.security`): ending sessions raises it.
* `PageCtx`, `PageAdminCtx` — the same for pages: someone not signed in is sent to sign-in.
* `OptionalViewerCtx` — pages open to everyone that adapt to who is signed in.
* `OneHop` — for the hot API paths (a vote): the whole unit of work — session, the signed-in
  person, the service call, commit or roll back — in one thread-pool hop instead of three
  (`await work.run(service_fn, ...)`). The bearer token is read before the hop: no token, a
  401 without touching the database. The person's cached viewer is trusted and checked later
  in the same unit of work (`api.viewers`): one read fewer, and a stale one is tried again.

The runtime (settings, database, rules book, registry) is read from the application here and
nowhere else. The person's language is also left on `request.state.lang` for the error
handlers only, which FastAPI calls without dependencies once the unit of work has ended.
"""

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from starlette.concurrency import run_in_threadpool

from api.access import Viewer
from api.config import Settings
from api.context import Context, Runtime
from api.errors import AppError, Forbidden
from api.security import read_session, read_token, same_token
from api.viewers import StaleViewer

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def unit_of_work(request: Request) -> AsyncIterator[Context]:
    """A session (no connection until the first query) in a context; commit or roll back.
    Inside the admission gate from start to end (`api.admission`): 503 when too busy."""
    runtime: Runtime = request.app.state.runtime
    async with runtime.gate.admitted():
        ctx = runtime.context(runtime.database.sessionmaker())
        failed = False
        try:
            yield ctx
        except BaseException:
            failed = True
            raise
        finally:
            # One thread hop for the whole ending: commit (or roll back), close, follow-ups.
            await run_in_threadpool(ctx.end, failed)


# scope="function": the commit happens before the answer is sent, so a failed commit is
# an error answer, never a 2xx for something that was not saved.
Ctx = Annotated[Context, Depends(unit_of_work, scope="function")]


class SignInRequired(AppError):
    status = 401

    def __init__(self) -> None:
        super().__init__("error.unauthorized")


def _claims(request: Request, settings: Settings, token: str | None) -> tuple[int, int] | None:
    """(person id, session version) from the bearer token, else from the session cookie."""
    if token:
        return read_token(settings.secret_key, token, settings.token_ttl_seconds)
    return read_session(request.session)


def _load_viewer(request: Request, ctx: Context, claims: tuple[int, int] | None,
                 trusted: bool = False) -> Viewer | None:
    viewer = None
    if claims is not None:
        person_id, version = claims
        viewer = ctx.sign_in(person_id, trusted)
        # A cookie or token issued before the person's sessions were ended (sign-out, password
        # change, "sign out everywhere": the version went up) signs nobody in. The version is
        # the cached viewer's: no query of its own (`api.viewers`).
        if viewer is not None and viewer.session_version != version:
            viewer = ctx.viewer = None
    # For the error handlers, which run after the unit of work has ended: plain values only.
    request.state.lang = viewer.lang if viewer is not None else None
    request.state.signed_in = viewer is not None
    return viewer


def optional_viewer_ctx(request: Request, ctx: Ctx, token: Annotated[str | None, Depends(oauth2)]
                        ) -> Context:
    _load_viewer(request, ctx, _claims(request, ctx.settings, token))
    return ctx


OptionalViewerCtx = Annotated[Context, Depends(optional_viewer_ctx)]


async def viewer_ctx(ctx: OptionalViewerCtx) -> Context:
    """The signed-in person (bearer token for the API, session cookie for pages)."""
    if ctx.viewer is None:
        raise SignInRequired()
    return ctx


ViewerCtx = Annotated[Context, Depends(viewer_ctx)]


async def admin_ctx(ctx: ViewerCtx) -> Context:
    if not ctx.viewer.is_admin:
        raise Forbidden("error.admin_only")
    return ctx


AdminCtx = Annotated[Context, Depends(admin_ctx)]


async def check_csrf(request: Request) -> None:
    """Every page form carries the session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    form = await request.form()
    if not same_token(form.get("csrf_token"), request.session.get("csrf")):
        raise Forbidden("error.csrf")


T = TypeVar("T")


class OneHopWork:
    """A signed-in API request whose unit of work runs in one thread hop (see the module)."""

    def __init__(self, request: Request, runtime: Runtime, claims: tuple[int, int]):
        self.request, self.runtime, self.claims = request, runtime, claims

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(ctx, *args, **kwargs)` with the signed-in person, committed when it returns,
        rolled back when it raises; after-commit steps run in the same hop. Inside the
        admission gate (`api.admission`) for the hop only: 503 when too busy."""
        async with self.runtime.gate.admitted():
            return await run_in_threadpool(self._run, fn, args, kwargs)

    def _run(self, fn: Callable[..., T], args: tuple, kwargs: dict) -> T:
        try:
            # The cached viewer, trusted: its version is checked by the work or before the
            # commit, which saves a read on the usual request (`api.viewers`).
            return self._attempt(fn, args, kwargs, trusted=True)
        except StaleViewer:
            # It was out of date: everything was rolled back. Once more, read afresh.
            return self._attempt(fn, args, kwargs, trusted=False)

    def _attempt(self, fn: Callable[..., T], args: tuple, kwargs: dict, trusted: bool) -> T:
        with self.runtime.unit_of_work() as ctx:
            if _load_viewer(self.request, ctx, self.claims, trusted) is None:
                raise SignInRequired()
            return fn(ctx, *args, **kwargs)


async def one_hop(request: Request, token: Annotated[str | None, Depends(oauth2)]) -> OneHopWork:
    runtime: Runtime = request.app.state.runtime
    claims = _claims(request, runtime.settings, token)
    if claims is None:
        raise SignInRequired()  # no database work for a request without a valid token
    return OneHopWork(request, runtime, claims)


OneHop = Annotated[OneHopWork, Depends(one_hop)]


class NeedsSignIn(Exception):
    """A page asked for by someone not signed in (or whose session expired)."""

    def __init__(self, next_path: str, expired: bool):
        self.next_path, self.expired = next_path, expired


async def page_ctx(request: Request, ctx: OptionalViewerCtx) -> Context:
    if ctx.viewer is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NeedsSignIn(path if request.method == "GET" else "/", expired="pid" in request.session)
    return ctx


PageCtx = Annotated[Context, Depends(page_ctx)]


async def page_admin_ctx(ctx: PageCtx) -> Context:
    if not ctx.viewer.is_admin:
        raise Forbidden("error.admin_only")
    return ctx


PageAdminCtx = Annotated[Context, Depends(page_admin_ctx)]
