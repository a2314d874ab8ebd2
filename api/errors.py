"""Errors a person can understand: JSON with the field for the API, a page for the browser.

Services raise `AppError`s with a translation key; the workflow engine raises
`WorkflowError`s with a key too. `message(exc, lang)` is the one place either becomes a
sentence; the handlers below turn them (and validation errors) into a 4xx answer in the
person's language, shaped as `ErrorOut`, which the OpenAPI document declares. Nothing here
ever shows a stack trace.

Bad input never becomes a 500: it is refused by the shared input types (`api.schemas`); a
value a database still refuses (`sqlalchemy.exc.DataError`: PostgreSQL's NUL bytes, numbers
out of range, invalid dates) is answered 422 as well. A connection to the database lost in the
middle of a request (the database restarted) is a 503 with `Retry-After`: nothing was saved,
try again. Either way the request's unit of work has been rolled back before the answer
(`api.deps`), so an error changes nothing.

A handler never fails: what it echoes (field names, messages) is made printable first, and
if rendering the error page itself fails, a small static page (or JSON) says the same thing.
"""

import html
import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.i18n import normalise, t
from workflows.engine import TransitionBlocked, TransitionNotApplicable, WorkflowError

log = logging.getLogger("relais")

# Sent with every 503 "try again in a moment" (the admission gate's, a lost connection's).
RETRY_HEADERS = {"Retry-After": "1", "Cache-Control": "no-store"}


class AppError(Exception):
    status = 400
    headers: dict[str, str] | None = None  # sent with the answer (a 503's Retry-After)

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
    try:
        lang = getattr(request.state, "lang", None)
        if lang is not None:
            return lang
        return normalise(request.cookies.get("lang") or request.query_params.get("lang"))
    except Exception:  # noqa: BLE001 - a malformed cookie or query string: the default language
        return normalise(None)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


# What an answer may not echo: control characters and lone surrogates (which no encoder
# writes), from a field name or a value someone sent.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(value: object, limit: int = 200) -> str:
    text = _UNPRINTABLE.sub("\ufffd", str(value))
    return text if len(text) <= limit else text[:limit] + "…"


def _page(request: Request, status: int, text: str):
    from api.web import render_error

    # An error raised outside the session middleware (an unexpected one, answered by the
    # outermost middleware) still gets the site's page; its session is a throwaway.
    request.scope.setdefault("session", {})
    return render_error(request, status, text)


def _fallback(request: Request, status: int, body: dict, headers: dict | None):
    """The same answer without templates, catalogs or the database: it cannot fail."""
    text = str(body.get("message") or "Error")
    if wants_json(request):
        return JSONResponse({"code": str(body.get("code") or "error.generic"), "message": text},
                            status_code=status, headers=headers)
    page = (f'<!doctype html><html lang="fr"><meta charset="utf-8"><title>Relais</title>'
            f'<p role="alert">{html.escape(text)}</p><p><a href="/">Relais</a></p></html>')
    return HTMLResponse(page, status_code=status, headers=headers)


def _respond(request: Request, status: int, body: dict, headers: dict | None = None):
    try:
        if wants_json(request):
            return JSONResponse(body, status_code=status, headers=headers)
        response = _page(request, status, body.get("message", ""))
        response.headers.update(headers or {})
        return response
    except Exception:  # noqa: BLE001 - the error answer itself must never fail
        log.exception("error handler failed on %s", request.url.path)
        return _fallback(request, status, body, headers)


# Said when even the catalog could not be read.
INTERNAL = "Erreur interne. Rien n'a été modifié. / Internal error. Nothing was changed."


def _never_fails(handler):
    """An exception handler that answers, whatever happens inside it."""

    async def wrapped(request: Request, exc: Exception):
        try:
            return await handler(request, exc)
        except Exception:  # noqa: BLE001 - the error answer itself must never fail
            log.exception("error handler failed on %s", request.url.path)
            status = getattr(exc, "status", None) or getattr(exc, "status_code", None) or 500
            return _fallback(request, status if isinstance(status, int) else 500,
                             {"code": "error.internal", "message": INTERNAL}, None)

    return wrapped


