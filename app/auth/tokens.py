"""Signed bearer tokens for the mini-program (customers, resident managers) and staff APIs.

A token carries the subject kind, its id and the subject's token_version; it is signed with
SECRET_KEY and expires after TOKEN_TTL_SECONDS. Bumping token_version revokes old tokens.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

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


@lru_cache(maxsize=16)
def _serializer_for(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    """Serializers keep no per-call state; building one costs more than checking a signature."""
    return URLSafeTimedSerializer(secret_key, salt=salt)


def _serializer() -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"], SALT)


@lru_cache(maxsize=8192)
def _verified(secret_key: str, token: str) -> tuple[TokenClaims, float]:
    """The claims of a token whose signature is good, and when it was signed. Cached per process:
    a mini-program sends the same token on every request, and its signature cannot change its
    verdict under the same key (the key is part of the cache key). Age is checked by the caller
    on every read, so a cached token still expires on time; a bad token raises and is not cached."""
    data, signed_at = _serializer_for(secret_key, SALT).loads(token, return_timestamp=True)
    if not isinstance(data, dict) or data.get("k") not in SUBJECT_KINDS:
        raise BadSignature("not an API token")
    claims = TokenClaims(kind=data["k"], subject_id=int(data["s"]), version=int(data.get("v", 1)))
    return claims, signed_at.timestamp()


def issue_token(kind: str, subject_id: int, version: int = 1) -> str:
    if kind not in SUBJECT_KINDS:
        raise ValueError(f"unknown token subject kind {kind!r}")
    return _serializer().dumps({"k": kind, "s": subject_id, "v": version})


def read_token(token: str, max_age: int | None = None) -> TokenClaims:
    max_age = current_app.config["TOKEN_TTL_SECONDS"] if max_age is None else max_age
    try:
        claims, signed_at = _verified(current_app.config["SECRET_KEY"], token)
    except (BadSignature, ValueError, TypeError, KeyError):
        raise TokenError() from None
    age = time.time() - signed_at
    if age > max_age:
        raise TokenError("登录已过期,请重新登录", "token_expired")
    if age < -1:  # signed in the future (as itsdangerous refuses), allowing a second's rounding
        raise TokenError()
    return claims


# A WeChat user who logged in but is not bound to a customer or a resident manager yet gets a
# short-lived token that names only their openid. Its own salt: it can never pass read_token, so
# it opens nothing but the binding endpoints.
BIND_SALT = "baoyun.mp-bind-token.v1"


def _bind_serializer() -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"], BIND_SALT)


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
