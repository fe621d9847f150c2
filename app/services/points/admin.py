"""The mall and campaigns as the panel manages them (admins and branch managers): catalogue with
logged stock adjustments, partners and their keys, campaigns with prizes, the verification log.

The catalogue and campaigns are company-wide (a customer anywhere may redeem); the verification
log shows customers, so a branch manager sees only the attempts on vouchers of customers in their
scope (and the attempts on unknown codes, which carry nobody's data).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from app.auth.scoping import get_scoped, scope_filter
from app.auth.viewer import Viewer
from app.errors import DomainError, Forbidden, NotFound
from app.extensions import db
from app.models import Customer, Dealer, Role
from app.models.points import (
    Campaign,
    CampaignPrize,
    MallItem,
    Partner,
    PartnerKind,
    PointsAccount,
    PointsEntry,
    PointsReason,
    PrizeKind,
    StockAdjustment,
    VerificationResult,
    Voucher,
    VoucherVerification,
)
from app.services import audit
from app.services.lookups import get_or_404
from app.services.pagination import PageResult, paginate
from app.services.points import ledger
from app.services.points.partners import issue_key

MANAGER_ROLES = (Role.admin, Role.branch_manager)


def require_manager(viewer: Viewer) -> None:
    if viewer.role not in MANAGER_ROLES:
        raise Forbidden("只有管理员和支公司经理可以管理积分商城和活动")


# ---- catalogue ----------------------------------------------------------------------------------

def list_items(viewer: Viewer, page: int, page_size: int) -> PageResult:
    require_manager(viewer)
    stmt = select(MallItem).options(selectinload(MallItem.partner)).order_by(MallItem.sort_order, MallItem.id)
    return paginate(stmt, page, page_size)


def get_item(viewer: Viewer, item_id: int) -> MallItem:
    require_manager(viewer)
    return get_or_404(MallItem, item_id, "商品不存在")


ITEM_FIELDS = ("name", "category", "description", "image_url", "price_points", "face_value", "limit_quantity",
               "limit_period", "starts_at", "ends_at", "active", "partner_id", "voucher_valid_days", "cancellable",
               "sort_order")


def save_item(viewer: Viewer, item_id: int | None, data: dict) -> MallItem:
    """Create an item (with its opening stock) or edit one. Stock is never set here on an existing
    item: it moves only through adjust_stock, which is logged."""
    require_manager(viewer)
    _check_window(data)
    if data.get("partner_id") is not None and db.session.get(Partner, data["partner_id"]) is None:
        raise DomainError("服务商户不存在", "validation_error", status=422)
    if item_id is None:
        item = MallItem(**{k: data[k] for k in ITEM_FIELDS if k in data}, stock=data.get("stock"))
        db.session.add(item)
        db.session.flush()
        db.session.add(StockAdjustment(item_id=item.id, delta=data.get("stock"), stock_before=None,
                                       stock_after=data.get("stock"), reason="上架初始库存", staff_id=viewer.staff_id))
        audit.record(viewer, "create", "mall_item", item.id, {"name": item.name})
    else:
        item = get_item(viewer, item_id)
        changed = {k: str(data[k]) for k in ITEM_FIELDS if k in data and getattr(item, k) != data[k]}
        for key in ITEM_FIELDS:
            if key in data:
                setattr(item, key, data[key])
        audit.record(viewer, "update", "mall_item", item.id, {"changed": changed})
    db.session.commit()
    return item


def _check_window(data: dict) -> None:
    if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
        raise DomainError("结束时间必须晚于开始时间", "validation_error", status=422)


def adjust_stock(viewer: Viewer, item_id: int, delta: int | None, unlimited: bool, reason: str) -> MallItem:
    """Add (or, negative, remove) stock, or make it unlimited / limited again; logged with who and why.
    The change is one conditional UPDATE, so it can never take stock below zero however many
    redemptions run at the same moment."""
    item = get_item(viewer, item_id)
    before = db.session.execute(select(MallItem.stock).where(MallItem.id == item_id).with_for_update()).scalar_one()
    if unlimited:
        after = None
    elif delta is None:
        raise DomainError("请填写调整数量", "validation_error", status=422)
    elif before is None:
        if delta < 0:
            raise DomainError("不限量商品改为限量时,请填写正数作为库存", "validation_error", status=422)
        after = delta
    else:
        after = before + delta
        if after < 0:
            raise DomainError(f"库存不足以减少 {-delta} 件(当前 {before} 件)", "stock_negative", status=409)
    db.session.execute(update(MallItem).where(MallItem.id == item_id).values(stock=after)
                       .execution_options(synchronize_session=False))
    db.session.add(StockAdjustment(item_id=item_id, delta=None if after is None else (after - (before or 0)),
                                   stock_before=before, stock_after=after, reason=reason, staff_id=viewer.staff_id))
    audit.record(viewer, "update", "mall_item", item_id, {"stock_before": before, "stock_after": after,
                                                          "reason": reason})
    db.session.commit()
    db.session.refresh(item)
    return item


def stock_log(item_id: int, limit: int = 50) -> list[StockAdjustment]:
    return list(db.session.execute(select(StockAdjustment).where(StockAdjustment.item_id == item_id)
                                   .options(selectinload(StockAdjustment.staff))
                                   .order_by(StockAdjustment.id.desc()).limit(limit)).scalars())


# ---- partners -----------------------------------------------------------------------------------

def list_partners(viewer: Viewer) -> list[Partner]:
    require_manager(viewer)
    return list(db.session.execute(select(Partner).options(selectinload(Partner.dealer)).order_by(Partner.id)).scalars())


def create_partner(viewer: Viewer, name: str, kind: PartnerKind, dealer_id: int | None,
                   contact: str | None) -> tuple[Partner, str]:
    """A new partner and its API key (shown once: only its hash is kept)."""
    require_manager(viewer)
    if kind == PartnerKind.dealer:
        if dealer_id is None or db.session.get(Dealer, dealer_id) is None:
            raise DomainError("请选择车商", "validation_error", status=422)
        if db.session.execute(select(Partner.id).where(Partner.dealer_id == dealer_id)).first():
            raise DomainError("该车商已开通核销", "partner_exists", status=409)
    else:
        dealer_id = None
    partner = Partner(name=name, kind=kind, dealer_id=dealer_id, contact=contact, active=True)
    key = issue_key(partner)
    db.session.add(partner)
    db.session.flush()
    audit.record(viewer, "create", "partner", partner.id, {"name": name})
    db.session.commit()
    return partner, key


def rotate_partner_key(viewer: Viewer, partner_id: int) -> tuple[Partner, str]:
    require_manager(viewer)
    partner = get_or_404(Partner, partner_id, "商户不存在")
    key = issue_key(partner)
    audit.record(viewer, "update", "partner", partner.id, {"key": "rotated"})
    db.session.commit()
    return partner, key


def set_partner_active(viewer: Viewer, partner_id: int, active: bool) -> Partner:
    require_manager(viewer)
    partner = get_or_404(Partner, partner_id, "商户不存在")
    partner.active = active
    audit.record(viewer, "update", "partner", partner.id, {"active": active})
    db.session.commit()
    return partner


def dealers_without_partner() -> list[Dealer]:
    taken = select(Partner.dealer_id).where(Partner.dealer_id.is_not(None))
    return list(db.session.execute(select(Dealer).where(Dealer.active, Dealer.id.not_in(taken))
                                   .order_by(Dealer.name)).scalars())


# ---- campaigns ----------------------------------------------------------------------------------

CAMPAIGN_FIELDS = ("kind", "name", "description", "starts_at", "ends_at", "active", "budget_points", "daily_limit",
                   "draw_cost_points", "per_customer_limit")


def list_campaigns(viewer: Viewer, page: int, page_size: int) -> PageResult:
    require_manager(viewer)
    return paginate(select(Campaign).order_by(Campaign.id.desc()), page, page_size)


def get_campaign(viewer: Viewer, campaign_id: int) -> Campaign:
    require_manager(viewer)
    return get_or_404(Campaign, campaign_id, "活动不存在")


def save_campaign(viewer: Viewer, campaign_id: int | None, data: dict) -> Campaign:
    """Create or edit a campaign. The budget may be raised, or lowered down to what is already
    paid out, never below it (the database refuses that too)."""
    require_manager(viewer)
    _check_window(data)
    if campaign_id is None:
        campaign = Campaign(**{k: data[k] for k in CAMPAIGN_FIELDS if k in data})
        db.session.add(campaign)
        db.session.flush()
        audit.record(viewer, "create", "campaign", campaign.id, {"name": campaign.name})
    else:
        campaign = db.session.execute(select(Campaign).where(Campaign.id == campaign_id).with_for_update()
                                      .execution_options(populate_existing=True)).scalar_one_or_none()
        if campaign is None:
            raise NotFound("活动不存在")
        if data["budget_points"] < campaign.budget_used:
            raise DomainError(f"预算不能低于已发放的 {campaign.budget_used} 积分", "budget_below_used", status=409)
        data.pop("kind", None)  # a lottery stays a lottery: its draws and limits mean that
        changed = {k: str(data[k]) for k in CAMPAIGN_FIELDS if k in data and getattr(campaign, k) != data[k]}
        for key in CAMPAIGN_FIELDS:
            if key in data:
                setattr(campaign, key, data[key])
        audit.record(viewer, "update", "campaign", campaign.id, {"changed": changed})
    db.session.commit()
    return campaign


def save_prize(viewer: Viewer, campaign_id: int, prize_id: int | None, data: dict) -> CampaignPrize:
    campaign = get_campaign(viewer, campaign_id)
    kind = PrizeKind(data["kind"])
    if kind == PrizeKind.points and not data.get("points"):
        raise DomainError("积分奖品请填写积分数", "validation_error", status=422)
    if kind == PrizeKind.voucher and (data.get("item_id") is None or db.session.get(MallItem, data["item_id"]) is None):
        raise DomainError("兑换券奖品请选择商品", "validation_error", status=422)
    values = {"name": data["name"], "kind": kind, "weight": data["weight"], "quantity": data.get("quantity"),
              "active": data.get("active", True),
              "points": data.get("points") or 0 if kind == PrizeKind.points else 0,
              "item_id": data.get("item_id") if kind == PrizeKind.voucher else None}
    if prize_id is None:
        prize = CampaignPrize(campaign_id=campaign.id, **values)
        db.session.add(prize)
        db.session.flush()
    else:
        prize = db.session.get(CampaignPrize, prize_id)
        if prize is None or prize.campaign_id != campaign.id:
            raise NotFound("奖品不存在")
        for key, value in values.items():
            setattr(prize, key, value)
    audit.record(viewer, "update", "campaign", campaign.id, {"prize": prize.id, "name": prize.name})
    db.session.commit()
    return prize


# ---- verification log ---------------------------------------------------------------------------

@dataclass
class VerificationFilters:
    partner_id: int | None = None
    result: VerificationResult | None = None


def verification_log(viewer: Viewer, filters: VerificationFilters, page: int,
                     page_size: int) -> tuple[PageResult, dict[int, str]]:
    """A page of attempts and the names of the customers whose vouchers they were (audited read)."""
    require_manager(viewer)
    in_scope = select(Voucher.id).where(Voucher.customer_id.in_(
        select(Customer.id).where(scope_filter(viewer, Customer))))
    stmt = (select(VoucherVerification)
            .where(or_(VoucherVerification.voucher_id.is_(None), VoucherVerification.voucher_id.in_(in_scope)))
            .options(selectinload(VoucherVerification.partner),
                     selectinload(VoucherVerification.voucher).selectinload(Voucher.item))
            .order_by(VoucherVerification.id.desc()))
    if filters.partner_id:
        stmt = stmt.where(VoucherVerification.partner_id == filters.partner_id)
    if filters.result:
        stmt = stmt.where(VoucherVerification.result == filters.result)
    result = paginate(stmt, page, page_size)
    customer_ids = sorted({row.voucher.customer_id for row in result.items if row.voucher})
    names = dict(db.session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(customer_ids))).all()) \
        if customer_ids else {}
    audit.record_reads(viewer, "customer", customer_ids, {"page": "voucher_verifications"})
    db.session.commit()
    return result, names


# ---- customers' points: balances, shortfalls, manual adjustments ------------------------------

def accounts_page(viewer: Viewer, customer_id: int | None, shortfall_only: bool, page: int,
                  page_size: int) -> PageResult:
    """Points accounts of the customers in the viewer's scope (rows: account, customer name)."""
    require_manager(viewer)
    stmt = (select(PointsAccount, Customer.name).join(Customer, Customer.id == PointsAccount.customer_id)
            .where(scope_filter(viewer, Customer)).order_by(PointsAccount.shortfall.desc(), PointsAccount.customer_id))
    if customer_id:
        stmt = stmt.where(PointsAccount.customer_id == customer_id)
    if shortfall_only:
        stmt = stmt.where(PointsAccount.shortfall > 0)
    result = paginate(stmt, page, page_size, scalars=False)
    audit.record_reads(viewer, "customer", [account.customer_id for account, _name in result.items],
                       {"page": "points_accounts"})
    db.session.commit()
    return result


