"""The admin web panel: signing in and out, every page, customer search with masking, scope, and
the audit trail the pages leave and show."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.auth.passwords import hash_password
from app.auth.viewer import Viewer
from app.models import (
    AuditChannel,
    AuditLog,
    ClaimEvent,
    ClaimReserve,
    ClaimStage,
    Coverage,
    Customer,
    OrgLevel,
    PolicyCoverage,
    Role,
    Staff,
)
from app.services import audit
from app.validators import make_id_number
from tests import factories as f

PASSWORD = "correct-horse-battery"
MOBILE = "13812345678"
MASKED_MOBILE = "138****5678"
ID_NUMBER = make_id_number("130102", date(1988, 6, 15), 123)
PLATE = "冀A12345"


@dataclass
class World:
    admin: Staff
    branch_manager_b2: Staff
    agent: Staff
    customer: Customer
    policy_id: int
    claim_id: int
    vehicle_vin: str
    policy_number: str
    claim_number: str


@functools.cache
def password_hash() -> str:
    # argon2 is slow on purpose; hashing once per run instead of per account keeps the suite quick.
    return hash_password(PASSWORD)


def panel_account(role: Role, username: str, **kw) -> Staff:
    account = f.staff(role, username=username, **kw)
    account.password_hash = password_hash()
    return account


@pytest.fixture
def world(db) -> World:
    company = f.org_unit(OrgLevel.company, name="总公司")
    city = f.org_unit(OrgLevel.city, company, name="石家庄中支")
    b1 = f.org_unit(OrgLevel.branch, city, name="长安支公司")
    b2 = f.org_unit(OrgLevel.branch, city, name="桥西支公司")
    admin = panel_account(Role.admin, "admin", org=company, name="王管理")
    manager = f.staff(Role.team_manager, org=b1, name="赵经理")
    team = f.team(b1, manager=manager)
    agent = panel_account(Role.agent, "agent1", team=team, name="李业务")
    branch_manager_b2 = panel_account(Role.branch_manager, "bm2", org=b2, name="钱经理")
    dealer = f.dealer(city, b1, name="石家庄大众4S店")
    customer = f.customer(agent=agent, name="张三丰", mobile=MOBILE, id_number=ID_NUMBER)
    vehicle = f.vehicle(owner=customer, plate=PLATE)
    policy = f.policy(customer=customer, vehicle=vehicle, agent=agent, dealer=dealer, written="4321.50")
    db.session.add(PolicyCoverage(policy_id=policy.id, coverage=Coverage.own_damage,
                                  sum_insured=Decimal("150000"), premium=Decimal("2500.00")))
    claim = f.claim(policy, reserve=Decimal("8000"), first_reserve=Decimal("6000"))
    db.session.add_all([
        ClaimReserve(claim_id=claim.id, at=datetime(2026, 3, 1, 8, tzinfo=UTC), amount=Decimal("6000")),
        ClaimReserve(claim_id=claim.id, at=datetime(2026, 3, 5, 8, tzinfo=UTC), amount=Decimal("8000")),
        ClaimEvent(claim_id=claim.id, stage=ClaimStage.surveyed, at=datetime(2026, 3, 1, 6, tzinfo=UTC),
                   note="现场查勘完成"),
    ])
    db.session.commit()
    return World(admin=admin, branch_manager_b2=branch_manager_b2, agent=agent, customer=customer,
                 policy_id=policy.id, claim_id=claim.id, vehicle_vin=vehicle.vin, policy_number=policy.number,
                 claim_number=claim.number)


def login(client, username="admin", password=PASSWORD, **extra):
    return client.post("/admin/login", data={"username": username, "password": password, **extra})


def text(resp) -> str:
    return resp.get_data(as_text=True)


def entries(db, **where) -> list[AuditLog]:
    stmt = select(AuditLog).order_by(AuditLog.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditLog, key) == value)
    return list(db.session.execute(stmt).scalars())


# ---- signing in and out ------------------------------------------------------------------------

def test_login_with_the_right_password_opens_the_home_page(client, db, world):
    resp = login(client)
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/"
    home = client.get("/admin/")
    assert home.status_code == 200
    assert "王管理" in text(home) and "首页" in text(home)
    [entry] = entries(db, action="login")
    assert (entry.channel, entry.staff_id) == (AuditChannel.admin, world.admin.id)


def test_the_login_page_sends_a_signed_in_user_on(client, world):
    login(client)
    assert client.get("/admin/login").headers["Location"] == "/admin/"


def test_session_cookie_is_httponly_and_samesite(client, world):
    cookie = login(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("username", ["admin", "nobody-here"])
def test_wrong_password_and_unknown_user_get_the_same_chinese_message(client, db, world, username):
    resp = login(client, username=username, password="wrong-password")
    assert resp.status_code == 401
    assert "用户名或密码错误" in text(resp)
    assert client.get("/admin/").status_code == 302
    assert [e.action for e in entries(db)] == ["login_failed"]


def test_repeated_failures_lock_the_login_even_for_the_right_password(app, client, world):
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        assert login(client, password="wrong-password").status_code == 401
    resp = login(client)
    assert resp.status_code == 429
    assert "登录失败次数过多" in text(resp)
    assert client.get("/admin/").status_code == 302


def test_an_agent_is_refused_with_a_clear_message(client, db, world):
    resp = login(client, username="agent1")
    assert resp.status_code == 403
    assert "业务员账号不能登录管理后台" in text(resp)
    assert client.get("/admin/").status_code == 302
    assert entries(db, action="login_refused")[0].staff_id == world.agent.id


def test_login_starts_a_fresh_session(client, world):
    with client.session_transaction() as sess:
        sess["planted"] = "by someone else"
    login(client)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["staff_id"] == world.admin.id


def test_logout_ends_the_session_and_is_audited(client, db, world):
    login(client)
    resp = client.post("/admin/logout")
    assert resp.status_code == 302 and "/admin/login" in resp.headers["Location"]
    assert "您已安全退出" in text(client.get(resp.headers["Location"]))
    assert client.get("/admin/").status_code == 302
    assert entries(db, action="logout")[0].staff_id == world.admin.id


def test_a_password_change_ends_existing_sessions(client, db, world):
    login(client)
    world.admin.token_version += 1
    db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_pages_redirect_to_login_and_come_back_after_it(client, world):
    resp = client.get("/admin/customers?q=abc")
    assert resp.status_code == 302
    assert "/admin/login?next=" in resp.headers["Location"]
    resp = login(client, next="/admin/customers?q=abc")
    assert resp.headers["Location"] == "/admin/customers?q=abc"


@pytest.mark.parametrize("target", ["https://evil.example/admin/", "//evil.example/admin/", "/api/admin/staff",
                                    "/\\evil.example"])
def test_login_never_redirects_off_the_panel(client, world, target):
    assert login(client, next=target).headers["Location"] == "/admin/"


def test_forms_without_a_csrf_token_are_refused(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    form = text(client.get("/admin/login"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)

    resp = login(client)
    assert resp.status_code == 400
    assert "页面已过期" in text(resp)
    with client.session_transaction() as sess:
        assert "staff_id" not in sess

    assert login(client, csrf_token=token).status_code == 302
    # Signed in now; signing out is a form too and needs the token as well.
    assert client.post("/admin/logout").status_code == 400
    assert client.get("/admin/").status_code == 200


def test_pages_carry_protective_headers(client, world):
    login(client)
    headers = client.get("/admin/customers").headers
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


# ---- pages -------------------------------------------------------------------------------------

def _pages(world: World) -> dict[str, str]:
    """Every page and a piece of text it must show."""
    return {
        "/admin/": "有效保单",
        "/admin/org-units": "桥西支公司",
        "/admin/staff": "李业务",
        "/admin/staff?role=agent": "李业务",
        "/admin/dealers": "石家庄大众4S店",
        "/admin/customers": "张三丰",
        f"/admin/customers/{world.customer.id}": world.policy_number,
        "/admin/vehicles": PLATE,
        "/admin/policies": world.policy_number,
        f"/admin/policies/{world.policy_id}": "车损险",
        "/admin/claims": world.claim_number,
        f"/admin/claims/{world.claim_id}": "现场查勘完成",
        "/admin/audit-logs": "登录",
    }


def test_every_page_renders_for_an_admin(client, world):
    login(client)
    for path, expected in _pages(world).items():
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert expected in text(resp), path
        assert "退出登录" in text(resp), path


def test_claim_page_shows_reserve_history_and_stages(client, world):
    login(client)
    page = text(client.get(f"/admin/claims/{world.claim_id}"))
    assert "6,000.00" in page and "8,000.00" in page
    assert "2026-03-05 16:00" in page  # reserve change, shown in Beijing time
    assert "查勘" in page


def test_policy_page_shows_coverages_and_amounts(client, world):
    login(client)
    page = text(client.get(f"/admin/policies/{world.policy_id}"))
    assert "车损险" in page and "150,000.00" in page and "4,321.50" in page


@pytest.mark.parametrize("query", ["张三", MOBILE, PLATE, ID_NUMBER, "policy_number", "vin"])
def test_customer_search_finds_and_masks(client, world, query):
    query = {"policy_number": world.policy_number, "vin": world.vehicle_vin}.get(query, query)
    login(client)
    page = text(client.get("/admin/customers", query_string={"q": query}))
    assert "张三丰" in page
    assert MASKED_MOBILE in page
    results = page.split('id="customer-results"', 1)[1]
    assert MOBILE not in results and ID_NUMBER not in results


def test_customer_search_says_when_nothing_matches(client, world):
    login(client)
    page = text(client.get("/admin/customers", query_string={"q": "13900000000"}))
    assert "没有找到符合条件的客户" in page and "共 0 条" in page


def test_customer_page_masks_mobile_and_id_number(client, world):
    login(client)
    page = text(client.get(f"/admin/customers/{world.customer.id}"))
    assert MASKED_MOBILE in page
    assert ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:] in page
    assert MOBILE not in page and ID_NUMBER not in page
    assert PLATE in page and world.policy_number in page and world.claim_number in page


def test_lists_are_paginated_with_page_numbers_and_a_total(client, db, world):
    for _ in range(45):
        f.customer(agent=world.agent)
    db.session.commit()
    login(client)
    first = text(client.get("/admin/customers"))
    assert "共 46 条" in first and "第 1 / 3 页" in first
    assert 'href="/admin/customers?page=2"' in first and 'href="/admin/customers?page=3"' in first
    last = client.get("/admin/customers", query_string={"page": 3})
    assert "第 3 / 3 页" in text(last)
    assert text(last).count("/admin/customers/") == 6 * 2  # six rows, two links each


def test_page_links_keep_the_filters(client, db, world):
    for _ in range(25):
        f.staff(Role.agent, org=world.agent.org_unit)
    db.session.commit()
    login(client)
    page = text(client.get("/admin/staff", query_string={"role": "agent"}))
    assert "/admin/staff?role=agent&amp;page=2" in page


# ---- scope -------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["customers", "policies", "claims"])
def test_rows_of_another_branch_look_like_missing_rows(client, world, kind):
    row_id = {"customers": world.customer.id, "policies": world.policy_id, "claims": world.claim_id}[kind]
    login(client, username="bm2")
    outside = client.get(f"/admin/{kind}/{row_id}")
    missing = client.get(f"/admin/{kind}/999999")
    assert outside.status_code == missing.status_code == 404
    assert text(outside) == text(missing)
    assert "张三丰" not in text(outside)


def test_another_branch_manager_finds_nobody_by_mobile(client, world):
    login(client, username="bm2")
    page = text(client.get("/admin/customers", query_string={"q": MOBILE}))
    assert "张三丰" not in page and "共 0 条" in page


def test_directory_is_limited_to_the_viewers_org_subtree(client, world):
    login(client, username="bm2")
    staff_page = text(client.get("/admin/staff"))
    assert "钱经理" in staff_page and "李业务" not in staff_page
    org_page = text(client.get("/admin/org-units"))
    assert "桥西支公司" in org_page and "长安支公司" not in org_page


# ---- audit -------------------------------------------------------------------------------------

def test_page_reads_are_audited_with_the_admin_channel(client, db, world):
    login(client)
    client.get(f"/admin/customers/{world.customer.id}")
    client.get("/admin/customers", query_string={"q": "张三"})
    client.get(f"/admin/policies/{world.policy_id}")
    client.get(f"/admin/claims/{world.claim_id}")
    reads = entries(db, action="read")
    assert [(e.entity, e.entity_id) for e in reads] == [
        ("customer", str(world.customer.id)), ("customer", None),
        ("policy", str(world.policy_id)), ("claim", str(world.claim_id)),
    ]
    assert reads[1].detail["ids"] == [world.customer.id]
    assert {(e.channel, e.staff_id, e.ip) for e in reads} == {(AuditChannel.admin, world.admin.id, "127.0.0.1")}


def test_audit_viewer_masks_search_terms(client, world):
    login(client)
    client.get("/admin/customers", query_string={"q": MOBILE})
    page = text(client.get("/admin/audit-logs", query_string={"entity": "customer"}))
    assert MASKED_MOBILE in page and MOBILE not in page


@pytest.fixture
def audit_trail(db, world):
    """Entries on known days from the admin and the agent, through different channels."""
    def add(staff, channel, action, entity, day):
        entry = audit.record(Viewer(channel=channel, staff=staff), action, entity, 1)
        entry.at = datetime(2026, 5, day, 4, tzinfo=UTC)

    add(world.admin, AuditChannel.admin, "read", "customer", 1)
    add(world.admin, AuditChannel.api, "read", "policy", 2)
    add(world.agent, AuditChannel.bot, "read", "claim", 3)
    add(world.branch_manager_b2, AuditChannel.admin, "update", "customer", 4)
    db.session.commit()


def _audit_rows(client, **filters) -> list[tuple[str, str]]:
    """(date, action label) of every row the audit page shows."""
    page = text(client.get("/admin/audit-logs", query_string=filters))
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<td>(\d{4}-\d\d-\d\d) \d\d:\d\d</td>", body)


@pytest.mark.parametrize("filters, days", [
    ({}, ["2026-05-04", "2026-05-03", "2026-05-02", "2026-05-01"]),
    ({"channel": "admin"}, ["2026-05-04", "2026-05-01"]),
    ({"action": "update"}, ["2026-05-04"]),
    ({"entity": "claim"}, ["2026-05-03"]),
    ({"date_from": "2026-05-02", "date_to": "2026-05-03"}, ["2026-05-03", "2026-05-02"]),
    ({"staff_code": "agent"}, ["2026-05-03"]),
])
def test_audit_viewer_filters(client, db, world, audit_trail, filters, days):
    login(client)
    # Only the seeded days: the login itself happened today.
    db.session.execute(AuditLog.__table__.delete().where(AuditLog.action == "login"))
    db.session.commit()
    if filters.get("staff_code") == "agent":
        filters = {"staff_code": world.agent.code}
    assert _audit_rows(client, **filters) == days


def test_non_admins_see_only_their_own_audit_entries(client, db, world, audit_trail):
    login(client, username="bm2")
    days = _audit_rows(client)
    assert "2026-05-04" in days
    assert not {"2026-05-01", "2026-05-02", "2026-05-03"} & set(days)
    # Asking for someone else's entries does not widen the view.
    assert _audit_rows(client, staff_code=world.admin.code) == []


def test_admins_see_failed_logins_against_their_staff(client, db, world):
    login(client, username="bm2", password="guess")
    login(client)
    page = text(client.get("/admin/audit-logs", query_string={"action": "login_failed"}))
    assert "登录失败" in page and "bm2" in page


def test_a_bad_date_shows_a_chinese_error(client, world):
    login(client)
    resp = client.get("/admin/audit-logs", query_string={"date_from": "yesterday"})
    assert resp.status_code == 422
    assert "开始日期格式应为 YYYY-MM-DD" in text(resp)
    resp = client.get("/admin/audit-logs", query_string={"date_from": "2026-05-03", "date_to": "2026-05-01"})
    assert resp.status_code == 422 and "开始日期不能晚于结束日期" in text(resp)


def test_audit_rows_link_to_the_record_read(client, world):
    login(client)
    client.get(f"/admin/policies/{world.policy_id}")
    page = text(client.get("/admin/audit-logs", query_string={"entity": "policy"}))
    assert f'href="/admin/policies/{world.policy_id}"' in page
