"""Configuration read from the environment, with safe defaults for the embedded set-up."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_secret_key(instance_path: Path) -> str:
    """Return the key kept under instance/, creating it once.

    A constant in the code would let anyone who reads the source forge sessions; a key generated at every
    start would log everybody out at every restart.
    """
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def from_environment(instance_path: Path, environ: Mapping[str, str] | None = None) -> dict:
    """The app's settings: environment variables win, then the embedded defaults."""
    env = os.environ if environ is None else environ
    database_url = env.get("DATABASE_URL") or ""
    embedded = not database_url
    message_queue = env.get("SOCKETIO_MESSAGE_QUEUE") or None
    if embedded:
        database_url = f"sqlite:///{instance_path / 'penholder.db'}"
    return {
        "SECRET_KEY": env.get("SECRET_KEY") or load_secret_key(instance_path),
        "DATABASE_URL": database_url,
        "EMBEDDED_DATABASE": embedded,
        # Only the single-process embedded default migrates by itself: several processes upgrading one
        # PostgreSQL database at once would race, so there `flask db upgrade` is an explicit step.
        "AUTO_MIGRATE": _flag(env.get("AUTO_MIGRATE"), embedded),
        "SQLITE_SYNCHRONOUS": (env.get("SQLITE_SYNCHRONOUS") or "FULL").upper(),
        "SOCKETIO_MESSAGE_QUEUE": message_queue,
        # Failed logins: so many per minute and per hour from one address for one account, and from one
        # address for all of them. Counted where every process sees them: the Redis of the message queue.
        "LOGIN_FAILURES_PER_ACCOUNT": env.get("LOGIN_FAILURES_PER_ACCOUNT") or "5 per minute; 20 per hour",
        "LOGIN_FAILURES_PER_ADDRESS": env.get("LOGIN_FAILURES_PER_ADDRESS") or "60 per hour",
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or (
            message_queue if message_queue and message_queue.startswith(("redis://", "rediss://")) else "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,  # a refused login says when to try again (Retry-After)
        # With that Redis down, each process counts for itself meanwhile, rather than refuse every login.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Proxies in front of the app (a load balancer): each adds the address it saw to X-Forwarded-For, and
        # the last so many of them are believed. 0: the connection's address is the client's, and a client
        # cannot pass itself off as another address to get round the login limits.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES") or 0),
        "HOST": env.get("HOST") or "127.0.0.1",
        "PORT": int(env.get("PORT") or 5000),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag(env.get("SESSION_COOKIE_SECURE"), False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "DEMO": _flag(env.get("PENHOLDER_DEMO"), False),
    }
