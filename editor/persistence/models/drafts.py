"""Drafts, their paragraphs, and the append-only history of changes to them."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from editor.domain.document import ParagraphKind
from editor.persistence.db import Base
from editor.persistence.models._types import Timestamp, str_enum, utcnow
from editor.persistence.models.accounts import User
from editor.persistence.models.bodies import Body, Delegation


class DraftStatus(str, enum.Enum):
    DRAFTING = "drafting"
    UNDER_SILENCE = "under_silence"
    FROZEN = "frozen"
    VOTED = "voted"


class SponsorStatus(str, enum.Enum):
    SPONSOR = "sponsor"
    INVITED = "invited"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


def new_generation() -> str:
    return uuid.uuid4().hex


class Draft(Base):
    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    symbol: Mapped[Optional[str]] = mapped_column(String(40))
    agenda_item: Mapped[str] = mapped_column(String(500))
    penholder_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"))
    status: Mapped[DraftStatus] = mapped_column(
        str_enum(DraftStatus, "draft_status"), default=DraftStatus.DRAFTING
    )
    # Count of revisions applied; a client's edit names the version it was made on.
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Changes when the document is rebuilt (e.g. restored); a client holding an older generation
    # must reload instead of merging its shadow into a text it never saw.
    generation: Mapped[str] = mapped_column(String(32), default=new_generation)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    body: Mapped[Body] = relationship()
    penholder: Mapped[Delegation] = relationship()
    created_by: Mapped[Optional[User]] = relationship()
    paragraphs: Mapped[list[Paragraph]] = relationship(
        back_populates="draft",
        order_by="Paragraph.position",
        primaryjoin="and_(Draft.id == Paragraph.draft_id, Paragraph.deleted_at.is_(None))",
        viewonly=True,
    )
    sponsors: Mapped[list[Sponsor]] = relationship(back_populates="draft", order_by="Sponsor.id")


class Sponsor(Base):
    __tablename__ = "sponsors"
    __table_args__ = (UniqueConstraint("draft_id", "delegation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"))
    status: Mapped[SponsorStatus] = mapped_column(
        str_enum(SponsorStatus, "sponsor_status"), default=SponsorStatus.SPONSOR
    )
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    draft: Mapped[Draft] = relationship(back_populates="sponsors")
    delegation: Mapped[Delegation] = relationship()


class Paragraph(Base):
    """The current state of one paragraph. Its history is in `revisions`; deletion only stamps it."""

    __tablename__ = "paragraphs"
    __table_args__ = (UniqueConstraint("draft_id", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    uid: Mapped[str] = mapped_column(String(32))
    kind: Mapped[ParagraphKind] = mapped_column(str_enum(ParagraphKind, "paragraph_kind"))
    position: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    # The draft version (log seq) of the last change to this paragraph: an edit made on a later version
    # merges exactly; one made on an earlier version finds its base text among the revisions.
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    deleted_at: Mapped[Optional[datetime]] = mapped_column(Timestamp)
    # Agreed ad referendum: agreed here, subject to a capital's confirmation (the penholder marks it).
    ad_ref: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    draft: Mapped[Draft] = relationship(back_populates="paragraphs")


class RevisionKind(str, enum.Enum):
    CREATE = "create"
    EDIT = "edit"
    INSERT = "insert"
    DELETE = "delete"
    MOVE = "move"
    LEVEL = "level"
    REJECT = "reject"
    ACCEPT = "accept"


class Revision(Base):
    """One attributed change, never updated: who, for which delegation, when, on what, what, giving what."""

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("draft_id", "seq"),
        # A re-sent edit finds its first application here instead of being applied twice.
        UniqueConstraint("draft_id", "client_id", "client_seq"),
        # A paragraph's text at any point (the history slider, a change made on an old version) is its
        # latest revision up to that point.
        Index("ix_revisions_paragraph_seq", "draft_id", "paragraph_uid", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    paragraph_uid: Mapped[Optional[str]] = mapped_column(String(32))
    kind: Mapped[RevisionKind] = mapped_column(str_enum(RevisionKind, "revision_kind"))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    delegation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("delegations.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    base_version: Mapped[int] = mapped_column(Integer)
    client_id: Mapped[Optional[str]] = mapped_column(String(64))
    client_seq: Mapped[Optional[int]] = mapped_column(Integer)
    # The change as JSON (a patch, or a structural operation's arguments) and the paragraph after it.
    change: Mapped[str] = mapped_column(Text)
    result: Mapped[Optional[str]] = mapped_column(Text)

    user: Mapped[Optional[User]] = relationship()
    delegation: Mapped[Optional[Delegation]] = relationship()


class Silence(Base):
    """A silence procedure: the text frozen until `deadline`; broken by a delegation before it (naming
    the paragraphs it objects to, and why), or passed unbroken: then the text is agreed."""

    __tablename__ = "silences"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(Timestamp)
    broken_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    broken_by_delegation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("delegations.id"))
    broken_at: Mapped[Optional[datetime]] = mapped_column(Timestamp)
    # The paragraphs objected to (ids) and the reason, as the breaking delegation gave them.
    paragraphs: Mapped[Optional[str]] = mapped_column(Text)
    reason: Mapped[Optional[str]] = mapped_column(Text)

    broken_by_delegation: Mapped[Optional[Delegation]] = relationship()


class HistorySnapshot(Base):
    """A draft's tracked history as it stood after change `seq` (`DraftHistory.state()`, JSON compressed
    with zlib), so that the first redline after a restart reads it and the revisions after it instead of
    the whole log. A cache of the log, one per draft, replaced as the log grows; never the truth."""

    __tablename__ = "history_snapshots"

    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), primary_key=True)
    generation: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


class NamedVersion(Base):
    """A round of the negotiation ("zero draft", "rev.1"); the final text "in blue" is the last one."""

    __tablename__ = "named_versions"
    __table_args__ = (UniqueConstraint("draft_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    seq: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    # The whole text at `seq` as JSON, so a version opens without replaying history.
    snapshot: Mapped[str] = mapped_column(Text)
    final: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    created_by: Mapped[Optional[User]] = relationship()
