"""The points ledger: awards, debits, refunds, expiry and reversal, under the account's row lock.

Rules every function here keeps (tests/test_points_ledger.py checks them):
- every change to a customer's points first takes `lock_account` (SELECT ... FOR UPDATE on the
  points_accounts row), so two requests for one customer run one after the other;
- an entry's idempotency key is unique: posting the same key again returns the first entry;
- the account balance = the sum of the customer's entries = the sum of their awards' `remaining`;
- a debit draws from the awards that expire first (then the oldest), and records in
  points_allocations what it took from each, so a refund puts the points back where they were;
- the balance never goes below zero (a CHECK in the database too).

These functions flush but never commit: the caller (sign-in, redemption, a job) owns the
transaction and commits once, after everything it does for the customer is written.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert

from app.errors import DomainError
from app.extensions import db
from app.models.points import (
    PointsAccount,
    PointsAllocation,
    PointsEntry,
    PointsReason,
    PointsShortfall,
)
from app.timeutil import business_today

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
INVITE_CODE_LENGTH = 8


class InsufficientPoints(DomainError):
    status = 409

    def __init__(self, balance: int, needed: int):
        super().__init__(f"积分不足:需要 {needed} 积分,当前可用 {balance} 积分", "insufficient_points",
                         {"balance": balance, "needed": needed})


@dataclass(frozen=True)
class Posting:
    entry: PointsEntry | None
    created: bool


def default_expiry(day: date) -> date:
    """Points awarded on `day` expire at the end of the next year."""
    return date(day.year + 1, 12, 31)


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))


def ensure_account(customer_id: int) -> None:
    """Create the customer's account if it does not exist yet (no lock taken)."""
    for _ in range(5):
        db.session.execute(
            insert(PointsAccount).values(customer_id=customer_id, balance=0, shortfall=0,
                                         invite_code=new_invite_code()).on_conflict_do_nothing())
        if db.session.execute(select(PointsAccount.customer_id).where(
                PointsAccount.customer_id == customer_id)).first():
            return
    raise RuntimeError("could not create a points account (invite code collisions)")


def lock_account(customer_id: int) -> PointsAccount:
    """The customer's account, created if needed, locked FOR UPDATE until the transaction ends."""
    stmt = (select(PointsAccount).where(PointsAccount.customer_id == customer_id).with_for_update()
            .execution_options(populate_existing=True))
    account = db.session.execute(stmt).scalar_one_or_none()
    if account is None:
        ensure_account(customer_id)
        account = db.session.execute(stmt).scalar_one()
    return account


def entry_by_key(key: str) -> PointsEntry | None:
    return db.session.execute(select(PointsEntry).where(PointsEntry.idempotency_key == key)).scalar_one_or_none()


def award(account: PointsAccount, points: int, reason: PointsReason, key: str, *, ref_type: str | None = None,
          ref_id: int | None = None, policy_id: int | None = None, expires_on: date | None = None,
          note: str | None = None, staff_id: int | None = None) -> Posting:
    """Credit `points` as a new award (expiring `expires_on`, default end of next year). A
    shortfall the customer owes from an earlier reversal is taken out of it straight away."""
    if points <= 0:
        raise ValueError("an award is a positive number of points")
    existing = entry_by_key(key)
    if existing is not None:
        return Posting(existing, False)
    account.balance += points
    entry = PointsEntry(customer_id=account.customer_id, amount=points, balance_after=account.balance,
                        reason=reason, idempotency_key=key, ref_type=ref_type, ref_id=ref_id,
                        policy_id=policy_id, expires_on=expires_on or default_expiry(business_today()),
                        remaining=points, note=note, staff_id=staff_id)
    db.session.add(entry)
    db.session.flush()
    if account.shortfall > 0:
        recovered = min(points, account.shortfall)
        account.shortfall -= recovered
        _debit(account, recovered, PointsReason.shortfall_recovery, f"recover:{entry.id}",
               ref_type="points_entry", ref_id=entry.id, awards=[entry])
    return Posting(entry, True)


def spend(account: PointsAccount, points: int, reason: PointsReason, key: str, *, ref_type: str | None = None,
          ref_id: int | None = None, note: str | None = None, staff_id: int | None = None) -> Posting:
    """Debit `points`, oldest-expiring awards first; InsufficientPoints if the balance is short."""
    if points <= 0:
        raise ValueError("a spend is a positive number of points")
    existing = entry_by_key(key)
    if existing is not None:
        return Posting(existing, False)
    expire_lapsed(account)
    if account.balance < points:
        raise InsufficientPoints(account.balance, points)
    return Posting(_debit(account, points, reason, key, ref_type=ref_type, ref_id=ref_id, note=note,
                          staff_id=staff_id), True)


def live_awards(customer_id: int, today: date | None = None) -> list[PointsEntry]:
    """The customer's awards with points left that have not lapsed, in spending order."""
    today = today or business_today()
    return list(db.session.execute(
        select(PointsEntry).where(PointsEntry.customer_id == customer_id, PointsEntry.remaining > 0,
                                  PointsEntry.expires_on >= today)
        .order_by(PointsEntry.expires_on, PointsEntry.id)
    ).scalars())


