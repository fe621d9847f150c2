"""Campaigns: lottery draws and red packets, paid out exactly up to the campaign's budget.

A draw runs under the customer's account lock (limits per customer hold however many requests
arrive at once). The prize is picked with the operating system's randomness; what it costs is
taken from the campaign's budget by a conditional UPDATE (budget_used + cost <= budget_points),
inside a savepoint together with the prize's own quantity and a voucher prize's stock: if any of
them is short, the draw becomes "谢谢参与" and nothing of it is kept. Every draw is recorded.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from app.errors import DomainError, NotFound
from app.extensions import db
from app.models.points import (
    Campaign,
    CampaignDraw,
    CampaignKind,
    CampaignPrize,
    PointsReason,
    PrizeKind,
    VoucherSource,
)
from app.services.points import ledger
from app.services.points.mall import issue_voucher, take_stock
from app.timeutil import business_today

_random = random.SystemRandom()


def _now() -> datetime:
    return datetime.now(UTC)


def list_campaigns() -> list[Campaign]:
    now = _now()
    return list(db.session.execute(
        select(Campaign).where(Campaign.active, Campaign.starts_at <= now, Campaign.ends_at > now)
        .order_by(Campaign.ends_at, Campaign.id)).scalars())


def get_campaign(campaign_id: int) -> Campaign:
    """A campaign customers may see (active); an inactive or unknown one is not found."""
    campaign = db.session.execute(select(Campaign).where(Campaign.id == campaign_id, Campaign.active)
                                  ).scalar_one_or_none()
    if campaign is None:
        raise NotFound("活动不存在")
    return campaign


def my_usage(campaign: Campaign, customer_id: int) -> dict:
    today = business_today()
    base = select(func.count()).where(CampaignDraw.campaign_id == campaign.id, CampaignDraw.customer_id == customer_id)
    total = db.session.execute(base).scalar_one()
    today_count = db.session.execute(base.where(CampaignDraw.day == today)).scalar_one()
    if campaign.kind == CampaignKind.lottery:
        left = None if campaign.daily_limit is None else max(0, campaign.daily_limit - today_count)
    else:
        left = None if campaign.per_customer_limit is None else max(0, campaign.per_customer_limit - total)
    return {"used_today": today_count, "used_total": total, "remaining": left}


def budget_left(campaign: Campaign) -> int:
    return campaign.budget_points - campaign.budget_used


def is_sold_out(campaign: Campaign) -> bool:
    """Nothing worth winning is left: every prize that pays costs more than the budget has left (or
    is all given out). A campaign of only 谢谢参与 is never sold out."""
    paying = [p for p in campaign.prizes if p.active and p.weight > 0 and p.kind != PrizeKind.none]
    if not paying:
        return False
    left = budget_left(campaign)
    return all(prize_cost(p) > left or p.quantity == 0 for p in paying)


def prize_cost(prize: CampaignPrize) -> int:
    if prize.kind == PrizeKind.points:
        return prize.points
    if prize.kind == PrizeKind.voucher:
        return prize.item.price_points
    return 0


def draw(customer_id: int, campaign_id: int, request_id: str, kind: CampaignKind) -> tuple[CampaignDraw, bool]:
    """One lottery draw or red-packet claim; returns (draw, created). Idempotent per request_id."""
    account = ledger.lock_account(customer_id)
    existing = db.session.execute(select(CampaignDraw).where(
        CampaignDraw.campaign_id == campaign_id, CampaignDraw.customer_id == customer_id,
        CampaignDraw.request_id == request_id)).scalar_one_or_none()
    if existing is not None:
        db.session.commit()
        return existing, False
    try:
        record = _draw(account, customer_id, campaign_id, request_id, kind)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return record, True


def _draw(account, customer_id: int, campaign_id: int, request_id: str, kind: CampaignKind) -> CampaignDraw:
    campaign = get_campaign(campaign_id)
    if campaign.kind != kind:
        raise NotFound("活动不存在")
    now = _now()
    if now < campaign.starts_at:
        raise DomainError("活动尚未开始", "campaign_not_started", status=409)
    if now >= campaign.ends_at:
        raise DomainError("活动已结束", "campaign_ended", status=409)
    usage = my_usage(campaign, customer_id)
    if usage["remaining"] == 0:
        message = "今日抽奖次数已用完,明天再来" if kind == CampaignKind.lottery else "您已领取过该红包"
        raise DomainError(message, "draw_limit_reached", status=409)
    record = CampaignDraw(campaign_id=campaign.id, customer_id=customer_id, request_id=request_id,
                          day=business_today(), kind=PrizeKind.none, points=0, budget_cost=0)
    db.session.add(record)
    db.session.flush()
    if campaign.draw_cost_points:
        ledger.spend(account, campaign.draw_cost_points, PointsReason.lottery_cost, f"draw-cost:{record.id}",
                     ref_type="campaign_draw", ref_id=record.id, note=campaign.name)
    prizes = [p for p in campaign.prizes if p.active and p.weight > 0]
    if not prizes:
        return record
    prize = _random.choices(prizes, weights=[p.weight for p in prizes])[0]
    record.drawn_prize_id = prize.id
    if prize.kind == PrizeKind.none:
        record.prize_id = prize.id
        return record
    cost = prize_cost(prize)
    savepoint = db.session.begin_nested()
    if not _reserve(campaign.id, prize, cost):
        savepoint.rollback()
        return record  # the budget (or the prize's quantity, or its stock) is spent: 谢谢参与
    savepoint.commit()
    record.prize_id = prize.id
    record.kind = prize.kind
    record.budget_cost = cost
    if prize.kind == PrizeKind.points:
        record.points = prize.points
        reason = PointsReason.campaign_prize if kind == CampaignKind.lottery else PointsReason.red_packet
        ledger.award(account, prize.points, reason, f"draw:{record.id}", ref_type="campaign_draw",
                     ref_id=record.id, note=f"{campaign.name}:{prize.name}")
    else:
        voucher = issue_voucher(customer_id, prize.item, 1, f"draw:{record.id}", 0, VoucherSource.campaign)
        record.voucher_id = voucher.id
    return record


def _reserve(campaign_id: int, prize: CampaignPrize, cost: int) -> bool:
    """Take the prize's cost from the budget, one of its quantity and, for a voucher, one of the
    item's stock: all or none (the caller's savepoint rolls back a partial reservation)."""
    if prize.quantity is not None:
        taken = db.session.execute(
            update(CampaignPrize).where(CampaignPrize.id == prize.id, CampaignPrize.quantity > 0)
            .values(quantity=CampaignPrize.quantity - 1).returning(CampaignPrize.id)
            .execution_options(synchronize_session=False)).first()
        if taken is None:
            return False
    paid = db.session.execute(
        update(Campaign).where(Campaign.id == campaign_id, Campaign.budget_used + cost <= Campaign.budget_points)
        .values(budget_used=Campaign.budget_used + cost).returning(Campaign.id)
        .execution_options(synchronize_session=False)).first()
    if paid is None:
        return False
    if prize.kind == PrizeKind.voucher and not take_stock(prize.item_id, 1):
        return False
    return True


def customer_draws(customer_id: int, campaign_id: int, limit: int = 20) -> list[CampaignDraw]:
    return list(db.session.execute(
        select(CampaignDraw).where(CampaignDraw.campaign_id == campaign_id, CampaignDraw.customer_id == customer_id)
        .order_by(CampaignDraw.id.desc()).limit(limit)).scalars())


def campaign_totals(campaign_ids: list[int]) -> dict[int, dict]:
    """Per campaign: draws, winning draws and points paid out (for the admin list)."""
    if not campaign_ids:
        return {}
    rows = db.session.execute(
        select(CampaignDraw.campaign_id, func.count(),
               func.count().filter(CampaignDraw.kind != PrizeKind.none),
               func.coalesce(func.sum(CampaignDraw.budget_cost), 0))
        .where(CampaignDraw.campaign_id.in_(campaign_ids))
        .group_by(CampaignDraw.campaign_id)).all()
    return {r[0]: {"draws": r[1], "wins": r[2], "paid": r[3]} for r in rows}
