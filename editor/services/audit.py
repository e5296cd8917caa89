"""The hash-chained audit log: each entry's hash covers the previous one, so a changed or missing row shows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from editor.persistence.models import AuditEntry, User, utcnow

GENESIS = "0" * 64


def _digest(prev_hash: str, at: datetime, user_id: int | None, action: str, target: str, payload: str) -> str:
    # SQLite returns naive datetimes; hash the UTC wall time so both backends agree.
    stamp = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    canonical = json.dumps(
        [prev_hash, stamp.isoformat(timespec="microseconds"), user_id, action, target, payload],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(session: Session, actor: object, action: str, target: str, payload: dict | None = None) -> AuditEntry:
    """Append one entry. The unique prev_hash makes two concurrent appends collide instead of forking."""
    last = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    prev_hash = last.hash if last else GENESIS
    user_id = actor.id if isinstance(actor, User) else None
    body = json.dumps(payload or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    at = utcnow()
    entry = AuditEntry(
        at=at, user_id=user_id, action=action, target=target, payload=body, prev_hash=prev_hash,
        hash=_digest(prev_hash, at, user_id, action, target, body),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainCheck:
    entries: int
    first_bad_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def verify_chain(session: Session) -> ChainCheck:
    """Walk the log in order; name the first entry whose content changed or whose predecessor is missing."""
    prev_hash = GENESIS
    count = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        count += 1
        if entry.prev_hash != prev_hash:
            return ChainCheck(count, entry.id, "the entry before it was changed or removed")
        if _digest(entry.prev_hash, entry.at, entry.user_id, entry.action, entry.target, entry.payload) != entry.hash:
            return ChainCheck(count, entry.id, "its content was changed")
        prev_hash = entry.hash
    return ChainCheck(count)
