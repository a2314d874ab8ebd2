"""Errors a person can understand: JSON with the field for the API, a page for the browser.

Services raise `AppError`s with a translation key; the workflow engine raises
`WorkflowError`s with a key too. `message(exc, lang)` is the one place either becomes a
sentence; the handlers below turn them (and validation errors) into a 4xx answer in the
person's language, shaped as `ErrorOut`, which the OpenAPI document declares. Nothing here
ever shows a stack trace, and a handler that fails falls back to a plain answer.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.i18n import normalise, t
from workflows.engine import TransitionBlocked, TransitionNotApplicable, WorkflowError

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


def message(exc: AppError | WorkflowError, lang: str) -> str:
    """The sentence for a service or workflow error, in the person's language."""
    if isinstance(exc, AppError):
        return exc.message(lang)
    return t(exc.key, lang, **exc.params)


def status_of(exc: AppError | WorkflowError) -> int:
    return exc.status


class ErrorDetail(BaseModel):
    field: str
    message: str
    loc: list[str] | None = None
    type: str | None = None


class ErrorOut(BaseModel):
    """Every error answer of the API."""

    code: str
    message: str
    field: str | None = None
    detail: list[ErrorDetail] | None = None
    # Workflow refusals: the state, the triggers possible from it, the guard that said no.
    state: str | None = None
    allowed_triggers: list[str] | None = None
    guard: str | None = None


# Declared on every API router, so the OpenAPI document describes what is really sent.
ERROR_RESPONSES: dict[int | str, dict] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 409, 422, 429, 503)
}


OUT_OF_RANGE = {"less_than_equal", "greater_than_equal", "greater_than", "less_than"}


def request_lang(request: Request) -> str:
    lang = getattr(request.state, "lang", None)
    if lang is not None:
        return lang
    return normalise(request.cookies.get("lang") or request.query_params.get("lang"))


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def _page(request: Request, status: int, text: str):
    from api.web import render_error

    return render_error(request, status, text)


def _respond(request: Request, status: int, body: dict, headers: dict | None = None):
    try:
        if wants_json(request):
            return JSONResponse(body, status_code=status, headers=headers)
        return _page(request, status, body.get("message", ""))
    except Exception:  # noqa: BLE001 - the error answer itself must never fail
        log.exception("error handler failed on %s", request.url.path)
        return PlainTextResponse(body.get("message", "") or "Error", status_code=status, headers=headers)


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
        errors = exc.errors()
        if errors and all(tuple(e.get("loc", ()))[:1] == ("path",) and e.get("type") in OUT_OF_RANGE
                          for e in errors):
            # A number in the path outside the ids' range names nothing that exists (a word
            # where a number is expected stays a 422 naming the field).
            return _respond(request, 404, {"code": "error.not_found", "message": t("error.not_found", lang)})
        detail = []
        for err in errors:
            loc = [str(p) for p in err.get("loc", ())]
            field = ".".join(p for p in loc if p not in ("body", "query", "path", "form"))
            detail.append({"field": field or ".".join(loc), "loc": loc, "type": err.get("type"),
                           "message": str(err.get("msg", ""))})
        summary = t("error.invalid_fields", lang, fields=", ".join(d["field"] for d in detail))
        body: dict = {"code": "error.validation", "message": summary, "detail": detail}
        if len(detail) == 1:
            body["field"] = detail[0]["field"]
        return _respond(request, 422, body)

    @app.exception_handler(WorkflowError)
    async def _workflow(request: Request, exc: WorkflowError):
        lang = request_lang(request)
        body: dict = {"code": exc.key, "message": message(exc, lang)}
        if isinstance(exc, TransitionNotApplicable):
            body.update(code="workflow.not_applicable", state=exc.state, allowed_triggers=exc.allowed)
        elif isinstance(exc, TransitionBlocked):
            body.update(code="workflow.blocked", guard=exc.guard)
        return _respond(request, exc.status, body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        lang = request_lang(request)
        key = {401: "error.unauthorized", 403: "error.forbidden", 404: "error.not_found",
               405: "error.method", 429: "error.too_many",
               503: "error.busy"}.get(exc.status_code, "error.generic")
        headers = getattr(exc, "headers", None)
        return _respond(request, exc.status_code, {"code": key, "message": t(key, lang)}, headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        lang = request_lang(request)
        return _respond(request, 500, {"code": "error.internal", "message": t("error.internal", lang)})
