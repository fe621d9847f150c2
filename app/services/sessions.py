"""Staff sign-in with username and password: rate-limited, audited, and the same answer for
a wrong password and an unknown account."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.auth import ratelimit
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.auth.viewer import Viewer
from app.errors import DomainError
from app.extensions import db
from app.models import AuditChannel, Staff
from app.services import audit
from app.services.lookups import get_or_404


class LoginRefused(DomainError):
    status = 401

    def __init__(self):
        super().__init__("用户名或密码错误", "login_failed")


class LoginThrottled(DomainError):
    status = 429

    def __init__(self, seconds: int):
        minutes = max(1, -(-seconds // 60))
        super().__init__(f"登录失败次数过多,请{minutes}分钟后再试", "login_throttled")


def authenticate(username: str, password: str, ip: str | None, channel: AuditChannel) -> Staff:
    cfg = current_app.config
    buckets = (f"login:user:{username.lower()}", f"login:ip:{ip or '-'}")
    for bucket in buckets:
        if ratelimit.count(bucket) >= cfg["LOGIN_MAX_ATTEMPTS"]:
            raise LoginThrottled(ratelimit.retry_after(bucket))
    staff = db.session.execute(
        select(Staff).where(Staff.username == username, Staff.active.is_(True))
    ).scalar_one_or_none()
    if staff is None or not verify_password(staff.password_hash, password):
        for bucket in buckets:
            ratelimit.hit(bucket, cfg["LOGIN_WINDOW_SECONDS"])
        audit.record(Viewer(channel=channel, ip=ip), "login_failed", "staff",
                     staff.id if staff else None, {"username": username})
        db.session.commit()
        raise LoginRefused()
    ratelimit.reset(buckets[0])
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    audit.record(Viewer(channel=channel, staff=staff, ip=ip), "login", "staff", staff.id)
    db.session.commit()
    return staff


def set_password(staff_id: int, password: str, actor: Viewer) -> None:
    """Set a panel password; every token issued before stops working. Audited as a staff change."""
    if len(password) < 10:
        raise DomainError("密码至少10位", "weak_password", {"password": ["密码至少10位"]})
    staff = get_or_404(Staff, staff_id, "员工不存在")
    staff.password_hash = hash_password(password)
    staff.token_version += 1
    audit.record(actor, "update", "staff", staff.id, {"fields": ["password"]})
    db.session.commit()
