"""The points mall: catalogue, redemption (points, stock, limits, idempotency), my vouchers with code
and QR, cancel with refund, and verification by the partner, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import OrgLevel, Role
from app.models.points import (
    LimitPeriod,
    MallCategory,
    MallItem,
    PointsEntry,
    PointsReason,
    VerificationResult,
    Voucher,
    VoucherStatus,
    VoucherVerification,
)
from app.services.points import mall
from app.timeutil import business_today
from tests import factories as f
from tests.points_support import assert_books_balance, give_points, item, partner


def _redeem(client, customer, item_id, request_id="req-00000001", quantity=1):
    return client.post(f"/api/mp/mall/items/{item_id}/redeem", json={"quantity": quantity, "request_id": request_id},
                       headers=f.customer_token(customer))


def _stock(item_id):
    db.session.expire_all()
    return db.session.get(MallItem, item_id).stock


# ---- catalogue ----------------------------------------------------------------------------------

def test_catalogue_lists_items_on_sale_by_category(client, db):
    customer = f.customer()
    wash = item("精致洗车", category=MallCategory.car_wash)
    driver = item("代驾券", category=MallCategory.designated_driver, stock=None)
    item("下架商品", active=False)
    item("未开始", starts_at=datetime.now(UTC) + timedelta(days=1))
    item("已结束", ends_at=datetime.now(UTC) - timedelta(minutes=1))
    resp = client.get("/api/mp/mall/items", headers=f.customer_token(customer))
    assert resp.status_code == 200
    assert [i["name"] for i in resp.get_json()] == ["精致洗车", "代驾券"]
    only = client.get("/api/mp/mall/items", query_string={"category": "designated_driver"},
                      headers=f.customer_token(customer)).get_json()
    assert [(i["id"], i["category_label"], i["stock"], i["in_stock"]) for i in only] == [
        (driver.id, "代驾", None, True)]
    bad = client.get("/api/mp/mall/items", query_string={"category": "spa"}, headers=f.customer_token(customer))
    assert bad.status_code == 422 and bad.get_json()["errors"]["category"] == ["商品分类不正确"]
    detail = client.get(f"/api/mp/mall/items/{wash.id}", headers=f.customer_token(customer)).get_json()
    assert detail["price_points"] == 100 and detail["category_label"] == "洗车"


def test_items_off_sale_or_missing_are_not_found(client, db):
    off = item(active=False)
    for item_id in (off.id, 999999):
        resp = client.get(f"/api/mp/mall/items/{item_id}", headers=f.customer_token(f.customer()))
        assert resp.status_code == 404 and resp.get_json()["message"] == "商品不存在或已下架"


# ---- redemption ---------------------------------------------------------------------------------

def test_redeem_spends_points_takes_stock_and_issues_a_voucher_with_qr(client, db):
    customer = f.customer()
    give_points(customer, 500)
    wash = item(price=120, stock=5, voucher_valid_days=30)
    resp = _redeem(client, customer, wash.id, quantity=2)
    assert resp.status_code == 201
    voucher = resp.get_json()
    assert voucher["points"] == 240 and voucher["quantity"] == 2 and voucher["status"] == "issued"
    assert voucher["status_label"] == "未使用" and voucher["cancellable"] is True
    assert len(voucher["code"]) == 16 and voucher["qr"].startswith("data:image/svg+xml")
    assert voucher["expires_at"].startswith((business_today() + timedelta(days=31)).isoformat())
    assert _stock(wash.id) == 3
    assert assert_books_balance(customer.id) == 260
    spend = db.session.execute(select(PointsEntry).where(PointsEntry.reason == PointsReason.redemption)).scalar_one()
    assert (spend.ref_type, spend.ref_id, spend.amount) == ("voucher", voucher["id"], -240)


def test_a_retried_redemption_returns_the_same_voucher_and_spends_once(client, db):
    customer = f.customer()
    give_points(customer, 500)
    wash = item(price=100)
    first = _redeem(client, customer, wash.id, "retry-0000001").get_json()
    second = _redeem(client, customer, wash.id, "retry-0000001")
    assert second.status_code == 201 and second.get_json()["id"] == first["id"]
    assert assert_books_balance(customer.id) == 400 and _stock(wash.id) == 9
    other = item("另一个")
    reused = _redeem(client, customer, other.id, "retry-0000001")
    assert reused.status_code == 409 and reused.get_json()["code"] == "request_id_reused"


def test_redeem_without_enough_points_changes_nothing(client, db):
    customer = f.customer()
    give_points(customer, 99)
    wash = item(price=100, stock=3)
    resp = _redeem(client, customer, wash.id)
    assert resp.status_code == 409
    assert resp.get_json()["message"] == "积分不足:需要 100 积分,当前可用 99 积分"
    assert _stock(wash.id) == 3 and db.session.execute(select(Voucher)).first() is None
    assert assert_books_balance(customer.id) == 99


def test_the_last_one_goes_to_one_customer_only(client, db):
    first, second = f.customer(), f.customer()
    give_points(first, 300)
    give_points(second, 300)
    wash = item(price=100, stock=1)
    assert _redeem(client, first, wash.id).status_code == 201
    resp = _redeem(client, second, wash.id)
    assert resp.status_code == 409 and resp.get_json()["message"].startswith("库存不足")
    assert _stock(wash.id) == 0
    assert assert_books_balance(second.id) == 300  # the spend rolled back with the stock


def test_per_customer_limit_per_period(client, db):
    customer = f.customer()
    give_points(customer, 1000)
    wash = item(price=10, limit_quantity=2, limit_period=LimitPeriod.month)
    assert _redeem(client, customer, wash.id, "limit-000001").status_code == 201
    assert _redeem(client, customer, wash.id, "limit-000002").status_code == 201
    third = _redeem(client, customer, wash.id, "limit-000003")
    assert third.status_code == 409
    assert third.get_json()["message"] == "该商品每月限兑 2 件,您还可兑换 0 件"
    # An earlier month's vouchers do not count.
    db.session.execute(update(Voucher).values(created_at=datetime.now(UTC) - timedelta(days=40)))
    db.session.commit()
    assert _redeem(client, customer, wash.id, "limit-000004", quantity=2).status_code == 201
    assert _redeem(client, customer, wash.id, "limit-000005").status_code == 409


def test_redeem_bad_input(client, db):
    customer = f.customer()
    wash = item()
    headers = f.customer_token(customer)
    cases = [({"quantity": 0, "request_id": "req-00000001"}, "quantity", "数量应在1到99之间"),
             ({"quantity": 1}, "request_id", "缺少请求编号"),
             ({"quantity": 1, "request_id": "短"}, "request_id", "请求编号应为8到64位字母、数字、下划线或连字符"),
             ({"quantity": "两个", "request_id": "req-00000001"}, "quantity", None)]
    for body, field, message in cases:
        resp = client.post(f"/api/mp/mall/items/{wash.id}/redeem", json=body, headers=headers)
        assert resp.status_code == 422, body
        assert field in resp.get_json()["errors"]
        if message:
            assert resp.get_json()["errors"][field] == [message]
    assert _redeem(client, customer, 999999).status_code == 404


# ---- my vouchers --------------------------------------------------------------------------------

def test_vouchers_are_the_customers_own(client, db):
    mine, theirs = f.customer(), f.customer()
    give_points(mine, 500)
    give_points(theirs, 500)
    wash = item()
    own = _redeem(client, mine, wash.id, "own-00000001").get_json()
    other = _redeem(client, theirs, wash.id, "other-0000001").get_json()
    listed = client.get("/api/mp/vouchers", headers=f.customer_token(mine)).get_json()
    assert [v["id"] for v in listed] == [own["id"]]
    assert "code" not in listed[0]  # the list never shows codes
    detail = client.get(f"/api/mp/vouchers/{own['id']}", headers=f.customer_token(mine)).get_json()
    assert detail["code"] == own["code"] and detail["qr"]
    for path in (f"/api/mp/vouchers/{other['id']}", "/api/mp/vouchers/999999"):
        resp = client.get(path, headers=f.customer_token(mine))
        assert resp.status_code == 404 and resp.get_json() == {"code": "not_found", "message": "兑换券不存在",
                                                              "errors": {}}
    cancel = client.post(f"/api/mp/vouchers/{other['id']}/cancel", headers=f.customer_token(mine))
    assert cancel.status_code == 404
    assert assert_books_balance(theirs.id) == 400
    bad = client.get("/api/mp/vouchers", query_string={"status": "lost"}, headers=f.customer_token(mine))
    assert bad.status_code == 422


def test_cancel_refunds_points_and_stock_once(client, db):
    customer = f.customer()
    give_points(customer, 300)
    wash = item(price=100, stock=5)
    voucher = _redeem(client, customer, wash.id, quantity=2).get_json()
    resp = client.post(f"/api/mp/vouchers/{voucher['id']}/cancel", headers=f.customer_token(customer))
    assert resp.status_code == 200 and resp.get_json()["status"] == "cancelled"
    assert assert_books_balance(customer.id) == 300 and _stock(wash.id) == 5
    again = client.post(f"/api/mp/vouchers/{voucher['id']}/cancel", headers=f.customer_token(customer))
    assert again.status_code == 409 and again.get_json()["message"] == "兑换券已取消"
    assert assert_books_balance(customer.id) == 300 and _stock(wash.id) == 5
    detail = client.get(f"/api/mp/vouchers/{voucher['id']}", headers=f.customer_token(customer)).get_json()
    assert detail["code"] is None and detail["qr"] is None  # a dead voucher shows no usable code


def test_cancel_rules(client, db):
    customer = f.customer()
    give_points(customer, 1000)
    gift = item("礼品", category=MallCategory.gift, cancellable=False)
    wash = item()
    final = _redeem(client, customer, gift.id, "final-0000001").get_json()
    resp = client.post(f"/api/mp/vouchers/{final['id']}/cancel", headers=f.customer_token(customer))
    assert resp.status_code == 409 and resp.get_json()["message"] == "该商品兑换后不支持取消"
    expired = _redeem(client, customer, wash.id, "expired-00001").get_json()
    db.session.execute(update(Voucher).where(Voucher.id == expired["id"])
                       .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()
    resp = client.post(f"/api/mp/vouchers/{expired['id']}/cancel", headers=f.customer_token(customer))
    assert resp.status_code == 409 and resp.get_json()["message"] == "兑换券已过期,不能取消"
    shown = client.get(f"/api/mp/vouchers/{expired['id']}", headers=f.customer_token(customer)).get_json()
    assert shown["status"] == "expired" and shown["code"] is None
    assert mall.expire_vouchers() == 1 and mall.expire_vouchers() == 0


# ---- partner verification -----------------------------------------------------------------------

def _verify(client, code, key=None, headers=None):
    return client.post("/api/partner/vouchers/verify", json={"code": code},
                       headers=headers if headers is not None else {"X-Partner-Key": key})


def test_a_partner_verifies_a_voucher_once(client, db):
    shop, key = partner()
    customer = f.customer()
    give_points(customer, 500)
    wash = item(partner=shop)
    voucher = _redeem(client, customer, wash.id).get_json()
    spaced = voucher["code"][:4].lower() + " " + voucher["code"][4:]  # typed by hand: case and spaces forgiven
    ok = _verify(client, spaced, key)
    assert ok.status_code == 200
    assert ok.get_json()["item_name"] == "精致洗车" and ok.get_json()["quantity"] == 1
    second = _verify(client, voucher["code"], key)
    assert second.status_code == 409 and second.get_json()["message"] == "该券已核销,不能重复使用"
    db.session.expire_all()
    assert db.session.get(Voucher, voucher["id"]).status == VoucherStatus.used
    log = db.session.execute(select(VoucherVerification.result, VoucherVerification.code_tail)
                             .order_by(VoucherVerification.id)).all()
    assert log == [(VerificationResult.ok, voucher["code"][-4:]), (VerificationResult.already_used, voucher["code"][-4:])]
    used = client.post(f"/api/mp/vouchers/{voucher['id']}/cancel", headers=f.customer_token(customer))
    assert used.status_code == 409 and used.get_json()["message"] == "兑换券已使用,不能取消"


def test_verification_refusals(client, db):
    shop, key = partner()
    rival, rival_key = partner("别家")
    customer = f.customer()
    give_points(customer, 1000)
    wash = item(partner=shop)
    voucher = _redeem(client, customer, wash.id, "verify-000001").get_json()
    cancelled = _redeem(client, customer, wash.id, "verify-000002").get_json()
    client.post(f"/api/mp/vouchers/{cancelled['id']}/cancel", headers=f.customer_token(customer))
    assert _verify(client, voucher["code"], "nope.nope").status_code == 401
    assert _verify(client, voucher["code"], headers={}).status_code == 401
    assert _verify(client, voucher["code"], key.split(".")[0] + ".wrong").status_code == 401
    wrong = _verify(client, voucher["code"], rival_key)
    assert wrong.status_code == 409 and wrong.get_json()["message"] == "该券不属于本商户,不能核销"
    unknown = _verify(client, "ABCDEFGHJKLMNPQR", key)
    assert unknown.status_code == 404 and unknown.get_json()["message"] == "券码不存在,请核对后重试"
    assert _verify(client, cancelled["code"], key).get_json()["message"] == "该券已被客户取消"
    assert client.post("/api/partner/vouchers/verify", json={}, headers={"X-Partner-Key": key}).status_code == 422
    shop.active = False
    db.session.commit()
    assert _verify(client, voucher["code"], key).status_code == 401
    db.session.expire_all()
    assert db.session.get(Voucher, voucher["id"]).status == VoucherStatus.issued


def test_guessing_codes_is_cut_off(client, db):
    _shop, key = partner()
    for n in range(30):
        assert _verify(client, f"GUESS{n:011d}", key).status_code == 404
    assert _verify(client, "GUESS99999999999", key).status_code == 429


def test_a_resident_manager_verifies_for_their_dealer(client, db):
    company = f.org_unit(OrgLevel.company)
    city = f.org_unit(OrgLevel.city, company)
    dealer = f.dealer(city)
    shop, _key = partner("4S店核销", dealer=dealer)
    manager = f.staff(Role.resident_manager, org=city, dealer=dealer)
    other_dealer_manager = f.staff(Role.resident_manager, org=city, dealer=f.dealer(city))
    agent = f.staff(Role.agent, org=city)
    db.session.commit()
    customer = f.customer()
    give_points(customer, 500)
    service = item("保养套餐", category=MallCategory.maintenance, partner=shop)
    voucher = _redeem(client, customer, service.id).get_json()
    assert _verify(client, voucher["code"], headers=f.staff_token(agent)).status_code == 403
    assert _verify(client, voucher["code"], headers=f.staff_token(other_dealer_manager)).status_code == 403
    ok = _verify(client, voucher["code"], headers=f.staff_token(manager))
    assert ok.status_code == 200
    row = db.session.execute(select(VoucherVerification)).scalar_one()
    assert (row.staff_id, row.partner_id) == (manager.id, shop.id)
