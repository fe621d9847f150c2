"""The panel's mall, campaign and verification-log pages: who may use them, creating and editing
items and campaigns, logged stock adjustments that never go below zero, partner keys shown once,
and a verification log that shows a branch manager only their customers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, OrgLevel, Role
from app.models.points import Campaign, CampaignPrize, MallItem, Partner, StockAdjustment
from app.services.points import partners as partner_service
from tests import factories as f
from tests.points_support import assert_books_balance, campaign, give_points, item, partner


@pytest.fixture
def org(db):
    company = f.org_unit(OrgLevel.company, name="总公司")
    city = f.org_unit(OrgLevel.city, company, name="石家庄")
    b1 = f.org_unit(OrgLevel.branch, city, name="长安支公司")
    b2 = f.org_unit(OrgLevel.branch, city, name="桥西支公司")
    people = {
        "admin": f.staff(Role.admin, org=company),
        "manager_b1": f.staff(Role.branch_manager, org=b1),
        "supervisor": f.staff(Role.supervisor, org=b1),
        "agent_b1": f.staff(Role.agent, team=f.team(b1)),
        "agent_b2": f.staff(Role.agent, team=f.team(b2)),
        "city": city,
    }
    db.session.commit()
    return people


def _login(client, staff):
    with client.session_transaction() as sess:
        sess["staff_id"] = staff.id
        sess["token_version"] = staff.token_version


def _text(resp) -> str:
    return resp.get_data(as_text=True)


PAGES = ["/admin/mall/items", "/admin/mall/items/new", "/admin/mall/partners", "/admin/campaigns",
         "/admin/campaigns/new", "/admin/vouchers/verifications", "/admin/points/accounts"]


def test_pages_are_for_admins_and_branch_managers(client, org):
    wash = item()
    lottery = campaign()
    pages = PAGES + [f"/admin/mall/items/{wash.id}", f"/admin/campaigns/{lottery.id}"]
    for who in ("admin", "manager_b1"):
        _login(client, org[who])
        for path in pages:
            assert client.get(path).status_code == 200, (who, path)
    _login(client, org["supervisor"])
    for path in pages:
        resp = client.get(path)
        assert resp.status_code == 403 and "只有管理员和支公司经理" in _text(resp), path
    _login(client, org["admin"])
    home = _text(client.get("/admin/"))
    assert "积分商城" in home and "营销活动" in home and "核销记录" in home
    assert client.get("/admin/mall/items/999999").status_code == 404


def test_create_and_edit_an_item(client, org):
    shop, _key = partner()
    _login(client, org["admin"])
    resp = client.post("/admin/mall/items/new", data={
        "name": "精致洗车", "category": "car_wash", "price_points": "300", "face_value": "35.00", "stock": "20",
        "limit_quantity": "2", "limit_period": "month", "partner_id": str(shop.id), "voucher_valid_days": "30",
        "starts_at": "2026-01-01T08:00", "ends_at": "", "active": "on", "cancellable": "on", "sort_order": "1"})
    assert resp.status_code == 302
    created = db.session.execute(select(MallItem)).scalar_one()
    assert (created.name, created.price_points, created.stock, created.partner_id) == ("精致洗车", 300, 20, shop.id)
    assert created.starts_at.isoformat() == "2026-01-01T00:00:00+00:00"  # 08:00 in Shanghai
    log = db.session.execute(select(StockAdjustment)).scalar_one()
    assert (log.stock_after, log.reason, log.staff_id) == (20, "上架初始库存", org["admin"].id)
    edited = client.post(f"/admin/mall/items/{created.id}", data={
        "name": "精致洗车(含内饰)", "category": "car_wash", "price_points": "350", "stock": "999",
        "limit_period": "ever", "voucher_valid_days": "15", "sort_order": "0"})
    assert edited.status_code == 302
    db.session.expire_all()
    item_now = db.session.get(MallItem, created.id)
    assert (item_now.name, item_now.price_points, item_now.active) == ("精致洗车(含内饰)", 350, False)
    assert item_now.stock == 20  # stock moves only through the logged adjustment
    actions = db.session.execute(select(AuditLog.action, AuditLog.entity).order_by(AuditLog.id)).all()
    assert actions == [("create", "mall_item"), ("update", "mall_item")]


def test_bad_item_forms_show_chinese_errors(client, org):
    _login(client, org["manager_b1"])
    resp = client.post("/admin/mall/items/new", data={"name": "", "category": "car_wash", "price_points": "0"})
    assert resp.status_code == 422 and "名称应为1到100个字符" in _text(resp)
    resp = client.post("/admin/mall/items/new", data={"name": "券", "category": "spa", "price_points": "10"})
    assert resp.status_code == 422 and "分类不正确" in _text(resp)
    resp = client.post("/admin/mall/items/new", data={"name": "券", "category": "gift", "price_points": "10",
                                                      "starts_at": "2026-02-01T00:00", "ends_at": "2026-01-01T00:00"})
    assert resp.status_code == 422 and "结束时间必须晚于开始时间" in _text(resp)
    assert db.session.execute(select(MallItem)).first() is None


def test_stock_adjustments_are_logged_and_never_below_zero(client, org):
    wash = item(stock=5)
    _login(client, org["manager_b1"])
    assert client.post(f"/admin/mall/items/{wash.id}/stock", data={"delta": "10", "reason": "补货"}).status_code == 302
    too_many = client.post(f"/admin/mall/items/{wash.id}/stock", data={"delta": "-16", "reason": "盘点"})
    assert too_many.status_code == 409 and "库存不足以减少 16 件(当前 15 件)" in _text(too_many)
    no_reason = client.post(f"/admin/mall/items/{wash.id}/stock", data={"delta": "1"})
    assert no_reason.status_code == 422 and "请填写调整原因" in _text(no_reason)
    assert client.post(f"/admin/mall/items/{wash.id}/stock",
                       data={"unlimited": "on", "reason": "改为不限量"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(MallItem, wash.id).stock is None
    log = db.session.execute(select(StockAdjustment.stock_before, StockAdjustment.stock_after, StockAdjustment.reason)
                             .order_by(StockAdjustment.id)).all()
    assert log == [(5, 15, "补货"), (15, None, "改为不限量")]
    page = _text(client.get(f"/admin/mall/items/{wash.id}"))
    assert "补货" in page and "不限量" in page


def test_a_partner_key_is_shown_once_and_works(client, org):
    _login(client, org["admin"])
    resp = client.post("/admin/mall/partners", data={"name": "洁车坊", "kind": "merchant", "contact": "王经理"})
    assert resp.status_code == 200
    key = re.search(r'<p class="mono">([0-9a-f]{8}\.[\w-]+)</p>', _text(resp)).group(1)
    stored = db.session.execute(select(Partner)).scalar_one()
    assert key.split(".")[1].encode() not in stored.key_hash and stored.key_prefix == key.split(".")[0]
    assert key not in _text(client.get("/admin/mall/partners"))
    assert partner_service.partner_from_key(key).id == stored.id
    rotated = client.post(f"/admin/mall/partners/{stored.id}/key")
    new_key = re.search(r'<p class="mono">([0-9a-f]{8}\.[\w-]+)</p>', _text(rotated)).group(1)
    assert new_key != key
    with pytest.raises(partner_service.PartnerAuthError):
        partner_service.partner_from_key(key)
    dealer_without = client.post("/admin/mall/partners", data={"name": "4S店", "kind": "dealer"})
    assert dealer_without.status_code == 422 and "请选择车商" in _text(dealer_without)
    missing = client.post(f"/admin/mall/partners/{stored.id + 1}/key")
    assert missing.status_code == 404 and "商户不存在" in _text(missing)


def test_create_a_campaign_add_prizes_and_see_the_budget_used(client, org):
    wash = item(price=30)
    _login(client, org["manager_b1"])
    resp = client.post("/admin/campaigns/new", data={
        "kind": "lottery", "name": "周末抽奖", "starts_at": "2026-01-01T00:00", "ends_at": "2030-01-01T00:00",
        "budget_points": "1000", "daily_limit": "3", "draw_cost_points": "0", "active": "on"})
    assert resp.status_code == 302
    created = db.session.execute(select(Campaign)).scalar_one()
    assert (created.daily_limit, created.per_customer_limit, created.budget_points) == (3, None, 1000)
    assert client.post(f"/admin/campaigns/{created.id}/prizes",
                       data={"name": "50积分", "kind": "points", "points": "50", "weight": "1", "active": "on"}
                       ).status_code == 302
    assert client.post(f"/admin/campaigns/{created.id}/prizes",
                       data={"name": "洗车券", "kind": "voucher", "item_id": str(wash.id), "weight": "1",
                             "quantity": "5", "active": "on"}).status_code == 302
    bad = client.post(f"/admin/campaigns/{created.id}/prizes", data={"name": "空", "kind": "points", "weight": "1"})
    assert bad.status_code == 422 and "积分奖品请填写积分数" in _text(bad)
    prizes = db.session.execute(select(CampaignPrize).order_by(CampaignPrize.id)).scalars().all()
    assert [p.name for p in prizes] == ["50积分", "洗车券"]
    # The row form changes odds, quantity and whether a prize is in the draw.
    assert client.post(f"/admin/campaigns/{created.id}/prizes/{prizes[1].id}", data={
        "name": "洗车券", "kind": "voucher", "item_id": str(wash.id), "weight": "3", "quantity": "4", "active": "on",
    }).status_code == 302
    db.session.expire_all()
    assert (prizes[1].weight, prizes[1].quantity, prizes[1].active) == (3, 4, True)
    other = campaign(name="别的活动")
    assert client.post(f"/admin/campaigns/{other.id}/prizes/{prizes[1].id}", data={
        "name": "x", "kind": "none", "weight": "1"}).status_code == 404
    customer = f.customer()
    client.post(f"/api/mp/campaigns/{created.id}/draw", json={"request_id": "admin-draw-001"},
                headers=f.customer_token(customer))
    db.session.expire_all()
    used = db.session.get(Campaign, created.id).budget_used
    assert used in (30, 50)
    listing = _text(client.get("/admin/campaigns"))
    assert "周末抽奖" in listing and f'<td class="num">{used}</td>' in listing
    detail = _text(client.get(f"/admin/campaigns/{created.id}"))
    assert "25.00%" in detail and "75.00%" in detail  # weights 1 and 3
    lowered = client.post(f"/admin/campaigns/{created.id}", data={
        "name": "周末抽奖", "starts_at": "2026-01-01T00:00", "ends_at": "2030-01-01T00:00",
        "budget_points": "10", "active": "on"})
    assert lowered.status_code == 409 and f"预算不能低于已发放的 {used} 积分" in _text(lowered)
    missing_dates = client.post("/admin/campaigns/new", data={"name": "无日期", "budget_points": "1"})
    assert missing_dates.status_code == 422 and "请填写开始时间" in _text(missing_dates)


def test_the_verification_log_shows_a_branch_manager_only_their_customers(client, org):
    shop, key = partner()
    wash = item(partner=shop)
    mine = f.customer(agent=org["agent_b1"], name="赵一鸣")
    theirs = f.customer(agent=org["agent_b2"], name="钱二丫")
    codes = {}
    for customer in (mine, theirs):
        give_points(customer, 500)
        voucher = client.post(f"/api/mp/mall/items/{wash.id}/redeem", json={"quantity": 1, "request_id": "log-000001"},
                              headers=f.customer_token(customer)).get_json()
        codes[customer.id] = voucher["code"]
        client.post("/api/partner/vouchers/verify", json={"code": voucher["code"]}, headers={"X-Partner-Key": key})
    client.post("/api/partner/vouchers/verify", json={"code": "NOSUCHCODE000000"}, headers={"X-Partner-Key": key})
    _login(client, org["admin"])
    everything = _text(client.get("/admin/vouchers/verifications"))
    assert "赵*鸣" in everything and "钱*丫" in everything and "券码不存在" in everything
    assert "赵一鸣" not in everything  # names masked
    _login(client, org["manager_b1"])
    scoped = _text(client.get("/admin/vouchers/verifications"))
    assert "赵*鸣" in scoped and "钱*丫" not in scoped
    assert codes[theirs.id][-4:] not in scoped
    failed_only = _text(client.get("/admin/vouchers/verifications", query_string={"result": "not_found"}))
    assert "赵*鸣" not in failed_only and "券码不存在" in failed_only
    reads = db.session.execute(select(AuditLog.detail).where(AuditLog.action == "read",
                                                             AuditLog.staff_id == org["manager_b1"].id)).scalars().all()
    assert reads and reads[0]["ids"] == [mine.id]


def test_panel_forms_need_the_csrf_token(app, client, org, monkeypatch):
    wash = item(stock=5)
    _login(client, org["admin"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = _text(client.get(f"/admin/mall/items/{wash.id}"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = client.post(f"/admin/mall/items/{wash.id}/stock", data={"delta": "5", "reason": "补货"})
    assert refused.status_code == 400 and "页面已过期" in _text(refused)
    accepted = client.post(f"/admin/mall/items/{wash.id}/stock",
                           data={"delta": "5", "reason": "补货", "csrf_token": token})
    assert accepted.status_code == 302
    db.session.expire_all()
    assert db.session.get(MallItem, wash.id).stock == 10


def _request_key(client) -> str:
    return re.search(r'name="request_key" value="([0-9a-f]{32})"', _text(client.get("/admin/points/accounts"))).group(1)


def test_customer_points_are_listed_in_scope_and_adjusted_through_the_ledger(client, org):
    from app.models.points import PointsAccount, PointsEntry, PointsReason

    mine = f.customer(agent=org["agent_b1"], name="赵一鸣")
    theirs = f.customer(agent=org["agent_b2"], name="钱二丫")
    give_points(mine, 100)
    give_points(theirs, 100)
    _login(client, org["manager_b1"])
    page = _text(client.get("/admin/points/accounts"))
    assert "赵*鸣" in page and "钱*丫" not in page and "赵一鸣" not in page
    key = _request_key(client)
    resp = client.post(f"/admin/points/accounts/{mine.id}/adjust", data={"points": "50", "note": "投诉补偿",
                                                                         "request_key": key})
    assert resp.status_code == 302
    # The same form sent twice (a double click) adjusts once.
    client.post(f"/admin/points/accounts/{mine.id}/adjust", data={"points": "50", "note": "投诉补偿", "request_key": key})
    entry = db.session.execute(select(PointsEntry).where(PointsEntry.reason == PointsReason.adjustment,
                                                         PointsEntry.staff_id.is_not(None))).scalar_one()
    assert (entry.amount, entry.staff_id, entry.note) == (50, org["manager_b1"].id, "投诉补偿")
    too_much = client.post(f"/admin/points/accounts/{mine.id}/adjust",
                           data={"points": "-1000", "note": "误发扣回", "request_key": _request_key(client)})
    assert too_much.status_code == 409 and "积分不足" in _text(too_much)
    assert client.post(f"/admin/points/accounts/{mine.id}/adjust",
                       data={"points": "-30", "note": "误发扣回", "request_key": _request_key(client)}).status_code == 302
    assert assert_books_balance(mine.id) == 120
    # Out of scope: the same 404 as a customer that does not exist; nothing written.
    for customer_id in (theirs.id, 999999):
        resp = client.post(f"/admin/points/accounts/{customer_id}/adjust",
                           data={"points": "10", "note": "越权尝试", "request_key": _request_key(client)})
        assert resp.status_code == 404
    assert assert_books_balance(theirs.id) == 100
    bad = client.post(f"/admin/points/accounts/{mine.id}/adjust", data={"points": "x", "note": "", "request_key": key})
    assert bad.status_code == 422
    assert db.session.get(PointsAccount, mine.id).balance == 120


def test_only_admins_write_off_a_shortfall(client, org):
    from app.models.points import PointsAccount

    customer = f.customer(agent=org["agent_b1"])
    give_points(customer, 10)
    account = db.session.get(PointsAccount, customer.id)
    account.shortfall = 250  # as a reversal of spent points leaves it
    db.session.commit()
    _login(client, org["manager_b1"])
    listed = _text(client.get("/admin/points/accounts", query_string={"shortfall": "1"}))
    assert "250" in listed and "核销</button>" not in listed
    assert client.post(f"/admin/points/accounts/{customer.id}/write-off", data={"note": "经理尝试"}).status_code == 403
    _login(client, org["admin"])
    assert client.post(f"/admin/points/accounts/{customer.id}/write-off", data={"note": "客户已退保,公司承担"}
                       ).status_code == 302
    db.session.expire_all()
    assert db.session.get(PointsAccount, customer.id).shortfall == 0
    again = client.post(f"/admin/points/accounts/{customer.id}/write-off", data={"note": "再次核销"})
    assert again.status_code == 409 and "没有欠扣积分" in _text(again)
    logged = db.session.execute(select(AuditLog.detail).where(AuditLog.entity == "points_account")).scalars().all()
    assert logged == [{"shortfall_written_off": 250, "note": "客户已退保,公司承担"}]
    assert assert_books_balance(customer.id) == 10
