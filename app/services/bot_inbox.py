"""WeCom callbacks seen before: each message acts once however often WeCom retries it.

WeCom retries a callback it got no answer to within 5 s, up to three times, with the same MsgId
(events: the same FromUserName + CreateTime). The first delivery claims the message's key in Redis
with SET NX (a TTL of WECOM_DEDUPE_TTL_SECONDS); a retry finds the key taken and never runs the
command again. A retry of a message whose answer is ready gets the same answer (kept for
REPLY_TTL_SECONDS only: it holds masked customer data); a retry of one still being worked on
waits a little for it, then answers empty (an answer that misses WeCom's window is sent as an app
message instead: see bots.dispatch).
"""

from __future__ import annotations

import time

from flask import current_app

from app.extensions import redis_ext

PENDING = b"pending"
DONE = b"done"
REPLY_TTL_SECONDS = 120
# A retry of a message still in progress waits this long for its answer before answering empty.
RETRY_WAIT_SECONDS = 3.0
_POLL_SECONDS = 0.05


def _key(msg_key: str, *parts: str) -> str:
    return redis_ext.key("wecom", "msg", msg_key, *parts)


def claim(msg_key: str) -> bool:
    """True for the first delivery of this message (it is now ours to answer), False for a retry."""
    ttl = current_app.config["WECOM_DEDUPE_TTL_SECONDS"]
    return bool(redis_ext.client.set(_key(msg_key), PENDING, nx=True, ex=ttl))


def finish(msg_key: str, reply: str | None) -> None:
    """Remember that the message was answered, and with what (briefly)."""
    ttl = current_app.config["WECOM_DEDUPE_TTL_SECONDS"]
    # Reply first, then the state: a retry reading between the two still finds the answer (no
    # MULTI/EXEC needed, one round trip either way).
    pipe = redis_ext.client.pipeline(transaction=False)
    if reply:
        pipe.set(_key(msg_key, "reply"), reply.encode(), ex=REPLY_TTL_SECONDS)
    pipe.set(_key(msg_key), DONE, ex=ttl)
    pipe.execute()


def release(msg_key: str) -> None:
    """The first delivery failed before acting: let WeCom's retry try again."""
    redis_ext.client.delete(_key(msg_key))


def answer_of_retry(msg_key: str, wait_seconds: float = RETRY_WAIT_SECONDS) -> str | None:
    """The answer the first delivery gave, waiting up to `wait_seconds` while it is still being
    worked on; None when there is none (yet) to repeat."""
    deadline = time.monotonic() + wait_seconds
    while True:
        state, reply = redis_ext.client.mget(_key(msg_key), _key(msg_key, "reply"))
        if reply is not None:
            return reply.decode()
        if state != PENDING or time.monotonic() >= deadline:
            return None
        time.sleep(_POLL_SECONDS)