def adjust_points(viewer: Viewer, customer_id: int, points: int, note: str, request_key: str) -> PointsEntry:
    """A manual credit (points > 0, expiring like any award) or debit (points < 0, never beyond the
    balance), by a manager, for a customer in their scope; the form's key makes a resubmit harmless."""
    require_manager(viewer)
    get_scoped(viewer, Customer, customer_id, "客户不存在")
    if points == 0:
        raise DomainError("调整积分不能为 0", "validation_error", status=422)
    account = ledger.lock_account(customer_id)
    key = f"adjust:{customer_id}:{request_key}"
    try:
        if points > 0:
            posting = ledger.award(account, points, PointsReason.adjustment, key, note=note, staff_id=viewer.staff_id)
        else:
            posting = ledger.spend(account, -points, PointsReason.adjustment, key, note=note,
                                   staff_id=viewer.staff_id)
    except DomainError:
        db.session.rollback()
        raise
    if posting.created:
        audit.record(viewer, "update", "points_account", customer_id, {"points": points, "note": note})
    db.session.commit()
    return posting.entry


def write_off_shortfall(viewer: Viewer, customer_id: int, note: str) -> int:
    """Stop recovering a customer's shortfall (admins only): the company bears it. Recorded in the
    audit log with the points written off."""
    if viewer.role != Role.admin:
        raise Forbidden("只有管理员可以核销欠扣积分")
    get_scoped(viewer, Customer, customer_id, "客户不存在")
    account = ledger.lock_account(customer_id)
    amount = account.shortfall
    if amount == 0:
        db.session.rollback()
        raise DomainError("该客户没有欠扣积分", "no_shortfall", status=409)
    account.shortfall = 0
    audit.record(viewer, "update", "points_account", customer_id, {"shortfall_written_off": amount, "note": note})
    db.session.commit()
    return amount
