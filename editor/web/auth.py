"""Logging in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from editor.extensions import db_session, login_manager
from editor.services import accounts
from editor.web.errors import error_response, wants_json

bp = Blueprint("auth", __name__)
# One message whichever was wrong, so that the page does not tell who has an account.
BAD_LOGIN = "Invalid user name or password."


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        return accounts.load_user(db_session(), user_id)

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return error_response(401, "not_authenticated", "Please log in.")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an absolute URL in `next` would make the login page an open redirect."""
    if not target:
        return url_for("pages.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        session = db_session()
        user = accounts.authenticate(session, request.form.get("username", ""), request.form.get("password", ""))
        if user is None:
            return render_template("login.html", error=BAD_LOGIN, username=request.form.get("username", "")), 401
        session.commit()  # a rehashed password
        login_user(user)
        return redirect(_safe_next(request.args.get("next")))
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    return render_template("login.html")


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You have logged out.")
    return redirect(url_for("auth.login"))
