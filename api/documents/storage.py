"""Files on disk, by content: what a file is (read from its bytes, never from its name), and
where it is kept (`<data_dir>/files/ab/cd/<sha256>`, written once, atomically).

Accepted: PDF; Office documents (Word, Excel, PowerPoint — OOXML and the older binary
formats — and OpenDocument); images (PNG, JPEG, GIF, WebP). The name's extension must agree
with the content: a "rapport.pdf" that is really a picture or a program is refused.
"""

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from api.errors import AppError

CHUNK = 1024 * 1024


class TooLarge(AppError):
    status = 413


class WrongType(AppError):
    status = 415


@dataclass(frozen=True)
class Kind:
    key: str
    mime: str
    extensions: tuple[str, ...]


KINDS = {k.key: k for k in [
    Kind("pdf", "application/pdf", (".pdf",)),
    Kind("png", "image/png", (".png",)),
    Kind("jpeg", "image/jpeg", (".jpg", ".jpeg")),
    Kind("gif", "image/gif", (".gif",)),
    Kind("webp", "image/webp", (".webp",)),
    Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    Kind("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)),
    Kind("odt", "application/vnd.oasis.opendocument.text", (".odt",)),
    Kind("ods", "application/vnd.oasis.opendocument.spreadsheet", (".ods",)),
    Kind("odp", "application/vnd.oasis.opendocument.presentation", (".odp",)),
    # The older binary Office formats share one container (OLE2); the name tells which.
    Kind("ole", "application/x-ole-storage", (".doc", ".xls", ".ppt")),
]}
OLE_MIME = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
            ".ppt": "application/vnd.ms-powerpoint"}
ACCEPT = ",".join(ext for k in KINDS.values() for ext in k.extensions)

OOXML = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}
ODF = {"application/vnd.oasis.opendocument.text": "odt",
       "application/vnd.oasis.opendocument.spreadsheet": "ods",
       "application/vnd.oasis.opendocument.presentation": "odp"}


def sniff(path: Path) -> str | None:
    """The kind of a file from its first bytes (and, for ZIP-based documents, its parts)."""
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                if "[Content_Types].xml" in names:
                    for part, kind in OOXML.items():
                        if part in names:
                            return kind
                if "mimetype" in names:
                    return ODF.get(z.read("mimetype")[:100].decode("ascii", "replace").strip())
        except (zipfile.BadZipFile, OSError, KeyError):
            return None
    return None


def clean_name(name: str | None) -> str:
    """A file name safe to store and to send back: no path, no control characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?').strip(" .")
    return base[:200] or "document"


def check_type(path: Path, filename: str) -> tuple[str, str]:
    """(file name, mime type) once the content is known to be accepted and to match the name."""
    kind_key = sniff(path)
    if kind_key is None:
        raise WrongType("documents.error.type_not_accepted")
    kind = KINDS[kind_key]
    name = clean_name(filename)
    ext = os.path.splitext(name)[1].lower()
    if not ext:
        ext = kind.extensions[0]
        name += ext
    if ext not in kind.extensions:
        raise WrongType("documents.error.type_mismatch", ext=ext)
    mime = OLE_MIME[ext] if kind_key == "ole" else kind.mime
    return name, mime


@dataclass
class Received:
    path: Path  # a temporary file in the data directory
    sha256: str
    size: int


def receive(stream: BinaryIO, data_dir: Path, limit: int) -> Received:
    """Copy an upload to a temporary file while hashing it; refuse it past `limit` bytes."""
    tmp_dir = data_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge("documents.error.too_large", max=megabytes(limit))
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise WrongType("documents.error.empty")
    except BaseException:
        os.unlink(name)
        raise
    return Received(Path(name), digest.hexdigest(), size)


def megabytes(n: int) -> str:
    value = n / (1024 * 1024)
    return f"{value:.0f}" if value >= 1 else f"{value:.2f}"


def path_of(data_dir: Path, sha256: str) -> Path:
    return data_dir / "files" / sha256[:2] / sha256[2:4] / sha256


def keep(received: Received, data_dir: Path) -> Path:
    """Move the received file to its place by hash (the same content is kept once)."""
    target = path_of(data_dir, received.sha256)
    if target.exists():
        received.path.unlink(missing_ok=True)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(received.path, target)
    return target


def discard(received: Received) -> None:
    received.path.unlink(missing_ok=True)
