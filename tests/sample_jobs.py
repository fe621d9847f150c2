"""Job functions used only by tests/test_jobs.py: they count their attempts in Redis, so a test
can tell how many times a real worker ran them."""

from __future__ import annotations

from sqlalchemy import text

from app.extensions import db, redis_ext


def attempts_key(name: str) -> str:
    return redis_ext.key("test", "attempts", name)


def attempts(name: str) -> int:
    return int(redis_ext.client.get(attempts_key(name)) or 0)


def count_attempt(name: str) -> int:
    return int(redis_ext.client.incr(attempts_key(name)))


def fail_first_attempt(name: str) -> int:
    attempt = count_attempt(name)
    if attempt == 1:
        raise RuntimeError("first attempt fails")
    return attempt


def always_fail(name: str) -> None:
    count_attempt(name)
    raise RuntimeError("this job always fails")


def database_backend_pid() -> int:
    """The PostgreSQL backend serving this job's session: tells which connection the job used."""
    return int(db.session.execute(text("SELECT pg_backend_pid()")).scalar_one())
