"""Real PostgreSQL and Redis for a test run: the machine's servers when TEST_DATABASE_URL /
TEST_REDIS_URL are set, else embedded engines under a temporary folder. Each run gets its own
database and its own Redis db number, and removes them afterwards."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis
from sqlalchemy.engine import make_url

from app import embedded


@contextmanager
def test_database():
    """Yield the SQLAlchemy URL of a fresh, empty database; drop it afterwards."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    tmp = None
    if not server_url:
        tmp = Path(tempfile.mkdtemp(prefix="baoyun-test-pg-"))
        tmp.chmod(0o755)
        server_url = embedded.postgres_uri(tmp)
    url = make_url(embedded.to_sqlalchemy_url(server_url))
    name = f"baoyun_test_{os.getpid()}_{secrets.token_hex(3)}"
    maintenance = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # name is generated above, never user input
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if tmp is not None:
            embedded.stop_all(tmp)
            shutil.rmtree(tmp, ignore_errors=True)


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
