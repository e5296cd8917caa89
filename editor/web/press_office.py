"""The press office's page: every release with its versions; edit (a new version), publish, correct."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from editor.extensions import db_session
from editor.services import releases

bp = Blueprint("press_office", __name__, url_prefix="/press")


@bp.get("")
@login_required
def index():
    return render_template("press.html", releases=releases.list_for_office(db_session(), current_user))


@bp.post("/<int:release_id>/edit")
@login_required
def edit(release_id: int):
    session = db_session()
    version = releases.edit(session, current_user, release_id, request.form.get("headline", ""),
                            request.form.getlist("paragraph"), request.form.get("correction_note"))
    session.commit()
    flash(f"Version {version.number} saved.")
    return redirect(url_for("press_office.index") + f"#release-{release_id}")


@bp.post("/<int:release_id>/publish")
@login_required
def publish(release_id: int):
    session = db_session()
    version = releases.publish(session, current_user, release_id)
    session.commit()
    flash(f"Version {version.number} published.")
    return redirect(url_for("press_office.index") + f"#release-{release_id}")


@bp.post("/<int:release_id>/redraft")
@login_required
def redraft(release_id: int):
    session = db_session()
    version = releases.redraft(session, current_user, release_id, request.form.get("correction_note"))
    session.commit()
    flash(f"Version {version.number} drafted again from the record.")
    return redirect(url_for("press_office.index") + f"#release-{release_id}")
