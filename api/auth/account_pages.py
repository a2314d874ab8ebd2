"""Pages of getting in: accepting an invitation, "forgotten password", my profile (password,
language, emails), and the invitations an administrator or a chair sends.

Forms are read in the request's coroutine and handled in a worker thread (`_in_thread`): the
database and the password hash never block the event loop. An error shown on a page rolls
the unit of work back (`api.web.render` with a status >= 400)."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api.auth import invitations, passwords
from api.auth.schemas import InvitationIn, NewPasswordIn, PasswordChangeIn, PasswordResetRequestIn
from api.collective.models import Body
from api.collective.service import set_language
from api.context import Context
from api.deps import Ctx, PageCtx, check_csrf
from api.errors import AppError, Forbidden
from api.forms import form_values, parse
from api.i18n import LANGUAGES, normalise, t
from api.schemas import Id
from api.security import start_session
from api.timeutil import now
from api.web import flash, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

LANG_COOKIE_AGE = 365 * 86400


def _lang(request: Request, ctx: Context) -> str:
    """The page's language: the person's, or the browser's choice before signing in."""
    return ctx.viewer.lang if ctx.viewer is not None else normalise(request.cookies.get("lang"))


def _chosen(value: object) -> str | None:
    """A language picked on the page (the header's switch, carried as `?lang=` and in the
    forms' hidden `lang` field), if it is one."""
    return value if isinstance(value, str) and value in LANGUAGES else None


def _link_lang(request: Request, ctx: Context, chosen: str | None, holder: str | None) -> str:
    """The language of a page reached by a link from an email: the one picked on the page,
    else the language of the person the link was sent to (their email was in it too), else
    the browser's (a link that names nobody)."""
    return chosen or holder or _lang(request, ctx)


def _render_in(request: Request, ctx: Context, lang: str, name: str, data: dict, status: int = 200):
    return render(request, ctx, name, data, status=status, lang=lang)


def _keep_language(ctx: Context, person, chosen: str | None, response):
    """The person switched the language on the page of their link: it becomes their choice."""
    if chosen is not None:
        set_language(ctx, person, chosen)
    response.set_cookie("lang", normalise(person.language), max_age=LANG_COOKIE_AGE, samesite="lax")
    return response


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _new_password(form: Any, lang: str, field: str = "password") -> tuple[str | None, dict[str, str]]:
    """The password typed twice in a form (`<field>` and `<field>_confirm`), or the errors."""
    password = str(form.get(field) or "")
    data, errors = parse(NewPasswordIn, {"password": password or None}, lang)
    if errors:
        return None, {field: errors.get("password") or t("form.invalid", lang)}
    if str(form.get(f"{field}_confirm") or "") != password:
        return None, {f"{field}_confirm": t("password.mismatch", lang)}
    return data.password, {}


# --- "forgotten password" -------------------------------------------------------------------

@router.get("/password/forgot")
def forgot_page(request: Request, ctx: Ctx):
    return render(request, ctx, "auth/forgot.html", {"sent": False, "values": {}, "errors": {}})


@router.post("/password/forgot")
async def forgot_send(request: Request, ctx: Ctx):
    form = await request.form()
    values = form_values(form, ["email"])

    def handle():
        data, errors = parse(PasswordResetRequestIn, values, _lang(request, ctx))
        if errors:
            return render(request, ctx, "auth/forgot.html", {"sent": False, "values": values, "errors": errors},
                          status=422)
        passwords.request_reset(ctx, data.email)
        # The same answer whether or not the address is known.
        return render(request, ctx, "auth/forgot.html", {"sent": True, "values": {}, "errors": {}})

    return await run_in_threadpool(handle)


