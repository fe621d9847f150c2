"""The admin JSON API (/api/admin): bearer tokens of panel roles only, lists paged in SQL, customer
data scoped and masked, errors as {code, message, errors}."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.auth.passwords import hash_password
from app.models import (
    AuditChannel,
    AuditLog,
    ClaimEvent,
    ClaimReserve,
    ClaimStage,
    Coverage,
    OrgLevel,
    PolicyCoverage,
    Role,
    Staff,
)
from app.validators import make_id_number
from tests import factories as f

MOBILE = "13812345678"
ID_NUMBER = make_id_number("130102", date(1988, 6, 15), 123)


@dataclass
class World:
    admin: Staff
    city_admin: Staff
    branch_manager_b2: Staff
    agent: Staff
    resident: Staff
    customer_id: int
    vehicle_id: int
    policy_id: int
    claim_id: int


@pytest.fixture
def world(db) -> World:
    company = f.org_unit(OrgLevel.company, name="总公司")
    city = f.org_unit(OrgLevel.city, company, name="石家庄中支")
    other_city = f.org_unit(OrgLevel.city, company, name="保定中支")
    b1 = f.org_unit(OrgLevel.branch, city, name="长安支公司")
    b2 = f.org_unit(OrgLevel.branch, other_city, name="竞秀支公司")
    agent = f.staff(Role.agent, org=b1, name="李业务")
    dealer = f.dealer(city, b1, name="石家庄大众4S店")
    f.dealer(other_city, b2, name="保定丰田4S店")
    f.customer(agent=f.staff(Role.agent, org=b2, name="周业务"), name="张无忌")
    customer = f.customer(agent=agent, name="张三丰", mobile=MOBILE, id_number=ID_NUMBER)
    vehicle = f.vehicle(owner=customer, plate="冀A12345")
    policy = f.policy(customer=customer, vehicle=vehicle, agent=agent, dealer=dealer)
    db.session.add(PolicyCoverage(policy_id=policy.id, coverage=Coverage.third_party,
                                  sum_insured=Decimal("1000000"), premium=Decimal("1200.00")))
    claim = f.claim(policy, reserve=Decimal("5000"))
    db.session.add_all([
        ClaimReserve(claim_id=claim.id, at=datetime(2026, 3, 1, 8, tzinfo=UTC), amount=Decimal("5000")),
        ClaimEvent(claim_id=claim.id, stage=ClaimStage.registered, at=datetime(2026, 3, 1, 8, tzinfo=UTC)),
    ])
    w = World(
        admin=f.staff(Role.admin, org=company, name="王管理"),
        city_admin=f.staff(Role.admin, org=other_city, name="孙管理"),
        branch_manager_b2=f.staff(Role.branch_manager, org=b2, name="钱经理"),
        agent=agent,
        resident=f.staff(Role.resident_manager, org=b1, dealer=dealer),
        customer_id=customer.id, vehicle_id=vehicle.id, policy_id=policy.id, claim_id=claim.id,
    )
    db.session.commit()
    return w


def get(client, path, staff=None, **query):
    headers = f.staff_token(staff) if staff is not None else {}
    return client.get(path, query_string=query, headers=headers)


def _lists(w: World) -> dict[str, str]:
    """Every list endpoint and a name it must show the company admin."""
    return {
        "/api/admin/org-units": "总公司",
        "/api/admin/staff": "李业务",
        "/api/admin/dealers": "石家庄大众4S店",
        "/api/admin/customers": "张三丰",
        "/api/admin/vehicles": "冀A12345",
        "/api/admin/policies": "张三丰",
        "/api/admin/claims": "张三丰",
        "/api/admin/audit-logs": None,
    }


# ---- authentication ----------------------------------------------------------------------------

def test_every_list_answers_a_panel_role_with_a_page_and_a_total(client, world):
    for path, expected in _lists(world).items():
        resp = get(client, path, world.admin)
        assert resp.status_code == 200, (path, resp.get_json())
        assert "total" in json.loads(resp.headers["X-Pagination"]), path
        if expected:
            assert expected in json.dumps(resp.get_json(), ensure_ascii=False), path


def test_summary_counts_the_viewers_scope(client, world):
    assert get(client, "/api/admin/summary", world.admin).get_json() == {
        "customers": 2, "vehicles": 1, "valid_policies": 1, "open_claims": 1,
        "staff": 6, "dealers": 2, "org_units": 5,
    }
    mine = get(client, "/api/admin/summary", world.branch_manager_b2).get_json()
    assert (mine["customers"], mine["vehicles"], mine["staff"], mine["dealers"], mine["org_units"]) == (
        1, 0, 2, 1, 1)


def test_no_token_is_401_with_the_error_body(client, world):
    resp = get(client, "/api/admin/customers")
    assert resp.status_code == 401
    assert set(resp.get_json()) == {"code", "message", "errors"}
    assert resp.get_json()["message"] == "请先登录"


@pytest.mark.parametrize("who", ["agent", "resident"])
def test_roles_without_panel_access_are_403(client, world, who):
    resp = get(client, "/api/admin/customers", getattr(world, who))
    assert resp.status_code == 403
    assert resp.get_json()["code"] == "forbidden"


def test_a_panel_session_cookie_does_not_authenticate_the_api(client, db, world):
    world.admin.username = "admin"
    world.admin.password_hash = hash_password("correct-horse-battery")
    db.session.commit()
    login = client.post("/admin/login", data={"username": "admin", "password": "correct-horse-battery"})
    assert login.status_code == 302 and client.get("/admin/").status_code == 200
    resp = client.get("/api/admin/customers")
    assert resp.status_code == 401
    assert resp.get_json()["code"] == "unauthorized"


def test_the_api_is_listed_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"/api/admin/customers", "/api/admin/policies/{policy_id}", "/api/admin/audit-logs"} <= set(paths)


# ---- customer data: masking and scope -----------------------------------------------------------

def test_customers_found_by_mobile_come_back_masked(client, world):
    resp = get(client, "/api/admin/customers", world.admin, q=MOBILE)
    [row] = resp.get_json()
    assert row["mobile_masked"] == "138****5678"
    assert MOBILE not in resp.get_data(as_text=True)


def test_customer_detail_masks_mobile_and_id_number(client, world):
    resp = get(client, f"/api/admin/customers/{world.customer_id}", world.admin)
    body = resp.get_json()
    assert body["id_number_masked"] == ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]
    assert [v["plate"] for v in body["vehicles"]] == ["冀A12345"]
    raw = resp.get_data(as_text=True)
    assert MOBILE not in raw and ID_NUMBER not in raw


@pytest.mark.parametrize("path", ["customers", "vehicles", "policies", "claims"])
def test_rows_outside_the_scope_look_missing(client, world, path):
    row_id = {"customers": world.customer_id, "vehicles": world.vehicle_id, "policies": world.policy_id,
              "claims": world.claim_id}[path]
    assert get(client, f"/api/admin/{path}/{row_id}", world.admin).status_code == 200
    outside = get(client, f"/api/admin/{path}/{row_id}", world.branch_manager_b2)
    missing = get(client, f"/api/admin/{path}/999999", world.branch_manager_b2)
    assert outside.status_code == missing.status_code == 404
    assert outside.get_json() == missing.get_json()
    in_scope = get(client, f"/api/admin/{path}", world.branch_manager_b2).get_json()
    assert row_id not in [row["id"] for row in in_scope]


def test_policy_detail_has_coverages_and_claim_detail_its_history(client, world):
    policy = get(client, f"/api/admin/policies/{world.policy_id}", world.admin).get_json()
    assert [(c["coverage"], c["coverage_label"], c["premium"]) for c in policy["coverages"]] == [
        ("third_party", "第三者责任险", "1200.00")]
    assert policy["dealer_name"] == "石家庄大众4S店"
    claim = get(client, f"/api/admin/claims/{world.claim_id}", world.admin).get_json()
    assert claim["reserves"] == [{"at": "2026-03-01T16:00:00+08:00", "amount": "5000.00"}]
    assert [e["stage_label"] for e in claim["events"]] == ["立案"]


def test_api_reads_are_audited_as_api_channel(client, db, world):
    get(client, f"/api/admin/customers/{world.customer_id}", world.admin)
    [entry] = db.session.execute(select(AuditLog)).scalars()
    assert (entry.channel, entry.staff_id, entry.entity, entry.entity_id) == (
        AuditChannel.api, world.admin.id, "customer", str(world.customer_id))


# ---- directory and audit log -------------------------------------------------------------------

def test_staff_filter_by_role_and_a_bad_role_is_a_chinese_422(client, world):
    rows = get(client, "/api/admin/staff", world.admin, role="admin").get_json()
    assert sorted(r["name"] for r in rows) == ["孙管理", "王管理"]
    resp = get(client, "/api/admin/staff", world.admin, role="boss")
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == {"role": ["角色不存在"]}


def test_dealers_and_org_units_follow_the_org_subtree(client, world):
    dealers = get(client, "/api/admin/dealers", world.city_admin).get_json()
    assert [d["name"] for d in dealers] == ["保定丰田4S店"]
    tree = get(client, "/api/admin/org-units", world.city_admin).get_json()
    assert [(n["unit"]["name"], n["depth"]) for n in tree] == [("保定中支", 0), ("竞秀支公司", 1)]


def test_audit_log_scope_filters_and_masking(client, world):
    get(client, "/api/admin/customers", world.admin, q=MOBILE)
    get(client, "/api/admin/customers", world.branch_manager_b2, q="张")
    get(client, "/api/admin/customers", world.city_admin, q="张")

    everything = get(client, "/api/admin/audit-logs", world.admin).get_json()
    assert len(everything) == 3
    own = get(client, "/api/admin/audit-logs", world.branch_manager_b2).get_json()
    assert [e["staff_id"] for e in own] == [world.branch_manager_b2.id]
    # The city admin sees the branch manager below them and themselves, not the company admin.
    city = get(client, "/api/admin/audit-logs", world.city_admin).get_json()
    assert {e["staff_id"] for e in city} == {world.city_admin.id, world.branch_manager_b2.id}

    [mine] = get(client, "/api/admin/audit-logs", world.admin, staff_id=world.admin.id).get_json()
    assert mine["detail"]["q"] == "138****5678"
    assert mine["channel_label"] == "接口" and mine["action_label"] == "查看"
    assert get(client, "/api/admin/audit-logs", world.admin, channel="admin").get_json() == []


def test_org_tree_is_depth_first_with_siblings_in_code_order(client, db):
    company = f.org_unit(OrgLevel.company, name="河北分公司", code="HB")
    city2 = f.org_unit(OrgLevel.city, company, name="保定中支", code="HB02")
    city1 = f.org_unit(OrgLevel.city, company, name="石家庄中支", code="HB01")
    f.org_unit(OrgLevel.branch, city2, name="竞秀支公司", code="HB0201")
    f.org_unit(OrgLevel.branch, city1, name="桥西支公司", code="HB0102")
    f.org_unit(OrgLevel.branch, city1, name="长安支公司", code="HB0101")
    admin = f.staff(Role.admin, org=company)
    db.session.commit()
    tree = get(client, "/api/admin/org-units", admin).get_json()
    assert [(n["unit"]["code"], n["depth"]) for n in tree] == [
        ("HB", 0), ("HB01", 1), ("HB0101", 2), ("HB0102", 2), ("HB02", 1), ("HB0201", 2)]
    assert tree[0]["staff_count"] == 1
