"""Sign-in and sign-out pages, and the language switch."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.auth.service import authenticate, end_sessions
from api.collective.schemas import SignInForm
from api.collective.service import set_language
from api.deps import Ctx, OptionalViewerCtx, check_csrf
from api.errors import AppError
from api.i18n import normalise
from api.security import start_session
from api.web import page_lang, redirect, render, safe_next

router = APIRouter(include_in_schema=False)

LANG_COOKIE_AGE = 365 * 86400

# Pages reached by a link from an email, shown in the language of the person it was sent to:
# a language chosen there with the switch goes in their address (`?lang=`), since the cookie
# alone does not decide them.
LINK_PAGES = ("/invitation/", "/password/reset/")


def _with_choice(next_url: str, lang: str) -> str:
    parts = urlsplit(next_url)
    if not parts.path.startswith(LINK_PAGES):
        return next_url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    return urlunsplit(("", "", parts.path, urlencode([*query, ("lang", lang)]), ""))


@router.get("/signin")
def signin_page(request: Request, ctx: Ctx, next: str | None = None):
    return render(request, ctx, "auth/signin.html", {"next": safe_next(next), "errors": {}, "email": ""})


@router.post("/signin", dependencies=[Depends(check_csrf)])
async def signin(request: Request, ctx: Ctx):
    form = await request.form()
    next_url = safe_next(str(form.get("next") or "/"))
    email = str(form.get("email") or "")[:254]
    try:
        data = SignInForm(email=email, password=str(form.get("password") or ""))
        person = await run_in_threadpool(authenticate, ctx, data.email, data.password,
                                         request.client.host if request.client else None)
    except ValidationError:
        return render(request, ctx, "auth/signin.html", {"next": next_url, "email": email,
                      "errors": {"form": "auth.fill_both"}}, status=422)
    except AppError as exc:
        return render(request, ctx, "auth/signin.html", {"next": next_url, "email": email,
                      "errors": {"form": exc.key}, "error_params": exc.params},
                      status=exc.status)
    start_session(request.session, person.id, person.session_version)
    return redirect(next_url)


@router.post("/signout", dependencies=[Depends(check_csrf)])
def signout(request: Request, ctx: OptionalViewerCtx):
    """Signing out ends every session of the person — this browser's, their other devices' and
    their API tokens — so a copy of the cookie (a shared computer, a stolen laptop) is useless."""
    lang = page_lang(request)
    if ctx.viewer is not None:
        end_sessions(ctx, ctx.viewer.id)
    request.session.clear()
    response = redirect("/signin")
    response.set_cookie("lang", lang, max_age=LANG_COOKIE_AGE, samesite="lax")
    return response


@router.post("/language/{lang}", dependencies=[Depends(check_csrf)])
async def switch_language(lang: str, request: Request, ctx: OptionalViewerCtx):
    """The header's language form: remembered per person when signed in, in a cookie otherwise."""
    form = await request.form()
    next_url = safe_next(str(form.get("next") or "/"))
    lang = normalise(lang)
    if ctx.viewer is not None:
        await run_in_threadpool(set_language, ctx, ctx.viewer.person, lang)
    response = redirect(_with_choice(next_url, lang))
    response.set_cookie("lang", lang, max_age=LANG_COOKIE_AGE, samesite="lax")
    return response


@router.get("/language/{lang}")
def language_link(lang: str, next: str | None = None):
    """An old link or bookmark to the language switch (it used to be one): back to the page,
    with nothing changed — a GET a mail scanner, an image or another site can make must not
    change what is stored. The switch itself is the header's form (POST)."""
    return redirect(safe_next(next))
