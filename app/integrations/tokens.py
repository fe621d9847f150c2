"""Access tokens shared by every process through Redis, fetched by one process at a time under a Redis lock.

WeChat and WeCom hand out an access token per app; fetching a new one can invalidate the one
other processes are using. So the token lives in Redis (with its expiry, unlike wechatpy's
RedisStorage, which keeps the expiry in the client object: wechatpy issue #684), and only the
holder of a Redis lock fetches. Whoever waited for the lock reads the cache again first and
uses the token the holder stored instead of fetching another one.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import redis
from redis.exceptions import LockError

from app.integrations.base import TransientError

log = logging.getLogger(__name__)

# Provider errors meaning "this access token is no longer good": refresh once, then retry once.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})

# Refresh this long before the provider's expiry, so a token never expires in flight.
REFRESH_MARGIN_SECONDS = 300


class TokenStore:
    """One provider app's access token. `fetch()` returns (token, expires_in seconds) or raises."""

    def __init__(self, client: redis.Redis, key: str, fetch: Callable[[], tuple[str, int]], *,
                 lock_timeout: float, wait_timeout: float):
        self.client = client
        self.key = key
        self.fetch = fetch
        # The lock expires by itself if its holder dies mid-fetch; waiters give up after wait_timeout.
        self.lock_timeout = lock_timeout
        self.wait_timeout = wait_timeout

    def get(self) -> str:
        """A usable token: from Redis, or freshly fetched if there is none."""
        token = self._cached()
        return token if token is not None else self.refresh()

    def refresh(self, stale: str | None = None) -> str:
        """Fetch a new token, unless another process already replaced `stale` (or the empty cache)."""
        lock = self.client.lock(self.key + ":lock", timeout=self.lock_timeout,
                                blocking_timeout=self.wait_timeout)
        try:
            acquired = lock.acquire()
        except redis.RedisError as exc:
            raise TransientError("访问令牌缓存不可用", code="token_cache") from exc
        if not acquired:
            raise TransientError("等待其他进程获取访问令牌超时", code="token_lock")
        try:
            token = self._cached()
            if token is not None and token != stale:
                return token  # someone refreshed while we waited: theirs is the current one
            token, expires_in = self.fetch()
            self._store(token, expires_in)
            log.info("access token refreshed for %s (expires in %ss)", self.key, expires_in)
            return token
        finally:
            try:
                lock.release()
            except LockError:
                log.warning("token lock %s expired before release: fetch slower than %ss",
                            self.key, self.lock_timeout)

    def _cached(self) -> str | None:
        try:
            raw = self.client.get(self.key)
        except redis.RedisError as exc:
            raise TransientError("访问令牌缓存不可用", code="token_cache") from exc
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
            margin = min(REFRESH_MARGIN_SECONDS, int(entry["expires_in"]) // 4)
            expires_at, token = float(entry["expires_at"]), entry["token"]
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable token entry at %s: fetching a new token", self.key)
            return None
        if time.time() >= expires_at - margin:
            return None
        return token

    def _store(self, token: str, expires_in: int) -> None:
        expires_in = max(int(expires_in), 1)
        entry = {"token": token, "expires_at": time.time() + expires_in, "expires_in": expires_in}
        try:
            self.client.set(self.key, json.dumps(entry), ex=expires_in)
        except redis.RedisError as exc:
            raise TransientError("访问令牌缓存不可用", code="token_cache") from exc

    def call(self, request: Callable[[str], dict]) -> dict:
        """Run `request(token)`; on a token error, refresh once (unless already done) and retry once.

        `request` returns the provider's decoded answer; an answer whose errcode is a token error
        triggers the refresh. A second token error is returned to the caller to map.
        """
        token = self.get()
        answer = request(token)
        if _errcode(answer) in TOKEN_ERRCODES:
            log.info("access token %s rejected (errcode %s): refreshing once", self.key, _errcode(answer))
            answer = request(self.refresh(stale=token))
        return answer


def _errcode(answer: dict) -> int:
    try:
        return int(answer.get("errcode") or 0)
    except (TypeError, ValueError):
        return 0
