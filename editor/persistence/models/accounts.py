"""People who log in."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from editor.persistence.db import Base
from editor.persistence.models._types import Timestamp, str_enum, utcnow
from editor.persistence.models.bodies import Delegation


class Role(str, enum.Enum):
    """What an account may do; the draft or the month decides whether it applies (services.permissions)."""

    DELEGATE = "delegate"
    PENHOLDER = "penholder"
    PRESIDENCY = "presidency"
    PRESS_OFFICER = "press_officer"
    OBSERVER = "observer"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    # Null until a password is set: such an account cannot log in.
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    delegation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("delegations.id"))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Created by demo data with a published password; see services.scenarios.
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)

    delegation: Mapped[Optional[Delegation]] = relationship()

    @property
    def in_secretariat(self) -> bool:
        return self.delegation_id is None

    @property
    def affiliation(self) -> str:
        return self.delegation.name if self.delegation else "Secretariat"

    # Flask-Login reads these four; keeping them here avoids importing Flask into persistence.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)