def validation_body(errors: list, lang: str) -> dict:
    """The 422 body for pydantic errors: each field named (as sent, made printable)."""
    detail = []
    for err in errors:
        loc = [printable(p, 100) for p in err.get("loc", ())]
        field = ".".join(p for p in loc if p not in ("body", "query", "path", "form"))
        detail.append({"field": field or ".".join(loc), "loc": loc, "type": printable(err.get("type"), 100),
                       "message": printable(err.get("msg", ""), 500)})
    summary = t("error.invalid_fields", lang, fields=", ".join(d["field"] for d in detail[:20]))
    body: dict = {"code": "error.validation", "message": summary, "detail": detail}
    if len(detail) == 1:
        body["field"] = detail[0]["field"]
    return body


def install(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    @_never_fails
    async def _app_error(request: Request, exc: AppError):
        lang = request_lang(request)
        body: dict = {"code": exc.key, "message": exc.message(lang)}
        if exc.field:
            body["field"] = exc.field
            body["detail"] = [{"field": exc.field, "message": body["message"]}]
        return _respond(request, exc.status, body, exc.headers)

    @app.exception_handler(RequestValidationError)
    @_never_fails
    async def _validation(request: Request, exc: RequestValidationError):
        lang = request_lang(request)
        errors = exc.errors()
        if errors and all(tuple(e.get("loc", ()))[:1] == ("path",) and e.get("type") in OUT_OF_RANGE
                          for e in errors):
            # A number in the path outside the ids' range names nothing that exists (a word
            # where a number is expected stays a 422 naming the field).
            return _respond(request, 404, {"code": "error.not_found", "message": t("error.not_found", lang)})
        return _respond(request, 422, validation_body(errors, lang))

    @app.exception_handler(DataError)
    @_never_fails
    async def _data(request: Request, exc: DataError):
        # A value the database refused: bad input that got past the schemas. The unit of work
        # has been rolled back; the answer is the same 422 as any other bad input.
        log.warning("database refused a value on %s %s: %s", request.method, request.url.path,
                    printable(getattr(exc, "orig", exc), 300))
        lang = request_lang(request)
        return _respond(request, 422, {"code": "error.invalid_value", "message": t("error.invalid_value", lang)})

    @app.exception_handler(WorkflowError)
    @_never_fails
    async def _workflow(request: Request, exc: WorkflowError):
        lang = request_lang(request)
        body: dict = {"code": exc.key, "message": message(exc, lang)}
        if isinstance(exc, TransitionNotApplicable):
            body.update(code="workflow.not_applicable", state=exc.state, allowed_triggers=exc.allowed)
        elif isinstance(exc, TransitionBlocked):
            body.update(code="workflow.blocked", guard=exc.guard)
        return _respond(request, exc.status, body)

    @app.exception_handler(StarletteHTTPException)
    @_never_fails
    async def _http(request: Request, exc: StarletteHTTPException):
        lang = request_lang(request)
        key = {401: "error.unauthorized", 403: "error.forbidden", 404: "error.not_found",
               405: "error.method", 429: "error.too_many",
               503: "error.busy"}.get(exc.status_code, "error.generic")
        headers = getattr(exc, "headers", None)
        return _respond(request, exc.status_code, {"code": key, "message": t(key, lang)}, headers)

    @app.exception_handler(Exception)
    @_never_fails
    async def _crash(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        lang = request_lang(request)
        return _respond(request, 500, {"code": "error.internal", "message": t("error.internal", lang)})

    @app.exception_handler(DBAPIError)
    @_never_fails
    async def _database(request: Request, exc: DBAPIError):
        if not exc.connection_invalidated:
            return await _crash(request, exc)
        # The connection died under this request (see `api.db`): the unit of work has been
        # rolled back and the pool renewed; the next try finds a fresh connection.
        log.warning("database connection lost on %s %s: %s", request.method, request.url.path,
                    printable(getattr(exc, "orig", exc), 300))
        lang = request_lang(request)
        return _respond(request, 503, {"code": "error.database_unavailable",
                                       "message": t("error.database_unavailable", lang)}, RETRY_HEADERS)
