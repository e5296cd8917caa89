"""Core statements for the keystroke path, compiled once per dialect and run on the driver's own cursor.

A keystroke is four short statements. Through `Connection.execute` each costs SQLAlchemy's execution
context, cache lookup and result set-up (60-80 us of Python, several times what SQLite itself takes); on
the committer, which orders every edit of the process one after the other, that was half of a keystroke's
time. `Prepared` keeps what SQLAlchemy compiled (the SQL in the dialect's parameter style, the order of the
parameters, each column type's bind processor) and hands the driver plain values: the same SQL, the same
stored values, without the per-call machinery. The caller's transaction is the connection's own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import ClauseElement


class Prepared:
    def __init__(self, statement: ClauseElement, keys: Sequence[str] | None = None):
        """`keys`: for an INSERT, the columns given (the others take their server-side defaults)."""
        self.statement = statement
        self.keys = list(keys) if keys is not None else None
        self._compiled: dict[str, tuple[str, list[str] | None, list[tuple[str, Callable | None]]]] = {}

    def _compile(self, connection: Connection):
        dialect = connection.dialect
        compiled = self.statement.compile(dialect=dialect, column_keys=self.keys)
        processors = [(name, bind.type.dialect_impl(dialect).bind_processor(dialect))
                      for name, bind in compiled.binds.items()]
        order = list(compiled.positiontup) if compiled.positional else None
        found = self._compiled[dialect.name] = (compiled.string, order, processors)
        return found

    def run(self, connection: Connection, params: Mapping[str, Any]):
        """Execute with `params` (by bind name) on `connection`'s driver cursor, which is returned."""
        sql, order, processors = self._compiled.get(connection.dialect.name) or self._compile(connection)
        values = {name: process(params[name]) if process else params[name] for name, process in processors}
        cursor = connection.connection.cursor()
        cursor.execute(sql, [values[name] for name in order] if order is not None else values)
        return cursor

    def first(self, connection: Connection, params: Mapping[str, Any]) -> tuple | None:
        cursor = self.run(connection, params)
        try:
            return cursor.fetchone()
        finally:
            cursor.close()

    def do(self, connection: Connection, params: Mapping[str, Any]) -> None:
        self.run(connection, params).close()
