"""Documents: files kept on disk by content hash, attachments on other areas' objects, and
the library of governance documents with their versions.

A file's bytes live under the data directory (`files/ab/cd/<sha256>`); the database keeps its
hash, size and the type read from its content. An attachment links a file to one object
(grant application, report, decision, meeting) by type and id — no foreign key across areas —
and is served only to whoever may see that object. A library version is linked to the
adopted decision that made it the text in force.
"""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime
from api.timeutil import now


class StoredFile(Base):
    __tablename__ = "document_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Attachment(Base):
    __tablename__ = "document_attachment"
    __table_args__ = (Index("ix_document_attachment_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(32))  # grant_application | report | decision | meeting
    object_id: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[int] = mapped_column(ForeignKey("document_file.id"))
    filename: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    file: Mapped[StoredFile] = relationship()
    uploaded_by = relationship("Person")

    # Set by the service from the object it is attached to, for the register's visibility.
    confidential_category = None
    body_id = None


class LibraryDocument(Base):
    """A governance document of the collective (rules of operation, code of ethics, mandate...)."""

    __tablename__ = "document_library"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    versions: Mapped[list["LibraryVersion"]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="LibraryVersion.number.desc()")

    confidential_category = None
    body_id = None


class LibraryVersion(Base):
    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document_library.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[int] = mapped_column(ForeignKey("document_file.id"))
    filename: Mapped[str] = mapped_column(String(255))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    adopted_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    document: Mapped[LibraryDocument] = relationship(back_populates="versions")
    file: Mapped[StoredFile] = relationship()
    decision = relationship("Decision")

    confidential_category = None
    body_id = None
