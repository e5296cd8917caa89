import stat

import pytest

from editor import create_app
from editor.config import from_environment, load_secret_key
from editor.persistence.db import Database


def test_embedded_defaults(tmp_path):
    settings = from_environment(tmp_path, {})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'penholder.db'}"
    assert settings["EMBEDDED_DATABASE"] and settings["AUTO_MIGRATE"]
    assert (settings["HOST"], settings["PORT"]) == ("127.0.0.1", 5000)
    assert settings["SOCKETIO_MESSAGE_QUEUE"] is None
    assert settings["SESSION_COOKIE_HTTPONLY"] and settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"  # one process counts failed logins itself


def test_environment_wins(tmp_path):
    settings = from_environment(tmp_path, {
        "DATABASE_URL": "postgresql://db/penholder", "SECRET_KEY": "k", "SOCKETIO_MESSAGE_QUEUE": "redis://r:6379",
        "HOST": "192.0.2.7", "PORT": "8080",
    })
    assert settings["DATABASE_URL"] == "postgresql://db/penholder" and not settings["AUTO_MIGRATE"]
    assert settings["SECRET_KEY"] == "k" and settings["SOCKETIO_MESSAGE_QUEUE"] == "redis://r:6379"
    assert (settings["HOST"], settings["PORT"]) == ("192.0.2.7", 8080)
    assert not (tmp_path / "secret_key").exists()
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://r:6379"  # the processes count failed logins together
    elsewhere = from_environment(tmp_path, {"SECRET_KEY": "k", "SOCKETIO_MESSAGE_QUEUE": "redis://r:6379",
                                            "RATELIMIT_STORAGE_URI": "redis://limits:6379/2"})
    assert elsewhere["RATELIMIT_STORAGE_URI"] == "redis://limits:6379/2"


def test_the_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = load_secret_key(tmp_path)
    assert len(first) == 64 and load_secret_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert load_secret_key(tmp_path / "elsewhere") != first


def test_the_embedded_default_migrates_its_database_on_start(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'start.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("AUTO_MIGRATE", "1")
    app = create_app({"SECRET_KEY": "s"})
    from editor.persistence import migrate

    assert migrate.current_heads(url)  # at head: the Alembic revision is recorded
    app.extensions["penholder.database"].dispose()


def test_sqlite_commits_wait_for_the_disk_unless_normal_is_asked_for(tmp_path):
    assert from_environment(tmp_path, {"SECRET_KEY": "k"})["SQLITE_SYNCHRONOUS"] == "FULL"
    normal = from_environment(tmp_path, {"SECRET_KEY": "k", "SQLITE_SYNCHRONOUS": "normal"})
    assert normal["SQLITE_SYNCHRONOUS"] == "NORMAL"
    # What the connections really do: PRAGMA synchronous answers 1 for NORMAL, 2 for FULL.
    for setting, level in (("NORMAL", 1), ("FULL", 2)):
        database = Database(f"sqlite:///{tmp_path / f'{setting}.db'}", setting)
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == level
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        database.dispose()
    with pytest.raises(ValueError, match="NORMAL, FULL"):
        Database(f"sqlite:///{tmp_path / 'off.db'}", "OFF")
