"""Resident managers in the mini-program: their dealer's plan against written premium by line (this
month and this year, summed in SQL), its policies and the repair referrals it received, masked,
audited, and nothing of another dealer's; customers and other staff are refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditLog, ClaimStatus, Line, OrgLevel, PolicyStatus, Role
from app.timeutil import business_today
from tests import factories as f
from tests.test_query_counts import counting


@pytest.fixture
def book(db):
    today = business_today()
    month = today.replace(day=1)
    company = f.org_unit(OrgLevel.company)
    branch = f.org_unit(OrgLevel.branch, company)
    agent = f.staff(Role.agent, team=f.team(branch))
    mine, other_dealer = f.dealer(company, branch, name="石家庄大众4S店"), f.dealer(company, branch, name="别家4S店")
    resident = f.staff(Role.resident_manager, org=branch, dealer=mine)
    other_resident = f.staff(Role.resident_manager, org=branch, dealer=other_dealer)
    buyer = f.customer(agent=agent, name="张三丰")
    car = f.vehicle(owner=buyer, plate="冀A12345")
    this_month = f.policy(customer=buyer, vehicle=car, agent=agent, dealer=mine, start=today, written="4000.00")
    ctpl = f.policy(customer=buyer, vehicle=car, agent=agent, dealer=mine, line=Line.ctpl, start=today,
                    written="950.00")
    earlier = f.policy(agent=agent, dealer=mine, start=month - timedelta(days=40), written="3000.00")
    f.policy(agent=agent, dealer=mine, start=today, written="9999.00", status=PolicyStatus.cancelled)
    elsewhere = f.policy(agent=agent, dealer=other_dealer, start=today, written="7777.00")
    walk_in = f.customer(agent=agent, name="王五")
    unrelated = f.policy(customer=walk_in, vehicle=f.vehicle(owner=walk_in, plate="冀B88888"), agent=agent)
    referral = f.claim(unrelated, reported_at=datetime.now(UTC) - timedelta(hours=1), repair_dealer_id=mine.id,
                       first_reserve=Decimal("6000.00"), registered_at=None, status=ClaimStatus.reported)
    f.claim(elsewhere, repair_dealer_id=other_dealer.id)
    f.plan(month, Line.commercial, "10000.00", dealer=mine)
    f.plan(month, Line.ctpl, "2000.00", dealer=mine)
    f.plan(month, Line.commercial, "99999.00", dealer=other_dealer)
    earlier_month = (month - timedelta(days=1)).replace(day=1)
    if earlier_month.year == month.year:  # last month's plan counts in this year's
        f.plan(earlier_month, Line.commercial, "5000.00", dealer=mine)
    _db.session.commit()
    return {"resident": resident, "other_resident": other_resident, "this_month": this_month, "ctpl": ctpl,
            "earlier": earlier, "elsewhere": elsewhere, "referral": referral, "buyer": buyer, "agent": agent,
            "mine": mine, "today": today, "month": month}


def test_overview_plan_against_written_premium_by_line(client, book):
    resp = client.get("/api/mp/resident/overview", headers=f.staff_token(book["resident"]))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["dealer"]["name"] == "石家庄大众4S店"
    month = {row["line"]: row for row in body["month"]["lines"]}
    assert month["commercial"]["plan"] == "10000.00" and month["commercial"]["written"] == "4000.00"
    assert month["commercial"]["completion"] == "0.4000" and month["commercial"]["policies"] == 1
    assert month["ctpl"]["plan"] == "2000.00" and month["ctpl"]["written"] == "950.00"
    assert body["month"]["written"] == "4950.00" and body["month"]["plan"] == "12000.00"
    year = body["year"]
    same_year = (book["month"] - timedelta(days=40)).year == book["today"].year
    assert year["written"] == ("7950.00" if same_year else "4950.00")
    assert year["plan"] == ("17000.00" if book["month"].month > 1 else "12000.00")
    assert body["referrals_this_month"] == {"count": 1, "first_reserve": "6000.00"}


def test_policies_of_my_dealer_only_masked_and_audited(client, book):
    resp = client.get("/api/mp/resident/policies", headers=f.staff_token(book["resident"]))
    assert resp.status_code == 200
    rows = resp.get_json()
    ids = {r["id"] for r in rows}
    assert book["this_month"].id in ids and book["earlier"].id in ids and book["elsewhere"].id not in ids
    assert json.loads(resp.headers["X-Pagination"])["total"] == 4
    row = next(r for r in rows if r["id"] == book["this_month"].id)
    assert row["customer_name"] == "张*丰" and row["plate"] == "冀A***45"
    assert "张三丰" not in resp.get_data(as_text=True) and "冀A12345" not in resp.get_data(as_text=True)
    [entry] = _db.session.scalars(select(AuditLog).where(AuditLog.entity == "policy")).all()
    assert entry.staff_id == book["resident"].id and sorted(entry.detail["ids"]) == sorted(ids)


def test_referrals_received_only_masked(client, book):
    resp = client.get("/api/mp/resident/referrals", headers=f.staff_token(book["resident"]))
    assert resp.status_code == 200
    [row] = resp.get_json()
    assert row["id"] == book["referral"].id and row["customer_name"] == "王*"
    assert row["plate"] == "冀B***88" and row["first_reserve"] == "6000.00"
    other = client.get("/api/mp/resident/referrals", headers=f.staff_token(book["other_resident"])).get_json()
    assert [r["id"] for r in other] != [book["referral"].id] and len(other) == 1
    assert _db.session.scalars(select(AuditLog).where(AuditLog.entity == "claim")).all()


def test_customers_and_other_staff_are_refused(client, book):
    for path in ("/api/mp/resident/overview", "/api/mp/resident/policies", "/api/mp/resident/referrals"):
        assert client.get(path, headers=f.customer_token(book["buyer"])).status_code == 403
        assert client.get(path, headers=f.staff_token(book["agent"])).status_code == 403
        assert client.get(path).status_code == 401
    # And a resident manager is no customer.
    for path in ("/api/mp/policies", "/api/mp/claims", f"/api/mp/policies/{book['this_month'].id}", "/api/mp/tier",
                 "/api/mp/vehicles"):
        assert client.get(path, headers=f.staff_token(book["resident"])).status_code == 403


def test_resident_lists_do_not_query_per_row(client, db, book):
    costs = {}
    for extra in (0, 15):
        for _ in range(extra):
            policy = f.policy(agent=book["agent"], dealer=book["mine"], start=book["today"])
            f.claim(policy, repair_dealer_id=book["mine"].id)
        db.session.commit()
        db.session.remove()
        for path in ("/api/mp/resident/policies", "/api/mp/resident/referrals"):
            with counting(db.engine) as seen:
                resp = client.get(path, headers=f.staff_token(book["resident"]), query_string={"page_size": 100})
            assert resp.status_code == 200
            costs.setdefault(path, []).append(len(seen))
    for path, (small, large) in costs.items():
        assert small == large, (path, small, large)


def test_bad_paging_is_refused_in_chinese(client, book):
    for path in ("/api/mp/resident/policies", "/api/mp/resident/referrals"):
        resp = client.get(path, query_string={"page_size": 1000}, headers=f.staff_token(book["resident"]))
        assert resp.status_code == 422
        assert resp.get_json() == {"code": "validation_error", "message": "提交的数据有误",
                                   "errors": {"page_size": ["应大于或等于 1 且小于或等于 100"]}}
    resp = client.get("/api/mp/claims", query_string={"page": "abc"}, headers=f.customer_token(book["buyer"]))
    assert resp.status_code == 422 and resp.get_json()["errors"] == {"page": ["应为整数"]}
