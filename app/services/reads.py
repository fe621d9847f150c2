"""One-statement reads for the busiest read-only endpoints, without a transaction's round trips.

A request that reads through the ORM session opens a transaction: BEGIN goes to PostgreSQL before
its first statement and ROLLBACK when the session is removed, two round trips that cost more than
a small indexed SELECT itself. A single SELECT is consistent on its own (it sees one snapshot), so
a `Read` runs its statement on a pooled connection in autocommit instead.

It also skips SQLAlchemy's per-execution machinery, which costs about three times the driver's
own work for such a statement (~0.12 against ~0.04 ms of CPU, measured): the statement is a normal
SQLAlchemy select, compiled once per dialect with bound parameters (values never enter the SQL),
and its compiled SQL goes to the driver with the parameters SQLAlchemy would have sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg.rows import namedtuple_row
from sqlalchemy import Executable
from sqlalchemy.engine import Dialect

from app.extensions import db


class Read:
    """A read-only SELECT built once at import time; `rows(params)` runs it.

    Rows come as the driver gives them (named tuples): PostgreSQL enums as their text, which our
    `StrEnum`s compare and hash equal to. Inside a transaction the session has open (tests, or a
    request that already wrote), the statement runs there through SQLAlchemy instead, so it sees
    that transaction's own writes."""

    def __init__(self, statement: Executable):
        self.statement = statement
        self._compiled: dict[type[Dialect], tuple[Any, str, tuple]] = {}

    def _compile(self, dialect: Dialect):
        compiled = self.statement.compile(dialect=dialect)
        processors = tuple((name, process) for bind, name in compiled.bind_names.items()
                           if (process := bind.type.bind_processor(dialect)) is not None)
        entry = self._compiled[type(dialect)] = (compiled, compiled.string, processors)
        return entry

    def rows(self, params: Mapping[str, object]) -> Sequence[Any]:
        registry = db.session.registry
        if registry.has() and registry().in_transaction():
            return registry().connection().execute(self.statement, params).all()
        engine = db.engine
        compiled, sql, processors = self._compiled.get(type(engine.dialect)) or self._compile(engine.dialect)
        values = compiled.construct_params(params)
        for name, process in processors:
            values[name] = process(values[name])
        pooled = engine.raw_connection()
        try:
            connection = pooled.driver_connection
            connection.autocommit = True  # no BEGIN, hence no ROLLBACK either
            with connection.cursor(row_factory=namedtuple_row) as cursor:
                rows = cursor.execute(sql, values).fetchall()
            connection.autocommit = False  # as the pool lends it to the ORM session
            return rows
        except Exception as error:
            # A connection that failed here goes to no one else. If the server closed it (restart,
            # failover), the pool's other idle connections are likely closed too: start a new pool,
            # as SQLAlchemy does on a disconnect, so only this request fails (no pre-ping).
            disconnected = engine.dialect.is_disconnect(error, connection, None)
            pooled.invalidate()
            if disconnected:
                engine.dispose()
            raise
        finally:
            pooled.close()
