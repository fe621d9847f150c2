"""The points ledger: awards with expiry, FIFO-by-expiry spending, refunds to the original awards,
the expiry sweep, reversal on policy cancellation with shortfall, and the balance = ledger rule."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import OrgLevel, PolicyStatus
from app.models.points import (
    PointsAccount,
    PointsAllocation,
    PointsEntry,
    PointsReason,
    PointsShortfall,
)
from app.services.points import awards, ledger, statement
from app.timeutil import business_today
from tests import factories as f
from tests.points_support import assert_books_balance, balance, give_points


def _spend(customer, points, key):
    account = ledger.lock_account(customer.id)
    posting = ledger.spend(account, points, PointsReason.redemption, key)
    db.session.commit()
    return posting.entry


def _allocations(debit):
    return {row.award_id: row.points for row in db.session.execute(
        select(PointsAllocation).where(PointsAllocation.debit_id == debit.id)).scalars()}


def test_an_award_expires_at_the_end_of_next_year_and_is_idempotent(db):
    customer = f.customer()
    first = give_points(customer, 120, key="gift:1")
    again = give_points(customer, 120, key="gift:1")
    assert again.id == first.id
    assert first.expires_on == date(business_today().year + 1, 12, 31)
    assert first.remaining == 120 and first.balance_after == 120
    assert db.session.execute(select(PointsEntry).where(PointsEntry.customer_id == customer.id)).all().__len__() == 1
    assert assert_books_balance(customer.id) == 120


def test_spending_draws_from_the_award_expiring_first(db):
    customer = f.customer()
    today = business_today()
    late = give_points(customer, 100, expires_on=today + timedelta(days=400))
    soon = give_points(customer, 50, expires_on=today + timedelta(days=10))
    middle = give_points(customer, 30, expires_on=today + timedelta(days=100))
    debit = _spend(customer, 70, "spend:1")
    # 50 from the one expiring in 10 days, then 20 from the one in 100 days; the latest untouched.
    assert _allocations(debit) == {soon.id: 50, middle.id: 20}
    db.session.expire_all()
    assert (soon.remaining, middle.remaining, late.remaining) == (0, 10, 100)
    assert debit.amount == -70 and debit.balance_after == 110
    assert assert_books_balance(customer.id) == 110


def test_a_spend_beyond_the_balance_is_refused_and_writes_nothing(db):
    customer = f.customer()
    give_points(customer, 40)
    with pytest.raises(ledger.InsufficientPoints) as err:
        _spend(customer, 41, "spend:too-much")
    db.session.rollback()
    assert "积分不足" in err.value.message and err.value.status == 409
    assert ledger.entry_by_key("spend:too-much") is None
    assert assert_books_balance(customer.id) == 40


def test_the_same_spend_key_debits_once(db):
    customer = f.customer()
    give_points(customer, 100)
    first = _spend(customer, 30, "spend:once")
    second = _spend(customer, 30, "spend:once")
    assert first.id == second.id
    assert assert_books_balance(customer.id) == 70


def test_a_refund_goes_back_to_the_awards_it_came_from(db):
    customer = f.customer()
    today = business_today()
    soon = give_points(customer, 50, expires_on=today + timedelta(days=10))
    late = give_points(customer, 100, expires_on=today + timedelta(days=400))
    debit = _spend(customer, 80, "spend:r")
    account = ledger.lock_account(customer.id)
    posting = ledger.refund(account, debit, PointsReason.redemption_refund, "refund:r")
    db.session.commit()
    db.session.expire_all()
    assert posting.entry.amount == 80
    assert (soon.remaining, late.remaining) == (50, 100)  # each back with its own expiry date
    assert assert_books_balance(customer.id) == 150
    # Refunding again changes nothing.
    account = ledger.lock_account(customer.id)
    assert not ledger.refund(account, debit, PointsReason.redemption_refund, "refund:r").created
    db.session.commit()
    assert assert_books_balance(customer.id) == 150


def test_a_refund_to_an_award_that_lapsed_meanwhile_is_not_returned(db):
    customer = f.customer()
    today = business_today()
    give_points(customer, 50, expires_on=today + timedelta(days=5))
    debit = _spend(customer, 20, "spend:lapse")
    # A week later the award has lapsed: the sweep expires the 30 left, the refund returns nothing.
    later = today + timedelta(days=7)
    assert awards.expire_points(later)["points"] == 30
    account = ledger.lock_account(customer.id)
    ledger.refund(account, debit, PointsReason.redemption_refund, "refund:lapse", today=later)
    db.session.commit()
    assert assert_books_balance(customer.id) == 0


def test_expiry_job_writes_one_entry_per_lapsed_award_and_is_idempotent(db):
    customer = f.customer()
    today = business_today()
    lapsed = give_points(customer, 60, expires_on=today - timedelta(days=1))
    give_points(customer, 40, expires_on=today)  # still valid today
    _spend(customer, 10, "spend:before-expiry")  # the spend itself expires the lapsed award first
    db.session.expire_all()
    assert lapsed.remaining == 0
    first = awards.expire_points()
    second = awards.expire_points()
    assert second == {"customers": 0, "points": 0}
    expiries = db.session.execute(select(PointsEntry).where(PointsEntry.reason == PointsReason.expiry)).scalars().all()
    assert [(e.amount, e.ref_id) for e in expiries] == [(-60, lapsed.id)]
    assert first["points"] == 0  # already done by the spend
    assert assert_books_balance(customer.id) == 30


def summary(customer_id: int) -> dict:
    """What GET /api/mp/points answers."""
    return json.loads(statement.summary_json(customer_id))


def test_the_expiry_job_sweeps_customers_without_activity(db):
    customer = f.customer()
    today = business_today()
    give_points(customer, 25, expires_on=today - timedelta(days=3))
    give_points(customer, 5)
    assert summary(customer.id)["balance"] == 5  # lapsed points are not shown as available
    assert awards.expire_points() == {"customers": 1, "points": 25}
    assert awards.expire_points() == {"customers": 0, "points": 0}
    assert assert_books_balance(customer.id) == 5


def test_summary_shows_the_next_batch_to_expire(db):
    customer = f.customer()
    today = business_today()
    give_points(customer, 10, expires_on=today + timedelta(days=20))
    give_points(customer, 15, expires_on=today + timedelta(days=20))
    give_points(customer, 100, expires_on=today + timedelta(days=300))
    next_batch = {"points": 25, "on": (today + timedelta(days=20)).isoformat()}
    assert summary(customer.id) == {"balance": 125, "expiring": next_batch}
    assert summary(f.customer().id) == {"balance": 0, "expiring": {"points": 0, "on": None}}


def _policy_award(customer, points, written="3000.00"):
    company = f.org_unit(OrgLevel.company)
    branch = f.org_unit(OrgLevel.branch, f.org_unit(OrgLevel.city, company))
    policy = f.policy(customer=customer, agent=f.staff(team=f.team(branch)), written=written)
    entry = give_points(customer, points, key=f"policy:{policy.id}", reason=PointsReason.policy_purchase,
                        policy_id=policy.id)
    return policy, entry


def _cancel(policy):
    policy.status = PolicyStatus.cancelled
    db.session.commit()


def test_reversal_takes_back_unspent_points_of_a_cancelled_policy(db):
    customer = f.customer()
    policy, award = _policy_award(customer, 300)
    give_points(customer, 50)
    _cancel(policy)
    assert awards.reverse_cancelled() == {"reversed": 1, "points": 300, "shortfall": 0}
    assert awards.reverse_cancelled() == {"reversed": 0, "points": 0, "shortfall": 0}
    assert assert_books_balance(customer.id) == 50


def test_reversal_of_spent_points_takes_other_points_then_records_a_shortfall(db):
    customer = f.customer()
    today = business_today()
    policy, award = _policy_award(customer, 300)
    other = give_points(customer, 100, expires_on=today + timedelta(days=700))
    _spend(customer, 350, "spend:voucher")  # 300 of the policy's (expiring sooner), 50 of the other
    _cancel(policy)
    result = awards.reverse_cancelled()
    # 300 owed: the 50 left of the other award are taken, 250 cannot be: a shortfall, not a debt balance.
    assert result == {"reversed": 1, "points": 50, "shortfall": 250}
    assert assert_books_balance(customer.id) == 0
    account = db.session.get(PointsAccount, customer.id)
    assert account.shortfall == 250
    shortfall = db.session.execute(select(PointsShortfall)).scalar_one()
    assert (shortfall.award_id, shortfall.points, shortfall.policy_id) == (award.id, 250, policy.id)
    assert awards.reverse_cancelled()["reversed"] == 0  # idempotent
    # The next award pays the shortfall off first.
    give_points(customer, 200)
    give_points(customer, 100)
    db.session.expire_all()
    assert db.session.get(PointsAccount, customer.id).shortfall == 0
    assert assert_books_balance(customer.id) == 50
    recoveries = db.session.execute(select(PointsEntry.amount).where(
        PointsEntry.reason == PointsReason.shortfall_recovery).order_by(PointsEntry.id)).scalars().all()
    assert recoveries == [-200, -50]
    del other


def test_a_refund_of_points_from_a_reversed_award_settles_the_shortfall(db):
    customer = f.customer()
    policy, award = _policy_award(customer, 300)
    debit = _spend(customer, 300, "spend:all")
    _cancel(policy)
    awards.reverse_cancelled()
    assert db.session.get(PointsAccount, customer.id).shortfall == 300
    account = ledger.lock_account(customer.id)
    ledger.refund(account, debit, PointsReason.redemption_refund, "refund:all")
    db.session.commit()
    db.session.expire_all()
    # The voucher came back: the company is square, the customer owes nothing and gets nothing.
    assert db.session.get(PointsAccount, customer.id).shortfall == 0
    assert assert_books_balance(customer.id) == 0


def test_the_database_refuses_a_negative_balance(db):
    customer = f.customer()
    give_points(customer, 10)
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE points_accounts SET balance = -1 WHERE customer_id = :c"), {"c": customer.id})
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.add(PointsEntry(customer_id=customer.id, amount=5, balance_after=15, reason=PointsReason.adjustment,
                                   idempotency_key="no-expiry", expires_on=None, remaining=5))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):  # one key, one entry, whatever the code path
        db.session.add(PointsEntry(customer_id=customer.id, amount=-1, balance_after=9, reason=PointsReason.adjustment,
                                   idempotency_key=_first_key(customer)))
        db.session.flush()
    db.session.rollback()
    assert balance(customer.id) == 10


def _first_key(customer):
    return db.session.execute(select(PointsEntry.idempotency_key).where(PointsEntry.customer_id == customer.id)
                              ).scalars().first()


def test_the_ledger_is_append_only_in_the_database(db):
    """Whatever code runs: no entry is deleted, no amount rewritten; only remaining moves."""
    customer = f.customer()
    award = give_points(customer, 10)
    debit = _spend(customer, 4, "spend:fixed")
    for sql in ("UPDATE points_entries SET amount = 1000 WHERE id = :id",
                "UPDATE points_entries SET expires_on = expires_on + 365 WHERE id = :id",
                "DELETE FROM points_entries WHERE id = :id",
                "UPDATE points_allocations SET points = 1 WHERE debit_id = :id",
                "DELETE FROM points_allocations WHERE debit_id = :id"):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(sql), {"id": award.id if "entries" in sql else debit.id})
        db.session.rollback()
    db.session.execute(text("UPDATE points_entries SET remaining = remaining WHERE id = :id"), {"id": award.id})
    db.session.commit()
    assert assert_books_balance(customer.id) == 6
