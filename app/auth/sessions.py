"""The admin panel's signed-cookie session, without rebuilding its serializer on every request.

Flask opens the session on every request, the mini-program's and staff APIs' too, and its cookie
interface builds a new itsdangerous serializer each time (a tenth of the cost of the busiest
mini-program endpoints) before it even looks for the cookie. Same cookie, same signature, same
keys (SECRET_KEY, then SECRET_KEY_FALLBACKS); the serializer is built once per set of keys.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SessionInterface(SecureCookieSessionInterface):
    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        return self._serializer((*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key))

    @lru_cache(maxsize=8)  # noqa: B019  (one interface per app, kept for the app's life)
    def _serializer(self, keys: tuple[str | bytes, ...]) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(list(keys), salt=self.salt, serializer=self.serializer,
                                      signer_kwargs={"key_derivation": self.key_derivation,
                                                     "digest_method": self.digest_method})

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # What Flask returns without the cookie, minus building a serializer and, for requests
        # with no Cookie header at all (the mini-program's and the bots'), parsing cookies.
        if app.secret_key and ("HTTP_COOKIE" not in request.environ
                               or not request.cookies.get(self.get_cookie_name(app))):
            return self.session_class()
        return super().open_session(app, request)
