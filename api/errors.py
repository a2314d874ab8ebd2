"""Errors a person can understand: JSON with the field for the API, a page for the browser.

Services raise `AppError`s with a translation key; handlers turn them (and validation and
workflow errors) into a 4xx answer in the person's language. Nothing here ever shows a
stack trace.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.i18n import normalise, t
from workflows.engine import TransitionBlocked, TransitionForbidden, TransitionNotApplicable

log = logging.getLogger("relais")


class AppError(Exception):
    status = 400

    def __init__(self, key: str, field: str | None = None, **params: object):
        self.key, self.field, self.params = key, field, params
        super().__init__(key)

    def message(self, lang: str) -> str:
        return t(self.key, lang, **self.params)


class NotFound(AppError):
    status = 404

    def __init__(self, key: str = "error.not_found", **params: object):
        super().__init__(key, **params)


class Forbidden(AppError):
    status = 403

    def __init__(self, key: str = "error.forbidden", **params: object):
        super().__init__(key, **params)


class Conflict(AppError):
    status = 409


class Invalid(AppError):
    status = 422


class TooMany(AppError):
    status = 429


def request_lang(request: Request) -> str:
    viewer = getattr(request.state, "viewer", None)
    if viewer is not None:
        return viewer.lang
    return normalise(request.cookies.get("lang") or request.query_params.get("lang"))


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def _page(request: Request, status: int, message: str):
    from api.web import render

    return render(request, "error.html", {"status": status, "message": message}, status=status)


def _respond(request: Request, status: int, body: dict):
    if wants_json(request):
        return JSONResponse(body, status_code=status)
    return _page(request, status, body.get("message", ""))


def install(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError):
        lang = request_lang(request)
        body: dict = {"code": exc.key, "message": exc.message(lang)}
        if exc.field:
            body["field"] = exc.field
            body["detail"] = [{"field": exc.field, "message": body["message"]}]
        return _respond(request, exc.status, body)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        lang = request_lang(request)
        detail = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ())]
            field = ".".join(p for p in loc if p not in ("body", "query", "path", "form"))
            detail.append({"field": field or ".".join(loc), "loc": loc, "type": err.get("type"),
                           "message": err.get("msg", "")})
        summary = t("error.invalid_fields", lang, fields=", ".join(d["field"] for d in detail))
        return _respond(request, 422, {"code": "error.validation", "message": summary,
                                       "detail": detail})

    @app.exception_handler(TransitionNotApplicable)
    async def _not_applicable(request: Request, exc: TransitionNotApplicable):
        lang = request_lang(request)
        return _respond(request, 409, {
            "code": "workflow.not_applicable",
            "message": t("workflow.not_applicable", lang, trigger=exc.trigger, state=exc.state),
            "state": exc.state, "allowed_triggers": exc.allowed})

    @app.exception_handler(TransitionForbidden)
    async def _forbidden(request: Request, exc: TransitionForbidden):
        lang = request_lang(request)
        return _respond(request, 403, {"code": "workflow.forbidden",
                                       "message": t("workflow.forbidden", lang, trigger=exc.trigger)})

    @app.exception_handler(TransitionBlocked)
    async def _blocked(request: Request, exc: TransitionBlocked):
        lang = request_lang(request)
        return _respond(request, 409, {"code": "workflow.blocked", "guard": exc.guard,
                                       "message": exc.blocked.message(lang)})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        lang = request_lang(request)
        key = {401: "error.unauthorized", 403: "error.forbidden", 404: "error.not_found",
               405: "error.method", 429: "error.too_many"}.get(exc.status_code, "error.generic")
        headers = getattr(exc, "headers", None)
        message = t(key, lang)
        if wants_json(request):
            return JSONResponse({"code": key, "message": message}, status_code=exc.status_code,
                                headers=headers)
        return _page(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        lang = request_lang(request)
        return _respond(request, 500, {"code": "error.internal", "message": t("error.internal", lang)})
