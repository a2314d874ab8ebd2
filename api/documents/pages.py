"""Pages of documents: the attachment form of other areas' pages (the
`documents/_attachments.html` include) posts here; downloads; the library of governance
documents with its versions.

An upload refused (too large, wrong type, bad input) answers a short page with the reason and
a link back to the object, its unit of work refused: nothing is kept.
"""

import re
from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.context import Context
from api.decisions.models import Decision
from api.deps import PageCtx, check_csrf
from api.documents import service, storage
from api.documents.routes import file_response
from api.documents.schemas import DocumentIn
from api.errors import AppError
from api.forms import form_values, parse
from api.i18n import t
from api.schemas import MAX_ID, Id
from api.web import flash, redirect, render, safe_next

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _failed(request: Request, ctx: Context, message: str, status: int, back: str):
    return render(request, ctx, "documents/upload_error.html", {"message": message, "back": back}, status=status)


def _int(raw) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_ID else None


@router.post("/documents/attach")
async def attach(request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_attach, request, ctx, form)


def _attach(request: Request, ctx: Context, form):
    object_type = str(form.get("object_type") or "")
    object_id = _int(form.get("object_id"))
    if object_type not in service.TYPES or object_id is None:
        return _failed(request, ctx, t("documents.error.object_not_found", ctx.lang), 404, "/")
    target = service.load_target(ctx, object_type, object_id)  # 404 for what the person may not see
    upload = form.get("file")
    title = str(form.get("title") or "").strip()[:200] or None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _failed(request, ctx, t("documents.error.no_file", ctx.lang), 422, target.path)
    if title is not None and LINE_CONTROL.search(title):
        return _failed(request, ctx, t("form.invalid", ctx.lang), 422, target.path)
    try:
        row = service.attach(ctx, object_type, object_id, upload.file, upload.filename, title)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        return _failed(request, ctx, exc.message(ctx.lang), exc.status, target.path)
    flash(request, "documents.attached", "success", title=row.title)
    return redirect(f"{target.path}#attachments")


@router.get("/documents/{attachment_id}/download")
def download(attachment_id: Id, ctx: PageCtx) -> FileResponse:
    row, _ = service.get_attachment(ctx, attachment_id)
    return file_response(ctx, row.file, row.filename)


@router.post("/documents/{attachment_id}/delete")
async def delete(attachment_id: Id, request: Request, ctx: PageCtx):
    await request.form()
    return await run_in_threadpool(_delete, attachment_id, request, ctx)


def _delete(attachment_id: int, request: Request, ctx: Context):
    target = service.remove(ctx, attachment_id)
    flash(request, "documents.removed", "success")
    return redirect(f"{target.path}#attachments")


# --------------------------------------------------------------------------- library

def _library(request: Request, ctx: Context, values: dict, errors: dict, status: int = 200):
    return render(request, ctx, "documents/library.html", {
        "documents": service.library(ctx), "may_edit": service.may_edit_library(ctx), "kinds": service.LIBRARY_KINDS,
        "values": values, "errors": errors}, status=status)


@router.get("/library")
def library(request: Request, ctx: PageCtx):
    return _library(request, ctx, {"kind": "rules_of_operation"}, {})


@router.post("/library")
async def create_document(request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_create_document, request, ctx, form)


def _create_document(request: Request, ctx: Context, form):
    service.require_library_editor(ctx)
    values = form_values(form, ["title", "kind", "description"])
    data, errors = parse(DocumentIn, values, ctx.lang)
    if data is None:
        return _library(request, ctx, values, errors, status=422)
    doc = service.create_document(ctx, data.title, data.kind, data.description)
    flash(request, "flash.saved", "success")
    return redirect(f"/library/{doc.id}")


def _adopted_decisions(ctx: Context) -> list[Decision]:
    """Decisions that can adopt a version: adopted, not in camera (latest first)."""
    rows = ctx.session.execute(select(Decision).where(Decision.confidential_category.is_(None))
                               .order_by(Decision.id.desc()).limit(200)).scalars()
    found = []
    for d in rows:
        try:
            service.adopting_decision(ctx, d.id)
        except AppError:
            continue
        found.append(d)
    return found


def _document(request: Request, ctx: Context, document_id: int, values: dict | None = None,
              errors: dict | None = None, status: int = 200):
    doc = service.get_document(ctx, document_id)
    may_edit = service.may_edit_library(ctx)
    return render(request, ctx, "documents/document.html", {
        "doc": doc, "may_edit": may_edit, "decisions": _adopted_decisions(ctx) if may_edit else [],
        "values": values or {}, "errors": errors or {}, "accept": storage.ACCEPT,
        "max_mb": storage.megabytes(ctx.settings.upload_max_bytes)}, status=status)


@router.get("/library/{document_id}")
def document_page(document_id: Id, request: Request, ctx: PageCtx):
    return _document(request, ctx, document_id)


@router.post("/library/{document_id}/versions")
async def add_version(document_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_add_version, document_id, request, ctx, form)


def _add_version(document_id: int, request: Request, ctx: Context, form):
    service.get_document(ctx, document_id)
    service.require_library_editor(ctx)
    values = form_values(form, ["decision_id", "adopted_on", "notes"])
    errors: dict = {}
    decision_id = _int(values.get("decision_id"))
    if decision_id is None:
        errors["decision_id"] = t("documents.error.decision_not_found", ctx.lang)
    adopted_on = None
    if values.get("adopted_on"):
        try:
            adopted_on = date.fromisoformat(values["adopted_on"])
            if not 1900 <= adopted_on.year <= 2200:
                raise ValueError
        except ValueError:
            errors["adopted_on"] = t("documents.error.date", ctx.lang)
    notes = (values.get("notes") or "")[:2000] or None
    if notes and CONTROL.search(notes):
        errors["notes"] = t("form.invalid", ctx.lang)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = t("documents.error.no_file", ctx.lang)
    if errors:
        return _document(request, ctx, document_id, values, errors, status=422)
    try:
        service.add_version(ctx, document_id, upload.file, upload.filename, decision_id, adopted_on, notes)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        return _document(request, ctx, document_id, values, {exc.field or "file": exc.message(ctx.lang)},
                         status=exc.status)
    flash(request, "documents.version_added", "success")
    return redirect(safe_next(f"/library/{document_id}"))


@router.get("/library/versions/{version_id}/download")
def download_version(version_id: Id, ctx: PageCtx) -> FileResponse:
    version = service.get_version(ctx, version_id)
    return file_response(ctx, version.file, version.filename)
