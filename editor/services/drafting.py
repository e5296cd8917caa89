"""Opening and reading drafts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from editor.domain import document
from editor.domain.bodies import BodyRules, body_rules
from editor.persistence.models import (
    Body,
    Delegation,
    Draft,
    Paragraph,
    Revision,
    RevisionKind,
    Sponsor,
    SponsorStatus,
    User,
)
from editor.services import audit
from editor.services.errors import InvalidInput, NotFound
from editor.services.permissions import Action, decide, require


@dataclass(frozen=True)
class DraftView:
    """A draft as its readers see it: the stored row and its text, numbered from its order."""

    draft: Draft
    rules: BodyRules
    paragraphs: list[document.NumberedParagraph]

    @property
    def organ_line(self) -> str:
        return self.rules.organ_line

    @property
    def sponsors(self) -> list[str]:
        return [s.delegation.name for s in self.draft.sponsors if s.status is SponsorStatus.SPONSOR]


def to_domain(rows: Sequence[Paragraph]) -> list[document.Paragraph]:
    return [document.Paragraph(uid=p.uid, kind=p.kind, level=p.level, text=p.text) for p in rows]


def refs(draft: Draft) -> dict[str, str]:
    """Each live paragraph's number as it stands ("PP2", "OP3(a)"), by id."""
    return {n.paragraph.uid: n.ref for n in document.number_paragraphs(to_domain(draft.paragraphs))}


def _load(session: Session, draft_id: int) -> Draft:
    draft = session.scalar(
        select(Draft)
        .where(Draft.id == draft_id)
        .options(selectinload(Draft.paragraphs), selectinload(Draft.sponsors).selectinload(Sponsor.delegation))
    )
    if draft is None:
        raise NotFound(f"There is no draft {draft_id}.")
    return draft


def get_draft(session: Session, actor: object, draft_id: int) -> DraftView:
    draft = _load(session, draft_id)
    require(session, actor, Action.READ_DRAFT, draft)
    return DraftView(draft, body_rules(draft.body.name), document.number_paragraphs(to_domain(draft.paragraphs)))


def list_drafts(session: Session, actor: object) -> list[Draft]:
    """The drafts `actor` may read, newest first."""
    drafts = session.scalars(select(Draft).order_by(Draft.created_at.desc(), Draft.id.desc()))
    return [draft for draft in drafts if decide(session, actor, Action.READ_DRAFT, draft)]


def open_draft(
    session: Session,
    actor: User,
    body_name: str,
    agenda_item: str,
    paragraphs: Sequence[document.Paragraph],
    symbol: str | None = None,
    sponsors: Sequence[str] = (),
) -> Draft:
    """The penholder opens a draft: its delegation holds the pen, and each paragraph is a first revision."""
    body = session.scalar(select(Body).where(Body.name == body_name))
    if body is None:
        raise NotFound(f"Unknown body {body_name!r}.")
    require(session, actor, Action.OPEN_DRAFT, body)
    if not agenda_item.strip():
        raise InvalidInput("A draft needs its agenda item.")
    try:
        document.validate_structure(paragraphs)
    except document.DocumentError as error:
        raise InvalidInput(str(error)) from None
    draft = Draft(body=body, agenda_item=agenda_item.strip(), symbol=symbol, penholder_id=actor.delegation_id,
                  created_by=actor, version=0)
    session.add(draft)
    session.flush()
    for position, paragraph in enumerate(paragraphs):
        _create_paragraph(session, draft, actor, position, paragraph)
    for name in sponsors:
        delegation = session.scalar(select(Delegation).where(Delegation.name == name))
        if delegation is None:
            raise NotFound(f"Unknown delegation {name!r}.")
        session.add(Sponsor(draft=draft, delegation=delegation, status=SponsorStatus.SPONSOR))
    session.flush()
    audit.record(session, actor, "draft.open", f"draft:{draft.id}",
                 {"agenda_item": draft.agenda_item, "paragraphs": len(paragraphs)})
    return draft


def _create_paragraph(session: Session, draft: Draft, actor: User, position: int,
                      paragraph: document.Paragraph) -> None:
    """Store a paragraph with the revision that brought it, so its text has an author from the start."""
    draft.version += 1
    session.add(Paragraph(draft_id=draft.id, uid=paragraph.uid, kind=paragraph.kind, position=position,
                          level=paragraph.level, text=paragraph.text, version=draft.version))
    change = {"op": "create", "kind": paragraph.kind.value, "level": paragraph.level, "position": position}
    session.add(Revision(
        draft_id=draft.id, seq=draft.version, paragraph_uid=paragraph.uid, kind=RevisionKind.CREATE,
        user_id=actor.id, delegation_id=actor.delegation_id, base_version=draft.version - 1,
        change=json.dumps(change), result=paragraph.text,
    ))


def update_draft_details(
    session: Session, actor: object, draft_id: int, symbol: str | None = None, agenda_item: str | None = None
) -> Draft:
    """The penholder records the symbol the Secretariat issued ("S/2019/570") or rewords the agenda item."""
    draft = _load(session, draft_id)
    require(session, actor, Action.HOLD_PEN, draft)
    changes: dict[str, str | None] = {}
    if symbol is not None:
        prefix = body_rules(draft.body.name).draft_symbol_prefix
        cleaned = symbol.strip() or None
        if cleaned is not None and (not cleaned.startswith(prefix) or len(cleaned) > 40):
            raise InvalidInput(f"A {draft.body.name} draft symbol starts with {prefix!r}, e.g. {prefix}2019/570.")
        changes["symbol"] = cleaned
    if agenda_item is not None:
        if not agenda_item.strip() or len(agenda_item) > 500:
            raise InvalidInput("The agenda item is 1 to 500 characters.")
        changes["agenda_item"] = agenda_item.strip()
    for name, value in changes.items():
        setattr(draft, name, value)
    session.flush()
    audit.record(session, actor, "draft.details", f"draft:{draft.id}", changes)
    return draft
