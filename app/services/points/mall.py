"""The points mall: the catalogue, redemption into vouchers, and cancelling an unused voucher.

A redemption runs in one transaction under the customer's account lock: the points are spent from
the oldest-expiring awards, the stock is taken by a conditional UPDATE (stock >= quantity, so two
customers can never both take the last one), and the voucher is issued. The client's request_id
makes a retried redemption return the voucher it already got.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select, update

from app.errors import DomainError, NotFound
from app.extensions import db
from app.models.points import (
    LimitPeriod,
    MallCategory,
    MallItem,
    PointsEntry,
    PointsReason,
    Voucher,
    VoucherSource,
    VoucherStatus,
)
from app.services.pagination import PageResult, paginate
from app.services.points import ledger
from app.timeutil import business_today, business_zone

CODE_ALPHABET = ledger.INVITE_ALPHABET
CODE_LENGTH = 16  # 32**16 = 2**80 codes: not guessable, even with every attempt logged and limited


def new_voucher_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _now() -> datetime:
    return datetime.now(UTC)


def _on_sale(now: datetime):
    return and_(MallItem.active, or_(MallItem.starts_at.is_(None), MallItem.starts_at <= now),
                or_(MallItem.ends_at.is_(None), MallItem.ends_at > now))


def list_items(category: MallCategory | None, page: int, page_size: int) -> PageResult:
    stmt = select(MallItem).where(_on_sale(_now())).order_by(MallItem.sort_order, MallItem.id)
    if category is not None:
        stmt = stmt.where(MallItem.category == category)
    return paginate(stmt, page, page_size)


def get_item(item_id: int) -> MallItem:
    """An item on sale; anything else (missing, switched off, out of its window) is not found."""
    item = db.session.execute(select(MallItem).where(MallItem.id == item_id, _on_sale(_now()))).scalar_one_or_none()
    if item is None:
        raise NotFound("商品不存在或已下架")
    return item


def _window_start(period: LimitPeriod) -> datetime | None:
    today = business_today()
    first = {LimitPeriod.day: today, LimitPeriod.month: today.replace(day=1),
             LimitPeriod.year: today.replace(month=1, day=1)}.get(period)
    if first is None:
        return None
    return datetime.combine(first, time.min, tzinfo=business_zone())


def redeemed_quantity(customer_id: int, item: MallItem) -> int:
    """Units of `item` the customer holds from redemptions in the item's limit period (cancelled
    vouchers do not count)."""
    stmt = select(func.coalesce(func.sum(Voucher.quantity), 0)).where(
        Voucher.customer_id == customer_id, Voucher.item_id == item.id,
        Voucher.source == VoucherSource.redemption, Voucher.status != VoucherStatus.cancelled)
    start = _window_start(item.limit_period)
    if start is not None:
        stmt = stmt.where(Voucher.created_at >= start)
    return db.session.execute(stmt).scalar_one()


def voucher_expiry(valid_days: int) -> datetime:
    """Valid through the end of the business day `valid_days` from today."""
    last_day = business_today() + timedelta(days=valid_days)
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=business_zone()).astimezone(UTC)


def take_stock(item_id: int, quantity: int) -> bool:
    """Take `quantity` from the item's stock if that many are left (unlimited stock always is)."""
    row = db.session.execute(
        update(MallItem).where(MallItem.id == item_id, or_(MallItem.stock.is_(None), MallItem.stock >= quantity))
        .values(stock=MallItem.stock - quantity).returning(MallItem.id)
        .execution_options(synchronize_session=False)
    ).first()
    return row is not None


def return_stock(item_id: int, quantity: int) -> None:
    db.session.execute(update(MallItem).where(MallItem.id == item_id, MallItem.stock.is_not(None))
                       .values(stock=MallItem.stock + quantity).execution_options(synchronize_session=False))


def issue_voucher(customer_id: int, item: MallItem, quantity: int, request_id: str, points: int,
                  source: VoucherSource) -> Voucher:
    voucher = Voucher(code=new_voucher_code(), customer_id=customer_id, item_id=item.id, partner_id=item.partner_id,
                      source=source, quantity=quantity, points=points, status=VoucherStatus.issued,
                      request_id=request_id, expires_at=voucher_expiry(item.voucher_valid_days))
    db.session.add(voucher)
    db.session.flush()
    return voucher


