"""The demo's points programme: partners, the mall catalogue, two campaigns, and the points the
demo customers earned and spent, all written through the points services the application uses.

Runs after the bulk seed is committed (`load(rng, ...)`). Every choice here (which dealers serve
the mall, who signs in, who redeems what) comes from the generator it is given, derived from the
seed. What the services themselves draw from the operating system is, by design, not derived from
the seed: invite codes, voucher codes and partner keys (secrets, not guessable). Times come from
the services' clock (created_at, voucher expiry, today's sign-ins); the demo's calendar (AS_OF)
fixes the award job's dates, the campaigns' windows and the tier recompute.

The lottery is set up but not drawn: its prize is picked with the operating system's randomness
(see points.campaigns), so a drawn lottery would make the demo differ between runs of one seed.
The red packet has one prize, so claiming it picks nothing at random.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from app.auth.viewer import Viewer
from app.errors import DomainError
from app.extensions import db
from app.models import AuditChannel, Customer, Role, Staff
from app.models.points import (
    CampaignKind,
    LimitPeriod,
    MallCategory,
    MallItem,
    Partner,
    PartnerKind,
    PointsAccount,
    PrizeKind,
    VoucherStatus,
)
from app.services import tiers
from app.services.demo.values import AS_OF
from app.services.points import admin, awards, campaigns, mall, partners, signin

DEALER_PARTNERS = 3
SIGN_INS = 40
REDEMPTIONS = 36
VERIFIED = 6
RED_PACKET_CLAIMS = 25

MERCHANT = ("速洁汽车服务(石家庄)有限公司", "客服 0311-8666 2020")

# (key, name, category, description, points, face value, stock (None = unlimited), limit, period,
#  served by: "dealer" (one of the demo dealers), "merchant", or None (any partner), days valid).
CATALOGUE: tuple[tuple, ...] = (
    ("wash", "精致洗车(5座轿车/SUV)", MallCategory.car_wash, "外观清洗、内饰吸尘、轮毂清洁,约 40 分钟", 300, "40",
     None, 4, LimitPeriod.month, "dealer", 30),
    ("wash_fine", "精洗打蜡套餐", MallCategory.car_wash, "精洗一次并做一次手工打蜡", 900, "128", 300, 2,
     LimitPeriod.month, "dealer", 60),
    ("driver", "酒后代驾(市区 20 公里内)", MallCategory.designated_driver, "全天 24 小时预约,超出里程按商户价格另付",
     800, "99", 200, 2, LimitPeriod.month, "merchant", 90),
    ("inspection", "年检代办(含上门取送车)", MallCategory.inspection, "代办机动车年检,含上门取送车,不含检测费",
     1500, "200", 100, 1, LimitPeriod.year, "dealer", 180),
    ("maintenance", "基础保养(机油+机滤)", MallCategory.maintenance, "4S 店原厂机油、机滤更换及 28 项检查",
     2500, "380", 80, 1, LimitPeriod.year, "dealer", 180),
    ("ac_clean", "空调系统清洗", MallCategory.maintenance, "空调管路杀菌清洗,更换空调滤芯", 600, "88", None, 1,
     LimitPeriod.year, "dealer", 90),
    ("phone_mount", "车载手机支架", MallCategory.gift, "出风口夹持式,单手取放", 400, "39", 500, 1, LimitPeriod.ever,
     None, 30),
    ("aroma", "车载香薰", MallCategory.gift, "固体香膏,淡雅木香", 500, "59", 300, 2, LimitPeriod.ever, None, 30),
    ("rescue_kit", "应急救援工具包", MallCategory.gift, "含拖车绳、搭电线、三角警示牌、反光背心", 1200, "158", 50, 1,
     LimitPeriod.ever, None, 30),
    ("vacuum", "车载无线吸尘器", MallCategory.gift, "大吸力无线吸尘器,USB 充电", 3000, "299", 20, 1,
     LimitPeriod.year, None, 30),
)


@dataclass
class PointsDemo:
    partners: int = 0
    items: int = 0
    campaigns: int = 0
    purchases: int = 0
    renewals: int = 0
    sign_ins: int = 0
    redemptions: int = 0
    verified: int = 0
    cancelled: int = 0
    red_packets: int = 0
    tiers_changed: int = 0
    item_ids: dict[str, int] = field(default_factory=dict)


def load(rng: random.Random, admin_username: str, say: Callable[[str], None]) -> PointsDemo:
    """Write the demo's points programme; see the module docstring."""
    out = PointsDemo()
    viewer = Viewer(AuditChannel.cli, staff=db.session.execute(
        select(Staff).where(Staff.username == admin_username)).scalar_one())

    say("生成积分商城:合作商户与商品…")
    partner_ids = _partners(rng, viewer, out)
    _catalogue(rng, viewer, partner_ids, out)
    say(f"  合作商户 {out.partners} 家,商品 {out.items} 件。")

    say("生成营销活动:抽奖与红包…")
    red_packet = _campaigns(viewer, out)

    say(f"运行积分发放任务(截至 {AS_OF:%Y-%m-%d},近 {current_app.config['POINTS_POLICY_LOOKBACK_DAYS']} 天的投保与续保)…")
    _awards(out)
    say(f"  投保积分 {out.purchases:,} 笔,续保奖励 {out.renewals:,} 笔。")

    say("生成签到、积分兑换、核销与取消…")
    _sign_ins(rng, out)
    _redemptions(rng, out)
    _red_packets(rng, red_packet, out)
    say(f"  签到 {out.sign_ins} 人,兑换 {out.redemptions} 张券(核销 {out.verified} 张,取消 {out.cancelled} 张),"
        f"领取红包 {out.red_packets} 个。")

    say("按会员等级规则重算客户等级…")
    tiers.load_default_rules()  # the migration's defaults, should the rules table have been emptied
    out.tiers_changed = tiers.recompute_all(today=AS_OF).changed
    say(f"  会员等级变化 {out.tiers_changed:,} 人。")
    return out


