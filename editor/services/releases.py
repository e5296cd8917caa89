"""The press release's life: drafted from the record the moment a vote closes, edited by the press office
(every edit a new version, with who and when), published under its symbol; a published version never
changes, and a correction is a later version that says what it corrects."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editor.domain.press import FOOTER, Release
from editor.persistence.models import Meeting, PressRelease, PressReleaseVersion, Resolution, User, Vote, utcnow
from editor.services import audit, press
from editor.services.errors import Conflict, InvalidInput, NotFound
from editor.services.permissions import Action, require

MAX_PARAGRAPHS = 80
MAX_CHARS = 20_000


def content_of(release: Release) -> dict[str, Any]:
    return {"meeting_line": release.meeting_line, "symbol": release.symbol, "headline": release.headline,
            "paragraphs": list(release.paragraphs), "full_text": list(release.full_text), "footer": release.footer}


def release_of(content: dict[str, Any]) -> Release:
    return Release(content["meeting_line"], content["symbol"], content["headline"], tuple(content["paragraphs"]),
                   content.get("footer", FOOTER), tuple(content.get("full_text", ())))


def draft_after_vote(session: Session, vote: Vote) -> PressRelease | None:
    """The first version, drafted from the record, for the press office to edit; none for a meeting
    without a release symbol or one that already has its release."""
    meeting: Meeting = vote.meeting
    symbol = meeting.press_release_symbol
    if not symbol or session.scalar(select(PressRelease.id).where(PressRelease.symbol == symbol)):
        return None
    resolution = session.scalar(select(Resolution.id).where(Resolution.vote_id == vote.id))
    drafted = press.draft_for_vote(session, vote.id, full_text=resolution is not None)
    release = PressRelease(symbol=symbol, meeting_id=meeting.id, resolution_id=resolution)
    session.add(release)
    session.flush()
    session.add(PressReleaseVersion(press_release_id=release.id, number=1,
                                    content=json.dumps(content_of(drafted), ensure_ascii=False)))
    session.flush()
    audit.record(session, None, "release.draft", f"release:{release.id}", {"symbol": symbol})
    return release


@dataclass(frozen=True)
class Version:
    number: int
    release: Release
    edited_by: str | None
    edited_at: str
    published_at: str | None
    correction_note: str | None


def _versions(session: Session, release: PressRelease) -> list[Version]:
    rows = session.scalars(select(PressReleaseVersion).where(PressReleaseVersion.press_release_id == release.id)
                           .order_by(PressReleaseVersion.number))
    return [Version(v.number, release_of(json.loads(v.content)), v.edited_by.display_name if v.edited_by else None,
                    v.edited_at.isoformat(timespec="seconds"),
                    v.published_at.isoformat(timespec="seconds") if v.published_at else None, v.correction_note)
            for v in rows]


def _release(session: Session, release_id: int) -> PressRelease:
    release = session.get(PressRelease, release_id)
    if release is None:
        raise NotFound(f"There is no press release {release_id}.")
    return release


def list_for_office(session: Session, actor: User) -> list[tuple[PressRelease, list[Version]]]:
    require(session, actor, Action.EDIT_PRESS_RELEASE)
    releases = session.scalars(select(PressRelease).order_by(PressRelease.id.desc()))
    return [(r, _versions(session, r)) for r in releases]


def edit(session: Session, actor: User, release_id: int, headline: str, paragraphs: list[str],
         correction_note: str | None = None) -> Version:
    """A new version with this headline and these paragraphs (the meeting line, symbol and footer stay).
    After publication it is a correction, which says what it corrects."""
    require(session, actor, Action.EDIT_PRESS_RELEASE)
    release = _release(session, release_id)
    headline = " ".join(headline.split())
    paragraphs = [" ".join(p.split()) for p in paragraphs if p.strip()]
    if not headline or not paragraphs or len(paragraphs) > MAX_PARAGRAPHS or \
            sum(map(len, paragraphs)) + len(headline) > MAX_CHARS * 5 or any(len(p) > MAX_CHARS for p in paragraphs):
        raise InvalidInput(f"A release has a headline and 1 to {MAX_PARAGRAPHS} paragraphs of at most "
                           f"{MAX_CHARS:,} characters.")
    versions = _versions(session, release)
    published = any(v.published_at for v in versions)
    note = " ".join((correction_note or "").split()) or None
    if published and not note:
        raise InvalidInput("The release is published: a new version is a correction, which says what it corrects.")
    latest = versions[-1].release
    content = {**content_of(latest), "headline": headline, "paragraphs": paragraphs}
    number = (session.scalar(select(func.max(PressReleaseVersion.number))
                             .where(PressReleaseVersion.press_release_id == release.id)) or 0) + 1
    session.add(PressReleaseVersion(press_release_id=release.id, number=number, edited_by_id=actor.id,
                                    content=json.dumps(content, ensure_ascii=False), correction_note=note))
    session.flush()
    audit.record(session, actor, "release.edit", f"release:{release.id}", {"version": number, "correction": note})
    return _versions(session, release)[-1]


def redraft(session: Session, actor: User, release_id: int, correction_note: str | None = None) -> Version:
    """A new version drafted again from the record as it stands now (statements or the meeting's times
    recorded after the close, say); the press office's edits of earlier versions are not carried over."""
    require(session, actor, Action.EDIT_PRESS_RELEASE)
    release = _release(session, release_id)
    vote = session.scalar(select(Vote).where(Vote.meeting_id == release.meeting_id).order_by(Vote.id.desc()))
    drafted = press.draft_for_vote(session, vote.id, full_text=release.resolution_id is not None)
    return edit(session, actor, release_id, drafted.headline, list(drafted.paragraphs), correction_note)


