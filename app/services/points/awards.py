"""The points jobs' work: purchase and renewal awards, referral payouts, reversals of awards whose
policy was cancelled, and the expiry sweep. Every one is idempotent (idempotency keys per policy,
referral and award), commits per customer, and can be run again at any time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_FLOOR
from itertools import groupby

from flask import current_app
from sqlalchemy import and_, exists, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Policy, PolicyStatus
from app.models.points import PointsEntry, PointsReason, PointsShortfall, Referral, ReferralStatus
from app.services.points import ledger
from app.timeutil import business_today


@dataclass
class AwardRun:
    purchases: int = 0
    renewals: int = 0
    referrals: int = 0


def purchase_points(policy: Policy) -> int:
    rate = current_app.config["POINTS_PER_PREMIUM_YUAN"]
    return int((policy.written_premium * rate).to_integral_value(rounding=ROUND_FLOOR))


def award_policies(today: date | None = None) -> AwardRun:
    """Points for policies issued in the last POINTS_POLICY_LOOKBACK_DAYS days (not cancelled),
    a renewal bonus for those renewing one of ours, and the inviter's points for an invitee's first
    policy after accepting the invitation."""
    today = today or business_today()
    since = today - timedelta(days=current_app.config["POINTS_POLICY_LOOKBACK_DAYS"])
    run = AwardRun()
    awarded = exists().where(PointsEntry.policy_id == Policy.id, PointsEntry.reason == PointsReason.policy_purchase)
    due = db.session.execute(
        select(Policy.customer_id, Policy.id).where(Policy.status == PolicyStatus.valid, Policy.issued_on >= since,
                                                    Policy.issued_on <= today, ~awarded)
        .order_by(Policy.customer_id, Policy.id)).all()
    bonus = current_app.config["POINTS_RENEWAL_BONUS"]
    for customer_id, rows in groupby(due, key=lambda row: row.customer_id):
        # One transaction per customer: their account locked once, their policies loaded together.
        account = ledger.lock_account(customer_id)
        policies = db.session.scalars(select(Policy).where(Policy.id.in_([row.id for row in rows]))
                                      .order_by(Policy.id)).all()
        for policy in policies:
            points = purchase_points(policy)
            if points > 0 and ledger.award(account, points, PointsReason.policy_purchase, f"policy:{policy.id}",
                                           ref_type="policy", ref_id=policy.id, policy_id=policy.id,
                                           note=policy.number).created:
                run.purchases += 1
            if bonus > 0 and policy.previous_policy_id is not None and ledger.award(
                    account, bonus, PointsReason.policy_renewal, f"policy-renewal:{policy.id}", ref_type="policy",
                    ref_id=policy.id, policy_id=policy.id, note=policy.number).created:
                run.renewals += 1
        db.session.commit()
    run.referrals = pay_referrals()
    return run


def pay_referrals() -> int:
    """The inviter's points for each pending referral whose invitee now has a policy issued on or
    after the day they accepted (the first such policy earns it; cancelling it reverses it)."""
    award_points = current_app.config["POINTS_REFERRAL_AWARD"]
    paid = 0
    pending = db.session.execute(select(Referral.id).where(Referral.status == ReferralStatus.pending)
                                 .order_by(Referral.id)).scalars().all()
    for referral_id in pending:
        referral = db.session.get(Referral, referral_id)
        policy_id = db.session.execute(
            select(Policy.id).where(Policy.customer_id == referral.invitee_id, Policy.status == PolicyStatus.valid,
                                    Policy.issued_on >= referral.accepted_on)
            .order_by(Policy.issued_on, Policy.id).limit(1)).scalar_one_or_none()
        if policy_id is None:
            continue
        account = ledger.lock_account(referral.inviter_id)
        db.session.refresh(referral)
        if referral.status != ReferralStatus.pending:
            db.session.rollback()
            continue
        if award_points > 0:
            ledger.award(account, award_points, PointsReason.referral, f"referral:{referral.id}",
                         ref_type="referral", ref_id=referral.id, policy_id=policy_id)
        referral.status = ReferralStatus.awarded
        referral.policy_id = policy_id
        referral.points = award_points
        referral.awarded_at = datetime.now(UTC)
        db.session.commit()
        paid += 1
    return paid


def reverse_cancelled() -> dict:
    """Take back awards earned by policies that have since been cancelled (purchase, renewal and
    referral awards alike). What was already spent becomes a shortfall, never a negative balance."""
    reversal = aliased(PointsEntry)
    award_ids = db.session.execute(
        select(PointsEntry.id).join(Policy, Policy.id == PointsEntry.policy_id)
        .where(Policy.status == PolicyStatus.cancelled, PointsEntry.remaining.is_not(None),
               ~exists().where(reversal.reason == PointsReason.reversal, reversal.ref_type == "points_entry",
                               reversal.ref_id == PointsEntry.id),
               ~exists().where(PointsShortfall.award_id == PointsEntry.id))
        .order_by(PointsEntry.customer_id, PointsEntry.id)
    ).scalars().all()
    taken = shortfall = count = 0
    for award_id in award_ids:
        source = db.session.get(PointsEntry, award_id)
        if ledger.is_reversed(award_id):
            continue
        account = ledger.lock_account(source.customer_id)
        got, short = ledger.reverse_award(account, source, note="保单注销")
        db.session.commit()
        if got or short:
            count += 1
        taken += got
        shortfall += short
    return {"reversed": count, "points": taken, "shortfall": shortfall}


def expire_points(today: date | None = None) -> dict:
    """Expiry entries for every award past its date with points left (idempotent per award)."""
    today = today or business_today()
    customer_ids = db.session.execute(
        select(PointsEntry.customer_id).where(and_(PointsEntry.remaining > 0, PointsEntry.expires_on < today))
        .distinct()).scalars().all()
    points = 0
    for customer_id in customer_ids:
        account = ledger.lock_account(customer_id)
        points += ledger.expire_lapsed(account, today)
        db.session.commit()
    return {"customers": len(customer_ids), "points": points}
