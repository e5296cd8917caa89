"""Pages for people: the home page and the draft."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from editor.extensions import db_session
from editor.services import drafting, meetings

bp = Blueprint("pages", __name__)


@bp.get("/")
@login_required
def home():
    session = db_session()
    return render_template(
        "home.html",
        drafts=drafting.list_drafts(session, current_user),
        meetings=meetings.list_meetings(session, current_user),
    )


@bp.get("/drafts/<int:draft_id>")
@login_required
def draft(draft_id: int):
    return render_template("draft.html", view=drafting.get_draft(db_session(), current_user, draft_id))