def _business_time(day_offset: int, at: time = time.min) -> datetime:
    """A moment on AS_OF + day_offset, Beijing time: the demo's calendar, not the clock."""
    return datetime.combine(AS_OF + timedelta(days=day_offset), at, tzinfo=ZoneInfo("Asia/Shanghai"))


def _partners(rng: random.Random, viewer: Viewer, out: PointsDemo) -> dict[str, list[int]]:
    """A few demo dealers (each with a resident manager, who verifies for it) and one merchant.
    Their API keys are issued and not kept: an admin rotates one in the panel to get it."""
    dealer_ids = sorted(db.session.execute(
        select(Staff.dealer_id).where(Staff.role == Role.resident_manager, Staff.dealer_id.is_not(None))
        .distinct()).scalars())
    chosen = sorted(rng.sample(dealer_ids, min(DEALER_PARTNERS, len(dealer_ids))))
    ids: dict[str, list[int]] = {"dealer": [], "merchant": []}
    for dealer in admin.dealers_without_partner():
        if dealer.id in chosen:
            partner, _key = admin.create_partner(viewer, dealer.name, PartnerKind.dealer, dealer.id, None)
            ids["dealer"].append(partner.id)
    ids["dealer"].sort()
    name, contact = MERCHANT
    partner, _key = admin.create_partner(viewer, name, PartnerKind.merchant, None, contact)
    ids["merchant"].append(partner.id)
    out.partners = len(ids["dealer"]) + 1
    return ids


def _catalogue(rng: random.Random, viewer: Viewer, partner_ids: dict[str, list[int]], out: PointsDemo) -> None:
    for sort, (key, name, category, description, price, face, stock, limit, period, served_by, valid_days) \
            in enumerate(CATALOGUE, start=1):
        partner_id = rng.choice(partner_ids[served_by]) if served_by else None
        item = admin.save_item(viewer, None, {
            "name": name, "category": category, "description": description, "price_points": price,
            "face_value": Decimal(face), "stock": stock, "limit_quantity": limit, "limit_period": period,
            "active": True, "partner_id": partner_id, "voucher_valid_days": valid_days, "cancellable": True,
            "sort_order": sort * 10})
        out.item_ids[key] = item.id
    out.items = len(CATALOGUE)


def _campaigns(viewer: Viewer, out: PointsDemo):
    lottery = admin.save_campaign(viewer, None, {
        "kind": CampaignKind.lottery, "name": "岁末感恩大抽奖",
        "description": "每天 3 次机会,每次 20 积分,最高赢 8888 积分或免费洗车券",
        "starts_at": _business_time(-5), "ends_at": _business_time(37), "active": True,
        "budget_points": 60_000, "daily_limit": 3, "draw_cost_points": 20, "per_customer_limit": None})
    for name, kind, points, item_key, weight, quantity in (
            ("8888 积分", PrizeKind.points, 8888, None, 1, 3),
            ("188 积分", PrizeKind.points, 188, None, 60, None),
            ("精致洗车券", PrizeKind.voucher, 0, "wash", 40, 100),
            ("30 积分", PrizeKind.points, 30, None, 300, None),
            ("谢谢参与", PrizeKind.none, 0, None, 600, None)):
        admin.save_prize(viewer, lottery.id, None, {
            "name": name, "kind": kind, "points": points, "weight": weight, "quantity": quantity,
            "item_id": out.item_ids[item_key] if item_key else None, "active": True})
    red_packet = admin.save_campaign(viewer, None, {
        "kind": CampaignKind.red_packet, "name": "会员日积分红包",
        "description": "活动期间每位客户可领取一次 66 积分红包",
        "starts_at": _business_time(-7), "ends_at": _business_time(20), "active": True,
        "budget_points": 20_000, "daily_limit": None, "draw_cost_points": 0, "per_customer_limit": 1})
    admin.save_prize(viewer, red_packet.id, None, {
        "name": "66 积分红包", "kind": PrizeKind.points, "points": 66, "weight": 1, "quantity": None, "active": True})
    out.campaigns = 2
    return red_packet


