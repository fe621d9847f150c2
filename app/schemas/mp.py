"""What the mini-program sends and receives for accounts, policies, claims, tiers and resident
managers (the points area has its own module, app/schemas/points.py)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from app.models.policy import COVERAGE_LABELS
from app.validators import validate_credit_code, validate_id_number, validate_mobile, validate_plate

_MONEY = dict(as_string=True)


class _Normalised(fields.String):
    """A string checked and normalised by one of app.validators (its message is already Chinese)."""

    def __init__(self, check, **kwargs):
        self.check = check
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            return self.check(value)
        except ValueError as err:
            raise ValidationError(str(err)) from None


def _id_or_credit_code(value: str) -> str:
    """A resident ID (18 characters with checksum) or a company's unified social credit code."""
    try:
        return validate_id_number(value)
    except ValueError as id_error:
        try:
            return validate_credit_code(value)
        except ValueError:
            raise id_error from None


# ---- accounts ------------------------------------------------------------------------------------

class MpLoginArgs(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=128, error="登录凭证 code 不正确"),
                         metadata={"description": "wx.login() 返回的 code"})


class MpLoginResult(Schema):
    token = fields.String()
    bound = fields.Boolean(metadata={"description": "是否已绑定客户或驻店经理;未绑定时令牌只能用于绑定"})
    role = fields.String(allow_none=True, metadata={"description": "customer / resident_manager / null"})
    expires_in = fields.Integer()


class MpSmsCodeArgs(Schema):
    mobile = _Normalised(validate_mobile, required=True)


class MpSmsCodeResult(Schema):
    sent = fields.Boolean()
    message = fields.String()
    cooldown_seconds = fields.Integer()


class MpBindArgs(Schema):
    """Either {mobile, sms_code} or {id_number, plate}."""

    mobile = _Normalised(validate_mobile, load_default=None)
    sms_code = fields.String(load_default=None,
                             validate=validate.Regexp(r"^\d{6}$", error="验证码应为6位数字"))
    id_number = _Normalised(_id_or_credit_code, load_default=None)
    plate = _Normalised(validate_plate, load_default=None)
    role = fields.String(load_default=None, validate=validate.OneOf(["customer", "resident_manager"],
                                                                    error="身份应为 customer 或 resident_manager"),
                         metadata={"description": "手机号同时属于客户和驻店经理时选择身份;默认驻店经理优先"})

    @validates_schema
    def one_way(self, data, **kwargs):
        by_sms = data.get("mobile") or data.get("sms_code")
        by_id = data.get("id_number") or data.get("plate")
        if by_sms and by_id:
            raise ValidationError("请选择一种验证方式:手机号+验证码,或证件号+车牌号", "_schema")
        if by_id:
            errors = {name: ["必填项"] for name in ("id_number", "plate") if not data.get(name)}
        else:
            errors = {name: ["必填项"] for name in ("mobile", "sms_code") if not data.get(name)}
        if errors:
            raise ValidationError(errors)


class MpMeSchema(Schema):
    role = fields.String(metadata={"description": "customer / resident_manager"})
    role_label = fields.String()
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"description": "客户类型:person / company"})
    mobile_masked = fields.String()
    id_number_masked = fields.String()
    vip_tier = fields.String()
    vip_tier_label = fields.String()
    dealer_id = fields.Integer()
    dealer_name = fields.String()


class MpBindResult(MpLoginResult):
    customer = fields.Nested(MpMeSchema, allow_none=True, metadata={"description": "绑定为客户时"})
    staff = fields.Nested(MpMeSchema, allow_none=True, metadata={"description": "绑定为驻店经理时"})


class MpSubscriptionArgs(Schema):
    template_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64, error="模板 ID 不正确")),
                               required=True,
                               validate=validate.Length(min=1, max=20, error="一次可订阅 1 到 20 个模板"))


class MpSubscriptionResult(Schema):
    template_ids = fields.List(fields.String())
    remaining = fields.Dict(keys=fields.String(), values=fields.Integer(),
                            metadata={"description": "每个模板还可发送的次数"})


# ---- policies ------------------------------------------------------------------------------------

