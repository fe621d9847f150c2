"""Points: the append-only ledger, sign-in, referrals, the mall with vouchers, and campaigns.

The ledger is kept like a bank's: `points_entries` is append-only (only an award's `remaining`
moves, as spends, expiries and reversals consume it and refunds restore it), every change to a
customer's points takes the `points_accounts` row lock, and the account's balance is the sum of
the entries (a CHECK keeps it from going below zero).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin, str_enum


class PointsReason(enum.StrEnum):
    sign_in = "sign_in"
    sign_in_bonus = "sign_in_bonus"
    referral = "referral"
    policy_purchase = "policy_purchase"
    policy_renewal = "policy_renewal"
    campaign_prize = "campaign_prize"
    red_packet = "red_packet"
    redemption = "redemption"
    redemption_refund = "redemption_refund"
    lottery_cost = "lottery_cost"
    expiry = "expiry"
    reversal = "reversal"
    shortfall_recovery = "shortfall_recovery"
    adjustment = "adjustment"


REASON_LABELS = {
    PointsReason.sign_in: "每日签到",
    PointsReason.sign_in_bonus: "连续签到奖励",
    PointsReason.referral: "邀请好友奖励",
    PointsReason.policy_purchase: "投保奖励",
    PointsReason.policy_renewal: "续保奖励",
    PointsReason.campaign_prize: "抽奖奖励",
    PointsReason.red_packet: "积分红包",
    PointsReason.redemption: "积分兑换",
    PointsReason.redemption_refund: "兑换取消退回",
    PointsReason.lottery_cost: "抽奖消耗",
    PointsReason.expiry: "积分过期",
    PointsReason.reversal: "保单注销扣回",
    PointsReason.shortfall_recovery: "补扣积分",
    PointsReason.adjustment: "人工调整",
}


class PointsAccount(TimestampMixin, db.Model):
    """One row per customer: the balance (= sum of the ledger) and the lock every change takes."""

    __tablename__ = "points_accounts"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    balance: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Points a reversal could not take back because they were already spent; recovered from
    # later awards (docs/miniprogram-api.md, 积分).
    shortfall: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    invite_code: Mapped[str] = mapped_column(String(16), unique=True)

    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("shortfall >= 0", name="shortfall_not_negative"),
    )


class PointsEntry(db.Model):
    """One ledger line. Awards (amount > 0 with an expiry) carry what is left of them in
    `remaining`; every other line is final once written."""

    __tablename__ = "points_entries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    amount: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[PointsReason] = mapped_column(str_enum(PointsReason, "points_reason"))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # What earned or spent the points: ("voucher", 12), ("sign_in", 3), ("points_entry", 7) ...
    ref_type: Mapped[str | None] = mapped_column(String(32))
    ref_id: Mapped[int | None] = mapped_column(BigInteger)
    # The policy whose purchase earned an award (also a referral's): cancelling it reverses the award.
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id"), index=True)
    expires_on: Mapped[date | None] = mapped_column(Date)
    remaining: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
        CheckConstraint("(expires_on IS NULL) = (remaining IS NULL)", name="award_has_expiry_and_remaining"),
        CheckConstraint("remaining IS NULL OR (amount > 0 AND remaining >= 0 AND remaining <= amount)",
                        name="remaining_within_award"),
        Index("ix_points_entries_customer", "customer_id", "id"),
        # Live awards in spending (FIFO-by-expiry) order, per customer and for the expiry job.
        Index("ix_points_entries_live_awards", "customer_id", "expires_on", "id",
              postgresql_where=text("remaining > 0")),
        Index("ix_points_entries_expiring", "expires_on", postgresql_where=text("remaining > 0")),
        Index("ix_points_entries_ref", "ref_type", "ref_id"),
    )


class PointsAllocation(db.Model):
    """Which awards a debit (spend, expiry, reversal) drew its points from, so a refund puts them
    back where they came from."""

    __tablename__ = "points_allocations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    debit_id: Mapped[int] = mapped_column(ForeignKey("points_entries.id"), index=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("points_entries.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        UniqueConstraint("debit_id", "award_id", name="uq_points_allocations_debit_award"),
    )


class PointsShortfall(db.Model):
    """A reversal that found its award already spent: what it could not take back."""

    __tablename__ = "points_shortfalls"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("points_entries.id"), unique=True)
    reversal_id: Mapped[int | None] = mapped_column(ForeignKey("points_entries.id"))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id"))
    points: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("points > 0", name="points_positive"),)


class SignIn(db.Model):
    __tablename__ = "points_sign_ins"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    day: Mapped[date] = mapped_column(Date)  # business date (Asia/Shanghai)
    streak: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        UniqueConstraint("customer_id", "day", name="uq_points_sign_ins_customer_day"),
        CheckConstraint("streak >= 1", name="streak_positive"),
    )


class ReferralStatus(enum.StrEnum):
    pending = "pending"
    awarded = "awarded"


REFERRAL_STATUS_LABELS = {ReferralStatus.pending: "待投保", ReferralStatus.awarded: "已奖励"}


class Referral(db.Model):
    """An accepted invitation. The invitee, their mobile and their device are each unique: nobody
    is invited twice, by a second account or from the same phone."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    inviter_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    invitee_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    invitee_mobile_hash: Mapped[bytes | None] = mapped_column(LargeBinary, unique=True)
    device_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus, "referral_status"),
                                                   default=ReferralStatus.pending)
    accepted_on: Mapped[date] = mapped_column(Date)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id"))
    points: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    awarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("inviter_id <> invitee_id", name="not_self"),)


