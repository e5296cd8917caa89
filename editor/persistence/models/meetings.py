"""Meetings, the votes taken at them, what was said, and the resolutions adopted."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Optional

from sqlalchemy import Date, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from editor.persistence.db import Base
from editor.persistence.models._types import Timestamp, str_enum, utcnow
from editor.persistence.models.bodies import Body, Delegation
from editor.persistence.models.drafts import Draft


class Debate(Base):
    """A meeting that preceded the action (an open debate), reported with its own press release."""

    __tablename__ = "debates"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    kind: Mapped[str] = mapped_column(String(80))
    date: Mapped[date] = mapped_column(Date)
    topic: Mapped[Optional[str]] = mapped_column(String(500))
    press_release: Mapped[Optional[str]] = mapped_column(String(40))


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("body_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    number: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(2))
    session: Mapped[Optional[str]] = mapped_column(String(80))
    agenda_item: Mapped[str] = mapped_column(String(500))
    draft_id: Mapped[Optional[int]] = mapped_column(ForeignKey("drafts.id"))
    debate_id: Mapped[Optional[int]] = mapped_column(ForeignKey("debates.id"))
    began: Mapped[Optional[time]] = mapped_column(Time)
    ended: Mapped[Optional[time]] = mapped_column(Time)
    press_release_symbol: Mapped[Optional[str]] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    body: Mapped[Body] = relationship()
    draft: Mapped[Optional[Draft]] = relationship()
    debate: Mapped[Optional[Debate]] = relationship()


class VoteMethod(str, enum.Enum):
    SHOW_OF_HANDS = "show_of_hands"
    ELECTRONIC = "electronic"
    WITHOUT_VOTE = "without_vote"
    ACCLAMATION = "acclamation"


class Choice(str, enum.Enum):
    IN_FAVOUR = "in_favour"
    AGAINST = "against"
    ABSTAINING = "abstaining"
    NOT_PARTICIPATING = "not_participating"


class Vote(Base):
    """A vote on one frozen version of a draft; `text_hash` pins the exact text voted on."""

    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"))
    named_version_id: Mapped[int] = mapped_column(ForeignKey("named_versions.id"))
    text_hash: Mapped[str] = mapped_column(String(64))
    matter: Mapped[str] = mapped_column(String(24))
    method: Mapped[VoteMethod] = mapped_column(str_enum(VoteMethod, "vote_method"))
    opened_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    closed_at: Mapped[Optional[datetime]] = mapped_column(Timestamp)
    outcome: Mapped[Optional[str]] = mapped_column(String(40))
    # The draft's sponsors when the vote was opened (JSON list of names): the record keeps who stood by it.
    sponsors: Mapped[Optional[str]] = mapped_column(Text)

    meeting: Mapped[Meeting] = relationship()
    draft: Mapped[Draft] = relationship()


class Ballot(Base):
    """One recorded vote of one member. Append-only: a correction is a later row for the same member."""

    __tablename__ = "ballots"

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id"), index=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"))
    choice: Mapped[Choice] = mapped_column(str_enum(Choice, "choice"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    delegation: Mapped[Delegation] = relationship()


class Statement(Base):
    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"))
    speaker: Mapped[str] = mapped_column(String(120))
    when: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    delegation: Mapped[Delegation] = relationship()


class Resolution(Base):
    __tablename__ = "resolutions"
    __table_args__ = (UniqueConstraint("body_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"))
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id"))
    number: Mapped[str] = mapped_column(String(20))
    symbol: Mapped[str] = mapped_column(String(40))
    adopted_on: Mapped[date] = mapped_column(Date)
    # The adopted text, as the frozen version's snapshot.
    text: Mapped[str] = mapped_column(Text)

    body: Mapped[Body] = relationship()
    draft: Mapped[Draft] = relationship()
