"""Mini-program sign-in: wx.login code -> openid -> our token, and binding a WeChat user to a
customer (mobile + SMS code, or ID number + plate) or to a resident manager (mobile + SMS code).

No answer tells a stranger whether a number belongs to a customer: an SMS code goes to any valid
mobile that asks (rate-limited), and every failed binding gets the same message.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from app.auth import ratelimit
from app.auth.tokens import issue_bind_token, issue_token
from app.errors import DomainError
from app.extensions import db, redis_ext
from app.integrations.base import GatewayError, PermanentError
from app.integrations.registry import wechat_api
from app.models import Customer, Policy, Role, Staff, Vehicle
from app.models.messaging import MessageChannel
from app.security.fields import cipher, normalise
from app.services import messaging
from app.validators import validate_plate

log = logging.getLogger(__name__)

ROLE_CUSTOMER = "customer"
ROLE_RESIDENT = "resident_manager"
LOGIN_CODE_TEMPLATE = "sms_login_code"
# One message for every failed binding, whatever failed: no way to tell a wrong code from a stranger.
BIND_FAILED = "验证信息不正确,或未查询到您名下的保单。请核对后重试"


class RateLimited(DomainError):
    status = 429

    def __init__(self, message: str = "操作过于频繁,请稍后再试"):
        super().__init__(message, "rate_limited")


def _bind_failed() -> DomainError:
    return DomainError(BIND_FAILED, "bind_failed", status=400)


@dataclass(frozen=True)
class SignedIn:
    token: str
    bound: bool
    role: str | None
    expires_in: int
    customer: Customer | None = None
    staff: Staff | None = None


def _signed_in_customer(customer: Customer) -> SignedIn:
    return SignedIn(issue_token("customer", customer.id), True, ROLE_CUSTOMER,
                    current_app.config["TOKEN_TTL_SECONDS"], customer=customer)


def _signed_in_staff(staff: Staff) -> SignedIn:
    return SignedIn(issue_token("staff", staff.id, staff.token_version), True, ROLE_RESIDENT,
                    current_app.config["TOKEN_TTL_SECONDS"], staff=staff)


def _resident_by_openid(openid: str) -> Staff | None:
    return db.session.execute(
        select(Staff).where(Staff.openid == openid, Staff.role == Role.resident_manager, Staff.active)
    ).scalar_one_or_none()


def login(code: str) -> SignedIn:
    """Exchange a wx.login() code; a bound user gets their token, anyone else a bind-only token."""
    try:
        session = wechat_api().code_to_session(code)
    except PermanentError:
        raise DomainError("微信登录凭证无效或已使用,请重新进入小程序", "wechat_code_invalid", status=400) from None
    except GatewayError:
        log.warning("code2session failed", exc_info=True)
        raise DomainError("微信服务暂不可用,请稍后再试", "wechat_unavailable", status=503) from None
    openid, unionid = session["openid"], session.get("unionid")
    staff = _resident_by_openid(openid)
    if staff is not None:
        return _signed_in_staff(staff)
    customer = db.session.execute(select(Customer).where(Customer.openid == openid)).scalar_one_or_none()
    if customer is not None:
        if unionid and customer.unionid != unionid:
            customer.unionid = unionid
            db.session.commit()
        return _signed_in_customer(customer)
    return SignedIn(issue_bind_token(openid, unionid), False, None,
                    current_app.config["MP_BIND_TOKEN_TTL_SECONDS"])


# ---- SMS codes ----------------------------------------------------------------------------------

def _mobile_ref(mobile: str) -> str:
    """A short, keyed, non-reversible name for a mobile in Redis keys and rate-limit buckets."""
    return cipher().digest(mobile).hex()[:32]


def _code_digest(mobile_ref: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{mobile_ref}:{code}".encode(), hashlib.sha256).hexdigest()


def _limit(bucket: str, window: int, most: int, message: str | None = None) -> None:
    if ratelimit.hit(bucket, window) > most:
        raise RateLimited(message or "操作过于频繁,请稍后再试")


def request_sms_code(openid: str, mobile: str, ip: str | None) -> None:
    """Send a login code to `mobile` through the outbox. The same for any valid number: whether it
    belongs to a customer is only checked when the code comes back."""
    config = current_app.config
    ref = _mobile_ref(mobile)
    cooldown = config["MP_SMS_CODE_COOLDOWN_SECONDS"]
    if cooldown > 0:
        _limit(f"mp-sms:cool:{ref}", cooldown, 1, f"验证码已发送,请{cooldown}秒后再试")
    _limit(f"mp-sms:mobile:{ref}", 3600, config["MP_SMS_CODES_PER_MOBILE_HOUR"])
    _limit(f"mp-sms:openid:{openid}", 3600, config["MP_SMS_CODES_PER_OPENID_HOUR"])
    if ip:
        _limit(f"mp-sms:ip:{ip}", 3600, config["MP_SMS_CODES_PER_IP_HOUR"])
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = config["MP_SMS_CODE_TTL_SECONDS"]
    pipe = redis_ext.client.pipeline()
    pipe.set(redis_ext.key("mp-sms-code", ref), _code_digest(ref, code), ex=ttl)
    pipe.delete(redis_ext.key("mp-sms-tries", ref))
    pipe.execute()
    messaging.enqueue(MessageChannel.sms, mobile, LOGIN_CODE_TEMPLATE,
                      {"code": code, "minutes": str(max(1, ttl // 60))},
                      dedupe_key=f"mp-login-code:{ref[:16]}:{secrets.token_hex(8)}", secret=("code",))


def _take_code(mobile: str, code: str) -> bool:
    """True if `code` is the live code for `mobile` (then it is used up). Wrong tries count; after
    MP_SMS_CODE_MAX_TRIES the code is void."""
    ref = _mobile_ref(mobile)
    code_key, tries_key = redis_ext.key("mp-sms-code", ref), redis_ext.key("mp-sms-tries", ref)
    stored = redis_ext.client.get(code_key)
    if stored is None:
        return False
    if hmac.compare_digest(stored.decode(), _code_digest(ref, code)):
        # DELETE answers 1 to exactly one caller: two racing binds cannot both use the code.
        return bool(redis_ext.client.delete(code_key))
    tries = redis_ext.client.incr(tries_key)
    redis_ext.client.expire(tries_key, current_app.config["MP_SMS_CODE_TTL_SECONDS"])
    if tries >= current_app.config["MP_SMS_CODE_MAX_TRIES"]:
        redis_ext.client.delete(code_key)
    return False


# ---- binding ------------------------------------------------------------------------------------

def _count_bind_attempt(openid: str, ip: str | None) -> None:
    config = current_app.config
    window = config["MP_BIND_WINDOW_SECONDS"]
    _limit(f"mp-bind:openid:{openid}", window, config["MP_BIND_MAX_ATTEMPTS"])
    if ip:
        _limit(f"mp-bind:ip:{ip}", window, config["MP_BIND_MAX_ATTEMPTS_PER_IP"])


def _check_openid_free(openid: str, customer: Customer | None = None, staff: Staff | None = None) -> None:
    """A WeChat user binds to one person, and a person to one WeChat user."""
    other_customer = db.session.execute(
        select(Customer.id).where(Customer.openid == openid)).scalar_one_or_none()
    other_staff = db.session.execute(select(Staff.id).where(Staff.openid == openid)).scalar_one_or_none()
    if (other_customer is not None and (customer is None or other_customer != customer.id)) or (
            other_staff is not None and (staff is None or other_staff != staff.id)):
        raise DomainError("当前微信已绑定其他账户,请先联系客服解除原绑定", "openid_already_bound", status=409)
    person = customer or staff
    if person.openid and person.openid != openid:
        raise DomainError("该账户已绑定其他微信,如需更换请联系您的客户经理", "account_bound_elsewhere",
                          status=409)


def bind_by_sms(openid: str, unionid: str | None, mobile: str, code: str, ip: str | None,
                role: str | None = None) -> SignedIn:
    """Bind by a mobile and the code sent to it: to the resident manager with that mobile (unless
    role='customer'), else to the customer with that mobile."""
    _count_bind_attempt(openid, ip)
    if not _take_code(mobile, code):
        raise _bind_failed()
    digest = cipher().digest(mobile)
    if role != ROLE_CUSTOMER:
        staff = db.session.execute(
            select(Staff).where(Staff.mobile_hash == digest, Staff.role == Role.resident_manager, Staff.active)
            .order_by(Staff.id).limit(1)
        ).scalar_one_or_none()
        if staff is not None:
            return _bind_staff(staff, openid)
        if role == ROLE_RESIDENT:
            raise _bind_failed()
    # Several customer rows can share a mobile (a family, a company's fleet contact): the one with
    # the latest policy is the one the mini-program shows.
    customer = db.session.execute(
        select(Customer).where(Customer.mobile_hash == digest)
        .order_by(select(Policy.start_date).where(Policy.customer_id == Customer.id)
                  .order_by(Policy.start_date.desc()).limit(1).scalar_subquery().desc().nulls_last(),
                  Customer.id)
        .limit(1)
    ).scalar_one_or_none()
    if customer is None:
        raise _bind_failed()
    return _bind_customer(customer, openid, unionid)


def bind_by_id_number(openid: str, unionid: str | None, id_number: str, plate: str, ip: str | None) -> SignedIn:
    """Bind by ID number (or credit code) and the plate of a vehicle the customer owns or insures with us."""
    _count_bind_attempt(openid, ip)
    try:
        plate = validate_plate(plate)
    except ValueError:
        raise _bind_failed() from None
    customer = db.session.execute(
        select(Customer).where(Customer.id_number_hash == cipher().digest(normalise(id_number)))
    ).scalar_one_or_none()
    if customer is None:
        raise _bind_failed()
    insured = select(Policy.vehicle_id).where(Policy.customer_id == customer.id)
    has_plate = db.session.execute(
        select(Vehicle.id).where(Vehicle.plate == plate,
                                 or_(Vehicle.owner_id == customer.id, Vehicle.id.in_(insured))).limit(1)
    ).first()
    if has_plate is None:
        raise _bind_failed()
    return _bind_customer(customer, openid, unionid)


def _bind_customer(customer: Customer, openid: str, unionid: str | None) -> SignedIn:
    _check_openid_free(openid, customer=customer)
    # Conditional on the row still being free: two WeChat users racing for one customer get one winner.
    _write_binding(
        update(Customer).where(Customer.id == customer.id, or_(Customer.openid.is_(None), Customer.openid == openid))
        .values(openid=openid, unionid=unionid or Customer.unionid))
    return _signed_in_customer(db.session.get(Customer, customer.id))


def _bind_staff(staff: Staff, openid: str) -> SignedIn:
    _check_openid_free(openid, staff=staff)
    _write_binding(
        update(Staff).where(Staff.id == staff.id, or_(Staff.openid.is_(None), Staff.openid == openid))
        .values(openid=openid))
    return _signed_in_staff(db.session.get(Staff, staff.id))


def _write_binding(stmt) -> None:
    """Run the conditional UPDATE that binds and commit. It matches no row when the person was bound
    to another WeChat user meanwhile; the unique openid refuses a WeChat user bound a moment ago."""
    try:
        bound = db.session.execute(stmt).rowcount
        if bound:
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError("当前微信已绑定其他账户,请先联系客服解除原绑定", "openid_already_bound", status=409) from None
    if not bound:
        db.session.rollback()
        raise DomainError("该账户已绑定其他微信,如需更换请联系您的客户经理", "account_bound_elsewhere", status=409)


def cooldown_seconds() -> int:
    return current_app.config["MP_SMS_CODE_COOLDOWN_SECONDS"]


# ---- subscribe-message consents -------------------------------------------------------------------

def grant_subscriptions(customer: Customer, template_ids: list[str]) -> dict:
    """The customer accepted these templates in wx.requestSubscribeMessage: one message each."""
    if not customer.openid:
        raise DomainError("请先在微信小程序中登录并绑定", "not_bound_to_wechat", status=409)
    template_ids = list(dict.fromkeys(template_ids))
    messaging.grant_subscriptions(customer.openid, template_ids, customer_id=customer.id)
    return {"template_ids": template_ids,
            "remaining": {t: messaging.subscriptions_left(customer.openid, t) for t in template_ids}}
