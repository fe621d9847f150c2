"""What a customer reads about their points: the balance with the next expiry, and the ledger."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Text, bindparam, cast, func, literal, select, true

from app.extensions import db
from app.models.points import PointsAccount, PointsEntry
from app.services.pagination import PageResult, paginate
from app.services.reads import Read
from app.timeutil import business_today


def _summary_statement():
    """The summary as the JSON the mini-program gets (PointsSummarySchema's shape: tests compare
    the two), so the busiest points endpoint returns PostgreSQL's text as is. Awards already past
    their date but not yet swept by the expiry job are left out of the balance shown, as the next
    spend would expire them first."""
    live = PointsEntry.remaining > 0
    customer_id, today = bindparam("customer_id"), bindparam("today")
    lapsed = (select(func.coalesce(func.sum(PointsEntry.remaining), 0))
              .where(PointsEntry.customer_id == customer_id, live, PointsEntry.expires_on < today)
              .scalar_subquery())
    upcoming = (select(PointsEntry.expires_on.label("on"), func.sum(PointsEntry.remaining).label("points"))
                .where(PointsEntry.customer_id == customer_id, live, PointsEntry.expires_on >= today)
                .group_by(PointsEntry.expires_on).order_by(PointsEntry.expires_on).limit(1)
                .lateral("upcoming"))
    body = func.json_build_object(
        "balance", PointsAccount.balance - lapsed,
        "expiring", func.json_build_object("points", func.coalesce(upcoming.c.points, 0), "on", upcoming.c.on))
    return (select(cast(body, Text).label("summary"))
            .select_from(PointsAccount).outerjoin(upcoming, true())
            .where(PointsAccount.customer_id == customer_id))


# Built once: building and cache-keying this select anew cost as much Python time as running it,
# and the mini-program's home page reads it on every visit.
_SUMMARY = Read(_summary_statement())
_NO_ACCOUNT = json.dumps({"balance": 0, "expiring": {"points": 0, "on": None}})


def summary_json(customer_id: int, today: date | None = None) -> str:
    """Balance and the next batch to expire as JSON, in one indexed query (run outside a
    transaction when none is open: app/services/reads.py)."""
    rows = _SUMMARY.rows({"customer_id": customer_id, "today": today or business_today()})
    return rows[0].summary if rows else _NO_ACCOUNT


def ledger_page(customer_id: int, page: int, page_size: int) -> PageResult:
    stmt = (select(PointsEntry).where(PointsEntry.customer_id == customer_id)
            .order_by(PointsEntry.id.desc()))
    return paginate(stmt, page, page_size)


def ledger_sum(customer_id: int) -> int:
    """The sum of the ledger (for checks; the account's balance must equal it)."""
    return db.session.execute(select(func.coalesce(func.sum(PointsEntry.amount), literal(0)))
                              .where(PointsEntry.customer_id == customer_id)).scalar_one()
