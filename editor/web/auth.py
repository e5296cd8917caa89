"""Logging in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug import Response

from editor.extensions import db_session, limiter, login_manager
from editor.services import accounts
from editor.web.errors import error_response, wants_json

bp = Blueprint("auth", __name__)
# One message whichever was wrong, so that the page does not tell who has an account.
BAD_LOGIN = "Invalid user name or password."
TOO_MANY = "Too many failed logins from here. Wait a little, then try again."


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


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _address_and_account() -> str:
    return f"{get_remote_address()}/{accounts.account_name(request.form.get('username', ''))[:64]}"


@bp.errorhandler(429)
def too_many(_error):
    """Guessing passwords is slowed down: past the limits, a login is refused (even with the right password)
    until the window has passed; only failed logins count."""
    return render_template("login.html", error=TOO_MANY, username=request.form.get("username", "")), 429


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_FAILURES_PER_ACCOUNT"], key_func=_address_and_account,
               methods=["POST"], deduct_when=_failed, scope="login-account")
@limiter.limit(lambda: current_app.config["LOGIN_FAILURES_PER_ADDRESS"], methods=["POST"], deduct_when=_failed,
               scope="login-address")
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
