"""The migrations are the schema: upgrading a fresh database gives exactly the models' tables, and
downgrading removes them all; on SQLite and on PostgreSQL."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from editor.persistence import migrate
from editor.persistence.db import Base, make_engine
from tests import support
from tests.conftest import create_postgres_database, drop_postgres_database

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_available() -> bool:
    try:
        engine = make_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means the server is not there for us
        return False


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    if not _postgres_available():
        support.unavailable(f"PostgreSQL at {POSTGRES_URL}")
    url = create_postgres_database(POSTGRES_URL)
    yield url
    drop_postgres_database(url)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_to_head_then_downgrade_to_base(fresh_url):
    migrate.upgrade(fresh_url)
    assert _tables(fresh_url) == set(Base.metadata.tables) | {"alembic_version"}
    assert migrate.current_heads(fresh_url) == {migrate_head()}
    migrate.downgrade(fresh_url, "base")
    assert _tables(fresh_url) <= {"alembic_version"}
    migrate.upgrade(fresh_url)  # and back up again: downgrades leave nothing behind that blocks it
    assert _tables(fresh_url) >= set(Base.metadata.tables)


def test_the_migrations_match_the_models(fresh_url):
    migrate.upgrade(fresh_url)
    engine = make_engine(fresh_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], "the models changed without a migration: run alembic revision --autogenerate"


def migrate_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()


def test_upgrading_a_database_that_holds_a_draft_keeps_every_row(fresh_url):
    """The demo in today's schema, down to the first migration and up again: tables that others refer to
    are copied on SQLite (batch mode) without losing a row or a reference, both ways."""
    from editor.persistence.db import Database
    from editor.services import demo

    migrate.upgrade(fresh_url)
    database = Database(fresh_url)
    with database.session() as session:
        demo.load_demo(session)
    database.dispose()

    def counts() -> tuple[int, ...]:
        engine = make_engine(fresh_url)
        with engine.connect() as connection:
            found = tuple(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                          for table in ("drafts", "paragraphs", "revisions", "named_versions", "users"))
        engine.dispose()
        return found

    before = counts()
    migrate.downgrade(fresh_url, "289900bcb085")
    assert counts() == before
    migrate.upgrade(fresh_url)
    assert counts() == before and before[2] == 12
