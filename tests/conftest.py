"""Fixtures: one database and Redis db per run, migrated once; every test starts from empty tables."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db as _db
from app.extensions import redis_ext
from config import test_config
from tests.services import test_database, test_redis

pytest_plugins = ["tests.fakes.plugin"]


@pytest.fixture(scope="session")
def database_url():
    with test_database() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url():
    with test_redis() as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url, redis_url, tmp_path_factory):
    app = create_app(test_config(DATABASE_URL=database_url, REDIS_URL=redis_url,
                                 VAR_DIR=str(tmp_path_factory.mktemp("var"))))
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return app


@pytest.fixture(autouse=True)
def _clean(app):
    """Push an app context; empty every table and the Redis db after the test."""
    ctx = app.app_context()
    ctx.push()
    try:
        yield
    finally:
        _db.session.rollback()
        _db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
        with _db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        redis_ext.client.flushdb()
        ctx.pop()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()
