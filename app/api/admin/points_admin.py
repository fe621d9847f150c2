"""The panel's 积分商城 / 营销活动 / 核销记录 pages (admins and branch managers): the catalogue with
logged stock adjustments, partners and their keys, campaigns with prizes and budget used, and the
voucher verification log."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import flash, get_flashed_messages, redirect, render_template, request, url_for
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from app.api.admin.panel import bp, current_page, load_args, page_size, register_nav
from app.auth.viewer import current_viewer
from app.errors import DomainError
from app.models import Role
from app.models.points import (
    CAMPAIGN_KIND_LABELS,
    CATEGORY_LABELS,
    LIMIT_PERIOD_LABELS,
    PARTNER_KIND_LABELS,
    PRIZE_KIND_LABELS,
    VERIFICATION_RESULT_LABELS,
    CampaignKind,
    LimitPeriod,
    MallCategory,
    PartnerKind,
    PrizeKind,
    VerificationResult,
)
from app.security.fields import mask_name
from app.services.points import admin as points_admin
from app.services.points.campaigns import campaign_totals
from app.timeutil import business_zone

register_nav("admin.mall_items", "积分商城",
             active_for=("admin.mall_item_new", "admin.mall_item_edit", "admin.mall_partners"))
register_nav("admin.campaigns", "营销活动", active_for=("admin.campaign_new", "admin.campaign_edit"))
register_nav("admin.voucher_verifications", "核销记录")
register_nav("admin.points_accounts", "客户积分")

CATEGORY_CHOICES = [(c.value, CATEGORY_LABELS[c]) for c in MallCategory]
PERIOD_CHOICES = [(p.value, LIMIT_PERIOD_LABELS[p]) for p in LimitPeriod]
CAMPAIGN_KIND_CHOICES = [(k.value, CAMPAIGN_KIND_LABELS[k]) for k in CampaignKind]
PRIZE_KIND_CHOICES = [(k.value, PRIZE_KIND_LABELS[k]) for k in PrizeKind]
PARTNER_KIND_CHOICES = [(k.value, PARTNER_KIND_LABELS[k]) for k in PartnerKind]
RESULT_CHOICES = [(r.value, VERIFICATION_RESULT_LABELS[r]) for r in VerificationResult]
_CHECKBOX = dict(truthy={"on", "1", "true", "y"}, falsy={"", "0", "false", "n"}, load_default=False)


class LocalDateTime(fields.Field):
    """An <input type="datetime-local"> value, read in business time; blank = none."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value in (None, ""):
            return None
        try:
            return datetime.fromisoformat(value).replace(tzinfo=business_zone())
        except (TypeError, ValueError):
            raise ValidationError("时间格式不正确") from None


def _optional_int(**kw):
    return fields.Integer(allow_none=True, load_default=None, **kw)


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE  # csrf_token and buttons travel in the same form

    @post_load
    def blanks_to_none(self, data, **kwargs):
        return {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()}


def _blank_ints(form: dict, names: tuple[str, ...]) -> dict:
    """A blank number box means 'none', which marshmallow's Integer would call invalid."""
    cleaned = form.to_dict() if hasattr(form, "to_dict") else dict(form)
    for name in names:
        if not (cleaned.get(name) or "").strip():
            cleaned.pop(name, None)
    return cleaned


class ItemForm(_Form):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100, error="名称应为1到100个字符"),
                         error_messages={"required": "请填写商品名称"})
    category = fields.String(required=True, validate=validate.OneOf([v for v, _ in CATEGORY_CHOICES], error="分类不正确"),
                             error_messages={"required": "请选择分类"})
    description = fields.String(load_default=None, validate=validate.Length(max=2000, error="说明过长"))
    image_url = fields.String(load_default=None, validate=validate.Length(max=500, error="图片地址过长"))
    price_points = fields.Integer(required=True, validate=validate.Range(min=1, max=10**7, error="所需积分应为正整数"),
                                  error_messages={"required": "请填写所需积分", "invalid": "所需积分应为正整数"})
    face_value = fields.Decimal(allow_none=True, load_default=None, places=2,
                                validate=validate.Range(min=0, error="面值不能为负"),
                                error_messages={"invalid": "面值应为金额"})
    stock = _optional_int(validate=validate.Range(min=0, error="库存不能为负"),
                          error_messages={"invalid": "库存应为整数"})
    limit_quantity = _optional_int(validate=validate.Range(min=1, error="限兑数量应为正整数"),
                                   error_messages={"invalid": "限兑数量应为整数"})
    limit_period = fields.String(load_default=LimitPeriod.ever.value,
                                 validate=validate.OneOf([v for v, _ in PERIOD_CHOICES], error="限兑周期不正确"))
    starts_at = LocalDateTime(load_default=None)
    ends_at = LocalDateTime(load_default=None)
    active = fields.Boolean(**_CHECKBOX)
    cancellable = fields.Boolean(**_CHECKBOX)
    partner_id = _optional_int(error_messages={"invalid": "服务商户不正确"})
    voucher_valid_days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=3650, error="有效天数应在1到3650之间"),
                                        error_messages={"invalid": "有效天数应为整数"})
    sort_order = fields.Integer(load_default=0, error_messages={"invalid": "排序应为整数"})


