"""What the WeChat and WeCom wechatpy clients share: base URL from config, a timeout on every call, the token from our store."""

from __future__ import annotations

import redis

from app.integrations.tokens import TokenStore
from app.integrations.transport import (
    decode,
    network_errors,
    new_session,
    raise_for_errcode,
    wechatpy_answer,
)


class StoreTokenMixin:
    """Mixed into a wechatpy client class. wechatpy writes the token URL into fetch_access_token
    and runs it without a timeout, and keeps the expiry in the client object; all three are
    replaced here. Its own retry on token errors is turned off: TokenStore.call retries once."""

    PROVIDER = ""
    TOKEN_PATH = ""
    TOKEN_ERRORS: dict[int, str] = {}

    def bind(self, base_url: str, timeout: float, client: redis.Redis, token_key: str) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.auto_retry = False
        self.API_BASE_URL = base_url + "/cgi-bin/"
        self._http = new_session()
        # The lock outlives a slow fetch; a waiter gives up a little before that.
        self.tokens = TokenStore(client, token_key, self.fetch_token,
                                 lock_timeout=timeout * 2 + 5, wait_timeout=timeout * 2 + 2)

    def token_params(self) -> dict:
        raise NotImplementedError

    @property
    def access_token(self) -> str:
        return self.tokens.get()

    def fetch_access_token(self) -> dict:
        token, expires_in = self.fetch_token()
        return {"access_token": token, "expires_in": expires_in}

    def fetch_token(self) -> tuple[str, int]:
        """One call to the token endpoint; the token store calls this under its lock."""
        with network_errors(self.PROVIDER):
            response = self._http.get(self.base_url + self.TOKEN_PATH, params=self.token_params(),
                                      timeout=self.timeout)
        answer = decode(self.PROVIDER, response)
        # Token fetch failures are configuration or provider trouble, never one message's fault.
        raise_for_errcode(self.PROVIDER + "获取访问令牌", answer, permanent={}, transient=self.TOKEN_ERRORS)
        return answer["access_token"], int(answer.get("expires_in") or 7200)

    def post_with_token(self, endpoint: str, body: dict, *, permanent: dict[int, str],
                        transient: dict[int, str]) -> dict:
        """POST `body` to `endpoint` (relative to /cgi-bin/); refresh the token once if it was
        refused; map the final errcode to PermanentError / TransientError."""

        def request(token: str) -> dict:
            with network_errors(self.PROVIDER):
                # The token is pinned per call so a token error names the token that failed.
                return wechatpy_answer(self.PROVIDER, lambda: self.post(
                    endpoint, data=body, params={"access_token": token}))

        answer = self.tokens.call(request)
        raise_for_errcode(self.PROVIDER, answer, permanent=permanent, transient=transient)
        return answer