def _debit(account: PointsAccount, points: int, reason: PointsReason, key: str, *, ref_type=None, ref_id=None,
           note=None, staff_id=None, awards: list[PointsEntry] | None = None) -> PointsEntry:
    account.balance -= points
    if account.balance < 0:
        raise RuntimeError("debit beyond the balance")  # callers check first; never write a negative
    entry = PointsEntry(customer_id=account.customer_id, amount=-points, balance_after=account.balance,
                        reason=reason, idempotency_key=key, ref_type=ref_type, ref_id=ref_id, note=note,
                        staff_id=staff_id)
    db.session.add(entry)
    db.session.flush()
    left = points
    for source in awards if awards is not None else live_awards(account.customer_id):
        if left == 0:
            break
        take = min(source.remaining, left)
        if take <= 0:
            continue
        source.remaining -= take
        left -= take
        db.session.add(PointsAllocation(debit_id=entry.id, award_id=source.id, points=take))
    if left:
        raise RuntimeError("the awards do not cover the balance")  # the ledger is inconsistent: stop
    db.session.flush()
    return entry


def refund(account: PointsAccount, debit: PointsEntry, reason: PointsReason, key: str, *, ref_type=None,
           ref_id=None, today: date | None = None) -> Posting:
    """Give back what `debit` took, to the awards it took it from.

    - an award still valid gets its points back (same expiry as before);
    - an award that has lapsed meanwhile stays lapsed: those points are not returned;
    - an award reversed meanwhile (its policy cancelled) first clears the shortfall the reversal
      left; what is left over is credited as a new award."""
    existing = entry_by_key(key)
    if existing is not None:
        return Posting(existing, False)
    today = today or business_today()
    rows = db.session.execute(
        select(PointsAllocation, PointsEntry).join(PointsEntry, PointsEntry.id == PointsAllocation.award_id)
        .where(PointsAllocation.debit_id == debit.id).order_by(PointsAllocation.id)
        .execution_options(populate_existing=True)
    ).all()
    restored, reissue = 0, 0
    restored_to: list[tuple[PointsEntry, int]] = []
    for allocation, source in rows:
        if is_reversed(source.id):
            settled = min(allocation.points, account.shortfall)
            account.shortfall -= settled
            reissue += allocation.points - settled
        elif source.expires_on < today:
            continue
        else:
            source.remaining += allocation.points
            restored += allocation.points
            restored_to.append((source, allocation.points))
    entry = None
    if restored:
        account.balance += restored
        entry = PointsEntry(customer_id=account.customer_id, amount=restored, balance_after=account.balance,
                            reason=reason, idempotency_key=key, ref_type=ref_type or "points_entry",
                            ref_id=ref_id if ref_id is not None else debit.id)
        db.session.add(entry)
    if reissue:
        posting = award(account, reissue, reason, f"{key}:reissue", ref_type=ref_type or "points_entry",
                        ref_id=ref_id if ref_id is not None else debit.id)
        entry = entry or posting.entry
    db.session.flush()
    return Posting(entry, True)


def is_reversed(award_id: int) -> bool:
    return bool(db.session.execute(select(or_(
        exists().where(PointsEntry.idempotency_key == reversal_key(award_id)),
        exists().where(PointsShortfall.award_id == award_id),
    ))).scalar())


def reversal_key(award_id: int) -> str:
    return f"reversal:{award_id}"


def expiry_key(award_id: int) -> str:
    return f"expiry:{award_id}"


def expire_lapsed(account: PointsAccount, today: date | None = None) -> int:
    """Write an expiry entry for each of the customer's awards whose date has passed with points
    left (one per award, key expiry:<award id>). Returns the points expired."""
    today = today or business_today()
    lapsed = db.session.execute(
        select(PointsEntry).where(PointsEntry.customer_id == account.customer_id, PointsEntry.remaining > 0,
                                  PointsEntry.expires_on < today)
        .order_by(PointsEntry.expires_on, PointsEntry.id)
    ).scalars().all()
    total = 0
    for source in lapsed:
        if entry_by_key(expiry_key(source.id)) is not None:
            continue  # cannot happen: an expired award never gets points back (see refund)
        points = source.remaining
        _debit(account, points, PointsReason.expiry, expiry_key(source.id), ref_type="points_entry",
               ref_id=source.id, note=f"{source.expires_on.isoformat()} 到期", awards=[source])
        total += points
    return total


def reverse_award(account: PointsAccount, source: PointsEntry, note: str | None = None) -> tuple[int, int]:
    """Take back an award whose reason no longer holds (its policy was cancelled).

    What is owed is the award less what of it had already lapsed. It comes first from the award's
    own remaining points, then from the customer's other valid points; what the balance cannot
    cover is recorded as a shortfall (the balance never goes negative) and taken from the next
    awards. Returns (points taken back, shortfall). Idempotent per award."""
    if is_reversed(source.id):
        return 0, 0
    expire_lapsed(account)
    db.session.refresh(source)
    lapsed = db.session.execute(
        select(func.coalesce(func.sum(PointsAllocation.points), 0))
        .join(PointsEntry, PointsEntry.id == PointsAllocation.debit_id)
        .where(PointsAllocation.award_id == source.id, PointsEntry.reason == PointsReason.expiry)
    ).scalar_one()
    owed = source.amount - lapsed
    take = min(owed, account.balance)
    entry = None
    if take > 0:
        awards = [source] + [a for a in live_awards(account.customer_id) if a.id != source.id]
        entry = _debit(account, take, PointsReason.reversal, reversal_key(source.id), ref_type="points_entry",
                       ref_id=source.id, note=note, awards=awards)
    shortfall = owed - take
    if shortfall > 0:
        account.shortfall += shortfall
        db.session.add(PointsShortfall(customer_id=account.customer_id, award_id=source.id,
                                       reversal_id=entry.id if entry else None, policy_id=source.policy_id,
                                       points=shortfall))
        db.session.flush()
    return take, shortfall
