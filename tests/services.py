"""Real PostgreSQL and Redis for a test run: the machine's servers when TEST_DATABASE_URL /
TEST_REDIS_URL are set, else embedded engines under a temporary folder. Each run gets its own
database and its own Redis db number, and removes them afterwards."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import redis

from app import embedded


@contextmanager
def test_database():
    """Yield the SQLAlchemy URL of a fresh, empty database; drop it afterwards."""
    with embedded.scratch_database(os.environ.get("TEST_DATABASE_URL"), "baoyun_test") as (url, _version):
        yield url


@contextmanager
def test_redis():
    """Yield a Redis URL on a db number this run has claimed; flush and release it afterwards."""
    server_url = os.environ.get("TEST_REDIS_URL")
    if not server_url:
        tmp = Path(tempfile.mkdtemp(prefix="baoyun-test-redis-"))
        try:
            yield embedded.redis_url(tmp)
        finally:
            embedded.stop_all(tmp)
            shutil.rmtree(tmp, ignore_errors=True)
        return
    base = redis.Redis.from_url(server_url)
    claimed = None
    for number in range(1, 16):
        if base.set(f"baoyun-test-claim:{number}", os.getpid(), nx=True, ex=4 * 3600):
            claimed = number
            break
    if claimed is None:
        raise RuntimeError("no free Redis db number for the test run (15 runs at once?)")
    url = server_url.rstrip("/").rsplit("/", 1)[0] if server_url.count("/") > 2 else server_url
    url = f"{url.rstrip('/')}/{claimed}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        base.delete(f"baoyun-test-claim:{claimed}")
