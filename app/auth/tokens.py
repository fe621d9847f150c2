"""Signed bearer tokens for the mini-program (customers, resident managers) and staff APIs.

A token carries the subject kind, its id and the subject's token_version; it is signed with
SECRET_KEY and expires after TOKEN_TTL_SECONDS. Bumping token_version revokes old tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.errors import DomainError

SALT = "baoyun.api-token.v1"
SUBJECT_KINDS = ("staff", "customer")


class TokenError(DomainError):
    status = 401

    def __init__(self, message: str = "登录已失效,请重新登录", code: str = "invalid_token"):
        super().__init__(message, code)


@dataclass(frozen=True)
class TokenClaims:
    kind: str
    subject_id: int
    version: int


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue_token(kind: str, subject_id: int, version: int = 1) -> str:
    if kind not in SUBJECT_KINDS:
        raise ValueError(f"unknown token subject kind {kind!r}")
    return _serializer().dumps({"k": kind, "s": subject_id, "v": version})


def read_token(token: str, max_age: int | None = None) -> TokenClaims:
    max_age = current_app.config["TOKEN_TTL_SECONDS"] if max_age is None else max_age
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError("登录已过期,请重新登录", "token_expired") from None
    except BadSignature:
        raise TokenError() from None
    if not isinstance(data, dict) or data.get("k") not in SUBJECT_KINDS:
        raise TokenError()
    return TokenClaims(kind=data["k"], subject_id=int(data["s"]), version=int(data.get("v", 1)))


# A WeChat user who logged in but is not bound to a customer or a resident manager yet gets a
# short-lived token that names only their openid. Its own salt: it can never pass read_token, so
# it opens nothing but the binding endpoints.
BIND_SALT = "baoyun.mp-bind-token.v1"


def _bind_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=BIND_SALT)


def issue_bind_token(openid: str, unionid: str | None = None) -> str:
    return _bind_serializer().dumps({"o": openid, "u": unionid})


def read_bind_token(token: str) -> tuple[str, str | None]:
    """(openid, unionid) of a bind token; TokenError when forged or older than MP_BIND_TOKEN_TTL_SECONDS."""
    try:
        data = _bind_serializer().loads(token, max_age=current_app.config["MP_BIND_TOKEN_TTL_SECONDS"])
    except SignatureExpired:
        raise TokenError("登录已过期,请重新进入小程序", "token_expired") from None
    except BadSignature:
        raise TokenError() from None
    if not isinstance(data, dict) or not data.get("o"):
        raise TokenError()
    return str(data["o"]), data.get("u")
