"""Points jobs: purchase/renewal/referral awards, reversals of cancelled policies' awards, the
expiry sweep and expired vouchers. Each is idempotent: running it twice leaves the same state."""

from __future__ import annotations

import logging

from app.services.points import awards, mall

log = logging.getLogger(__name__)


def award_policy_points() -> dict:
    """Points for new and renewed policies, and inviters' points for invitees' first policies."""
    run = awards.award_policies()
    log.info("points: %d purchase awards, %d renewal bonuses, %d referrals paid",
             run.purchases, run.renewals, run.referrals)
    return {"purchases": run.purchases, "renewals": run.renewals, "referrals": run.referrals}


def reverse_cancelled_policies() -> dict:
    """Take back the points of policies cancelled since they earned them (shortfall if spent)."""
    result = awards.reverse_cancelled()
    log.info("points: %(reversed)d awards reversed, %(points)d points taken back, %(shortfall)d short", result)
    return result


def expire_points() -> dict:
    """Expiry entries for awards past their date."""
    result = awards.expire_points()
    log.info("points: %(points)d points expired for %(customers)d customers", result)
    return result


def expire_vouchers() -> dict:
    """Mark unused vouchers past their time as expired."""
    count = mall.expire_vouchers()
    log.info("points: %d vouchers expired", count)
    return {"expired": count}