@router.get("/password/reset/{token}")
def reset_page(token: str, request: Request, ctx: Ctx, lang: str | None = None):
    # A GET only shows the form: a mail scanner opening the link does not use it up.
    page_lang = _link_lang(request, ctx, _chosen(lang), passwords.holder_language(ctx, token))
    try:
        passwords.reset_by_token(ctx, token)
    except AppError as exc:
        return _render_in(request, ctx, page_lang, "auth/reset.html", {"token": None, "error": exc.key, "errors": {}},
                          status=exc.status)
    return _render_in(request, ctx, page_lang, "auth/reset.html", {"token": token, "errors": {}})


@router.post("/password/reset/{token}")
async def reset_save(token: str, request: Request, ctx: Ctx):
    form = await request.form()

    def handle():
        chosen = _chosen(form.get("lang"))
        page_lang = _link_lang(request, ctx, chosen, passwords.holder_language(ctx, token))
        password, errors = _new_password(form, page_lang)
        try:
            passwords.reset_by_token(ctx, token)
            if errors:
                return _render_in(request, ctx, page_lang, "auth/reset.html", {"token": token, "errors": errors},
                                  status=422)
            person, version = passwords.reset_password(ctx, token, password)
        except AppError as exc:
            return _render_in(request, ctx, page_lang, "auth/reset.html",
                              {"token": None, "error": exc.key, "errors": {}}, status=exc.status)
        start_session(request.session, person.id, version)
        flash(request, "password.reset_done", "success")
        return _keep_language(ctx, person, chosen, redirect("/"))

    return await run_in_threadpool(handle)


# --- accepting an invitation -----------------------------------------------------------------

def _invitation_page(request: Request, ctx: Context, lang: str, token: str | None, invitation=None,
                     errors=None, error: str | None = None, status: int = 200):
    return _render_in(request, ctx, lang, "auth/invitation.html", {
        "token": token, "invitation": invitation, "errors": errors or {}, "error": error}, status=status)


@router.get("/invitation/{token}")
def invitation_page(token: str, request: Request, ctx: Ctx, lang: str | None = None):
    page_lang = _link_lang(request, ctx, _chosen(lang), invitations.invitee_language(ctx, token))
    try:
        invitation = invitations.by_token(ctx, token)
    except AppError as exc:
        return _invitation_page(request, ctx, page_lang, None, error=exc.key, status=exc.status)
    return _invitation_page(request, ctx, page_lang, token, invitation)


@router.post("/invitation/{token}")
async def invitation_accept(token: str, request: Request, ctx: Ctx):
    form = await request.form()

    def handle():
        chosen = _chosen(form.get("lang"))
        page_lang = _link_lang(request, ctx, chosen, invitations.invitee_language(ctx, token))
        try:
            invitation = invitations.by_token(ctx, token)
        except AppError as exc:
            return _invitation_page(request, ctx, page_lang, None, error=exc.key, status=exc.status)
        password = None
        if form.get("choice") != "link":
            password, errors = _new_password(form, page_lang)
            if errors:
                return _invitation_page(request, ctx, page_lang, token, invitation, errors=errors, status=422)
        try:
            person = invitations.accept(ctx, token, password)
        except AppError as exc:
            return _invitation_page(request, ctx, page_lang, None, error=exc.key, status=exc.status)
        start_session(request.session, person.id, person.session_version)
        flash(request, "invite.welcome" if password else "invite.welcome_link", "success")
        return _keep_language(ctx, person, chosen, redirect("/"))

    return await run_in_threadpool(handle)


# --- my profile --------------------------------------------------------------------------------

def _profile(request: Request, ctx: Context, errors: dict | None = None, status: int = 200):
    return render(request, ctx, "auth/profile.html", {
        "person": ctx.viewer.person, "has_password": ctx.viewer.person.password_hash is not None,
        "errors": errors or {}}, status=status)


@router.get("/profile")
def profile_page(request: Request, ctx: PageCtx):
    return _profile(request, ctx)