ITEM_INTS = ("stock", "limit_quantity", "partner_id", "voucher_valid_days", "sort_order", "face_value")


class StockForm(_Form):
    delta = _optional_int(validate=validate.Range(min=-10**6, max=10**6, error="调整数量过大"),
                          error_messages={"invalid": "调整数量应为整数"})
    unlimited = fields.Boolean(**_CHECKBOX)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200, error="原因应为1到200个字符"),
                           error_messages={"required": "请填写调整原因"})


class PartnerForm(_Form):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100, error="名称应为1到100个字符"),
                         error_messages={"required": "请填写商户名称"})
    kind = fields.String(required=True, validate=validate.OneOf([v for v, _ in PARTNER_KIND_CHOICES],
                                                                error="商户类型不正确"))
    dealer_id = _optional_int(error_messages={"invalid": "车商不正确"})
    contact = fields.String(load_default=None, validate=validate.Length(max=100, error="联系人过长"))


class CampaignForm(_Form):
    kind = fields.String(load_default=CampaignKind.lottery.value,
                         validate=validate.OneOf([v for v, _ in CAMPAIGN_KIND_CHOICES], error="活动类型不正确"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100, error="名称应为1到100个字符"),
                         error_messages={"required": "请填写活动名称"})
    description = fields.String(load_default=None, validate=validate.Length(max=2000, error="说明过长"))
    starts_at = LocalDateTime(required=True, error_messages={"required": "请填写开始时间"})
    ends_at = LocalDateTime(required=True, error_messages={"required": "请填写结束时间"})
    active = fields.Boolean(**_CHECKBOX)
    budget_points = fields.Integer(required=True, validate=validate.Range(min=0, max=10**9, error="预算应为非负整数"),
                                   error_messages={"required": "请填写预算", "invalid": "预算应为整数"})
    daily_limit = _optional_int(validate=validate.Range(min=1, error="每日次数应为正整数"),
                                error_messages={"invalid": "每日次数应为整数"})
    draw_cost_points = fields.Integer(load_default=0, validate=validate.Range(min=0, error="每次消耗积分不能为负"),
                                      error_messages={"invalid": "每次消耗积分应为整数"})
    per_customer_limit = _optional_int(validate=validate.Range(min=1, error="每人限领次数应为正整数"),
                                       error_messages={"invalid": "每人限领次数应为整数"})


CAMPAIGN_INTS = ("budget_points", "daily_limit", "draw_cost_points", "per_customer_limit")


class PrizeForm(_Form):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100, error="名称应为1到100个字符"),
                         error_messages={"required": "请填写奖品名称"})
    kind = fields.String(required=True, validate=validate.OneOf([v for v, _ in PRIZE_KIND_CHOICES], error="奖品类型不正确"))
    points = _optional_int(validate=validate.Range(min=1, error="积分应为正整数"), error_messages={"invalid": "积分应为整数"})
    item_id = _optional_int(error_messages={"invalid": "商品不正确"})
    weight = fields.Integer(required=True, validate=validate.Range(min=0, max=10**6, error="权重应在0到1000000之间"),
                            error_messages={"required": "请填写权重", "invalid": "权重应为整数"})
    quantity = _optional_int(validate=validate.Range(min=0, error="数量不能为负"), error_messages={"invalid": "数量应为整数"})
    active = fields.Boolean(**_CHECKBOX)


PRIZE_INTS = ("points", "item_id", "weight", "quantity")


class VerificationArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    partner_id = fields.Integer(load_default=None)
    result = fields.String(load_default=None, validate=validate.OneOf([v for v, _ in RESULT_CHOICES] + [""],
                                                                      error="结果不正确"))
    page = fields.Integer(load_default=1)


def _local_input(value) -> str:
    return value.astimezone(business_zone()).strftime("%Y-%m-%dT%H:%M") if value else ""


# ---- catalogue ----------------------------------------------------------------------------------

@bp.get("/mall/items")
def mall_items():
    result = points_admin.list_items(current_viewer(), current_page(), page_size())
    return render_template("admin/mall_items.html", result=result, rows=result.items, category_labels=CATEGORY_LABELS,
                           notices=get_flashed_messages())


def _item_form_of(item) -> dict:
    if item is None:
        return {"active": True, "cancellable": True, "voucher_valid_days": 30, "limit_period": "ever", "sort_order": 0}
    form = {k: getattr(item, k) for k in points_admin.ITEM_FIELDS}
    form.update(category=item.category.value, limit_period=item.limit_period.value,
                starts_at=_local_input(item.starts_at), ends_at=_local_input(item.ends_at))
    return form


def _item_page(item, form, status=200, error=None, stock_error=None):
    viewer = current_viewer()
    return render_template(
        "admin/mall_item_edit.html", item=item, form=form, error=error, stock_error=stock_error,
        category_choices=CATEGORY_CHOICES, period_choices=PERIOD_CHOICES,
        partners=points_admin.list_partners(viewer), stock_log=points_admin.stock_log(item.id) if item else [],
        notices=get_flashed_messages()), status


@bp.route("/mall/items/new", methods=["GET", "POST"])
def mall_item_new():
    viewer = current_viewer()
    points_admin.require_manager(viewer)
    if request.method == "GET":
        return _item_page(None, _item_form_of(None))
    try:
        data = load_args(ItemForm(), _blank_ints(request.form, ITEM_INTS))
        item = points_admin.save_item(viewer, None, data)
    except DomainError as err:
        return _item_page(None, request.form.to_dict(), err.status, err.message)
    flash(f"商品「{item.name}」已创建")
    return redirect(url_for("admin.mall_item_edit", item_id=item.id))


@bp.route("/mall/items/<int:item_id>", methods=["GET", "POST"])
def mall_item_edit(item_id: int):
    viewer = current_viewer()
    item = points_admin.get_item(viewer, item_id)
    if request.method == "GET":
        return _item_page(item, _item_form_of(item))
    try:
        data = load_args(ItemForm(), _blank_ints(request.form, ITEM_INTS))
        data.pop("stock", None)  # stock moves only through the logged adjustment form
        points_admin.save_item(viewer, item_id, data)
    except DomainError as err:
        return _item_page(item, request.form.to_dict(), err.status, err.message)
    flash("商品已保存")
    return redirect(url_for("admin.mall_item_edit", item_id=item_id))


@bp.post("/mall/items/<int:item_id>/stock")
def mall_item_stock(item_id: int):
    viewer = current_viewer()
    item = points_admin.get_item(viewer, item_id)
    try:
        data = load_args(StockForm(), _blank_ints(request.form, ("delta",)))
        item = points_admin.adjust_stock(viewer, item_id, data["delta"], data["unlimited"], data["reason"])
    except DomainError as err:
        return _item_page(item, _item_form_of(item), err.status, stock_error=err.message)
    flash(f"库存已调整为 {'不限' if item.stock is None else item.stock}")
    return redirect(url_for("admin.mall_item_edit", item_id=item_id))


# ---- partners -----------------------------------------------------------------------------------

def _partners_page(status=200, error=None, new_key=None, form=None):
    viewer = current_viewer()
    return render_template("admin/mall_partners.html", partners=points_admin.list_partners(viewer),
                           dealers=points_admin.dealers_without_partner(), kind_choices=PARTNER_KIND_CHOICES,
                           kind_labels=PARTNER_KIND_LABELS, error=error, new_key=new_key, form=form or {},
                           notices=get_flashed_messages()), status


