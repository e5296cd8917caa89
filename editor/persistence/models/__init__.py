"""The persistent model, one module per aggregate; import from here."""

from editor.persistence.models._types import utcnow
from editor.persistence.models.accounts import Role, User
from editor.persistence.models.audit import AuditEntry
from editor.persistence.models.bodies import Body, Delegation, Membership, Presidency
from editor.persistence.models.drafts import (
    Draft,
    DraftStatus,
    HistorySnapshot,
    NamedVersion,
    Paragraph,
    ParagraphKind,
    Revision,
    RevisionKind,
    Silence,
    Sponsor,
    SponsorStatus,
)
from editor.persistence.models.meetings import (
    Ballot,
    Choice,
    Debate,
    Meeting,
    Resolution,
    Statement,
    Vote,
    VoteMethod,
)
from editor.persistence.models.publishing import PressRelease, PressReleaseVersion

__all__ = [
    "AuditEntry", "Ballot", "Body", "Choice", "Debate", "Delegation", "Draft", "DraftStatus", "HistorySnapshot",
    "Meeting",
    "Membership", "NamedVersion", "Paragraph", "ParagraphKind", "Presidency", "PressRelease",
    "PressReleaseVersion", "Resolution", "Revision", "RevisionKind", "Role", "Silence", "Sponsor", "SponsorStatus",
    "Statement", "User", "Vote", "VoteMethod", "utcnow",
]