@router.post("/profile/password")
async def profile_password(request: Request, ctx: PageCtx):
    form = await request.form()

    def handle():
        new, errors = _new_password(form, ctx.lang, "new_password")
        current = str(form.get("current_password") or "")
        if not current:
            errors = {"current_password": t("form.missing", ctx.lang), **errors}
        if errors:
            return _profile(request, ctx, errors, 422)
        data = PasswordChangeIn(current_password=current[:200], new_password=new)
        try:
            version = passwords.change_password(ctx, data.current_password, data.new_password, _client(request))
        except AppError as exc:
            return _profile(request, ctx, {exc.field or "current_password": exc.message(ctx.lang)}, exc.status)
        # This browser goes on with the new version; every other session and token has ended.
        start_session(request.session, ctx.viewer.id, version)
        flash(request, "password.changed", "success")
        return redirect("/profile")

    return await run_in_threadpool(handle)


@router.post("/profile/password-link")
def profile_password_link(request: Request, ctx: PageCtx):
    """Someone who signs in by email link asks for a link to choose a password."""
    passwords.request_reset(ctx, ctx.viewer.person.email)
    flash(request, "password.link_sent", "success")
    return redirect("/profile")


@router.post("/profile/language")
async def profile_language(request: Request, ctx: PageCtx):
    form = await request.form()
    lang = normalise(str(form.get("language") or ""))
    await run_in_threadpool(set_language, ctx, ctx.viewer.person, lang)
    flash(request, "flash.saved", "success")
    response = redirect("/profile")
    response.set_cookie("lang", lang, max_age=LANG_COOKIE_AGE, samesite="lax")
    return response


# --- invitations sent by an administrator or a chair ---------------------------------------

def _bodies(ctx: Context) -> list[Body]:
    """The bodies this person may invite to."""
    query = select(Body).order_by(Body.id)
    if not ctx.viewer.is_admin:
        query = query.where(Body.id.in_(invitations.chaired_body_ids(ctx.viewer)))
    return list(ctx.session.execute(query).scalars())


def _invitations_page(request: Request, ctx: Context, values: dict | None = None, errors: dict | None = None,
                      status: int = 200):
    if not invitations.may_invite(ctx.viewer):
        raise Forbidden("invite.forbidden")
    bodies = _bodies(ctx)
    return render(request, ctx, "auth/invitations.html", {
        "items": invitations.list_invitations(ctx), "now": now(), "bodies": bodies,
        "body_names": {b.id: b.name(ctx.lang) for b in bodies},
        "values": values or {"language": "fr", "role": "member"}, "errors": errors or {}}, status=status)


@router.get("/invitations")
def invitations_page(request: Request, ctx: PageCtx):
    return _invitations_page(request, ctx)


@router.post("/invitations")
async def invitations_send(request: Request, ctx: PageCtx):
    form = await request.form()
    values = form_values(form, ["email", "name", "language", "body_id", "role"])

    def handle():
        if not invitations.may_invite(ctx.viewer):
            raise Forbidden("invite.forbidden")
        data, errors = parse(InvitationIn, values, ctx.lang)
        if errors:
            return _invitations_page(request, ctx, values, errors, 422)
        try:
            invitation = invitations.invite(ctx, data)
        except AppError as exc:
            return _invitations_page(request, ctx, values, {exc.field or "form": exc.message(ctx.lang)}, exc.status)
        flash(request, "invite.sent", "success", email=invitation.person.email)
        return redirect("/invitations")

    return await run_in_threadpool(handle)


@router.post("/invitations/{invitation_id}/resend")
def invitations_resend(invitation_id: Id, request: Request, ctx: PageCtx):
    invitation = invitations.resend(ctx, invitation_id)
    flash(request, "invite.resent", "success", email=invitation.person.email)
    return redirect("/invitations")


@router.post("/invitations/{invitation_id}/revoke")
def invitations_revoke(invitation_id: Id, request: Request, ctx: PageCtx):
    invitation = invitations.revoke(ctx, invitation_id)
    flash(request, "invite.revoked", "success", email=invitation.person.email)
    return redirect("/invitations")
