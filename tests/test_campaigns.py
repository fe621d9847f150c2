"""Campaigns: lottery draws (odds, daily limit, draw cost) and red packets (per-customer limit),
each paying out exactly up to the budget; every draw recorded; idempotent per request_id."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models.points import (
    Campaign,
    CampaignDraw,
    CampaignKind,
    MallItem,
    PointsEntry,
    PointsReason,
    PrizeKind,
    Voucher,
    VoucherSource,
)
from tests import factories as f
from tests.points_support import assert_books_balance, campaign, give_points, item


def _draw(client, customer, campaign_id, request_id, action="draw"):
    return client.post(f"/api/mp/campaigns/{campaign_id}/{action}", json={"request_id": request_id},
                       headers=f.customer_token(customer))


def _budget_used(campaign_id):
    db.session.expire_all()
    return db.session.get(Campaign, campaign_id).budget_used


def test_list_and_detail_show_running_campaigns_with_my_usage(client, db):
    customer = f.customer()
    running = campaign(name="周末抽奖", daily_limit=3, prizes=[{"name": "10积分", "points": 10, "weight": 1}])
    campaign(name="已结束", starts_at=datetime.now(UTC) - timedelta(days=9), ends_at=datetime.now(UTC) - timedelta(days=1))
    hidden = campaign(name="未上线", active=False)
    listed = client.get("/api/mp/campaigns", headers=f.customer_token(customer)).get_json()
    assert [c["name"] for c in listed] == ["周末抽奖"]
    assert listed[0]["kind_label"] == "抽奖" and listed[0]["sold_out"] is False
    _draw(client, customer, running.id, "draw-00000001")
    detail = client.get(f"/api/mp/campaigns/{running.id}", headers=f.customer_token(customer)).get_json()
    assert detail["prizes"] == [{"id": running.prizes[0].id, "name": "10积分", "kind": "points",
                                 "kind_label": "积分", "points": 10, "item_name": None}]
    assert detail["my"] == {"used_today": 1, "used_total": 1, "remaining": 2}
    assert [d["prize_name"] for d in detail["my_draws"]] == ["10积分"]
    # Another customer's detail shows their own usage and draws, never this customer's.
    stranger = client.get(f"/api/mp/campaigns/{running.id}", headers=f.customer_token(f.customer())).get_json()
    assert stranger["my"] == {"used_today": 0, "used_total": 0, "remaining": 3} and stranger["my_draws"] == []
    for missing in (hidden.id, 999999):
        resp = client.get(f"/api/mp/campaigns/{missing}", headers=f.customer_token(customer))
        assert resp.status_code == 404 and resp.get_json()["message"] == "活动不存在"


def test_a_draw_pays_the_prize_and_is_recorded_once_per_request(client, db):
    customer = f.customer()
    lottery = campaign(budget=100, prizes=[{"name": "20积分", "points": 20, "weight": 1}])
    resp = _draw(client, customer, lottery.id, "draw-00000001")
    assert resp.status_code == 201
    body = resp.get_json()
    assert (body["won"], body["prize_name"], body["points"]) == (True, "20积分", 20)
    again = _draw(client, customer, lottery.id, "draw-00000001")
    assert again.get_json()["id"] == body["id"]
    assert assert_books_balance(customer.id) == 20 and _budget_used(lottery.id) == 20
    entry = db.session.execute(select(PointsEntry)).scalar_one()
    assert (entry.reason, entry.ref_type, entry.ref_id) == (PointsReason.campaign_prize, "campaign_draw", body["id"])


def test_the_budget_pays_out_exactly_and_then_only_thanks_for_playing(client, db):
    customer = f.customer()
    lottery = campaign(budget=50, prizes=[{"name": "20积分", "points": 20, "weight": 1}])
    results = [_draw(client, customer, lottery.id, f"budget-{n:06d}").get_json() for n in range(4)]
    assert [r["points"] for r in results] == [20, 20, 0, 0]  # a third 20 would pass 50: none
    assert [r["prize_name"] for r in results][2:] == ["谢谢参与", "谢谢参与"]
    assert _budget_used(lottery.id) == 40
    draws = db.session.execute(select(CampaignDraw).order_by(CampaignDraw.id)).scalars().all()
    assert len(draws) == 4 and draws[2].drawn_prize_id == lottery.prizes[0].id and draws[2].prize_id is None
    exact = campaign(budget=40, prizes=[{"name": "20积分", "points": 20, "weight": 1}])
    for n in range(3):
        _draw(client, customer, exact.id, f"exact-{n:06d}")
    assert _budget_used(exact.id) == 40  # to the last point
    thanks_only = campaign(budget=0, prizes=[{"name": "谢谢参与", "kind": PrizeKind.none, "weight": 1}])
    listed = {c["id"]: c for c in client.get("/api/mp/campaigns", headers=f.customer_token(customer)).get_json()}
    assert listed[exact.id]["sold_out"] is True
    assert listed[lottery.id]["sold_out"] is True  # 10 left: not enough for the only prize, 20
    assert listed[thanks_only.id]["sold_out"] is False  # nothing to pay: never sold out


def test_odds_follow_the_weights(client, db):
    customer = f.customer()
    lottery = campaign(budget=10**6, prizes=[{"name": "1积分", "points": 1, "weight": 1},
                                             {"name": "谢谢参与", "kind": PrizeKind.none, "weight": 3}])
    for n in range(200):
        _draw(client, customer, lottery.id, f"odds-{n:07d}")
    wins = Counter(d.kind for d in db.session.execute(select(CampaignDraw)).scalars())
    # 1 in 4 wins: 50 expected of 200; with 200 draws, 25..80 holds with overwhelming probability.
    assert 25 <= wins[PrizeKind.points] <= 80, wins
    assert assert_books_balance(customer.id) == wins[PrizeKind.points]


def test_daily_limit_and_draw_cost(client, db):
    customer = f.customer()
    give_points(customer, 25)
    lottery = campaign(daily_limit=2, draw_cost_points=10, prizes=[{"name": "谢谢", "kind": PrizeKind.none,
                                                                   "weight": 1}])
    assert _draw(client, customer, lottery.id, "cost-00000001").status_code == 201
    assert _draw(client, customer, lottery.id, "cost-00000002").status_code == 201
    third = _draw(client, customer, lottery.id, "cost-00000003")
    assert third.status_code == 409 and third.get_json()["message"] == "今日抽奖次数已用完,明天再来"
    assert assert_books_balance(customer.id) == 5
    costs = db.session.execute(select(PointsEntry.amount).where(PointsEntry.reason == PointsReason.lottery_cost)
                               ).scalars().all()
    assert costs == [-10, -10]
    broke = f.customer()
    poor = _draw(client, broke, lottery.id, "cost-00000004")
    assert poor.status_code == 409 and poor.get_json()["code"] == "insufficient_points"
    assert db.session.execute(select(func.count()).select_from(CampaignDraw)).scalar_one() == 2


def test_a_voucher_prize_takes_stock_and_budget(client, db):
    customer = f.customer()
    wash = item(price=30, stock=1)
    lottery = campaign(budget=100, prizes=[{"name": "洗车券", "kind": PrizeKind.voucher, "item_id": wash.id,
                                            "weight": 1}])
    first = _draw(client, customer, lottery.id, "voucher-000001").get_json()
    assert first["kind"] == "voucher" and first["voucher_id"]
    voucher = db.session.get(Voucher, first["voucher_id"])
    assert (voucher.source, voucher.points, voucher.customer_id) == (VoucherSource.campaign, 0, customer.id)
    second = _draw(client, customer, lottery.id, "voucher-000002").get_json()
    assert second["won"] is False  # out of stock: nothing, and the budget is not charged for it
    assert _budget_used(lottery.id) == 30
    db.session.expire_all()
    assert db.session.get(MallItem, wash.id).stock == 0
    cancel = client.post(f"/api/mp/vouchers/{voucher.id}/cancel", headers=f.customer_token(customer))
    assert cancel.status_code == 409 and cancel.get_json()["message"] == "活动奖品券不能取消"


def test_a_prize_quantity_runs_out(client, db):
    customer = f.customer()
    lottery = campaign(budget=1000, prizes=[{"name": "大奖", "points": 100, "weight": 1, "quantity": 1}])
    results = [_draw(client, customer, lottery.id, f"qty-{n:07d}").get_json()["points"] for n in range(3)]
    assert results == [100, 0, 0]


def test_red_packets_one_per_customer(client, db):
    first, second = f.customer(), f.customer()
    packet = campaign(CampaignKind.red_packet, name="新年红包", budget=15, per_customer_limit=1,
                      prizes=[{"name": "10积分红包", "points": 10, "weight": 1}])
    ok = _draw(client, first, packet.id, "packet-000001", "claim")
    assert ok.status_code == 201 and ok.get_json()["points"] == 10
    again = _draw(client, first, packet.id, "packet-000002", "claim")
    assert again.status_code == 409 and again.get_json()["message"] == "您已领取过该红包"
    late = _draw(client, second, packet.id, "packet-000003", "claim")
    assert late.status_code == 201 and late.get_json()["won"] is False  # 10 more would pass 15
    entry = db.session.execute(select(PointsEntry)).scalar_one()
    assert entry.reason == PointsReason.red_packet and entry.customer_id == first.id
    # A red packet is claimed, not drawn: the wrong action is as missing as a wrong id.
    assert _draw(client, first, packet.id, "packet-000004", "draw").status_code == 404


def test_campaign_windows_and_bad_input(client, db):
    customer = f.customer()
    soon = campaign(starts_at=datetime.now(UTC) + timedelta(hours=1), prizes=[{"name": "1", "points": 1, "weight": 1}])
    over = campaign(starts_at=datetime.now(UTC) - timedelta(days=3), ends_at=datetime.now(UTC) - timedelta(days=1))
    assert _draw(client, customer, soon.id, "window-000001").get_json()["message"] == "活动尚未开始"
    assert _draw(client, customer, over.id, "window-000002").get_json()["message"] == "活动已结束"
    bad = client.post(f"/api/mp/campaigns/{soon.id}/draw", json={}, headers=f.customer_token(customer))
    assert bad.status_code == 422 and bad.get_json()["errors"]["request_id"] == ["缺少请求编号"]
    assert client.post(f"/api/mp/campaigns/{soon.id}/draw", json={"request_id": "x"}).status_code == 401
