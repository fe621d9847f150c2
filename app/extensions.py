"""Extension objects, created unbound; create_app binds them."""

from __future__ import annotations

import redis
from flask import Flask, current_app
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Services commit (reads commit their audit entry) before views serialise the rows they return;
# expiring everything on commit would reload each row, one query per row, just to dump it.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
api = Api()
csrf = CSRFProtect()


class RedisExtension:
    """One Redis connection pool per app, from REDIS_URL; keys are namespaced by REDIS_PREFIX."""

    def init_app(self, app: Flask) -> None:
        app.extensions["redis"] = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=5)

    @property
    def client(self) -> redis.Redis:
        return current_app.extensions["redis"]

    def key(self, *parts: object) -> str:
        return current_app.config["REDIS_PREFIX"] + ":".join(str(p) for p in parts)


redis_ext = RedisExtension()