@bp.route("/mall/partners", methods=["GET", "POST"])
def mall_partners():
    viewer = current_viewer()
    points_admin.require_manager(viewer)
    if request.method == "GET":
        return _partners_page()
    try:
        data = load_args(PartnerForm(), _blank_ints(request.form, ("dealer_id",)))
        partner, key = points_admin.create_partner(viewer, data["name"], PartnerKind(data["kind"]), data["dealer_id"],
                                                   data["contact"])
    except DomainError as err:
        return _partners_page(err.status, err.message, form=request.form.to_dict())
    # The key is shown this once, on this response; it is not kept anywhere we could show it again.
    return _partners_page(new_key={"partner": partner.name, "key": key})


@bp.post("/mall/partners/<int:partner_id>/key")
def mall_partner_key(partner_id: int):
    partner, key = points_admin.rotate_partner_key(current_viewer(), partner_id)
    return _partners_page(new_key={"partner": partner.name, "key": key})


@bp.post("/mall/partners/<int:partner_id>/active")
def mall_partner_active(partner_id: int):
    active = request.form.get("active") == "1"
    partner = points_admin.set_partner_active(current_viewer(), partner_id, active)
    flash(f"商户「{partner.name}」已{'启用' if active else '停用'}")
    return redirect(url_for("admin.mall_partners"))


# ---- campaigns ----------------------------------------------------------------------------------

@bp.get("/campaigns")
def campaigns():
    result = points_admin.list_campaigns(current_viewer(), current_page(), page_size())
    totals = campaign_totals([c.id for c in result.items])
    return render_template("admin/campaign_list.html", result=result, rows=result.items, totals=totals,
                           kind_labels=CAMPAIGN_KIND_LABELS, notices=get_flashed_messages())


def _campaign_form_of(campaign) -> dict:
    if campaign is None:
        return {"kind": "lottery", "active": True, "draw_cost_points": 0, "budget_points": 0}
    form = {k: getattr(campaign, k) for k in points_admin.CAMPAIGN_FIELDS}
    form.update(kind=campaign.kind.value, starts_at=_local_input(campaign.starts_at),
                ends_at=_local_input(campaign.ends_at))
    return form


def _campaign_page(campaign, form, status=200, error=None, prize_error=None):
    viewer = current_viewer()
    items = points_admin.list_items(viewer, 1, 200).items
    return render_template(
        "admin/campaign_edit.html", campaign=campaign, form=form, error=error, prize_error=prize_error,
        kind_choices=CAMPAIGN_KIND_CHOICES, prize_kind_choices=PRIZE_KIND_CHOICES, prize_kind_labels=PRIZE_KIND_LABELS,
        items=items, totals=campaign_totals([campaign.id]).get(campaign.id, {}) if campaign else {},
        notices=get_flashed_messages()), status


@bp.route("/campaigns/new", methods=["GET", "POST"])
def campaign_new():
    viewer = current_viewer()
    points_admin.require_manager(viewer)
    if request.method == "GET":
        return _campaign_page(None, _campaign_form_of(None))
    try:
        data = load_args(CampaignForm(), _blank_ints(request.form, CAMPAIGN_INTS))
        campaign = points_admin.save_campaign(viewer, None, data)
    except DomainError as err:
        return _campaign_page(None, request.form.to_dict(), err.status, err.message)
    flash(f"活动「{campaign.name}」已创建,请添加奖品")
    return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id))


@bp.route("/campaigns/<int:campaign_id>", methods=["GET", "POST"])
def campaign_edit(campaign_id: int):
    viewer = current_viewer()
    campaign = points_admin.get_campaign(viewer, campaign_id)
    if request.method == "GET":
        return _campaign_page(campaign, _campaign_form_of(campaign))
    try:
        data = load_args(CampaignForm(), _blank_ints(request.form, CAMPAIGN_INTS))
        points_admin.save_campaign(viewer, campaign_id, data)
    except DomainError as err:
        return _campaign_page(points_admin.get_campaign(viewer, campaign_id), request.form.to_dict(), err.status,
                              err.message)
    flash("活动已保存")
    return redirect(url_for("admin.campaign_edit", campaign_id=campaign_id))


@bp.post("/campaigns/<int:campaign_id>/prizes", defaults={"prize_id": None})
@bp.post("/campaigns/<int:campaign_id>/prizes/<int:prize_id>")
def campaign_prize_save(campaign_id: int, prize_id: int | None):
    viewer = current_viewer()
    campaign = points_admin.get_campaign(viewer, campaign_id)
    try:
        data = load_args(PrizeForm(), _blank_ints(request.form, PRIZE_INTS))
        points_admin.save_prize(viewer, campaign_id, prize_id, data)
    except DomainError as err:
        return _campaign_page(campaign, _campaign_form_of(campaign), err.status, prize_error=err.message)
    flash("奖品已保存")
    return redirect(url_for("admin.campaign_edit", campaign_id=campaign_id))


