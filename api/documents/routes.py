"""JSON API of documents: attachments (multipart upload, list, read, download, remove) and
the library of governance documents with their versions.

Downloads go through the same access rule as the attachment's object; files are always sent
as attachments, with the type read from their content and `nosniff`.
"""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import FileResponse, Response

from api.context import Context
from api.deps import ViewerCtx
from api.documents import service
from api.documents.models import Attachment, LibraryDocument, LibraryVersion, StoredFile
from api.documents.schemas import AttachmentOut, DocumentIn, DocumentOut, VersionOut
from api.errors import ERROR_RESPONSES, ErrorOut, Invalid
from api.schemas import MAX_ID, Id

router = APIRouter(prefix="/api/v1", tags=["documents"], responses=ERROR_RESPONSES)

UPLOAD_ERRORS = {413: {"model": ErrorOut, "description": "The file is larger than the limit"},
                 415: {"model": ErrorOut, "description": "The file's content is not an accepted type, "
                                                          "or does not match its name"}}
# A file is sent with the type found when it was received (PDF, images, office documents).
_BINARY = {"schema": {"type": "string", "format": "binary"}}
FILE_DOC = {200: {"content": {"application/*": _BINARY, "image/*": _BINARY},
                  "description": "The file, with its own content type"}}
ObjectType = Literal["grant_application", "report", "decision", "meeting"]


def attachment_out(row: Attachment) -> AttachmentOut:
    f = row.file
    return AttachmentOut(id=row.id, object_type=row.object_type, object_id=row.object_id, title=row.title,
                         filename=row.filename, mime=f.mime, size=f.size, sha256=f.sha256,
                         uploaded_by_id=row.uploaded_by_id, uploaded_at=row.uploaded_at)


def version_out(v: LibraryVersion) -> VersionOut:
    return VersionOut(id=v.id, number=v.number, filename=v.filename, mime=v.file.mime, size=v.file.size,
                      sha256=v.file.sha256, decision_id=v.decision_id, adopted_on=v.adopted_on, notes=v.notes,
                      uploaded_at=v.uploaded_at)


def document_out(doc: LibraryDocument) -> DocumentOut:
    return DocumentOut(id=doc.id, title=doc.title, kind=doc.kind, description=doc.description,
                       versions=[version_out(v) for v in doc.versions])


def file_response(ctx: Context, stored: StoredFile, filename: str) -> FileResponse:
    return FileResponse(service.file_path(ctx, stored), media_type=stored.mime, filename=filename,
                        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


@router.post("/attachments", status_code=201, response_model=AttachmentOut, responses=UPLOAD_ERRORS)
def upload_attachment(ctx: ViewerCtx, object_type: Annotated[ObjectType, Form()],
                      object_id: Annotated[int, Form(ge=1, le=MAX_ID)], file: Annotated[UploadFile, File()],
                      title: Annotated[str | None, Form(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")] = None
                      ) -> AttachmentOut:
    row = service.attach(ctx, object_type, object_id, file.file, file.filename or "", title)
    return attachment_out(row)


@router.get("/attachments", response_model=list[AttachmentOut])
def list_attachments(ctx: ViewerCtx, object_type: Annotated[ObjectType, Query()],
                     object_id: Annotated[int, Query(ge=1, le=MAX_ID)]) -> list[AttachmentOut]:
    service.load_target(ctx, object_type, object_id)
    return [attachment_out(a) for a in service.list_for(ctx.session, object_type, object_id)]


@router.get("/attachments/{attachment_id}", response_model=AttachmentOut)
def get_attachment(attachment_id: Id, ctx: ViewerCtx) -> AttachmentOut:
    row, _ = service.get_attachment(ctx, attachment_id)
    return attachment_out(row)


@router.get("/attachments/{attachment_id}/content", response_class=FileResponse, responses=FILE_DOC)
def download_attachment(attachment_id: Id, ctx: ViewerCtx) -> FileResponse:
    row, _ = service.get_attachment(ctx, attachment_id)
    return file_response(ctx, row.file, row.filename)


@router.delete("/attachments/{attachment_id}", status_code=204, response_class=Response)
def remove_attachment(attachment_id: Id, ctx: ViewerCtx) -> Response:
    service.remove(ctx, attachment_id)
    return Response(status_code=204)


@router.get("/library", response_model=list[DocumentOut])
def list_library(ctx: ViewerCtx) -> list[DocumentOut]:
    return [document_out(d) for d in service.library(ctx)]


@router.post("/library", status_code=201, response_model=DocumentOut)
def create_document(data: DocumentIn, ctx: ViewerCtx) -> DocumentOut:
    return document_out(service.create_document(ctx, data.title, data.kind, data.description))


@router.get("/library/{document_id}", response_model=DocumentOut)
def get_document(document_id: Id, ctx: ViewerCtx) -> DocumentOut:
    return document_out(service.get_document(ctx, document_id))


@router.post("/library/{document_id}/versions", status_code=201, response_model=VersionOut,
             responses=UPLOAD_ERRORS)
def add_version(document_id: Id, ctx: ViewerCtx, file: Annotated[UploadFile, File()],
                decision_id: Annotated[int, Form(ge=1, le=MAX_ID)],
                adopted_on: Annotated[date | None, Form()] = None,
                notes: Annotated[str | None, Form(max_length=2000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
                = None) -> VersionOut:
    if adopted_on is not None and not 1900 <= adopted_on.year <= 2200:
        raise Invalid("documents.error.date", field="adopted_on")
    version = service.add_version(ctx, document_id, file.file, file.filename or "", decision_id, adopted_on, notes)
    return version_out(version)


@router.get("/library/versions/{version_id}/content", response_class=FileResponse, responses=FILE_DOC)
def download_version(version_id: Id, ctx: ViewerCtx) -> FileResponse:
    version = service.get_version(ctx, version_id)
    return file_response(ctx, version.file, version.filename)
