"""JSON API."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required

from editor.extensions import db_session
from editor.persistence.models import User
from editor.realtime import announce_status, on_committer
from editor.services import drafting, revisions, sponsors, stages
from editor.services.errors import InvalidInput
from editor.web.serialize import draft_detail, draft_summary, json_taking_turns, version_summary

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/drafts")
@login_required
def drafts():
    return jsonify(drafts=[draft_summary(d) for d in drafting.list_drafts(db_session(), current_user)])


@bp.get("/drafts/<int:draft_id>")
@login_required
def draft(draft_id: int):
    return jsonify(draft_detail(drafting.get_draft(db_session(), current_user, draft_id)))


@bp.patch("/drafts/<int:draft_id>")
@login_required
def update_draft(draft_id: int):
    """The penholder sets `symbol` and/or `agenda_item`; send the page's CSRF token as X-CSRFToken."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not set(data) <= {"symbol", "agenda_item"} or not data:
        raise InvalidInput('Send a JSON object with "symbol" and/or "agenda_item".')
    if not all(isinstance(value, str) for value in data.values()):
        raise InvalidInput("Both fields are strings.")
    session = db_session()
    drafting.update_draft_details(session, current_user, draft_id, data.get("symbol"), data.get("agenda_item"))
    session.commit()
    return jsonify(draft_detail(drafting.get_draft(session, current_user, draft_id)))


@bp.get("/drafts/<int:draft_id>/versions")
@login_required
def versions(draft_id: int):
    return jsonify(versions=[version_summary(v) for v in revisions.list_versions(db_session(), current_user, draft_id)])


@bp.post("/drafts/<int:draft_id>/versions")
@login_required
def name_version(draft_id: int):
    """The penholder names the text as it stands: `{"name": "rev.1"}`, with the page's CSRF token."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or set(data) != {"name"} or not isinstance(data["name"], str):
        raise InvalidInput('Send a JSON object with the version\'s "name".')
    session = db_session()
    version = revisions.name_version(session, current_user, draft_id, data["name"])
    session.commit()
    return jsonify(version_summary(version)), 201


@bp.post("/drafts/<int:draft_id>/freeze")
@login_required
def freeze(draft_id: int):
    """The penholder puts the text "in blue": `{}` or `{"name": "..."}`, with the page's CSRF token. The
    freeze falls between two edits (it runs on the committer); every open page hears of it."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not set(data) <= {"name"} or not isinstance(data.get("name", ""), str):
        raise InvalidInput('Send a JSON object, with the version\'s "name" if not "in blue".')
    user_id = current_user.id
    summary = on_committer(lambda session: version_summary(
        stages.put_in_blue(session, session.get(User, user_id), draft_id, data.get("name"))))
    announce_status(draft_id, "frozen")
    return jsonify(summary), 201


@bp.get("/drafts/<int:draft_id>/stage")
@login_required
def stage(draft_id: int):
    """Where the draft stands: `status`, `stage` in words, and its last `silence` (deadline, state, the
    objection that broke it)."""
    session = db_session()
    view = drafting.get_draft(session, current_user, draft_id)
    return jsonify(stages.stage_of(session, view.draft))


@bp.post("/drafts/<int:draft_id>/silence")
@login_required
def silence(draft_id: int):
    """The penholder puts the text under silence: `{"deadline": "2019-07-16T12:00:00-04:00"}` (ISO 8601,
    with its time zone)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or set(data) != {"deadline"} or not isinstance(data["deadline"], str):
        raise InvalidInput('Send {"deadline": "YYYY-MM-DDTHH:MM+HH:MM"}.')
    try:
        deadline = datetime.fromisoformat(data["deadline"])
    except ValueError:
        raise InvalidInput("The deadline is a date and a time in ISO 8601, with its time zone.") from None
    user_id = current_user.id
    on_committer(lambda session: stages.put_under_silence(session, session.get(User, user_id), draft_id, deadline))
    announce_status(draft_id, "under_silence")
    return jsonify(stages.stage_of(db_session(), drafting.get_draft(db_session(), current_user, draft_id).draft)), 201


@bp.post("/drafts/<int:draft_id>/ad-ref")
@login_required
def ad_ref(draft_id: int):
    """The penholder marks a paragraph agreed ad referendum, or not: `{"paragraph": "OP3", "ad_ref": true}`."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or set(data) != {"paragraph", "ad_ref"} or not isinstance(data["paragraph"], str) \
            or not isinstance(data["ad_ref"], bool):
        raise InvalidInput('Send {"paragraph": "OP3", "ad_ref": true | false}.')
    user_id = current_user.id
    on_committer(lambda session: stages.mark_ad_ref(session, session.get(User, user_id), draft_id,
                                                    data["paragraph"], data["ad_ref"]))
    announce_status(draft_id, "drafting")  # every page reads the paragraphs' standing again
    return jsonify(stages.stage_of(db_session(), drafting.get_draft(db_session(), current_user, draft_id).draft))


