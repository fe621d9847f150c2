"""Page through a SELECT in SQL: one COUNT and one LIMIT/OFFSET query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from app.extensions import db


@dataclass
class PageResult:
    items: list[Any]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def paginate(stmt: Select, page: int = 1, page_size: int = 20, scalars: bool = True) -> PageResult:
    page = max(1, page)
    page_size = max(1, min(page_size, 200))
    total = db.session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    result = db.session.execute(stmt.limit(page_size).offset((page - 1) * page_size))
    items = list(result.scalars() if scalars else result)
    return PageResult(items=items, total=total, page=page, page_size=page_size)
