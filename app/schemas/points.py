"""Schemas of the points, mall and campaign endpoints (mini-program and partner audiences)."""

from __future__ import annotations

import segno
from marshmallow import Schema, fields, validate

from app.models.points import (
    CAMPAIGN_KIND_LABELS,
    CATEGORY_LABELS,
    LIMIT_PERIOD_LABELS,
    PRIZE_KIND_LABELS,
    REASON_LABELS,
    VOUCHER_STATUS_LABELS,
    MallCategory,
    VoucherStatus,
)
from app.services.points.campaigns import is_sold_out
from app.services.points.mall import shown_status
from app.timeutil import business_zone

REQUEST_ID = fields.String(required=True, validate=validate.Regexp(
    r"^[A-Za-z0-9_-]{8,64}$", error="请求编号应为8到64位字母、数字、下划线或连字符"),
    error_messages={"required": "缺少请求编号"},
    metadata={"description": "客户端生成的唯一编号(如 UUID):同一编号重复提交只生效一次"})


def _local(value):
    return value.astimezone(business_zone()).isoformat() if value else None


# ---- points -------------------------------------------------------------------------------------

class ExpiringSchema(Schema):
    points = fields.Integer()
    on = fields.Date(allow_none=True)


class PointsSummarySchema(Schema):
    balance = fields.Integer()
    expiring = fields.Nested(ExpiringSchema)


class LedgerEntrySchema(Schema):
    id = fields.Integer()
    amount = fields.Integer()
    balance_after = fields.Integer()
    reason = fields.String()
    reason_label = fields.Function(lambda e: REASON_LABELS.get(e.reason))
    note = fields.String(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    remaining = fields.Integer(allow_none=True)
    created_at = fields.Function(lambda e: _local(e.created_at))


class NextBonusSchema(Schema):
    day = fields.Integer(metadata={"description": "连续签到第几天"})
    points = fields.Integer()
    in_days = fields.Integer(metadata={"description": "再签几次(0 = 今天签到即得)"})


class SignInStateSchema(Schema):
    signed_today = fields.Boolean()
    streak = fields.Integer()
    next_bonus = fields.Nested(NextBonusSchema, allow_none=True)


class SignInResultSchema(Schema):
    awarded = fields.Integer()
    bonus = fields.Integer()
    streak = fields.Integer()
    balance = fields.Integer()


class InviteSchema(Schema):
    invite_code = fields.String()
    invited_count = fields.Integer()
    awarded_points = fields.Integer()


class InviteAcceptArgs(Schema):
    invite_code = fields.String(required=True, validate=validate.Length(min=4, max=16, error="邀请码格式不正确"),
                                error_messages={"required": "请填写邀请码"})
    device_id = fields.String(required=True, validate=validate.Length(min=8, max=128, error="设备标识格式不正确"),
                              error_messages={"required": "缺少设备标识"})


class ReferralSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    accepted_on = fields.Date()


# ---- the mall -----------------------------------------------------------------------------------

class ItemListArgs(Schema):
    category = fields.String(load_default=None, validate=validate.OneOf(
        [c.value for c in MallCategory], error="商品分类不正确"))


class MallItemSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    category = fields.String()
    category_label = fields.Function(lambda i: CATEGORY_LABELS.get(i.category))
    description = fields.String(allow_none=True)
    image_url = fields.String(allow_none=True)
    price_points = fields.Integer()
    face_value = fields.Decimal(as_string=True, allow_none=True)
    stock = fields.Integer(allow_none=True, metadata={"description": "剩余库存,null 表示不限"})
    in_stock = fields.Function(lambda i: i.stock is None or i.stock > 0)
    limit_quantity = fields.Integer(allow_none=True)
    limit_period = fields.String()
    limit_period_label = fields.Function(lambda i: LIMIT_PERIOD_LABELS.get(i.limit_period))
    voucher_valid_days = fields.Integer()
    cancellable = fields.Boolean()
    partner_name = fields.Function(lambda i: i.partner.name if i.partner else None)
    ends_at = fields.Function(lambda i: _local(i.ends_at))


class RedeemArgs(Schema):
    quantity = fields.Integer(load_default=1, validate=validate.Range(min=1, max=99, error="数量应在1到99之间"))
    request_id = REQUEST_ID


class VoucherListArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(
        [s.value for s in VoucherStatus], error="状态不正确"))


