"""Attachments on other areas' objects, and the library of governance documents.

Access: an attachment is served only to whoever may see its object, by the object's own rule
(`load_target`): an in-camera decision's attachment is 404 for staff, like the decision. Its
object's editors attach and remove files. Every attachment, removal and library version is
in the register, as an event about the object (so it has the object's visibility) or about the
library document.

Files are received to a temporary file, checked (size, type from the content), then kept by
content hash before the unit of work commits: a refused or rolled-back upload leaves at most
an unreferenced file, never a row without its file.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import object_session

from api.access import Viewer
from api.committees import meetings
from api.context import Context
from api.decisions import service as decisions
from api.decisions.models import Decision
from api.deps import get_runtime
from api.documents import storage
from api.documents.models import Attachment, LibraryDocument, LibraryVersion, StoredFile
from api.errors import Forbidden, Invalid, NotFound
from api.grants import reports
from api.grants import service as grants
from api.register import service as register
from api.timeutil import local, now

TYPES = ("grant_application", "report", "decision", "meeting")
LIBRARY_KINDS = ("rules_of_operation", "code_of_ethics", "mandate", "annual_report", "other")


@dataclass
class Target:
    object_type: str
    obj: Any
    title: str
    path: str
    may_upload: bool


def load_target(ctx: Context, object_type: str, object_id: int) -> Target:
    """The object, if it exists and the viewer may see it (404 otherwise), and whether they
    may attach files to it."""
    viewer = ctx.viewer
    if object_type == "decision":
        d = ctx.session.get(Decision, object_id)
        if d is None or not viewer.can_see(d.confidential_category, d.body_id):
            raise NotFound("documents.error.object_not_found")
        may = viewer.is_admin or d.created_by == viewer.id or d.body_id in viewer.member_body_ids
        return Target(object_type, d, d.title, f"/decisions/{d.id}", may)
    if object_type == "meeting":
        try:
            m = meetings.get_meeting(ctx, object_id)
        except NotFound as exc:
            raise NotFound("documents.error.object_not_found") from exc
        return Target(object_type, m, m.title, f"/meetings/{m.id}", meetings.can_manage_meeting(ctx, m.body_id))
    if object_type == "grant_application":
        try:
            app = grants.get_application(ctx, object_id)
        except NotFound as exc:
            raise NotFound("documents.error.object_not_found") from exc
        return Target(object_type, app, app.title, f"/grants/{app.id}", grants.may_manage(ctx))
    if object_type == "report":
        try:
            report = grants.get_report(ctx, object_id)
        except NotFound as exc:
            raise NotFound("documents.error.object_not_found") from exc
        return Target(object_type, report, report.application.title, f"/grants/reports/{report.id}",
                      reports.may_write(ctx, report) or grants.may_manage(ctx))
    raise NotFound("documents.error.object_not_found")


def _store(ctx: Context, stream: BinaryIO, filename: str) -> tuple[StoredFile, str]:
    settings = ctx.settings
    received = storage.receive(stream, settings.data_dir, settings.upload_max_bytes)
    try:
        name, mime = storage.check_type(received.path, filename)
    except BaseException:
        storage.discard(received)
        raise
    storage.keep(received, settings.data_dir)
    row = ctx.session.execute(select(StoredFile).where(StoredFile.sha256 == received.sha256)).scalar_one_or_none()
    if row is None:
        row = StoredFile(sha256=received.sha256, size=received.size, mime=mime, created_at=now())
        ctx.session.add(row)
        ctx.session.flush()
    return row, name


def attach(ctx: Context, object_type: str, object_id: int, stream: BinaryIO, filename: str,
           title: str | None) -> Attachment:
    target = load_target(ctx, object_type, object_id)
    if not target.may_upload:
        raise Forbidden("documents.error.may_not_attach")
    stored, name = _store(ctx, stream, filename)
    row = Attachment(object_type=object_type, object_id=object_id, file_id=stored.id, filename=name,
                     title=(title or name)[:200], uploaded_by_id=ctx.actor_id, uploaded_at=now())
    row.file = stored
    ctx.session.add(row)
    ctx.session.flush()
    register.record_for(ctx, target.obj, f"{object_type}.attachment_added", object_type=object_type,
                        after={"attachment_id": row.id, "title": row.title, "filename": name,
                               "sha256": stored.sha256, "size": stored.size, "mime": stored.mime})
    return row


def get_attachment(ctx: Context, attachment_id: int) -> tuple[Attachment, Target]:
    """The attachment and its object, under the object's access rule (404 otherwise)."""
    row = ctx.session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound("documents.error.not_found")
    try:
        target = load_target(ctx, row.object_type, row.object_id)
    except NotFound as exc:
        raise NotFound("documents.error.not_found") from exc
    return row, target


def remove(ctx: Context, attachment_id: int) -> Target:
    row, target = get_attachment(ctx, attachment_id)
    if not (target.may_upload or row.uploaded_by_id == ctx.actor_id):
        raise Forbidden("documents.error.may_not_attach")
    register.record_for(ctx, target.obj, f"{row.object_type}.attachment_removed", object_type=row.object_type,
                        before={"attachment_id": row.id, "title": row.title, "sha256": row.file.sha256})
    ctx.session.delete(row)
    ctx.session.flush()
    return target