def redeem(customer_id: int, item_id: int, quantity: int, request_id: str) -> tuple[Voucher, bool]:
    """Spend points on `quantity` of an item; returns (voucher, created). Idempotent per request_id."""
    account = ledger.lock_account(customer_id)
    existing = db.session.execute(select(Voucher).where(Voucher.customer_id == customer_id,
                                                        Voucher.request_id == request_id)).scalar_one_or_none()
    if existing is not None:
        db.session.commit()
        if existing.item_id != item_id or existing.source != VoucherSource.redemption:
            raise DomainError("请求编号已用于其他兑换,请重新提交", "request_id_reused", status=409)
        return existing, False
    try:
        item = get_item(item_id)
        if item.limit_quantity is not None:
            held = redeemed_quantity(customer_id, item)
            if held + quantity > item.limit_quantity:
                left = max(0, item.limit_quantity - held)
                raise DomainError(f"该商品{_period_text(item.limit_period)}限兑 {item.limit_quantity} 件,"
                                  f"您还可兑换 {left} 件", "limit_reached", {"remaining": left}, status=409)
        cost = item.price_points * quantity
        voucher = issue_voucher(customer_id, item, quantity, request_id, cost, VoucherSource.redemption)
        posting = ledger.spend(account, cost, PointsReason.redemption, f"redeem:{voucher.id}", ref_type="voucher",
                               ref_id=voucher.id, note=f"{item.name} x{quantity}")
        if not take_stock(item.id, quantity):
            raise DomainError("库存不足,请减少数量或选择其他商品", "out_of_stock", status=409)
        voucher.spend_entry_id = posting.entry.id
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return voucher, True


def _period_text(period: LimitPeriod) -> str:
    return {LimitPeriod.day: "每天", LimitPeriod.month: "每月", LimitPeriod.year: "每年"}.get(period, "每人")


# ---- the customer's vouchers ------------------------------------------------------------------

def my_vouchers(customer_id: int, status: VoucherStatus | None, page: int, page_size: int) -> PageResult:
    stmt = select(Voucher).where(Voucher.customer_id == customer_id).order_by(Voucher.id.desc())
    if status is not None:
        stmt = stmt.where(Voucher.status == status)
    return paginate(stmt, page, page_size)


def my_voucher(customer_id: int, voucher_id: int) -> Voucher:
    """The customer's own voucher; someone else's is as missing as one that does not exist."""
    voucher = db.session.execute(select(Voucher).where(Voucher.id == voucher_id, Voucher.customer_id == customer_id)
                                 ).scalar_one_or_none()
    if voucher is None:
        raise NotFound("兑换券不存在")
    return voucher


def shown_status(voucher: Voucher) -> VoucherStatus:
    """An issued voucher past its time reads as expired before the sweep marks it."""
    if voucher.status == VoucherStatus.issued and voucher.expires_at <= _now():
        return VoucherStatus.expired
    return voucher.status


def cancel(customer_id: int, voucher_id: int) -> Voucher:
    """Cancel an unused, unexpired voucher bought with points: the points go back to the awards they
    came from (see ledger.refund) and the stock is returned."""
    account = ledger.lock_account(customer_id)
    try:
        voucher = db.session.execute(select(Voucher).where(Voucher.id == voucher_id, Voucher.customer_id == customer_id)
                                     .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
        if voucher is None:
            raise NotFound("兑换券不存在")
        if voucher.status == VoucherStatus.used:
            raise DomainError("兑换券已使用,不能取消", "voucher_used", status=409)
        if voucher.status == VoucherStatus.cancelled:
            raise DomainError("兑换券已取消", "voucher_cancelled", status=409)
        if shown_status(voucher) == VoucherStatus.expired:
            raise DomainError("兑换券已过期,不能取消", "voucher_expired", status=409)
        if voucher.source != VoucherSource.redemption:
            raise DomainError("活动奖品券不能取消", "voucher_not_cancellable", status=409)
        if not voucher.item.cancellable:
            raise DomainError("该商品兑换后不支持取消", "voucher_not_cancellable", status=409)
        voucher.status = VoucherStatus.cancelled
        voucher.cancelled_at = _now()
        if voucher.spend_entry_id is not None:
            spend_entry = db.session.get(PointsEntry, voucher.spend_entry_id)
            posting = ledger.refund(account, spend_entry, PointsReason.redemption_refund, f"refund:{voucher.id}",
                                    ref_type="voucher", ref_id=voucher.id)
            voucher.refund_entry_id = posting.entry.id if posting.entry else None
        return_stock(voucher.item_id, voucher.quantity)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return voucher


def expire_vouchers(now: datetime | None = None) -> int:
    """Mark issued vouchers past their time as expired (the points are not returned). Idempotent."""
    now = now or _now()
    result = db.session.execute(update(Voucher).where(Voucher.status == VoucherStatus.issued, Voucher.expires_at <= now)
                                .values(status=VoucherStatus.expired).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount
