"""The app starts, migrates, and answers its health check and OpenAPI document."""


def test_healthz_reports_database_and_redis(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_openapi_lists_operations(client):
    spec = client.get("/api/openapi.json").get_json()
    assert "/api/staff/customers" in spec["paths"]
    assert "/api/mp/me" in spec["paths"]


def test_unknown_api_path_gives_chinese_error_body(client):
    resp = client.get("/api/staff/nothing-here")
    assert resp.status_code == 404
    body = resp.get_json()
    assert body["code"] == "not_found"
    assert body["message"] == "未找到"
    assert body["errors"] == {}


def test_validation_errors_are_chinese_per_field(client):
    resp = client.post("/api/staff/auth/token", json={"username": 5, "password": "x" * 200})
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert errors == {"username": ["应为文本"], "password": ["长度不能超过 128"]}


def test_production_refuses_to_start_without_secrets():
    import pytest

    from app import create_app
    from config import Config, ConfigError

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(Config(ENV="production", DATABASE_URL="postgresql+psycopg://x/y", REDIS_URL="redis://x"))
    with pytest.raises(ConfigError, match="at least 32"):
        create_app(Config(ENV="production", SECRET_KEY="short", DATABASE_URL="postgresql+psycopg://x/y",
                          REDIS_URL="redis://x", FIELD_ENCRYPTION_KEY="k", FIELD_HASH_KEY="h"))
    secrets = dict(ENV="production", SECRET_KEY="s" * 32, DATABASE_URL="postgresql+psycopg://x/y",
                   REDIS_URL="redis://x", FIELD_ENCRYPTION_KEY="k", FIELD_HASH_KEY="h")
    with pytest.raises(ConfigError, match="SMS_REPLY_CALLBACK_TOKEN"):
        Config(**secrets, MESSAGING_MODE="live", SMS_SECRET_ID="AKID").check()
    Config(**secrets, MESSAGING_MODE="live", SMS_SECRET_ID="AKID", SMS_REPLY_CALLBACK_TOKEN="t").check()
    with pytest.raises(ConfigError, match="MESSAGING_MODE"):
        Config(ENV="development", MESSAGING_MODE="Live").check()


def test_healthz_is_503_when_redis_is_unreachable(database_url, tmp_path):
    from app import create_app
    from config import test_config

    broken = create_app(test_config(DATABASE_URL=database_url, REDIS_URL="redis://127.0.0.1:1/0",
                                    VAR_DIR=str(tmp_path)))
    resp = broken.test_client().get("/healthz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error")


def test_openapi_declares_bearer_tokens(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["info"]["title"] == "保运 Baoyun API"


def test_empty_credentials_say_what_is_missing(client):
    resp = client.post("/api/staff/auth/token", json={"username": "", "password": ""})
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == {"username": ["请输入用户名"], "password": ["请输入密码"]}