# ---- the mall ---------------------------------------------------------------------------------

class PartnerKind(enum.StrEnum):
    dealer = "dealer"
    merchant = "merchant"


PARTNER_KIND_LABELS = {PartnerKind.dealer: "车商", PartnerKind.merchant: "合作商户"}


class Partner(TimestampMixin, db.Model):
    """Who serves mall vouchers: a dealer or a merchant. It calls the partner API with its key
    (`X-Partner-Key: <prefix>.<secret>`); only the key's SHA-256 is stored."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[PartnerKind] = mapped_column(str_enum(PartnerKind, "partner_kind"))
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id"), unique=True)
    contact: Mapped[str | None] = mapped_column(String(100))
    key_prefix: Mapped[str | None] = mapped_column(String(16), unique=True)
    key_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    dealer = relationship("Dealer")

    __table_args__ = (CheckConstraint("(kind = 'dealer') = (dealer_id IS NOT NULL)", name="dealer_kind_has_dealer"),)


class MallCategory(enum.StrEnum):
    car_wash = "car_wash"
    designated_driver = "designated_driver"
    inspection = "inspection"
    maintenance = "maintenance"
    gift = "gift"


CATEGORY_LABELS = {
    MallCategory.car_wash: "洗车",
    MallCategory.designated_driver: "代驾",
    MallCategory.inspection: "年检",
    MallCategory.maintenance: "保养",
    MallCategory.gift: "礼品",
}


class LimitPeriod(enum.StrEnum):
    day = "day"
    month = "month"
    year = "year"
    ever = "ever"


LIMIT_PERIOD_LABELS = {LimitPeriod.day: "每天", LimitPeriod.month: "每月", LimitPeriod.year: "每年",
                       LimitPeriod.ever: "累计"}


class MallItem(TimestampMixin, db.Model):
    __tablename__ = "mall_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[MallCategory] = mapped_column(str_enum(MallCategory, "mall_category"))
    description: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(500))
    price_points: Mapped[int] = mapped_column(Integer)
    # What the service is worth to the customer, shown beside the price.
    face_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # NULL = unlimited. Decremented by a conditional UPDATE, so it is never oversold.
    stock: Mapped[int | None] = mapped_column(Integer)
    limit_quantity: Mapped[int | None] = mapped_column(Integer)
    limit_period: Mapped[LimitPeriod] = mapped_column(str_enum(LimitPeriod, "mall_limit_period"),
                                                      default=LimitPeriod.ever)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    voucher_valid_days: Mapped[int] = mapped_column(Integer, default=30)
    # An unused voucher may be cancelled (points back, stock back) unless the item says otherwise.
    cancellable: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    partner = relationship("Partner")

    __table_args__ = (
        CheckConstraint("price_points > 0", name="price_positive"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        CheckConstraint("limit_quantity IS NULL OR limit_quantity > 0", name="limit_positive"),
        CheckConstraint("voucher_valid_days > 0", name="valid_days_positive"),
        Index("ix_mall_items_listing", "category", "sort_order", "id", postgresql_where=text("active")),
    )


class StockAdjustment(db.Model):
    __tablename__ = "mall_stock_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("mall_items.id"), index=True)
    delta: Mapped[int | None] = mapped_column(Integer)
    stock_before: Mapped[int | None] = mapped_column(Integer)
    stock_after: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    staff = relationship("Staff")


class VoucherStatus(enum.StrEnum):
    issued = "issued"
    used = "used"
    cancelled = "cancelled"
    expired = "expired"


VOUCHER_STATUS_LABELS = {VoucherStatus.issued: "未使用", VoucherStatus.used: "已使用",
                         VoucherStatus.cancelled: "已取消", VoucherStatus.expired: "已过期"}


class VoucherSource(enum.StrEnum):
    redemption = "redemption"
    campaign = "campaign"


class Voucher(db.Model):
    __tablename__ = "vouchers"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # secrets.token_* based: unguessable; the partner types or scans it.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("mall_items.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    source: Mapped[VoucherSource] = mapped_column(str_enum(VoucherSource, "voucher_source"),
                                                  default=VoucherSource.redemption)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    points: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[VoucherStatus] = mapped_column(str_enum(VoucherStatus, "voucher_status"),
                                                  default=VoucherStatus.issued)
    # The client's key for the redemption: a retried request returns the same voucher.
    request_id: Mapped[str] = mapped_column(String(64))
    spend_entry_id: Mapped[int | None] = mapped_column(ForeignKey("points_entries.id"))
    refund_entry_id: Mapped[int | None] = mapped_column(ForeignKey("points_entries.id"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_by_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    item = relationship("MallItem")
    partner = relationship("Partner", foreign_keys=[partner_id])

    __table_args__ = (
        UniqueConstraint("customer_id", "request_id", name="uq_vouchers_customer_request"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("points >= 0", name="points_not_negative"),
        CheckConstraint("(status = 'used') = (used_at IS NOT NULL)", name="used_has_time"),
        Index("ix_vouchers_customer", "customer_id", "id"),
        Index("ix_vouchers_customer_item", "customer_id", "item_id", "created_at"),
        Index("ix_vouchers_expiring", "expires_at", postgresql_where=text("status = 'issued'")),
    )


class VerificationResult(enum.StrEnum):
    ok = "ok"
    not_found = "not_found"
    already_used = "already_used"
    cancelled = "cancelled"
    expired = "expired"
    wrong_partner = "wrong_partner"


VERIFICATION_RESULT_LABELS = {
    VerificationResult.ok: "核销成功",
    VerificationResult.not_found: "券码不存在",
    VerificationResult.already_used: "已核销过",
    VerificationResult.cancelled: "已取消",
    VerificationResult.expired: "已过期",
    VerificationResult.wrong_partner: "非本商户券",
}


class VoucherVerification(db.Model):
    """Every verification attempt, successful or not (a run of not_found is someone guessing)."""

    __tablename__ = "voucher_verifications"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("vouchers.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    code_tail: Mapped[str] = mapped_column(String(8))
    result: Mapped[VerificationResult] = mapped_column(str_enum(VerificationResult, "verification_result"))
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)

    voucher = relationship("Voucher")
    partner = relationship("Partner")


# ---- campaigns --------------------------------------------------------------------------------

class CampaignKind(enum.StrEnum):
    lottery = "lottery"
    red_packet = "red_packet"


CAMPAIGN_KIND_LABELS = {CampaignKind.lottery: "抽奖", CampaignKind.red_packet: "红包"}


class Campaign(TimestampMixin, db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CampaignKind] = mapped_column(str_enum(CampaignKind, "campaign_kind"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The budget in points (a voucher prize costs its item's price): paid out exactly up to it.
    budget_points: Mapped[int] = mapped_column(Integer)
    budget_used: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Lottery: draws a customer may make per business day; points each draw costs.
    daily_limit: Mapped[int | None] = mapped_column(Integer)
    draw_cost_points: Mapped[int] = mapped_column(Integer, default=0)
    # Red packet: packets a customer may claim over the whole campaign.
    per_customer_limit: Mapped[int | None] = mapped_column(Integer)

    prizes: Mapped[list[CampaignPrize]] = relationship(back_populates="campaign", order_by="CampaignPrize.id")

    __table_args__ = (
        CheckConstraint("budget_points >= 0", name="budget_not_negative"),
        CheckConstraint("budget_used >= 0 AND budget_used <= budget_points", name="budget_used_within_budget"),
        CheckConstraint("draw_cost_points >= 0", name="draw_cost_not_negative"),
        CheckConstraint("ends_at > starts_at", name="dates_in_order"),
    )


class PrizeKind(enum.StrEnum):
    points = "points"
    voucher = "voucher"
    none = "none"


PRIZE_KIND_LABELS = {PrizeKind.points: "积分", PrizeKind.voucher: "兑换券", PrizeKind.none: "谢谢参与"}


class CampaignPrize(db.Model):
    __tablename__ = "campaign_prizes"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[PrizeKind] = mapped_column(str_enum(PrizeKind, "prize_kind"))
    points: Mapped[int] = mapped_column(Integer, default=0)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("mall_items.id"))
    # Relative odds: weight / sum of the campaign's weights.
    weight: Mapped[int] = mapped_column(Integer)
    # How many of this prize exist (NULL = as the budget allows).
    quantity: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    campaign: Mapped[Campaign] = relationship(back_populates="prizes")
    item = relationship("MallItem")

    __table_args__ = (
        CheckConstraint("weight >= 0", name="weight_not_negative"),
        CheckConstraint("points >= 0", name="points_not_negative"),
        CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("(kind = 'points') = (points > 0)", name="points_prize_has_points"),
        CheckConstraint("(kind = 'voucher') = (item_id IS NOT NULL)", name="voucher_prize_has_item"),
    )


class CampaignDraw(db.Model):
    """One lottery draw or red-packet claim, whatever came out of it."""

    __tablename__ = "campaign_draws"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    request_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    prize_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_prizes.id"))
    # What was drawn before the budget had its say: a prize the budget could not cover shows here.
    drawn_prize_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_prizes.id"))
    kind: Mapped[PrizeKind] = mapped_column(str_enum(PrizeKind, "draw_prize_kind"))
    points: Mapped[int] = mapped_column(Integer, default=0)
    budget_cost: Mapped[int] = mapped_column(Integer, default=0)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("vouchers.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    prize = relationship("CampaignPrize", foreign_keys=[prize_id])

    __table_args__ = (
        UniqueConstraint("campaign_id", "customer_id", "request_id", name="uq_campaign_draws_request"),
        Index("ix_campaign_draws_campaign_customer_day", "campaign_id", "customer_id", "day"),
        CheckConstraint("budget_cost >= 0", name="budget_cost_not_negative"),
    )