class MpPolicyListArgs(Schema):
    status = fields.String(load_default="all", validate=validate.OneOf(["in_force", "expired", "all"],
                                                                         error="状态应为 in_force、expired 或 all"))


class MpExpiringArgs(Schema):
    days = fields.Integer(load_default=60, validate=validate.Range(min=1, max=366, error="天数应在1到366之间"))


class MpPolicyRow(Schema):
    id = fields.Integer()
    number = fields.String()
    line = fields.String()
    line_label = fields.String()
    state = fields.String(metadata={"description": "pending / in_force / expired / cancelled"})
    state_label = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    days_left = fields.Integer(allow_none=True)
    written_premium = fields.Decimal(**_MONEY)
    plate = fields.String()
    vin = fields.String()
    vehicle_id = fields.Integer()
    vehicle_name = fields.String()


class MpExpiringRow(MpPolicyRow):
    renewal_quote_requested = fields.Boolean()


class MpCoverageRow(Schema):
    coverage = fields.Function(lambda c: c.coverage.value)
    label = fields.Function(lambda c: COVERAGE_LABELS[c.coverage])
    sum_insured = fields.Decimal(**_MONEY)
    premium = fields.Decimal(**_MONEY)


class MpVehicleRow(Schema):
    id = fields.Integer()
    plate = fields.String()
    vin = fields.String()
    brand = fields.String()
    model = fields.String()
    usage = fields.String()
    first_registration_date = fields.Date()


class MpVehicleListRow(MpVehicleRow):
    ctpl_end_date = fields.Date(allow_none=True)
    commercial_end_date = fields.Date(allow_none=True)
    insured = fields.Boolean()


class MpPolicyDetail(MpExpiringRow):
    base_premium = fields.Decimal(**_MONEY)
    tax = fields.Decimal(**_MONEY)
    issued_on = fields.Date()
    coverages = fields.List(fields.Nested(MpCoverageRow))
    vehicle = fields.Nested(MpVehicleRow)
    claims_count = fields.Integer()
    agent_name = fields.String(allow_none=True)


class MpQuoteRequestArgs(Schema):
    preferred_contact_time = fields.String(load_default=None,
                                           validate=validate.Length(max=50, error="联系时间不超过50个字"))
    note = fields.String(load_default=None, validate=validate.Length(max=500, error="留言不超过500个字"))

    @post_load
    def blank_to_none(self, data, **kwargs):
        return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items()}


class MpQuoteRequestResult(Schema):
    id = fields.Integer()
    policy_id = fields.Integer()
    status = fields.Function(lambda r: r.status.value)
    preferred_contact_time = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()
    created = fields.Boolean(metadata={"description": "false:该保单已有待处理的申请,返回的是原申请"})
    agent_notified = fields.Function(lambda r: r.notified_message_id is not None)


# ---- claims --------------------------------------------------------------------------------------

class _MpClaim(Schema):
    """What the claims list and a claim's page both show."""

    id = fields.Integer()
    number = fields.String()
    status = fields.String()
    status_label = fields.String()
    claim_type = fields.String()
    reported_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    paid = fields.Decimal(**_MONEY)
    policy_id = fields.Integer()
    policy_number = fields.String()
    plate = fields.String(allow_none=True)
    repair_dealer_name = fields.String(allow_none=True)


class MpClaimRow(_MpClaim):
    latest_stage = fields.String()
    latest_stage_label = fields.String()


class MpTimelineItem(Schema):
    stage = fields.String()
    label = fields.String()
    state = fields.String(metadata={"description": "done / pending"})
    at = fields.DateTime(allow_none=True)
    note = fields.String(allow_none=True)


class MpChecklistItem(Schema):
    kind = fields.String()
    label = fields.String()
    hint = fields.String(allow_none=True)
    required = fields.Boolean()
    uploaded = fields.Boolean()
    count = fields.Integer()