class VoucherSchema(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    item_name = fields.Function(lambda v: v.item.name)
    category = fields.Function(lambda v: v.item.category.value)
    category_label = fields.Function(lambda v: CATEGORY_LABELS.get(v.item.category))
    partner_name = fields.Function(lambda v: v.partner.name if v.partner else None)
    source = fields.String()
    quantity = fields.Integer()
    points = fields.Integer()
    status = fields.Function(lambda v: shown_status(v).value)
    status_label = fields.Function(lambda v: VOUCHER_STATUS_LABELS[shown_status(v)])
    cancellable = fields.Function(lambda v: shown_status(v) == VoucherStatus.issued and v.points > 0
                                  and v.item.cancellable)
    expires_at = fields.Function(lambda v: _local(v.expires_at))
    used_at = fields.Function(lambda v: _local(v.used_at))
    created_at = fields.Function(lambda v: _local(v.created_at))


def _qr(voucher) -> str | None:
    if shown_status(voucher) != VoucherStatus.issued:
        return None
    return segno.make(voucher.code, error="m").svg_data_uri(scale=6, border=2)


class VoucherDetailSchema(VoucherSchema):
    code = fields.Function(lambda v: v.code if shown_status(v) == VoucherStatus.issued else None,
                           metadata={"description": "券码,仅未使用时返回"})
    qr = fields.Function(_qr, metadata={"description": "券码二维码,SVG data URI,仅未使用时返回"})


# ---- campaigns ----------------------------------------------------------------------------------

class PrizeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.Function(lambda p: PRIZE_KIND_LABELS.get(p.kind))
    points = fields.Integer()
    item_name = fields.Function(lambda p: p.item.name if p.item else None)


class CampaignSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.Function(lambda c: CAMPAIGN_KIND_LABELS.get(c.kind))
    name = fields.String()
    description = fields.String(allow_none=True)
    starts_at = fields.Function(lambda c: _local(c.starts_at))
    ends_at = fields.Function(lambda c: _local(c.ends_at))
    daily_limit = fields.Integer(allow_none=True)
    per_customer_limit = fields.Integer(allow_none=True)
    draw_cost_points = fields.Integer()
    sold_out = fields.Function(lambda c: is_sold_out(c),
                               metadata={"description": "预算或奖品已发完(再参与只会是谢谢参与)"})


class DrawSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.Function(lambda d: PRIZE_KIND_LABELS.get(d.kind))
    won = fields.Function(lambda d: d.kind.value != "none")
    prize_name = fields.Function(lambda d: d.prize.name if d.prize and d.kind.value != "none" else "谢谢参与")
    points = fields.Integer()
    voucher_id = fields.Integer(allow_none=True)
    created_at = fields.Function(lambda d: _local(d.created_at))


class UsageSchema(Schema):
    used_today = fields.Integer()
    used_total = fields.Integer()
    remaining = fields.Integer(allow_none=True, metadata={"description": "还可参与次数,null 表示不限"})


class CampaignDetailSchema(CampaignSchema):
    prizes = fields.Function(lambda c: PrizeSchema(many=True).dump([p for p in c.prizes if p.active]))
    my = fields.Nested(UsageSchema)
    my_draws = fields.Nested(DrawSchema, many=True)


class DrawArgs(Schema):
    request_id = REQUEST_ID


# ---- partner ------------------------------------------------------------------------------------

class VerifyArgs(Schema):
    code = fields.String(required=True, validate=validate.Length(min=4, max=64, error="券码格式不正确"),
                         error_messages={"required": "请填写券码"})


class VerifiedVoucherSchema(Schema):
    voucher_id = fields.Integer(attribute="id")
    item_name = fields.Function(lambda v: v.item.name)
    quantity = fields.Integer()
    used_at = fields.Function(lambda v: _local(v.used_at))
