"""Partners (dealers and merchants) that serve mall vouchers: their API keys and verification.

A partner authenticates with `X-Partner-Key: <prefix>.<secret>`; only the SHA-256 of the secret
is stored (the secret is random, 32 bytes, so a plain hash is enough), and the key is shown once
when issued. A dealer's resident manager may also verify with their staff token: they act for
the dealer's partner record. Every attempt is logged in voucher_verifications.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import select

from app.auth import ratelimit
from app.errors import DomainError
from app.extensions import db
from app.models import Role, Staff
from app.models.points import (
    Partner,
    PartnerKind,
    VerificationResult,
    Voucher,
    VoucherStatus,
    VoucherVerification,
)
from app.services.points.mall import normalise_code

KEY_HEADER = "X-Partner-Key"
# Failed verifications a partner may make per minute before being refused for the rest of it.
MAX_FAILURES_PER_MINUTE = 30

RESULT_MESSAGES = {
    VerificationResult.not_found: "券码不存在,请核对后重试",
    VerificationResult.already_used: "该券已核销,不能重复使用",
    VerificationResult.cancelled: "该券已被客户取消",
    VerificationResult.expired: "该券已过期",
    VerificationResult.wrong_partner: "该券不属于本商户,不能核销",
}


class PartnerAuthError(DomainError):
    status = 401

    def __init__(self):
        super().__init__("商户凭证无效", "invalid_partner_key")


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def issue_key(partner: Partner) -> str:
    """A new key for the partner (the old one stops working); returned once, stored hashed."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    partner.key_prefix = prefix
    partner.key_hash = _hash(secret)
    return f"{prefix}.{secret}"


def partner_from_key(header_value: str | None) -> Partner:
    prefix, _, secret = (header_value or "").strip().partition(".")
    if not prefix or not secret:
        raise PartnerAuthError()
    partner = db.session.execute(select(Partner).where(Partner.key_prefix == prefix)).scalar_one_or_none()
    if partner is None or not partner.active or partner.key_hash is None \
            or not hmac.compare_digest(partner.key_hash, _hash(secret)):
        raise PartnerAuthError()
    return partner


def partner_for_staff(staff: Staff) -> Partner:
    """The partner record a resident manager verifies for: their dealer's."""
    if staff.role != Role.resident_manager or staff.dealer_id is None:
        raise DomainError("只有驻店经理可以代车商核销", "forbidden", status=403)
    partner = db.session.execute(select(Partner).where(Partner.kind == PartnerKind.dealer,
                                                       Partner.dealer_id == staff.dealer_id)).scalar_one_or_none()
    if partner is None or not partner.active:
        raise DomainError("所在车商尚未开通核销", "forbidden", status=403)
    return partner


def verify(partner: Partner, code: str, ip: str | None = None, staff_id: int | None = None) -> Voucher:
    """Use a voucher, once. Whatever the outcome, the attempt is logged; a refused attempt raises
    a DomainError after the log is committed."""
    bucket = f"partner-verify-fail:{partner.id}"
    if ratelimit.count(bucket) >= MAX_FAILURES_PER_MINUTE:
        raise DomainError("核销失败次数过多,请稍后再试", "rate_limited", status=429)
    code = normalise_code(code)
    voucher = db.session.execute(select(Voucher).where(Voucher.code == code).with_for_update()
                                 .execution_options(populate_existing=True)).scalar_one_or_none()
    now = datetime.now(UTC)
    if voucher is None:
        result = VerificationResult.not_found
    elif voucher.partner_id is not None and voucher.partner_id != partner.id:
        result = VerificationResult.wrong_partner
    elif voucher.status == VoucherStatus.used:
        result = VerificationResult.already_used
    elif voucher.status == VoucherStatus.cancelled:
        result = VerificationResult.cancelled
    elif voucher.status == VoucherStatus.expired or voucher.expires_at <= now:
        result = VerificationResult.expired
    else:
        result = VerificationResult.ok
        voucher.status = VoucherStatus.used
        voucher.used_at = now
        voucher.used_by_partner_id = partner.id
    db.session.add(VoucherVerification(voucher_id=voucher.id if voucher else None, partner_id=partner.id,
                                       staff_id=staff_id, code_tail=code[-4:], result=result, ip=ip))
    db.session.commit()
    if result != VerificationResult.ok:
        ratelimit.hit(bucket, 60)
        status = 404 if result == VerificationResult.not_found else 409
        raise DomainError(RESULT_MESSAGES[result], f"voucher_{result.value}", status=status)
    return voucher
