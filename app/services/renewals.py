"""Renewal records kept in step with policies: open one for each policy falling due, close it as
renewed when the vehicle's next policy with us arrives (DOMAIN.md, "Renewal").

Both steps are single set-based statements, so the nightly run costs the same two round trips for
ten policies or a million, and running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, exists, func, literal, select, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Policy, PolicyStatus, RenewalRecord, RenewalStatus
from app.timeutil import business_today

# DOMAIN.md defaults. A policy shorter than this (a short-term or temporary cover) is not "due".
MIN_TERM_DAYS = 300
# A later policy renews the due one if it starts this many days before .. after the due end date.
RENEWED_FROM_DAYS = -60
RENEWED_TO_DAYS = 30


@dataclass(frozen=True)
class RenewalSync:
    """What one run changed: records opened for newly due policies, records closed as renewed."""

    opened: int
    renewed: int


def open_due_renewals(horizon_days: int = 90, today: date | None = None) -> RenewalSync:
    """Open a renewal record for every policy due within [today, today + horizon_days], then close
    open records whose renewal policy has arrived. Commits; safe to run any number of times."""
    if horizon_days < 0:
        raise ValueError("horizon_days must not be negative")
    today = today or business_today()
    opened = _open_records(today, today + timedelta(days=horizon_days))
    renewed = _mark_renewed()
    db.session.commit()
    return RenewalSync(opened=opened, renewed=renewed)


def _open_records(first_due: date, last_due: date) -> int:
    p = Policy
    due = (
        select(p.id, p.vin, p.line, p.end_date,
               literal(RenewalStatus.open.value), p.agent_id, p.agent_id, p.team_id, p.branch_id)
        .where(
            p.status != PolicyStatus.cancelled,
            p.end_date - p.start_date + 1 >= MIN_TERM_DAYS,
            p.end_date.between(first_due, last_due),
            # Already-opened policies are skipped here rather than left to ON CONFLICT, which
            # would burn a sequence value for each of them every night.
            ~exists().where(RenewalRecord.policy_id == p.id),
        )
    )
    stmt = (
        insert(RenewalRecord)
        .from_select(["policy_id", "vin", "line", "due_date", "status", "owner_id", "agent_id", "team_id",
                      "branch_id"], due)
        # ...and ON CONFLICT still settles a race with a concurrent run (or a record opened by hand).
        .on_conflict_do_nothing(index_elements=["policy_id"])
        # SQLAlchemy keeps the driver's rowcount only for UPDATE and DELETE unless asked.
        .execution_options(preserve_rowcount=True)
    )
    return db.session.execute(stmt).rowcount


def _mark_renewed() -> int:
    record = RenewalRecord
    due = aliased(Policy, name="due")
    later = aliased(Policy, name="later")
    # For each open record, the first policy of ours on the same vehicle and line that starts in
    # the window around the due policy's end (and after its start, so the due policy's own
    # predecessor never counts). DISTINCT ON keeps one match per record: the earliest start.
    matches = (
        select(record.id.label("renewal_id"), later.id.label("policy_id"))
        .join(due, due.id == record.policy_id)
        .join(later, and_(later.vin == due.vin, later.line == due.line, later.id != due.id))
        .where(
            record.status == RenewalStatus.open,
            later.status != PolicyStatus.cancelled,
            (later.start_date - due.end_date).between(RENEWED_FROM_DAYS, RENEWED_TO_DAYS),
            later.start_date > due.start_date,
        )
        .ext(distinct_on(record.id))
        .order_by(record.id, later.start_date, later.id)
        .subquery()
    )
    stmt = (
        update(record)
        .where(record.id == matches.c.renewal_id)
        .values(status=RenewalStatus.renewed, renewed_by_policy_id=matches.c.policy_id, closed_at=func.now())
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(stmt).rowcount
