"""Pages for people: the home page and the draft."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from editor.extensions import db_session
from editor.services import drafting, meetings, revisions, stages
from editor.web.serialize import render_taking_turns

bp = Blueprint("pages", __name__)


@bp.get("/")
@login_required
def home():
    session = db_session()
    drafts = drafting.list_drafts(session, current_user)
    return render_template(
        "home.html",
        drafts=drafts,
        stages={d.id: stages.stage_of(session, d)["stage"] for d in drafts},
        meetings=meetings.list_meetings(session, current_user),
    )


@bp.get("/drafts/<int:draft_id>")
@login_required
def draft(draft_id: int):
    session = db_session()
    view = drafting.get_draft(session, current_user, draft_id)
    return render_template("draft.html", view=view, stage=stages.stage_of(session, view.draft)["stage"])


@bp.get("/drafts/<int:draft_id>/compare")
@login_required
def compare(draft_id: int):
    """Any two points of the draft's history side by side in one redline: `from` and `to` are a version's
    name or a change's number; `from` defaults to the last named version, `to` to the text as it stands."""
    session = db_session()
    view = drafting.get_draft(session, current_user, draft_id)
    versions = revisions.list_versions(session, current_user, draft_id)
    result = revisions.redline(session, current_user, draft_id, request.args.get("from"), request.args.get("to"))
    segments = [s for p in result["paragraphs"] if p["status"] in ("kept", "moved") for s in p["segments"]]
    counts = {"inserted": sum(s["kind"] == "inserted" for s in segments),
              "deleted": sum(s["kind"] == "deleted" for s in segments),
              "paragraphs": sum(p["status"] != "kept" for p in result["paragraphs"])}
    chosen_from = request.args.get("from") or (versions[-1].name if versions else "0")
    return render_taking_turns("compare.html", view=view, versions=versions, result=result, counts=counts,
                               version_names={v.name for v in versions}, chosen_from=chosen_from,
                               chosen_to=request.args.get("to", ""))
