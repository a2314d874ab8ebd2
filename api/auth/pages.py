"""Sign-in and sign-out pages, and the language switch."""

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.auth.service import authenticate
from api.collective.models import Person
from api.collective.schemas import SignInForm
from api.collective.service import set_language
from api.deps import Ctx, check_csrf
from api.errors import AppError
from api.i18n import normalise
from api.web import page_lang, redirect, render, safe_next

router = APIRouter(include_in_schema=False)


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
    request.session.clear()
    request.session["pid"] = person.id
    return redirect(next_url)


@router.post("/signout", dependencies=[Depends(check_csrf)])
def signout(request: Request):
    lang = page_lang(request)
    request.session.clear()
    response = redirect("/signin")
    response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/language/{lang}")
def switch_language(lang: str, request: Request, ctx: Ctx, next: str | None = None):
    """Remembered per person when signed in, in a cookie otherwise."""
    lang = normalise(lang)
    person_id = request.session.get("pid")
    if isinstance(person_id, int):
        person = ctx.session.get(Person, person_id)
        if person is not None:
            set_language(ctx, person, lang)
    response = redirect(safe_next(next))
    response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response