def publish(session: Session, actor: User, release_id: int) -> Version:
    """Publish the latest version under the release's symbol; from then on it never changes."""
    require(session, actor, Action.EDIT_PRESS_RELEASE)
    release = _release(session, release_id)
    latest = session.scalar(select(PressReleaseVersion).where(PressReleaseVersion.press_release_id == release.id)
                            .order_by(PressReleaseVersion.number.desc()).limit(1).with_for_update())
    if latest.published_at is not None:
        raise Conflict("This version is already published: edit the release to correct it.")
    latest.published_at = utcnow()
    session.flush()
    audit.record(session, actor, "release.publish", f"release:{release.id}",
                 {"symbol": release.symbol, "version": latest.number})
    return _versions(session, release)[-1]


# -- the public side (no login) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    symbol: str
    version: Version  # the latest published version
    corrections: list[Version]  # every published version, oldest first
    resolution: tuple[str, str] | None  # (number, symbol)


def published(session: Session) -> list[Published]:
    """Every published release, newest first, as its latest published version."""
    out = []
    for release in session.scalars(select(PressRelease).order_by(PressRelease.id.desc())):
        found = _published(session, release)
        if found:
            out.append(found)
    return out


def published_release(session: Session, symbol: str) -> Published:
    release = session.scalar(select(PressRelease).where(PressRelease.symbol == symbol))
    found = _published(session, release) if release else None
    if found is None:
        raise NotFound(f"No release {symbol} is published.")
    return found


def _published(session: Session, release: PressRelease) -> Published | None:
    versions = [v for v in _versions(session, release) if v.published_at]
    if not versions:
        return None
    resolution = session.get(Resolution, release.resolution_id) if release.resolution_id else None
    return Published(release.symbol, versions[-1], versions,
                     (resolution.number, resolution.symbol) if resolution else None)


def adopted_resolutions(session: Session) -> list[Resolution]:
    return list(session.scalars(select(Resolution).order_by(Resolution.adopted_on.desc(), Resolution.id.desc())))
