"""Each version of the rules that was ever in force, kept whole."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime
from api.timeutil import now


class RulesVersion(Base):
    __tablename__ = "rules_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    source_path: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
