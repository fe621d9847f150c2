"""Count what a block of code sends to PostgreSQL, from libpq's own protocol trace.

SQLAlchemy's cursor events see only the statements that go through SQLAlchemy; this sees every
message on the wire (BEGIN, ROLLBACK, pings, statements run on the driver directly). Each
connection is traced from its checkout from the pool to its checkin.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field

from psycopg import pq
from sqlalchemy import event


@dataclass
class Wire:
    lines: list[list[str]] = field(default_factory=list)

    @property
    def round_trips(self) -> int:
        """Each simple query or extended-protocol Sync waits for the server's ReadyForQuery."""
        return sum(1 for line in self.lines if line[:1] == ["B"] and "ReadyForQuery" in line)

    @property
    def commands(self) -> list[str]:
        """What was sent as simple queries (BEGIN, ROLLBACK, ...)."""
        return [line[3].strip().strip('"') for line in self.lines if line[:1] == ["F"] and line[2] == "Query"]

    @property
    def statements(self) -> list[str]:
        """The SQL of every statement sent through the extended protocol (not yet prepared ones)."""
        return [line[3] for line in self.lines if line[:1] == ["F"] and line[2] == "Parse"]


@contextmanager
def wire(engine):
    trace = tempfile.TemporaryFile(mode="w+")
    traced = []

    def on_checkout(dbapi_connection, _record, _proxy):
        dbapi_connection.pgconn.trace(os.dup(trace.fileno()))  # libpq closes its own copy on untrace
        dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        traced.append(dbapi_connection)

    def on_checkin(dbapi_connection, _record):
        if dbapi_connection is not None and dbapi_connection in traced:
            traced.remove(dbapi_connection)
            dbapi_connection.pgconn.untrace()

    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "checkin", on_checkin)
    seen = Wire()
    try:
        yield seen
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "checkin", on_checkin)
        for dbapi_connection in traced:  # still checked out (e.g. by a test's open session)
            dbapi_connection.pgconn.untrace()
        trace.seek(0)
        seen.lines = [line.split("\t") for line in trace.read().splitlines()]
        trace.close()
