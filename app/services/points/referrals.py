"""Referrals: every customer has an invite code; a bound customer accepts one invitation, once per
customer, per mobile number and per device; the inviter is paid when the invitee buys a policy
(by the awards job, see awards.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.errors import DomainError
from app.extensions import db
from app.models import Customer
from app.models.points import PointsAccount, Referral, ReferralStatus
from app.security.fields import cipher
from app.services.points import ledger
from app.timeutil import business_today


class ReferralRefused(DomainError):
    status = 409

    def __init__(self, message: str, code: str = "referral_refused"):
        super().__init__(message, code)


def device_hash(device_id: str) -> bytes:
    return cipher().digest(f"mp-device:{device_id}")


def invite_info(customer_id: int) -> dict:
    ledger.ensure_account(customer_id)
    code = db.session.execute(select(PointsAccount.invite_code).where(PointsAccount.customer_id == customer_id)
                              ).scalar_one()
    counts = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Referral.points), 0)).where(Referral.inviter_id == customer_id)
    ).one()
    db.session.commit()
    return {"invite_code": code, "invited_count": counts[0], "awarded_points": int(counts[1])}


def accept(customer_id: int, invite_code: str, device_id: str, today: date | None = None) -> Referral:
    code = "".join(ch for ch in (invite_code or "").upper() if ch.isalnum())
    inviter_id = db.session.execute(select(PointsAccount.customer_id).where(PointsAccount.invite_code == code)
                                    ).scalar_one_or_none()
    if inviter_id is None:
        raise DomainError("邀请码无效,请核对后重试", "invalid_invite_code", status=422,
                          errors={"invite_code": ["邀请码无效"]})
    invitee = db.session.get(Customer, customer_id)
    inviter = db.session.get(Customer, inviter_id)
    if inviter_id == customer_id or (invitee.mobile_hash is not None and invitee.mobile_hash == inviter.mobile_hash):
        raise ReferralRefused("不能接受自己的邀请", "self_invite")
    ledger.lock_account(customer_id)  # one acceptance at a time per invitee
    device = device_hash(device_id)
    conditions = [Referral.invitee_id == customer_id, Referral.device_hash == device]
    if invitee.mobile_hash is not None:
        conditions.append(Referral.invitee_mobile_hash == invitee.mobile_hash)
    if db.session.execute(select(Referral.id).where(or_(*conditions)).limit(1)).first():
        db.session.rollback()
        raise ReferralRefused("该账号、手机号或设备已接受过邀请,不能重复接受")
    referral = Referral(inviter_id=inviter_id, invitee_id=customer_id, invitee_mobile_hash=invitee.mobile_hash,
                        device_hash=device, status=ReferralStatus.pending, accepted_on=today or business_today())
    db.session.add(referral)
    try:
        db.session.commit()
    except IntegrityError:
        # Another invitee on the same device (or mobile) got there first.
        db.session.rollback()
        raise ReferralRefused("该账号、手机号或设备已接受过邀请,不能重复接受") from None
    return referral
