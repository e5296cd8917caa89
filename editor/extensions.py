"""Extensions, created unbound and attached in create_app; and the per-request database session."""

from __future__ import annotations

from flask import current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from editor.persistence.db import Database

login_manager = LoginManager()
csrf = CSRFProtect()
socketio = SocketIO()
# Only routes that ask for a limit have one (the login); its storage is RATELIMIT_STORAGE_URI.
limiter = Limiter(get_remote_address)


def database() -> Database:
    return current_app.extensions["penholder.database"]


def db_session() -> Session:
    """The unit of work of the current request or socket event; closed (rolled back unless committed) at
    the end of the application context."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session


def close_db_session(_exception: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
