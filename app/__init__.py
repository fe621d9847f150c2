"""Baoyun web application: create_app binds extensions and registers blueprints, nothing else."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from flask import Flask

from config import Config


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    config.check()
    _fill_development_defaults(config)

    app = Flask(__name__)
    from app.auth.sessions import SessionInterface

    app.session_interface = SessionInterface()
    app.config.update(config.flask_mapping())
    app.config.update(
        SQLALCHEMY_DATABASE_URI=config.DATABASE_URL,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": config.DATABASE_POOL_PRE_PING,
                                   "pool_recycle": config.DATABASE_POOL_RECYCLE_SECONDS, "echo": config.SQL_ECHO},
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=config.SESSION_TTL_SECONDS),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.is_production,
        SESSION_COOKIE_NAME="baoyun_session",
        JSON_AS_ASCII=False,
        # The largest request is an import upload; endpoints with smaller limits check their own.
        MAX_CONTENT_LENGTH=max(20 * 1024 * 1024, config.IMPORT_MAX_BYTES + 1024 * 1024),
        WTF_CSRF_TIME_LIMIT=None,
        API_TITLE="保运 Baoyun API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH=None,
        API_SPEC_OPTIONS={
            "info": {"description": "保运车险运营平台接口。错误统一返回 {code, message, errors}。"},
            "components": {"securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "小程序或员工令牌:Authorization: Bearer <token>"},
            }},
            "security": [{"bearerAuth": []}],
        },
    )
    app.json.ensure_ascii = False

    from app.schemas import messages
    from app.security import fields

    fields.install(config.FIELD_ENCRYPTION_KEY, config.FIELD_HASH_KEY)
    messages.install()

    from app import models  # noqa: F401  (registers tables for migrations)
    from app.extensions import api, csrf, db, migrate, redis_ext

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    redis_ext.init_app(app)
    csrf.init_app(app)
    api.init_app(app)

    from app.api import register_blueprints

    register_blueprints(app, api, csrf)

    from app.errors import register_error_handlers

    register_error_handlers(app)

    from app.cli import register_commands

    register_commands(app)
    return app


def _fill_development_defaults(config: Config) -> None:
    """Outside production, missing URLs mean the embedded engines and missing keys a generated,
    persisted development key under VAR_DIR (so encrypted demo data stays readable)."""
    if config.is_production:
        return
    var_dir = Path(config.VAR_DIR)
    if not config.DATABASE_URL or not config.REDIS_URL:
        from app import embedded

        if not config.DATABASE_URL:
            config.DATABASE_URL = embedded.postgres_uri(var_dir)
        if not config.REDIS_URL:
            config.REDIS_URL = embedded.redis_url(var_dir)
    if config.SECRET_KEY and config.FIELD_ENCRYPTION_KEY and config.FIELD_HASH_KEY:
        return
    from app.security.fields import generate_key

    var_dir.mkdir(parents=True, exist_ok=True)
    secrets_file = var_dir / "dev-secrets.json"
    secrets = json.loads(secrets_file.read_text()) if secrets_file.exists() else {}
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY"):
        secrets.setdefault(name, generate_key())
    secrets_file.write_text(json.dumps(secrets, indent=2))
    secrets_file.chmod(0o600)
    for name, value in secrets.items():
        if not getattr(config, name):
            setattr(config, name, value)
