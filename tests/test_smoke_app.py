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