@bp.post("/drafts/<int:draft_id>/break-silence")
@login_required
def break_silence(draft_id: int):
    """A delegation breaks silence: `{"paragraphs": ["OP3"], "reason": "..."}`."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or set(data) != {"paragraphs", "reason"} or not isinstance(data["reason"], str) \
            or not isinstance(data["paragraphs"], list) or not all(isinstance(p, str) for p in data["paragraphs"]):
        raise InvalidInput('Send {"paragraphs": ["OP3", ...], "reason": "..."}.')
    user_id = current_user.id
    on_committer(lambda session: stages.break_silence(session, session.get(User, user_id), draft_id,
                                                      data["paragraphs"][:50], data["reason"]))
    announce_status(draft_id, "drafting")
    return jsonify(stages.stage_of(db_session(), drafting.get_draft(db_session(), current_user, draft_id).draft))


@bp.get("/drafts/<int:draft_id>/sponsors")
@login_required
def sponsors_list(draft_id: int):
    """Every delegation asked to co-sponsor, with its `status`: sponsor, invited, declined, withdrawn."""
    return jsonify(sponsors=sponsors.sponsors_of(db_session(), current_user, draft_id))


@bp.post("/drafts/<int:draft_id>/sponsors")
@login_required
def sponsors_change(draft_id: int):
    """`{"invite": "France"}` (the penholder), or `{"answer": "consent" | "decline" | "withdraw"}` (a
    delegation, for itself)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or len(data) != 1 or not all(isinstance(v, str) for v in data.values()) \
            or not set(data) <= {"invite", "answer"} or data.get("answer", "consent") not in ("consent", "decline",
                                                                                             "withdraw"):
        raise InvalidInput('Send {"invite": "<member>"} or {"answer": "consent" | "decline" | "withdraw"}.')
    session = db_session()
    if "invite" in data:
        sponsors.invite(session, current_user, draft_id, data["invite"])
    elif data["answer"] == "withdraw":
        sponsors.withdraw(session, current_user, draft_id)
    else:
        sponsors.answer(session, current_user, draft_id, data["answer"] == "consent")
    session.commit()
    return jsonify(sponsors=sponsors.sponsors_of(session, current_user, draft_id))


@bp.post("/drafts/<int:draft_id>/reopen")
@login_required
def reopen(draft_id: int):
    """The penholder takes the text out of blue, back to drafting (before a vote is opened on it)."""
    user_id = current_user.id
    on_committer(lambda session: stages.reopen(session, session.get(User, user_id), draft_id))
    announce_status(draft_id, "drafting")
    return jsonify(draft=draft_id, status="drafting")


@bp.get("/drafts/<int:draft_id>/brackets")
@login_required
def brackets(draft_id: int):
    """Every bracket left in the text, by paragraph: `paragraph`, `ref`, `text`, `alternatives`, `closed`,
    `holder` (the delegation that typed its opening "[")."""
    return jsonify(brackets=revisions.brackets_of(db_session(), current_user, draft_id))


@bp.get("/drafts/<int:draft_id>/compare")
@login_required
def compare(draft_id: int):
    """Every change between `from` and `to` (a version's name or a change's number); `from` defaults to the
    last named version, `to` to the text as it stands."""
    return json_taking_turns(revisions.compare(db_session(), current_user, draft_id, request.args.get("from"),
                                               request.args.get("to")), "changes")


@bp.get("/drafts/<int:draft_id>/redline")
@login_required
def redline(draft_id: int):
    """The draft (or the draft at `to`) against `from`: a version's name or a change's number; `from`
    defaults to the last named version, `to` to the text as it stands."""
    return json_taking_turns(revisions.redline(db_session(), current_user, draft_id, request.args.get("from"),
                                               request.args.get("to")), "paragraphs")


@bp.get("/drafts/<int:draft_id>/history")
@login_required
def history(draft_id: int):
    """Every revision, newest first: `?before=<seq>&limit=<n>` pages back (`next` names the next page)."""
    before = request.args.get("before", type=int)
    limit = request.args.get("limit", default=100, type=int)
    return jsonify(revisions.timeline(db_session(), current_user, draft_id, before, limit))


@bp.get("/drafts/<int:draft_id>/text")
@login_required
def text_at(draft_id: int):
    """The whole text at `?at=` (a version's name or a change's seq; now by default)."""
    return jsonify(revisions.text_at(db_session(), current_user, draft_id, request.args.get("at")))
