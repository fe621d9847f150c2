"""Rows by primary key for services: the row, or a NotFound that says in Chinese what is missing."""

from __future__ import annotations

from typing import Any, TypeVar

from app.errors import NotFound
from app.extensions import db

Row = TypeVar("Row")


def get_or_404(model: type[Row], ident: Any, message: str, **options: Any) -> Row:
    """`db.session.get(model, ident, **options)`, or NotFound(message) when there is no such row.

    Unlike Flask-SQLAlchemy's `db.get_or_404`, which aborts the request with werkzeug's 404, this
    raises our DomainError, so it reads the same in the API (`{code, message, errors}` with the
    message given here), in admin pages, and in CLI commands and jobs with no request at all."""
    row = db.session.get(model, ident, **options)
    if row is None:
        raise NotFound(message)
    return row
