"""Fixed-window counters in Redis for login attempts and other abuse-prone actions."""

from __future__ import annotations

from app.extensions import redis_ext


def hit(bucket: str, window_seconds: int) -> int:
    """Count one attempt in `bucket`; returns the count inside the current window."""
    key = redis_ext.key("rl", bucket)
    # SET NX EX starts the window on the first hit; INCR counts. (EXPIRE ... NX would be one
    # command fewer but needs Redis 7, and the embedded server is 6.2.)
    pipe = redis_ext.client.pipeline()
    pipe.set(key, 0, ex=window_seconds, nx=True)
    pipe.incr(key)
    _, count = pipe.execute()
    return int(count)


def count(bucket: str) -> int:
    value = redis_ext.client.get(redis_ext.key("rl", bucket))
    return int(value or 0)


def reset(bucket: str) -> None:
    redis_ext.client.delete(redis_ext.key("rl", bucket))


def retry_after(bucket: str) -> int:
    return max(0, int(redis_ext.client.ttl(redis_ext.key("rl", bucket))))
