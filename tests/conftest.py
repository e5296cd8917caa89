"""Fixtures: one migrated database per test run (SQLite, or PostgreSQL when DATABASE_URL names one), emptied
after every test; the app and its clients; factories for users and the seed's scenario."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest
from argon2 import profiles
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from editor import create_app
from editor.domain.scenario import load_scenario_file
from editor.persistence import migrate
from editor.persistence.db import Base, Database, normalise_url
from editor.services import accounts, scenarios
from editor.services.demo import DEMO_SCENARIO
from editor.services.permissions import SYSTEM
from tests import support

PASSWORD = "correct horse battery"
# Real argon2 costs ~80 ms a hash by design; the tests hash hundreds of passwords.
accounts.use_hash_parameters(profiles.CHEAPEST)


def _postgres_admin_url(url: str) -> str:
    return make_url(normalise_url(url)).set(database="postgres").render_as_string(hide_password=False)


def create_postgres_database(base_url: str) -> str:
    """A new, empty database beside the one `base_url` names; the tests never touch that one."""
    name = f"penholder_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(_postgres_admin_url(base_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(normalise_url(base_url)).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    engine = create_engine(_postgres_admin_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def database_url():
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgresql"):
        url = create_postgres_database(base)
        migrate.upgrade(url)
        yield url
        drop_postgres_database(url)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'test.db'}"
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def database(database_url):
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture(autouse=True)
def _empty_database_after_test(request):
    yield
    if "database" not in request.fixturenames:
        return
    db: Database = request.getfixturevalue("database")
    tables = list(reversed(Base.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def session(database):
    with database.session() as s:
        yield s


@pytest.fixture
def app(database_url, database):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
                      "AUTO_MIGRATE": False})
    yield app
    app.extensions["penholder.database"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def seed(database):
    """The seed's scenario, as far as its text being drafted, with every account's password set to PASSWORD."""
    with database.session() as s:
        report = scenarios.load_scenario(s, SYSTEM, load_scenario_file(DEMO_SCENARIO), demo_password=PASSWORD,
                                         until=scenarios.DRAFTING)
        return {"draft_id": report.draft.id, "accounts": report.accounts}


@pytest.fixture
def make_user(database):
    def make(username: str, role: str, delegation: str | None = None, password: str = PASSWORD):
        with database.session() as s:
            user = accounts.create_user(s, SYSTEM, username, accounts.parse_role(role), delegation, password)
            return user.id

    return make


@pytest.fixture
def logged_in(client, seed):
    """A client factory: `logged_in("peru")` returns a test client logged in as that account."""

    def as_user(username: str):
        response = support.login(client, username, PASSWORD)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return as_user
