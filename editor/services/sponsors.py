"""Co-sponsors: the penholder invites delegations; each consents or declines from its own account; a sponsor
may withdraw until the vote. The sponsors are shown on the draft and stand with the vote."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from editor.persistence.models import Delegation, DraftStatus, Membership, Role, Sponsor, SponsorStatus, User, utcnow
from editor.services import audit
from editor.services.errors import Conflict, InvalidInput, PermissionDenied
from editor.services.permissions import Action, require
from editor.services.sync import load_draft


def _sponsor(session: Session, draft_id: int, delegation_id: int) -> Sponsor | None:
    return session.scalar(select(Sponsor).where(Sponsor.draft_id == draft_id, Sponsor.delegation_id == delegation_id))


def invite(session: Session, actor: User, draft_id: int, member: str) -> Sponsor:
    """The penholder invites a delegation to co-sponsor the draft (again, after it declined or withdrew)."""
    draft = load_draft(session, draft_id, lock=True)
    require(session, actor, Action.HOLD_PEN, draft)
    if draft.status is DraftStatus.VOTED:
        raise Conflict("The text has been voted on: its sponsors are final.")
    delegation = session.scalar(select(Delegation).join(Membership, Membership.delegation_id == Delegation.id)
                                .where(Membership.body_id == draft.body_id, Delegation.name == member))
    if delegation is None:
        raise InvalidInput(f"{member} is not a member of the {draft.body.name}.")
    if delegation.id == draft.penholder_id:
        raise InvalidInput("The penholder's delegation sponsors its own draft already.")
    sponsor = _sponsor(session, draft.id, delegation.id)
    if sponsor is not None and sponsor.status in (SponsorStatus.SPONSOR, SponsorStatus.INVITED):
        raise Conflict(f"{member} is already {'a sponsor' if sponsor.status is SponsorStatus.SPONSOR else 'invited'}.")
    if sponsor is None:
        sponsor = Sponsor(draft_id=draft.id, delegation_id=delegation.id, status=SponsorStatus.INVITED)
        session.add(sponsor)
    else:
        sponsor.status, sponsor.updated_at = SponsorStatus.INVITED, utcnow()
    session.flush()
    audit.record(session, actor, "sponsor.invite", f"draft:{draft.id}", {"member": member})
    return sponsor


def answer(session: Session, actor: User, draft_id: int, consent: bool) -> Sponsor:
    """The invited delegation consents or declines, from its own account."""
    sponsor = _own(session, actor, draft_id)
    if sponsor is None or sponsor.status is not SponsorStatus.INVITED:
        raise Conflict("Your delegation has no invitation to co-sponsor this draft.")
    sponsor.status = SponsorStatus.SPONSOR if consent else SponsorStatus.DECLINED
    sponsor.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "sponsor.consent" if consent else "sponsor.decline", f"draft:{draft_id}",
                 {"member": actor.delegation.name})
    return sponsor


def withdraw(session: Session, actor: User, draft_id: int) -> Sponsor:
    """A sponsor withdraws its sponsorship, until the vote."""
    sponsor = _own(session, actor, draft_id)
    if sponsor is None or sponsor.status is not SponsorStatus.SPONSOR:
        raise Conflict("Your delegation does not sponsor this draft.")
    if sponsor.draft.status is DraftStatus.VOTED:
        raise Conflict("The text has been voted on: its sponsors are final.")
    sponsor.status, sponsor.updated_at = SponsorStatus.WITHDRAWN, utcnow()
    session.flush()
    audit.record(session, actor, "sponsor.withdraw", f"draft:{draft_id}", {"member": actor.delegation.name})
    return sponsor


def _own(session: Session, actor: User, draft_id: int) -> Sponsor | None:
    draft = load_draft(session, draft_id, lock=True)
    require(session, actor, Action.READ_DRAFT, draft)
    if actor.delegation_id is None or actor.role not in (Role.DELEGATE, Role.PENHOLDER):
        raise PermissionDenied("A delegation answers for itself, from its own account.")
    return _sponsor(session, draft.id, actor.delegation_id)


def sponsors_of(session: Session, actor: User, draft_id: int) -> list[dict[str, Any]]:
    draft = load_draft(session, draft_id)
    require(session, actor, Action.READ_DRAFT, draft)
    rows = session.execute(select(Delegation.name, Sponsor.status, Sponsor.updated_at)
                           .join(Sponsor, Sponsor.delegation_id == Delegation.id)
                           .where(Sponsor.draft_id == draft.id).order_by(Sponsor.id))
    return [{"member": name, "status": status.value, "at": at.isoformat(timespec="seconds")}
            for name, status, at in rows]
