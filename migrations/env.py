"""Alembic environment: the models' metadata, and the URL the caller chose."""

from __future__ import annotations

import os
from logging.config import fileConfig
from pathlib import Path

from alembic import context

import editor.persistence.models  # noqa: F401  (registers every table on Base.metadata)
from editor.persistence.db import Base, make_engine

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if url:
        return url
    instance = Path(__file__).resolve().parent.parent / "instance"
    instance.mkdir(exist_ok=True)
    return f"sqlite:///{instance / 'penholder.db'}"


def _configure(**kwargs) -> None:
    context.configure(
        target_metadata=Base.metadata,
        # SQLite alters tables by copying them; batch mode does that for every ALTER.
        render_as_batch=True,
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # Batch mode copies a table, drops the old one and renames the copy: with foreign keys
                # enforced, dropping a table others refer to fails (or cascades). The pragma is a no-op
                # inside a transaction, so it is set before; the check after names any row left dangling.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()  # end the transaction that statement began: the migrations run in theirs
            _configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
                if dangling:
                    raise RuntimeError(f"the migration left rows whose references are gone: {dangling[:5]}")
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
