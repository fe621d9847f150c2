"""API tokens: expiry, tampering, revocation, and the error bodies a client sees."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from app.auth.tokens import SALT, TokenError, issue_token, read_token
from app.models import OrgLevel, Role
from tests import factories as f


@pytest.fixture
def agent(db):
    company = f.org_unit(OrgLevel.company)
    branch = f.org_unit(OrgLevel.branch, company)
    agent = f.staff(Role.agent, org=branch)
    db.session.commit()
    return agent


def test_a_fresh_token_opens_the_api(client, agent):
    assert client.get("/api/staff/customers", headers=f.staff_token(agent)).status_code == 200


def test_missing_token_is_401_with_a_chinese_message(client):
    resp = client.get("/api/staff/customers")
    assert resp.status_code == 401
    assert resp.get_json() == {"code": "unauthorized", "message": "请先登录", "errors": {}}


def test_expired_token_is_refused(app, client, agent):
    token = issue_token("staff", agent.id, agent.token_version)
    time.sleep(2.1)
    with pytest.raises(TokenError) as excinfo:
        read_token(token, max_age=1)
    assert excinfo.value.code == "token_expired"
    app.config["TOKEN_TTL_SECONDS"] = 1
    try:
        resp = client.get("/api/staff/customers", headers={"Authorization": f"Bearer {token}"})
    finally:
        app.config["TOKEN_TTL_SECONDS"] = 7 * 24 * 3600
    assert resp.status_code == 401
    assert resp.get_json()["code"] == "token_expired"
    assert resp.get_json()["message"] == "登录已过期,请重新登录"


@pytest.mark.parametrize("mutate", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature bytes changed
    lambda t: t.replace(t.split(".")[0], t.split(".")[0][:-1] + "x"),  # payload changed
    lambda t: "garbage",
    lambda t: "",
])
def test_tampered_tokens_are_refused(client, agent, mutate):
    token = mutate(issue_token("staff", agent.id, agent.token_version))
    resp = client.get("/api/staff/customers", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401


def test_a_token_signed_with_another_secret_is_refused(client, agent):
    forged = URLSafeTimedSerializer("not-our-secret", salt=SALT).dumps({"k": "staff", "s": agent.id, "v": 1})
    resp = client.get("/api/staff/customers", headers={"Authorization": f"Bearer {forged}"})
    assert resp.status_code == 401


def test_a_payload_claiming_another_staff_member_needs_our_signature(client, agent, db):
    other = f.staff(Role.admin, org=agent.org_unit)
    db.session.commit()
    token = issue_token("staff", agent.id, agent.token_version)
    payload, rest = token.split(".", 1)
    forged_payload = issue_token("staff", other.id, other.token_version).split(".", 1)[0]
    resp = client.get("/api/staff/customers", headers={"Authorization": f"Bearer {forged_payload}.{rest}"})
    assert resp.status_code == 401


def test_bumping_token_version_revokes_old_tokens(client, agent, db):
    headers = f.staff_token(agent)
    agent.token_version += 1
    db.session.commit()
    assert client.get("/api/staff/customers", headers=headers).status_code == 401
    assert client.get("/api/staff/customers", headers=f.staff_token(agent)).status_code == 200


def test_customer_tokens_open_the_mini_program_api(client, agent, db):
    customer = f.customer(agent=agent, mobile="13812345678")
    db.session.commit()
    resp = client.get("/api/mp/me", headers=f.customer_token(customer))
    assert resp.status_code == 200
    assert resp.get_json()["mobile_masked"] == "138****5678"
    assert client.get("/api/mp/me", headers=f.staff_token(agent)).status_code == 403


def test_staff_password_login_issues_a_working_token(client, agent, db):
    agent.username = "zhangsan"
    agent.password_hash = f.hash_password("correct horse battery")
    db.session.commit()
    resp = client.post("/api/staff/auth/token", json={"username": "zhangsan", "password": "correct horse battery"})
    assert resp.status_code == 200
    token = resp.get_json()["token"]
    assert client.get("/api/staff/customers", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_staff_password_login_is_rate_limited(app, client, agent, db):
    agent.username = "lisi"
    agent.password_hash = f.hash_password("correct horse battery")
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        resp = client.post("/api/staff/auth/token", json={"username": "lisi", "password": "wrong"})
        assert resp.status_code == 401
        assert resp.get_json()["message"] == "用户名或密码错误"
    resp = client.post("/api/staff/auth/token", json={"username": "lisi", "password": "correct horse battery"})
    assert resp.status_code == 429
    assert "分钟后再试" in resp.get_json()["message"]


def test_login_validation_errors_are_listed_per_field(client):
    resp = client.post("/api/staff/auth/token", json={"username": ""})
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["code"] == "validation_error"
    assert body["message"] == "提交的数据有误"
    assert body["errors"]["password"] == ["请输入密码"]
    assert "username" in body["errors"]


def test_a_verified_token_still_expires_and_a_new_secret_refuses_it(app, client, agent):
    """Signature checks are cached per process (app/auth/tokens.py); age and the key are not."""
    headers = f.staff_token(agent)
    assert client.get("/api/staff/customers", headers=headers).status_code == 200  # now cached
    ttl, secret = app.config["TOKEN_TTL_SECONDS"], app.config["SECRET_KEY"]
    try:
        app.config["TOKEN_TTL_SECONDS"] = -1
        expired = client.get("/api/staff/customers", headers=headers)
        assert expired.status_code == 401 and expired.get_json()["code"] == "token_expired"
        app.config["TOKEN_TTL_SECONDS"] = ttl
        app.config["SECRET_KEY"] = "a-rotated-secret-key-of-enough-length"
        rotated = client.get("/api/staff/customers", headers=headers)
        assert rotated.status_code == 401 and rotated.get_json()["code"] == "invalid_token"
    finally:
        app.config["TOKEN_TTL_SECONDS"], app.config["SECRET_KEY"] = ttl, secret
    assert client.get("/api/staff/customers", headers=headers).status_code == 200


def test_the_session_cookie_is_signed_with_the_key_and_read_with_its_fallbacks(app):
    """The admin session's serializer is built once per set of keys (app/auth/sessions.py)."""
    from flask import request, session

    with app.test_request_context("/"):
        session["staff_id"] = 7
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
    cookie = response.headers["Set-Cookie"].split(";", 1)[0]

    def read(cookie_header: str | None) -> dict:
        with app.test_request_context("/", headers={"Cookie": cookie_header} if cookie_header else {}):
            return dict(app.session_interface.open_session(app, request))

    assert read(cookie) == {"staff_id": 7}
    assert read(None) == {} and read("other=1") == {}
    old_key, fallbacks = app.secret_key, app.config["SECRET_KEY_FALLBACKS"]
    try:
        app.config["SECRET_KEY"] = app.secret_key = "a-new-session-key-for-this-test"
        assert read(cookie) == {}  # signed with a key it no longer knows
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert read(cookie) == {"staff_id": 7}
    finally:
        app.config["SECRET_KEY"] = app.secret_key = old_key
        app.config["SECRET_KEY_FALLBACKS"] = fallbacks