def list_for(session, object_type: str, object_id: int) -> list[Attachment]:
    return list(session.execute(select(Attachment).where(Attachment.object_type == object_type,
                                                         Attachment.object_id == object_id)
                                .order_by(Attachment.id)).scalars())


def file_path(ctx: Context, stored: StoredFile) -> Path:
    path = storage.path_of(ctx.settings.data_dir, stored.sha256)
    if not path.is_file():
        raise NotFound("documents.error.file_missing")
    return path


def attachments_for(request, viewer: Viewer | None, object_type: str, obj: Any) -> dict:
    """For the `documents/_attachments.html` include on another area's page (installed as a
    template global): the object's attachments and whether this person may add some. The
    page has already checked that the viewer sees the object; this reads in the page's own
    session (the object's), in a context of the same unit of work."""
    session = object_session(obj)
    if session is None or viewer is None or obj is None:
        return {"items": [], "may_upload": False}
    ctx = get_runtime(request).context(session, viewer)
    try:
        target = load_target(ctx, object_type, obj.id)
    except NotFound:
        return {"items": [], "may_upload": False}
    return {"items": list_for(session, object_type, obj.id), "may_upload": target.may_upload,
            "max_mb": storage.megabytes(ctx.settings.upload_max_bytes), "accept": storage.ACCEPT,
            "object_type": object_type, "object_id": obj.id, "back": target.path, "viewer_id": viewer.id}


# --------------------------------------------------------------------------- library

def may_edit_library(ctx: Context) -> bool:
    """Administrators and members of a body (not staff observers)."""
    return ctx.viewer.is_admin or bool(ctx.viewer.member_body_ids)


def require_library_editor(ctx: Context) -> None:
    if not may_edit_library(ctx):
        raise Forbidden("documents.error.may_not_edit_library")


def library(ctx: Context) -> list[LibraryDocument]:
    return list(ctx.session.execute(select(LibraryDocument).order_by(LibraryDocument.kind, LibraryDocument.title))
                .scalars())


def get_document(ctx: Context, document_id: int) -> LibraryDocument:
    doc = ctx.session.get(LibraryDocument, document_id)
    if doc is None:
        raise NotFound("documents.error.not_found")
    return doc


def create_document(ctx: Context, title: str, kind: str, description: str | None) -> LibraryDocument:
    require_library_editor(ctx)
    if kind not in LIBRARY_KINDS:
        raise Invalid("documents.error.kind", field="kind")
    doc = LibraryDocument(title=title, kind=kind, description=description, created_by_id=ctx.actor_id,
                          created_at=now())
    ctx.session.add(doc)
    ctx.session.flush()
    register.record_for(ctx, doc, "library_document.created", object_type="library_document",
                        after={"title": title, "kind": kind})
    return doc


def adopting_decision(ctx: Context, decision_id: int) -> Decision:
    """An adopted decision, open to every member (governance documents are not in camera)."""
    try:
        decision = decisions.get_visible(ctx, decision_id)
    except NotFound as exc:
        raise Invalid("documents.error.decision_not_found", field="decision_id") from exc
    if decision.confidential_category is not None:
        raise Invalid("documents.error.decision_in_camera", field="decision_id")
    if not is_adopted(ctx, decision):
        raise Invalid("documents.error.decision_not_adopted", field="decision_id")
    return decision


def is_adopted(ctx: Context, decision: Decision) -> bool:
    """In a state that means "adopted, for good" in the workflow it is judged by."""
    rules = decisions.judged_rules(ctx, decision)
    kind = rules.decision_kinds.get(decision.kind)
    workflow = kind.workflow if kind is not None else decision.workflow
    return decision.state in decisions.adopted_states(rules, workflow)


def add_version(ctx: Context, document_id: int, stream: BinaryIO, filename: str, decision_id: int,
                adopted_on: date | None, notes: str | None) -> LibraryVersion:
    require_library_editor(ctx)
    doc = get_document(ctx, document_id)
    decision = adopting_decision(ctx, decision_id)
    day = adopted_on or (local(decision.closed_at, ctx.tz).date() if decision.closed_at else ctx.today)
    stored, name = _store(ctx, stream, filename)
    number = max((v.number for v in doc.versions), default=0) + 1
    version = LibraryVersion(document_id=doc.id, number=number, file_id=stored.id, filename=name,
                             decision_id=decision.id, adopted_on=day, notes=notes, uploaded_by_id=ctx.actor_id,
                             uploaded_at=now())
    version.file = stored
    ctx.session.add(version)
    ctx.session.flush()
    ctx.session.refresh(doc, ["versions"])
    register.record_for(ctx, doc, "library_document.version_added", object_type="library_document",
                        after={"version": number, "decision_id": decision.id, "adopted_on": day.isoformat(),
                               "sha256": stored.sha256, "filename": name})
    return version


def get_version(ctx: Context, version_id: int) -> LibraryVersion:
    version = ctx.session.get(LibraryVersion, version_id)
    if version is None:
        raise NotFound("documents.error.not_found")
    return version
