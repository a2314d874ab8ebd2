"""Answers of the documents API (uploads are multipart forms, read by the routes)."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from api.schemas import Instant, line, text


class AttachmentOut(BaseModel):
    id: int
    object_type: str
    object_id: int
    title: str
    filename: str
    mime: str
    size: int
    sha256: str
    uploaded_by_id: int | None
    uploaded_at: Instant


class VersionOut(BaseModel):
    id: int
    number: int
    filename: str
    mime: str
    size: int
    sha256: str
    decision_id: int
    adopted_on: date
    notes: str | None
    uploaded_at: Instant


class DocumentOut(BaseModel):
    id: int
    title: str
    kind: str
    description: str | None
    versions: list[VersionOut]  # newest first


class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: line(1, 200)
    kind: Literal["rules_of_operation", "code_of_ethics", "mandate", "annual_report", "other"]
    description: text(5000) | None = None