# ---- verification log ---------------------------------------------------------------------------

@bp.get("/vouchers/verifications")
def voucher_verifications():
    viewer = current_viewer()
    args = load_args(VerificationArgs())
    filters = points_admin.VerificationFilters(
        partner_id=args["partner_id"], result=VerificationResult(args["result"]) if args["result"] else None)
    result, names = points_admin.verification_log(viewer, filters, current_page(), page_size())
    rows = [{
        "at": row.created_at, "partner": row.partner.name, "result": row.result.value,
        "result_label": VERIFICATION_RESULT_LABELS[row.result], "code_tail": row.code_tail,
        "item": row.voucher.item.name if row.voucher else None,
        "customer": mask_name(names.get(row.voucher.customer_id)) if row.voucher else None,
        "quantity": row.voucher.quantity if row.voucher else None, "ip": row.ip, "by_staff": row.staff_id is not None,
    } for row in result.items]
    return render_template("admin/voucher_verifications.html", result=result, rows=rows, args=args,
                           result_choices=RESULT_CHOICES, partners=points_admin.list_partners(viewer))


# ---- customers' points --------------------------------------------------------------------------

class AccountListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    customer_id = fields.Integer(load_default=None, error_messages={"invalid": "客户编号应为数字"})
    shortfall = fields.Boolean(truthy={"1", "on", "true"}, falsy={"", "0", "false"}, load_default=False)
    page = fields.Integer(load_default=1)


class AdjustForm(_Form):
    points = fields.Integer(required=True, validate=validate.Range(min=-10**6, max=10**6, error="调整积分过大"),
                            error_messages={"required": "请填写调整积分", "invalid": "调整积分应为整数"})
    note = fields.String(required=True, validate=validate.Length(min=2, max=200, error="原因应为2到200个字符"),
                         error_messages={"required": "请填写调整原因"})
    request_key = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$", error="页面已过期,请刷新后重试"),
                                error_messages={"required": "页面已过期,请刷新后重试"})


class WriteOffForm(_Form):
    note = fields.String(required=True, validate=validate.Length(min=2, max=200, error="原因应为2到200个字符"),
                         error_messages={"required": "请填写核销原因"})


def _accounts_page(status=200, error=None):
    viewer = current_viewer()
    args = load_args(AccountListArgs())
    result = points_admin.accounts_page(viewer, args["customer_id"], args["shortfall"], current_page(), page_size())
    rows = [{"customer_id": account.customer_id, "name": mask_name(name), "balance": account.balance,
             "shortfall": account.shortfall} for account, name in result.items]
    return render_template("admin/points_accounts.html", rows=rows, result=result, args=args, error=error,
                           request_key=uuid.uuid4().hex, is_admin=viewer.role == Role.admin,
                           notices=get_flashed_messages()), status


@bp.get("/points/accounts")
def points_accounts():
    return _accounts_page()


@bp.post("/points/accounts/<int:customer_id>/adjust")
def points_account_adjust(customer_id: int):
    viewer = current_viewer()
    try:
        data = load_args(AdjustForm(), request.form)
        entry = points_admin.adjust_points(viewer, customer_id, data["points"], data["note"], data["request_key"])
    except DomainError as err:
        if err.status == 404:
            raise
        return _accounts_page(err.status, err.message)
    flash(f"已为客户 {customer_id} 调整 {entry.amount:+d} 积分,余额 {entry.balance_after}")
    return redirect(url_for("admin.points_accounts", customer_id=customer_id))


@bp.post("/points/accounts/<int:customer_id>/write-off")
def points_account_write_off(customer_id: int):
    viewer = current_viewer()
    try:
        data = load_args(WriteOffForm(), request.form)
        amount = points_admin.write_off_shortfall(viewer, customer_id, data["note"])
    except DomainError as err:
        if err.status in (403, 404):
            raise
        return _accounts_page(err.status, err.message)
    flash(f"已核销客户 {customer_id} 的欠扣积分 {amount}")
    return redirect(url_for("admin.points_accounts", customer_id=customer_id))
