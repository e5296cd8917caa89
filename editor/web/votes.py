"""JSON API of meetings and votes (README, "Meetings and votes"). Each change runs on the committer, in
order with every edit, and every open page of the draft hears the vote board (`vote` on /drafts)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required

from editor.extensions import db_session
from editor.persistence.models import User, VoteMethod
from editor.realtime import announce, announce_status, on_committer
from editor.services import drafting, voting
from editor.services.errors import InvalidInput

bp = Blueprint("votes", __name__, url_prefix="/api")


def _body(**fields: type) -> dict[str, Any]:
    """The request's JSON object, with only these fields, each of its type (a trailing `_` marks optional)."""
    data = request.get_json(silent=True)
    names = {name.rstrip("_"): (kind, name.endswith("_")) for name, kind in fields.items()}
    if not isinstance(data, dict) or not set(data) <= set(names):
        raise InvalidInput(f"Send a JSON object with {', '.join(sorted(names))}.")
    for name, (kind, optional) in names.items():
        if name not in data:
            if not optional:
                raise InvalidInput(f'"{name}" is missing.')
        elif not isinstance(data[name], kind) or isinstance(data[name], bool) and kind is not bool:
            raise InvalidInput(f'"{name}" is a {kind.__name__}.')
    return data


def _as_user(work):
    """`work(session, user)` on the committer, as the user of this request; committed when it returns."""
    user_id = current_user.id
    return on_committer(lambda session: work(session, session.get(User, user_id)))


def _board_after(change) -> dict[str, Any]:
    """Make `change(session, user) -> vote id` on the committer, then every open page of the draft hears
    the board as committed."""
    board = _as_user(lambda session, user: voting.board(session, user, change(session, user)))
    announce(board["draft"], "vote", board)
    if board["closed_at"]:
        announce_status(board["draft"], "voted")
    return board


@bp.post("/meetings")
@login_required
def create_meeting():
    """The presidency convenes a meeting: `{body, number, date, period, agenda_item, draft?, began?, ended?,
    press_release?, session?}`."""
    data = _body(body=str, number=int, date=str, period=str, agenda_item=str, draft_=int, began_=str, ended_=str,
                 press_release_=str, session_=str)
    try:
        on = date.fromisoformat(data["date"])
    except ValueError:
        raise InvalidInput('"date" is YYYY-MM-DD.') from None
    began, ended = voting.parse_clock(data.get("began")), voting.parse_clock(data.get("ended"))
    meeting = _as_user(lambda session, user: voting.create_meeting(
        session, user, data["body"], data["number"], on, data["period"], data["agenda_item"], data.get("draft"),
        began, ended, data.get("press_release"), data.get("session")).id)
    return jsonify(id=meeting), 201


def _meeting_record(meeting_id: int, change) -> dict[str, Any]:
    """Make `change(session, user)` to the meeting's record; the pages of the draft it acts on hear the
    vote board (which carries the meeting's times and statements) once there is a vote."""
    def work(session, user):
        change(session, user)
        found = voting.vote_of_meeting(session, meeting_id)
        return voting.board(session, user, found.id) if found else None

    board = _as_user(work)
    if board:
        announce(board["draft"], "vote", board)
    return board or {"meeting": meeting_id}


@bp.post("/meetings/<int:meeting_id>/times")
@login_required
def meeting_times(meeting_id: int):
    data = _body(began_=str, ended_=str)
    began, ended = voting.parse_clock(data.get("began")), voting.parse_clock(data.get("ended"))
    return jsonify(_meeting_record(meeting_id, lambda session, user: voting.record_times(
        session, user, meeting_id, began, ended)))


@bp.post("/meetings/<int:meeting_id>/statements")
@login_required
def add_statement(meeting_id: int):
    """`{member, speaker, when: "before"|"after", text}`."""
    data = _body(member=str, speaker=str, when=str, text=str)
    return jsonify(_meeting_record(meeting_id, lambda session, user: voting.add_statement(
        session, user, meeting_id, data["member"], data["speaker"], data["when"], data["text"]))), 201


@bp.post("/meetings/<int:meeting_id>/vote")
@login_required
def open_vote(meeting_id: int):
    """The presidency opens the vote on the meeting's draft, in blue: `{matter?, method?: "show_of_hands" |
    "electronic"}`; or adopts it `{"method": "without_vote" | "acclamation", "resolution"?}`."""
    data = _body(matter_=str, method_=str, resolution_=str)
    try:
        method = VoteMethod(data.get("method", VoteMethod.SHOW_OF_HANDS.value))
    except ValueError:
        raise InvalidInput('"method" is show_of_hands, electronic, without_vote or acclamation.') from None
    if method in (VoteMethod.WITHOUT_VOTE, VoteMethod.ACCLAMATION):
        board = _board_after(lambda session, user: voting.adopt_without_vote(
            session, user, meeting_id, method is VoteMethod.ACCLAMATION, data.get("resolution")).vote_id)
    else:
        board = _board_after(lambda session, user: voting.open_vote(
            session, user, meeting_id, data.get("matter"), method).id)
    return jsonify(board), 201


@bp.get("/votes/<int:vote_id>")
@login_required
def vote(vote_id: int):
    return jsonify(voting.board(db_session(), current_user, vote_id))


@bp.get("/drafts/<int:draft_id>/vote")
@login_required
def vote_of_draft(draft_id: int):
    """The draft's vote board, or `{"vote": null}` before a vote is opened."""
    session = db_session()
    drafting.get_draft(session, current_user, draft_id)  # may the user read it at all
    found = voting.vote_of(session, draft_id)
    return jsonify(voting.board(session, current_user, found.id) if found else {"vote": None})


@bp.post("/votes/<int:vote_id>/ballots")
@login_required
def cast(vote_id: int):
    """`{member, choice: "in_favour"|"against"|"abstaining"|"not_participating"}`."""
    data = _body(member=str, choice=str)
    board = _board_after(lambda session, user: voting.cast(
        session, user, vote_id, data["member"], data["choice"]).vote_id)
    return jsonify(board), 201


@bp.post("/votes/<int:vote_id>/close")
@login_required
def close(vote_id: int):
    """The presidency closes the vote: `{resolution?}` overrides the next number ("2482 (2019)")."""
    data = _body(resolution_=str)

    def close_it(session, user) -> int:
        voting.close_vote(session, user, vote_id, data.get("resolution"))
        return vote_id

    return jsonify(_board_after(close_it))
