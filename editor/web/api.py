"""JSON API."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from editor.extensions import db_session
from editor.services import drafting
from editor.web.serialize import draft_detail, draft_summary

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/drafts")
@login_required
def drafts():
    return jsonify(drafts=[draft_summary(d) for d in drafting.list_drafts(db_session(), current_user)])


@bp.get("/drafts/<int:draft_id>")
@login_required
def draft(draft_id: int):
    return jsonify(draft_detail(drafting.get_draft(db_session(), current_user, draft_id)))
