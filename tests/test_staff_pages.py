"""Staff H5 pages: WeCom OAuth sign-in through the WeCom fake, the state check, scoped and audited
customer pages, knowledge-base and announcement pages, headers, CSRF and session separation."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db as _db
from app.models import AuditLog, OrgLevel, Role
from app.services import announcements, staff_signin
from app.services.knowledge import articles
from app.services.messaging.templates import load_default_templates
from tests import factories as f
from tests.fakes.plugin import fake_settings, messaging_config

SAMPLES = Path(__file__).resolve().parent.parent / "docs" / "samples" / "kb"
OAUTH_BASE = "https://open.weixin.test"


@pytest.fixture
def wecom(app, fake_wecom):
    with messaging_config(app, **fake_settings(wecom_fake=fake_wecom), WECOM_OAUTH_BASE_URL=OAUTH_BASE):
        yield fake_wecom


@pytest.fixture
def world(db):
    company = f.org_unit(OrgLevel.company, name="总公司")
    b1 = f.org_unit(OrgLevel.branch, company, name="长安支公司")
    b2 = f.org_unit(OrgLevel.branch, company, name="桥西支公司")
    t1, t2 = f.team(b1), f.team(b2)
    a1 = f.staff(Role.agent, team=t1, name="张三", wecom_userid="zhangsan")
    a2 = f.staff(Role.agent, team=t2, name="李四", wecom_userid="lisi")
    gone = f.staff(Role.agent, team=t1, name="王五", wecom_userid="wangwu", active=False)
    admin = f.staff(Role.admin, org=company, name="管理员", wecom_userid="admin", username="admin", password="x" * 12)
    c1 = f.customer(agent=a1, name="赵一鸣", mobile="13912345678")
    c2 = f.customer(agent=a2, name="钱二丫")
    p1 = f.policy(customer=c1, agent=a1)
    f.claim(p1)
    f.policy(customer=c2, agent=a2)
    _db.session.commit()
    return {"a1": a1, "a2": a2, "gone": gone, "admin": admin, "c1": c1, "c2": c2, "p1": p1,
            "b1": b1, "company": company}


def authorize_redirect(client, path):
    resp = client.get(path)
    assert resp.status_code == 302, resp.status_code
    return resp.headers["Location"]


def sign_in(client, wecom, userid, path="/staff/", code="CODE-1"):
    """The round trip a phone makes: page -> WeCom authorize -> our callback -> the page."""
    location = authorize_redirect(client, path)
    state = parse_qs(urlsplit(location).query)["state"][0]
    wecom.add_oauth_code(code, userid)
    return client.get("/staff/oauth/callback", query_string={"code": code, "state": state})


def audit_rows(**where):
    stmt = _db.select(AuditLog).order_by(AuditLog.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditLog, key) == value)
    return list(_db.session.scalars(stmt))


# ---- OAuth ----------------------------------------------------------------------------------------

def test_a_page_without_sign_in_redirects_to_wecom_oauth(client, wecom, world):
    location = authorize_redirect(client, f"/staff/customers/{world['c1'].id}")
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{OAUTH_BASE}/connect/oauth2/authorize"
    assert parts.fragment == "wechat_redirect"
    query = parse_qs(parts.query)
    assert list(query) == ["appid", "redirect_uri", "response_type", "scope", "agentid", "state"]
    assert query["appid"] == [wecom.corp_id] and query["agentid"] == [wecom.agent_id]
    assert query["redirect_uri"] == ["http://localhost/staff/oauth/callback"]
    assert query["response_type"] == ["code"] and query["scope"] == ["snsapi_base"]


def test_oauth_round_trip_signs_in_and_returns_to_the_page(client, wecom, world):
    page = f"/staff/customers/{world['c1'].id}"
    resp = sign_in(client, wecom, "zhangsan", page)
    assert resp.status_code == 302 and resp.headers["Location"] == page
    assert [r.path for r in wecom.requests if r.path.endswith("getuserinfo")] == ["/cgi-bin/auth/getuserinfo"]

    html = client.get(page).get_data(as_text=True)
    assert "赵一鸣" in html
    assert "139****5678" in html and "13912345678" not in html
    login = audit_rows(action="login")
    assert [(r.staff_id, r.channel.value, r.detail["via"]) for r in login] == [(world["a1"].id, "h5", "wecom_oauth")]
    reads = audit_rows(action="read", entity="customer")
    assert [(r.staff_id, r.entity_id, r.channel.value) for r in reads] == [(world["a1"].id, str(world["c1"].id), "h5")]


def test_state_missing_forged_or_from_another_browser_is_refused(app, client, wecom, world):
    wecom.add_oauth_code("CODE-X", "zhangsan")
    assert client.get("/staff/oauth/callback", query_string={"code": "CODE-X"}).status_code == 400
    location = authorize_redirect(client, "/staff/")
    state = parse_qs(urlsplit(location).query)["state"][0]
    forged = state[:-2] + ("AA" if not state.endswith("AA") else "BB")
    assert client.get("/staff/oauth/callback", query_string={"code": "CODE-X", "state": forged}).status_code == 400
    # A valid state made for this browser, used in another (no nonce in its session): refused.
    other = app.test_client()
    resp = other.get("/staff/oauth/callback", query_string={"code": "CODE-X", "state": state})
    assert resp.status_code == 400 and "登录链接已失效" in resp.get_data(as_text=True)
    # None of these reached WeCom or signed anyone in.
    assert not [r for r in wecom.requests if r.path.endswith("getuserinfo")]
    assert client.get("/staff/").status_code == 302


def test_an_old_state_is_refused(app, client, wecom, world):
    with messaging_config(app, STAFF_OAUTH_STATE_MAX_AGE_SECONDS=1):
        location = authorize_redirect(client, "/staff/")
        time.sleep(2.1)
        wecom.add_oauth_code("CODE-OLD", "zhangsan")
        state = parse_qs(urlsplit(location).query)["state"][0]
        assert client.get("/staff/oauth/callback", query_string={"code": "CODE-OLD", "state": state}).status_code == 400


def test_the_return_path_never_leaves_the_staff_pages(app):
    with app.test_request_context():
        assert staff_signin.safe_next("/staff/kb/3?q=涉水") == "/staff/kb/3?q=涉水"
        for evil in ("https://evil.example/staff/", "//evil.example/staff/", "/admin/", "/\\evil.example",
                     "javascript:alert(1)", None, ""):
            assert staff_signin.safe_next(evil) == "/staff/", evil


def test_bad_code_unknown_user_and_inactive_staff_are_refused(client, wecom, world):
    location = authorize_redirect(client, "/staff/")
    state = parse_qs(urlsplit(location).query)["state"][0]
    resp = client.get("/staff/oauth/callback", query_string={"code": "NOT-ISSUED", "state": state})
    assert resp.status_code == 403 and "企业微信授权失败" in resp.get_data(as_text=True)
    for userid in ("stranger", "wangwu"):
        resp = sign_in(client, wecom, userid, code=f"CODE-{userid}")
        assert resp.status_code == 403 and "您不是本系统的员工" in resp.get_data(as_text=True)
        assert client.get("/staff/").status_code == 302
    refused = audit_rows(action="login_refused")
    assert [r.detail["reason"] for r in refused] == ["unknown", "inactive"]


def test_an_expired_or_revoked_sign_in_goes_back_to_wecom(client, wecom, world):
    sign_in(client, wecom, "zhangsan")
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as sess:
        sess[staff_signin.SESSION_KEY] = {**sess[staff_signin.SESSION_KEY], "exp": int(time.time()) - 1}
    assert client.get("/staff/").headers["Location"].startswith(OAUTH_BASE)
    sign_in(client, wecom, "zhangsan", code="CODE-2")
    world["a1"].token_version += 1
    _db.session.commit()
    assert client.get("/staff/").headers["Location"].startswith(OAUTH_BASE)


def test_staff_page_and_admin_panel_sessions_are_separate(client, wecom, world):
    sign_in(client, wecom, "admin")
    assert client.get("/staff/").status_code == 200
    resp = client.get("/admin/")
    assert resp.status_code == 302 and "/admin/login" in resp.headers["Location"]


# ---- customer pages -------------------------------------------------------------------------------

def test_out_of_scope_customer_is_the_same_404_as_a_missing_one(client, wecom, world):
    sign_in(client, wecom, "zhangsan")
    for suffix in ("", "/policies"):
        other = client.get(f"/staff/customers/{world['c2'].id}{suffix}")
        missing = client.get(f"/staff/customers/999999{suffix}")
        assert other.status_code == missing.status_code == 404
        assert other.get_data() == missing.get_data()
        assert "钱二丫" not in other.get_data(as_text=True)
    assert audit_rows(action="read") == []


def test_policy_list_shows_the_customers_policies_and_is_audited(client, wecom, world):
    sign_in(client, wecom, "zhangsan")
    html = client.get(f"/staff/customers/{world['c1'].id}/policies").get_data(as_text=True)
    assert world["p1"].number in html and "保障中" in html and "3,000.00" in html
    reads = audit_rows(action="read", entity="policy")
    assert [(r.staff_id, r.detail["ids"]) for r in reads] == [(world["a1"].id, [world["p1"].id])]


def test_customer_page_lists_policy_in_force_and_open_claim(client, wecom, world):
    sign_in(client, wecom, "zhangsan")
    html = client.get(f"/staff/customers/{world['c1'].id}").get_data(as_text=True)
    assert world["p1"].number in html and "未决赔案" in html and "已立案" in html


def test_pages_carry_the_panels_security_headers(client, wecom, world):
    sign_in(client, wecom, "zhangsan")
    resp = client.get(f"/staff/customers/{world['c1'].id}")
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Referrer-Policy"] == "same-origin"


def test_logout_form_needs_its_csrf_token(app, client, wecom, world):
    sign_in(client, wecom, "zhangsan")
    with messaging_config(app, WTF_CSRF_ENABLED=True):
        assert client.post("/staff/logout").status_code == 400
        assert client.get("/staff/").status_code == 200  # still signed in
        html = client.get("/staff/").get_data(as_text=True)
        token = html.split('name="csrf_token" value="')[1].split('"')[0]
        assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 200
    assert client.get("/staff/").status_code == 302


# ---- knowledge base and announcements ----------------------------------------------------------------

def test_kb_search_page_and_article_with_the_searched_words_highlighted(client, wecom, world):
    articles.load_directory(SAMPLES)
    sign_in(client, wecom, "zhangsan")
    article_id = _db.session.scalar(_db.select(articles.KbArticle.id).where(
        articles.KbArticle.slug == "clause-addon-engine-water"))
    html = client.get("/staff/kb", query_string={"q": "涉水 发动机"}).get_data(as_text=True)
    assert "附加<mark>发动机</mark>进水损坏除外特约条款" in html and "<mark>涉水</mark>" in html
    assert f'href="/staff/kb/{article_id}?q=' in html
    html = client.get(f"/staff/kb/{article_id}", query_string={"q": "涉水 发动机"}).get_data(as_text=True)
    assert "<mark>发动机</mark>" in html and "投保了机动车损失保险的机动车" in html
    assert "<mark>" not in client.get(f"/staff/kb/{article_id}").get_data(as_text=True)
    listing = client.get("/staff/kb").get_data(as_text=True)
    assert "交强险责任限额" in listing


def test_unpublished_article_is_not_found(client, wecom, world):
    articles.load_directory(SAMPLES, publish=False)
    sign_in(client, wecom, "zhangsan")
    article_id = _db.session.scalar(_db.select(articles.KbArticle.id).limit(1))
    assert client.get(f"/staff/kb/{article_id}").status_code == 404


def test_announcement_pages_show_only_what_targets_the_staff_member(client, wecom, world):
    from app.auth.viewer import Viewer
    from app.models import AuditChannel

    load_default_templates()
    admin = Viewer(channel=AuditChannel.admin, staff=world["admin"])
    mine = announcements.create_announcement(admin, {"title": "长安支公司周会通知", "body": "周五下午三点开会。\n\n请准时参加。",
                                                     "targets": [world["b1"].id]})
    other = announcements.create_announcement(admin, {"title": "桥西支公司通知", "body": "内容",
                                                      "targets": [world["a2"].org_unit_id]})
    for item in (mine, other):
        announcements.publish(admin, item.id)
    sign_in(client, wecom, "zhangsan")
    home = client.get("/staff/").get_data(as_text=True)
    assert "长安支公司周会通知" in home and "桥西支公司通知" not in home
    detail = client.get(f"/staff/announcements/{mine.id}").get_data(as_text=True)
    assert "周五下午三点开会。" in detail and "管理员" in detail
    assert client.get(f"/staff/announcements/{other.id}").status_code == 404
    assert "长安支公司周会通知" in client.get("/staff/announcements").get_data(as_text=True)


def test_article_text_is_escaped_even_where_highlighted(client, wecom, world):
    articles.ensure_default_categories()
    article = articles.save_article(None, None, {
        "category_id": articles.category_by_name("常见问题").id, "title": "报案<b>须知</b>", "published": True,
        "body": "## 注意\n\n报案时不要相信<script>alert(1)</script>之类的链接。"})
    sign_in(client, wecom, "zhangsan")
    html = client.get(f"/staff/kb/{article.id}", query_string={"q": "报案 链接"}).get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>报案</mark>&lt;b&gt;须知&lt;/b&gt;" in html and "<mark>链接</mark>" in html
