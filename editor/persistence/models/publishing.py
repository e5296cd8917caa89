"""Press releases and their versions."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from editor.persistence.db import Base
from editor.persistence.models._types import Timestamp, utcnow
from editor.persistence.models.accounts import User
from editor.persistence.models.meetings import Meeting


class PressRelease(Base):
    __tablename__ = "press_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(String(40), unique=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    resolution_id: Mapped[Optional[int]] = mapped_column(ForeignKey("resolutions.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    versions: Mapped[list[PressReleaseVersion]] = relationship(order_by="PressReleaseVersion.number")


class PressReleaseVersion(Base):
    """Every edit is a new row; a published row is never changed, a correction is a later one."""

    __tablename__ = "press_release_versions"
    __table_args__ = (UniqueConstraint("press_release_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    press_release_id: Mapped[int] = mapped_column(ForeignKey("press_releases.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # The release as JSON: meeting line, headline, paragraphs.
    content: Mapped[str] = mapped_column(Text)
    edited_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    edited_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    published_at: Mapped[Optional[datetime]] = mapped_column(Timestamp)
    correction_note: Mapped[Optional[str]] = mapped_column(Text)

    edited_by: Mapped[Optional[User]] = relationship()
