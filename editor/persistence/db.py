"""Engine, session factory and the declarative base."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

# Named constraints let Alembic drop and alter them on every backend, SQLite's batch mode included.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# How hard SQLite pushes each commit to the disk, in WAL mode. FULL (the default): each commit waits for its
# fsync (about half a millisecond here), so an acknowledged edit survives an operating-system crash or a
# power cut. NORMAL: a commit is durable once it returns against anything that can happen to the server
# process (a crash, SIGKILL, a restart), but the WAL is fsynced only at checkpoints, so a power cut may roll
# back the last commits. Measured side by side under load, the two were within the machine's noise.
SQLITE_SYNCHRONOUS = ("NORMAL", "FULL")


def _sqlite_pragmas(synchronous: str, database: Database | None):
    def on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets readers go on while an edit commits.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=5000")
        if database is not None and database.checkpoints_elsewhere:
            # Checkpoints are `Database.checkpoint`'s, on a thread of their own: left to SQLite, the commit
            # that fills the WAL to a thousand pages copies them into the database and fsyncs it, tens of
            # milliseconds in the middle of somebody's keystroke.
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    return on_connect


def normalise_url(url: str) -> str:
    """Plain `postgresql://` URLs use psycopg 3, the driver installed; SQLAlchemy would pick psycopg2."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, sqlite_synchronous: str = "FULL", database: Database | None = None) -> Engine:
    if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"SQLite synchronous is one of {', '.join(SQLITE_SYNCHRONOUS)}, not {sqlite_synchronous!r}")
    url = normalise_url(url)
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        kwargs: dict = {"connect_args": {"check_same_thread": False}}
        if in_memory:
            # One shared connection, or every session would see its own empty database.
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(sqlite_synchronous, database))
        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """One engine and its session factory; the caller owns each session's unit of work."""

    def __init__(self, url: str, sqlite_synchronous: str = "FULL") -> None:
        self.url = url
        self.checkpoints_elsewhere = False
        self.engine = make_engine(url, sqlite_synchronous, self)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends normally, rolled back otherwise."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @property
    def on_sqlite_file(self) -> bool:
        return self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:")

    def take_over_checkpoints(self) -> None:
        """From now on SQLite's WAL is copied back into the database only by `checkpoint()`, which the
        caller runs on a thread of its own (connections already open are closed, to take the setting)."""
        if self.on_sqlite_file:
            self.checkpoints_elsewhere = True
            self.engine.dispose()

    def checkpoint(self, connection: sqlite3.Connection) -> tuple[int, int]:
        """Copy what the WAL holds into the database without waiting for anyone (PASSIVE): writers go on
        appending meanwhile. `connection` is the checkpointing thread's own, made by `checkpoint_connection`.
        Returns the frames in the WAL and how many of them are now in the database."""
        _busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return frames, copied

    def checkpoint_connection(self) -> sqlite3.Connection:
        return sqlite3.connect(self.engine.url.database, timeout=5.0)

    def dispose(self) -> None:
        self.checkpoints_elsewhere = False
        self.engine.dispose()