def _awards(out: PointsDemo) -> None:
    """The nightly award job's run of AS_OF: points for the policies issued in its look-back
    window (POINTS_POLICY_LOOKBACK_DAYS), a bonus for the renewals among them. One run, not a
    replay of every night: the job spends a few milliseconds a policy, and the demo stays quick."""
    run = awards.award_policies(today=AS_OF)
    out.purchases, out.renewals = run.purchases, run.renewals


def _app_users(min_points: int = 0) -> list[int]:
    """Customers who use the mini-program (have an openid), with at least `min_points` points if
    asked: only they sign in, redeem or claim a red packet."""
    stmt = select(Customer.id).where(Customer.openid.is_not(None)).order_by(Customer.id)
    if min_points:
        stmt = stmt.join(PointsAccount, PointsAccount.customer_id == Customer.id) \
            .where(PointsAccount.balance >= min_points)
    return list(db.session.execute(stmt).scalars())


def _sign_ins(rng: random.Random, out: PointsDemo) -> None:
    """Today's sign-ins (the service signs in for the clock's business day)."""
    customers = _app_users()
    for customer_id in sorted(rng.sample(customers, min(SIGN_INS, len(customers)))):
        try:
            signin.sign_in(customer_id)
            out.sign_ins += 1
        except signin.AlreadySignedIn:
            pass


def _redemptions(rng: random.Random, out: PointsDemo) -> None:
    """Customers spend points on what they can afford; a few vouchers are used at the partner
    (the dealer's resident manager, or the merchant's key), one tried again, and one cancelled."""
    items = list(db.session.execute(select(MallItem).order_by(MallItem.id)).scalars())
    cheapest = min(item.price_points for item in items)
    candidates = _app_users(cheapest)
    vouchers = []
    for n, customer_id in enumerate(sorted(rng.sample(candidates, min(REDEMPTIONS, len(candidates))))):
        balance = db.session.get(PointsAccount, customer_id).balance
        affordable = [item for item in items if item.price_points <= balance]
        item = rng.choice(affordable)
        try:
            voucher, _created = mall.redeem(customer_id, item.id, 1, f"demo-redeem-{n}")
        except DomainError:
            continue  # sold out or over the item's limit: as a customer would see it, nothing is kept
        vouchers.append(voucher)
    out.redemptions = len(vouchers)

    served = [v for v in vouchers if v.partner_id is not None]
    for voucher in served[:VERIFIED]:
        partner = db.session.get(Partner, voucher.partner_id)
        staff_id = None
        if partner.kind == PartnerKind.dealer:
            staff_id = db.session.execute(
                select(func.min(Staff.id)).where(Staff.dealer_id == partner.dealer_id,
                                                 Staff.role == Role.resident_manager)).scalar_one()
        partners.verify(partner, voucher.code, ip="127.0.0.1", staff_id=staff_id)
        out.verified += 1
    if served:
        # The counter clerk scans the first voucher again: refused and logged (已核销).
        first = served[0]
        try:
            partners.verify(db.session.get(Partner, first.partner_id), first.code, ip="127.0.0.1")
        except DomainError:
            pass
    unused = [v for v in vouchers if v.status == VoucherStatus.issued]
    if unused:
        mall.cancel(unused[-1].customer_id, unused[-1].id)
        out.cancelled = 1


def _red_packets(rng: random.Random, red_packet, out: PointsDemo) -> None:
    """Red packets claimed today, if the campaign is open by the clock (it is around AS_OF)."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    if not red_packet.starts_at <= now < red_packet.ends_at:
        return
    customers = _app_users()
    for n, customer_id in enumerate(sorted(rng.sample(customers, min(RED_PACKET_CLAIMS, len(customers))))):
        campaigns.draw(customer_id, red_packet.id, f"demo-red-packet-{n}", CampaignKind.red_packet)
        out.red_packets += 1