class MpDocumentRow(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    original_name = fields.String(allow_none=True)
    uploaded_at = fields.DateTime()


class MpClaimDetail(_MpClaim):
    registered_at = fields.DateTime(allow_none=True)
    description = fields.String(allow_none=True)
    current_stage = fields.String()
    current_stage_label = fields.String()
    timeline = fields.List(fields.Nested(MpTimelineItem))
    checklist = fields.List(fields.Nested(MpChecklistItem))
    documents_complete = fields.Boolean()
    documents = fields.List(fields.Nested(MpDocumentRow))
    accepts_uploads = fields.Boolean()


class MpUploadForm(Schema):
    """One multipart request: the `kind` field is parsed here, the `file` part by the view (webargs
    reads form fields and files from separate places); both are documented together."""

    kind = fields.String(required=True, validate=validate.Length(min=1, max=32, error="资料类型不正确"),
                         metadata={"description": "资料类型:赔案详情 checklist[].kind 之一,或 other"})
    file = fields.Raw(load_default=None, metadata={"type": "string", "format": "binary",
                                                   "description": "必填。照片(JPG/PNG/HEIC)或 PDF"})


# ---- tiers ---------------------------------------------------------------------------------------

class MpTierRuleRow(Schema):
    tier = fields.String()
    label = fields.String()
    rank = fields.Integer()
    min_premium_12m = fields.Decimal(**_MONEY)
    min_years = fields.Integer()
    max_claims_12m = fields.Integer(allow_none=True)
    benefits = fields.List(fields.String())


class MpContribution(Schema):
    premium_12m = fields.Decimal(**_MONEY)
    years = fields.Integer()
    claims_12m = fields.Integer()
    since = fields.Date(metadata={"description": "统计区间起(不含)"})
    until = fields.Date(metadata={"description": "统计区间止(含)"})


class MpTierGap(Schema):
    premium_12m = fields.Decimal(**_MONEY, metadata={"description": "还差的近12个月保费"})
    years = fields.Integer(metadata={"description": "还差的合作年数"})
    claims_over = fields.Integer(metadata={"description": "近12个月出险次数超出下一等级上限的次数"})


class MpTierResult(Schema):
    tier = fields.String()
    tier_label = fields.String()
    benefits = fields.List(fields.String())
    contribution = fields.Nested(MpContribution)
    next_tier = fields.Nested(MpTierRuleRow, allow_none=True)
    gap = fields.Nested(MpTierGap, allow_none=True)
    tiers = fields.List(fields.Nested(MpTierRuleRow))


# ---- resident managers ---------------------------------------------------------------------------

class MpProgressLine(Schema):
    line = fields.String()
    line_label = fields.String()
    plan = fields.Decimal(**_MONEY)
    written = fields.Decimal(**_MONEY)
    policies = fields.Integer()
    completion = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "签单保费/计划,无计划为 null"})


class MpProgress(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    lines = fields.List(fields.Nested(MpProgressLine))
    plan = fields.Decimal(**_MONEY)
    written = fields.Decimal(**_MONEY)
    policies = fields.Integer()
    completion = fields.Decimal(as_string=True, allow_none=True)


class MpDealerBrief(Schema):
    id = fields.Integer()
    name = fields.String()
    brand = fields.String(allow_none=True)


class MpReferralSummary(Schema):
    count = fields.Integer()
    first_reserve = fields.Decimal(**_MONEY)


class MpResidentOverview(Schema):
    dealer = fields.Nested(MpDealerBrief)
    as_of = fields.Date()
    month = fields.Nested(MpProgress)
    year = fields.Nested(MpProgress)
    referrals_this_month = fields.Nested(MpReferralSummary)


class MpResidentPolicyRow(Schema):
    id = fields.Integer()
    number = fields.String()
    line = fields.String()
    line_label = fields.String()
    state = fields.String()
    state_label = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    written_premium = fields.Decimal(**_MONEY)
    plate = fields.String(allow_none=True, metadata={"description": "已脱敏"})
    customer_name = fields.String(metadata={"description": "已脱敏"})


class MpReferralRow(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String()
    status_label = fields.String()
    claim_type = fields.String()
    reported_at = fields.DateTime()
    registered_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    first_reserve = fields.Decimal(**_MONEY)
    paid = fields.Decimal(**_MONEY)
    plate = fields.String(allow_none=True, metadata={"description": "已脱敏"})
    vehicle_name = fields.String(allow_none=True)
    customer_name = fields.String(metadata={"description": "已脱敏"})

