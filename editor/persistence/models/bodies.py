"""Bodies, the member States that sit in them, and who presides when."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from editor.persistence.db import Base


class Body(Base):
    """An organ that adopts resolutions; its voting rules live in editor.domain.bodies under `name`."""

    __tablename__ = "bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)

    memberships: Mapped[list[Membership]] = relationship(back_populates="body", order_by="Membership.id")


class Delegation(Base):
    """A member State's delegation; its colour marks its presence and its changes."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    colour: Mapped[str] = mapped_column(String(7))


class Membership(Base):
    """A member State sitting in a body; `permanent` matters for the Security Council's veto."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("body_id", "delegation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"))
    permanent: Mapped[bool] = mapped_column(Boolean, default=False)

    body: Mapped[Body] = relationship(back_populates="memberships")
    delegation: Mapped[Delegation] = relationship()


class Presidency(Base):
    """Who presides a body in a calendar month ("2019-07")."""

    __tablename__ = "presidencies"
    __table_args__ = (UniqueConstraint("body_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"))
    month: Mapped[str] = mapped_column(String(7))

    body: Mapped[Body] = relationship()
    delegation: Mapped[Delegation] = relationship()
