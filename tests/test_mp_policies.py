"""A customer's policies and vehicles in the mini-program: only their own rows (another customer's
id looks like a missing one), the status filters, paging, expiring soon, renewal quote requests
that reach the agent once on WeCom, and a list that costs the same queries for 2 rows or 40."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import Coverage, Line, OrgLevel, PolicyCoverage, PolicyStatus, Role
from app.models.member import RenewalQuoteRequest
from app.models.messaging import OutboxMessage
from app.services import messaging
from app.services.messaging.templates import load_default_templates
from app.timeutil import business_today
from tests import factories as f
from tests.pgtrace import wire


@pytest.fixture
def book(db):
    load_default_templates()
    today = business_today()
    company = f.org_unit(OrgLevel.company)
    branch = f.org_unit(OrgLevel.branch, company)
    agent = f.staff(Role.agent, team=f.team(branch), name="李业务", wecom_userid="li.yewu")
    me = f.customer(agent=agent, name="张三丰")
    car = f.vehicle(owner=me, plate="冀A12345")
    second_car = f.vehicle(owner=me, plate="冀A67890")
    current = f.policy(customer=me, vehicle=car, agent=agent, start=today - timedelta(days=320), written="3200.00")
    ctpl = f.policy(customer=me, vehicle=car, agent=agent, line=Line.ctpl, start=today - timedelta(days=100),
                    written="950.00")
    old = f.policy(customer=me, vehicle=car, agent=agent, start=today - timedelta(days=720), written="2900.00")
    cancelled = f.policy(customer=me, vehicle=second_car, agent=agent, start=today - timedelta(days=30),
                         status=PolicyStatus.cancelled)
    _db.session.add_all([PolicyCoverage(policy_id=current.id, coverage=Coverage.own_damage,
                                        sum_insured=Decimal("150000"), premium=Decimal("2100.00")),
                         PolicyCoverage(policy_id=current.id, coverage=Coverage.third_party,
                                        sum_insured=Decimal("1000000"), premium=Decimal("1100.00"))])
    f.claim(current, paid=Decimal("0"))
    other = f.customer(agent=agent, name="李四")
    theirs = f.policy(customer=other, vehicle=f.vehicle(owner=other), agent=agent, start=today - timedelta(days=300))
    _db.session.commit()
    return {"me": me, "agent": agent, "current": current, "ctpl": ctpl, "old": old, "cancelled": cancelled,
            "theirs": theirs, "other": other, "car": car, "second_car": second_car, "branch": branch,
            "company": company}


def get(client, path, customer, **query):
    return client.get(path, query_string=query, headers=f.customer_token(customer))


def test_the_list_shows_only_my_policies_with_the_status_filters(client, book):
    resp = get(client, "/api/mp/policies", book["me"])
    assert resp.status_code == 200
    rows = resp.get_json()
    ids = {r["id"] for r in rows}
    assert ids == {book["current"].id, book["ctpl"].id, book["old"].id, book["cancelled"].id}
    assert json.loads(resp.headers["X-Pagination"])["total"] == 4
    current = next(r for r in rows if r["id"] == book["current"].id)
    assert current["state"] == "in_force" and current["state_label"] == "保障中"
    assert current["plate"] == "冀A12345" and current["line_label"] == "商业险"
    assert current["written_premium"] == "3200.00" and current["days_left"] == 44
    assert current["vehicle_name"] == "大众 朗逸"

    in_force = {r["id"] for r in get(client, "/api/mp/policies", book["me"], status="in_force").get_json()}
    assert in_force == {book["current"].id, book["ctpl"].id}
    expired = get(client, "/api/mp/policies", book["me"], status="expired").get_json()
    assert [r["id"] for r in expired] == [book["old"].id] and expired[0]["state_label"] == "已到期"


def test_paging_and_bad_arguments(client, book):
    first = get(client, "/api/mp/policies", book["me"], page=1, page_size=3)
    second = get(client, "/api/mp/policies", book["me"], page=2, page_size=3)
    assert len(first.get_json()) == 3 and len(second.get_json()) == 1
    assert json.loads(second.headers["X-Pagination"])["total"] == 4
    beyond = get(client, "/api/mp/policies", book["me"], page=5, page_size=3)
    assert beyond.status_code == 200 and beyond.get_json() == []
    bad = get(client, "/api/mp/policies", book["me"], status="active")
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == {"status": ["状态应为 in_force、expired 或 all"]}
    assert bad.get_json()["message"] == "提交的数据有误"


def test_detail_has_coverages_vehicle_and_claims_count(client, book):
    resp = get(client, f"/api/mp/policies/{book['current'].id}", book["me"])
    assert resp.status_code == 200
    body = resp.get_json()
    assert [(c["coverage"], c["label"], c["premium"]) for c in body["coverages"]] == [
        ("own_damage", "车损险", "2100.00"), ("third_party", "第三者责任险", "1100.00")]
    assert body["vehicle"]["plate"] == "冀A12345" and body["vehicle"]["vin"] == book["car"].vin
    assert body["claims_count"] == 1 and body["agent_name"] == "李业务"
    assert body["renewal_quote_requested"] is False


def test_another_customers_policy_is_a_404_like_a_missing_one(client, book):
    theirs = get(client, f"/api/mp/policies/{book['theirs'].id}", book["me"])
    missing = get(client, "/api/mp/policies/999999", book["me"])
    assert theirs.status_code == missing.status_code == 404
    assert theirs.get_json() == missing.get_json() == {"code": "not_found", "message": "保单不存在", "errors": {}}
    assert "李四" not in theirs.get_data(as_text=True)
    quote = client.post(f"/api/mp/policies/{book['theirs'].id}/renewal-quote-requests", json={},
                        headers=f.customer_token(book["me"]))
    assert quote.status_code == 404
    assert _db.session.scalar(select(func.count(RenewalQuoteRequest.id))) == 0


def test_staff_tokens_and_no_token_are_refused(client, book):
    assert client.get("/api/mp/policies").status_code == 401
    assert client.get("/api/mp/policies", headers=f.staff_token(book["agent"])).status_code == 403
    assert client.get("/api/mp/vehicles", headers=f.staff_token(book["agent"])).status_code == 403


def test_expiring_within_days(client, book):
    rows = get(client, "/api/mp/policies/expiring", book["me"]).get_json()
    assert [r["id"] for r in rows] == [book["current"].id]
    assert rows[0]["days_left"] == 44 and rows[0]["renewal_quote_requested"] is False
    assert get(client, "/api/mp/policies/expiring", book["me"], days=30).get_json() == []
    more = get(client, "/api/mp/policies/expiring", book["me"], days=300).get_json()
    assert [r["id"] for r in more] == [book["current"].id, book["ctpl"].id]
    bad = get(client, "/api/mp/policies/expiring", book["me"], days=0)
    assert bad.status_code == 422 and bad.get_json()["errors"] == {"days": ["天数应在1到366之间"]}


def test_a_renewal_quote_request_is_stored_once_and_tells_the_agent_once(client, book):
    path = f"/api/mp/policies/{book['current'].id}/renewal-quote-requests"
    headers = f.customer_token(book["me"])
    first = client.post(path, json={"preferred_contact_time": "工作日晚上", "note": "想加保划痕险"}, headers=headers)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["created"] is True and body["status"] == "open" and body["agent_notified"] is True
    again = client.post(path, json={"note": "再问一次"}, headers=headers)
    assert again.status_code == 200
    assert again.get_json()["id"] == body["id"] and again.get_json()["created"] is False
    assert again.get_json()["note"] == "想加保划痕险"
    [message] = _db.session.scalars(select(OutboxMessage)).all()
    assert message.channel == "wecom_app" and message.recipient == "li.yewu"
    assert message.dedupe_key == f"renewal-quote-request:{body['id']}"
    assert "张三丰" in message.body_text and "冀A12345" in message.body_text and "工作日晚上" in message.body_text
    detail = get(client, f"/api/mp/policies/{book['current'].id}", book["me"]).get_json()
    assert detail["renewal_quote_requested"] is True


def test_the_agent_gets_the_request_on_wecom(client, live_messaging, book):
    path = f"/api/mp/policies/{book['current'].id}/renewal-quote-requests"
    assert client.post(path, json={}, headers=f.customer_token(book["me"])).status_code == 201
    assert messaging.deliver_due().sent == 1
    [sent] = live_messaging.wecom.delivered
    assert sent.json["touser"] == "li.yewu" and "续保报价申请" in json.dumps(sent.json, ensure_ascii=False)


def test_quote_request_bad_input_and_cancelled_policy(client, book):
    headers = f.customer_token(book["me"])
    resp = client.post(f"/api/mp/policies/{book['current'].id}/renewal-quote-requests", json={"note": "长" * 501},
                       headers=headers)
    assert resp.status_code == 422 and resp.get_json()["errors"] == {"note": ["留言不超过500个字"]}
    resp = client.post(f"/api/mp/policies/{book['cancelled'].id}/renewal-quote-requests", json={}, headers=headers)
    assert resp.status_code == 409 and resp.get_json()["code"] == "policy_cancelled"


def test_an_agent_not_on_wecom_still_gets_the_request_stored(client, book):
    book["agent"].wecom_userid = None
    _db.session.commit()
    resp = client.post(f"/api/mp/policies/{book['current'].id}/renewal-quote-requests", json={},
                       headers=f.customer_token(book["me"]))
    assert resp.status_code == 201 and resp.get_json()["agent_notified"] is False
    assert _db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_my_vehicles_with_their_cover(client, book):
    rows = get(client, "/api/mp/vehicles", book["me"]).get_json()
    assert [r["plate"] for r in rows] == ["冀A12345", "冀A67890"]
    car = rows[0]
    assert car["commercial_end_date"] == book["current"].end_date.isoformat()
    assert car["ctpl_end_date"] == book["ctpl"].end_date.isoformat() and car["insured"] is True
    # The second car's only policy was cancelled: not insured.
    assert rows[1]["insured"] is False and rows[1]["commercial_end_date"] is None
    assert book["theirs"].vin not in json.dumps(rows)


def test_the_policy_list_costs_the_same_queries_for_2_rows_or_40(client, db, book):
    me = book["me"]
    costs = []
    for extra in (0, 36):
        for _ in range(extra):
            f.policy(customer=me, vehicle=f.vehicle(owner=me), agent=book["agent"])
        db.session.commit()
        db.session.remove()
        client.get("/api/mp/policies", headers=f.customer_token(me), query_string={"page_size": 100})
        # Counted on the wire (libpq's trace): the list runs on the driver, not through SQLAlchemy's
        # cursor events, and BEGIN / ROLLBACK would be round trips too.
        with wire(db.engine) as seen:
            resp = client.get("/api/mp/policies", headers=f.customer_token(me), query_string={"page_size": 100})
        assert len(resp.get_json()) == 4 + extra
        costs.append(seen.round_trips)
        me = db.session.merge(me)
    assert costs[0] == costs[1]
    # The page with its total, in one statement: nothing else.
    assert costs[0] == 1, costs
