"""Signing staff in to the H5 pages opened from WeCom: OAuth (snsapi_base) -> WeCom userid -> staff.

A page without a sign-in sends the browser to WeCom's authorize URL with a signed `state` that
carries the page to return to and a nonce also kept in the browser's session (so a state made for
one browser is refused in another). WeCom sends the browser back to the callback with a `code`;
`auth/getuserinfo` turns it into the member's userid. The sign-in lives in the session cookie
under its own key (`staff_h5`), apart from the admin panel's, and lasts STAFF_SESSION_TTL_SECONDS.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode, urlsplit

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from app.auth.viewer import Viewer
from app.errors import DomainError, Forbidden
from app.extensions import db
from app.integrations.base import GatewayError
from app.models import AuditChannel, Staff
from app.services import audit

SESSION_KEY = "staff_h5"
NONCE_KEY = "staff_h5_nonce"
HOME = "/staff/"


class StateRefused(DomainError):
    status = 400

    def __init__(self):
        super().__init__("登录链接已失效,请从企业微信重新打开页面", "bad_state")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="staff-h5-oauth-state")


def safe_next(target: str | None) -> str:
    """Only a path of the staff pages: anything else would make sign-in an open redirect."""
    if not target or "\\" in target or target.startswith("//"):
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(HOME):
        return HOME
    return target


def callback_url() -> str:
    base = current_app.config.get("ADMIN_BASE_URL", "").rstrip("/")
    path = url_for("staff_pages.oauth_callback")
    return base + path if base else url_for("staff_pages.oauth_callback", _external=True)


def authorize_url(next_path: str) -> tuple[str, str]:
    """WeCom's authorize URL for returning to `next_path`, and the nonce to keep in the session."""
    config = current_app.config
    nonce = secrets.token_urlsafe(16)
    state = _serializer().dumps({"n": nonce, "next": safe_next(next_path)})
    query = urlencode({"appid": config["WECOM_CORP_ID"], "redirect_uri": callback_url(), "response_type": "code",
                       "scope": "snsapi_base", "agentid": config["WECOM_AGENT_ID"], "state": state})
    base = config["WECOM_OAUTH_BASE_URL"].rstrip("/")
    return f"{base}/connect/oauth2/authorize?{query}#wechat_redirect", nonce


def read_state(state: str | None, nonce: str | None) -> str:
    """The page to return to; StateRefused if the state is missing, forged, stale or was made for
    another browser."""
    if not state or not nonce:
        raise StateRefused()
    try:
        data = _serializer().loads(state, max_age=current_app.config["STAFF_OAUTH_STATE_MAX_AGE_SECONDS"])
    except (SignatureExpired, BadSignature):
        raise StateRefused() from None
    if not isinstance(data, dict) or not secrets.compare_digest(str(data.get("n", "")), nonce):
        raise StateRefused()
    return safe_next(data.get("next"))


def sign_in(code: str | None, ip: str | None) -> tuple[Staff, dict]:
    """The staff member behind a WeCom OAuth code, and the session value that signs them in."""
    from app.integrations.registry import wecom_api

    if not code:
        raise Forbidden("企业微信授权失败,请重新打开页面")
    try:
        answer = wecom_api().get_user_info(code)
    except GatewayError:
        current_app.logger.warning("WeCom OAuth code exchange failed", exc_info=True)
        raise Forbidden("企业微信授权失败,请重新打开页面") from None
    userid = answer.get("userid")
    staff = db.session.scalar(select(Staff).where(Staff.wecom_userid == userid)) if userid else None
    if staff is None or not staff.active:
        audit.record(None, "login_refused", "staff", staff.id if staff else None,
                     {"via": "wecom_oauth", "wecom_userid": userid or "", "reason": "inactive" if staff else "unknown"},
                     channel=AuditChannel.h5)
        db.session.commit()
        raise Forbidden("您不是本系统的员工,或账号已停用")
    audit.record(Viewer(channel=AuditChannel.h5, staff=staff, ip=ip), "login", "staff", staff.id,
                 {"via": "wecom_oauth"})
    db.session.commit()
    value = {"id": staff.id, "v": staff.token_version,
             "exp": int(time.time()) + current_app.config["STAFF_SESSION_TTL_SECONDS"]}
    return staff, value


def session_staff(value) -> Staff | None:
    """The signed-in staff member of a session value, if it is still valid."""
    if not isinstance(value, dict) or not isinstance(value.get("exp"), int) or value["exp"] < time.time():
        return None
    staff = db.session.get(Staff, value.get("id")) if isinstance(value.get("id"), int) else None
    if staff is None or not staff.active or staff.token_version != value.get("v"):
        return None
    return staff
