"""Penholder: co-drafting, adoption and reporting of resolutions."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask

from editor.config import from_environment
from editor.extensions import close_db_session, csrf, limiter, login_manager, socketio
from editor.persistence.db import Database

PROJECT_ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def async_mode() -> str:
    """gevent when the process was patched for it (`python wsgi.py` serving), threads otherwise (tests,
    `flask` commands)."""
    try:
        from gevent import monkey
    except ImportError:
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


def on_native_thread(work: Callable[[], T]) -> T:
    """`work()` on gevent's pool of native threads, for blocking work that lets go of the GIL (a commit's
    fsync, argon2): the event loop goes on meanwhile."""
    from gevent import get_hub

    return get_hub().threadpool.apply(work)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The application: settings from the environment, overridden by `config` (tests pass theirs)."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        static_folder=str(PROJECT_ROOT / "static"),
        static_url_path="/static",
    )
    overrides = dict(config or {})
    environ = dict(os.environ)
    if "SECRET_KEY" in overrides:  # a test's key: no key file is written under instance/
        environ["SECRET_KEY"] = overrides["SECRET_KEY"]
    app.config.update(from_environment(Path(app.instance_path), environ))
    app.config.update(overrides)

    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    database = Database(app.config["DATABASE_URL"], app.config["SQLITE_SYNCHRONOUS"])
    app.extensions["penholder.database"] = database
    if app.config["AUTO_MIGRATE"]:
        from editor.persistence import migrate

        migrate.upgrade(app.config["DATABASE_URL"])
    app.teardown_appcontext(close_db_session)

    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    socketio.init_app(
        app,
        async_mode=async_mode(),
        # Each event is handled on its connection's own reader rather than a new thread per message: a
        # client has one change in flight at a time, and a thread per keystroke costs CPU and GIL churn.
        async_handlers=False,
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
    )

    if socketio.server.async_mode == "gevent":
        from editor.services import accounts

        accounts.run_hashing_with(on_native_thread)
    from editor import cli, realtime, web

    web.init_app(app)
    realtime.init_app(app)
    cli.init_app(app)
    return app
