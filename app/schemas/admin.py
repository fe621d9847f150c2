"""What the admin audience (web panel and /api/admin) sees: the staff views plus names, labels,
coverages and claim history. Personal numbers are masked here, once; the panel renders these
dumps, never ORM objects, so a template cannot print a full mobile or ID number by mistake."""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, fields, validate

from app.models import AuditChannel, Role
from app.models.audit import AUDIT_ACTION_LABELS, AUDIT_CHANNEL_LABELS
from app.models.claim import CLAIM_STAGE_LABELS, CLAIM_STATUS_LABELS, ClaimStatus
from app.models.org import LEVEL_LABELS, ROLE_LABELS
from app.models.policy import COVERAGE_LABELS
from app.schemas.common import LoginSchema, SearchArgs
from app.schemas.staff import ClaimSchema, CustomerBriefSchema, PolicySchema, VehicleSchema
from app.security.fields import mask_id_number, mask_mobile
from app.timeutil import business_zone


class LocalDateTime(fields.DateTime):
    """ISO 8601 in the business time zone (+08:00): readable in the panel, exact in JSON."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None:
            value = value.astimezone(business_zone())
        return super()._serialize(value, attr, obj, **kwargs)


def _name(relation: str):
    """A read-only field with the `name` of a related row, or None."""
    return fields.Function(lambda obj: getattr(getattr(obj, relation), "name", None), dump_only=True)


# ---- arguments ---------------------------------------------------------------------------------

class _Args(Schema):
    """Query-string arguments: the panel loads them from request.args, which carries extra keys
    (page, page_size) that belong to the paginator."""

    class Meta:
        unknown = EXCLUDE


class AdminLoginArgs(LoginSchema, _Args):
    """The login form (which also carries csrf_token and next)."""


class AdminSearchArgs(SearchArgs, _Args):
    pass


class StaffListArgs(AdminSearchArgs):
    role = fields.Enum(Role, load_default=None, error_messages={"unknown": "角色不存在"})


class VehicleListArgs(AdminSearchArgs):
    pass


class PolicyListArgs(AdminSearchArgs):
    customer_id = fields.Integer(load_default=None)


class ClaimListArgs(AdminSearchArgs):
    customer_id = fields.Integer(load_default=None)
    status = fields.Enum(ClaimStatus, load_default=None, error_messages={"unknown": "赔案状态不存在"})


class AuditLogArgs(_Args):
    staff_id = fields.Integer(load_default=None)
    staff_code = fields.String(load_default=None, validate=validate.Length(max=32))
    channel = fields.Enum(AuditChannel, load_default=None, error_messages={"unknown": "渠道不存在"})
    action = fields.String(load_default=None, validate=validate.Length(max=32))
    entity = fields.String(load_default=None, validate=validate.Length(max=32))
    date_from = fields.Date(load_default=None, error_messages={"invalid": "开始日期格式应为 YYYY-MM-DD"})
    date_to = fields.Date(load_default=None, error_messages={"invalid": "结束日期格式应为 YYYY-MM-DD"})


# ---- organisation ------------------------------------------------------------------------------

class OrgUnitSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()
    level_label = fields.Function(lambda u: LEVEL_LABELS.get(u.level))
    parent_id = fields.Integer()
    parent_name = _name("parent")
    active = fields.Boolean()


class OrgTreeNodeSchema(Schema):
    """One row of the org tree: the unit, its depth below the viewer's root and its head count."""

    unit = fields.Nested(OrgUnitSchema)
    depth = fields.Integer()
    staff_count = fields.Integer()


class StaffSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    role = fields.String()
    role_label = fields.Function(lambda s: ROLE_LABELS.get(s.role))
    org_unit_id = fields.Integer()
    org_unit_name = _name("org_unit")
    team_id = fields.Integer()
    team_name = _name("team")
    dealer_id = fields.Integer()
    username = fields.String()
    mobile_masked = fields.Function(lambda s: mask_mobile(s.mobile))
    active = fields.Boolean()


class DealerSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    brand = fields.String()
    city_id = fields.Integer()
    city_name = _name("city")
    branch_id = fields.Integer()
    branch_name = _name("branch")
    address = fields.String()
    repairs = fields.Boolean()
    active = fields.Boolean()
    resident_managers = fields.Function(lambda d: [s.name for s in d.resident_managers if s.active])


# ---- customer data -----------------------------------------------------------------------------

class AdminCustomerSchema(CustomerBriefSchema):
    agent_name = _name("agent")
    branch_name = _name("branch")


class AdminVehicleSchema(VehicleSchema):
    owner_id = fields.Integer()
    owner_name = _name("owner")


class CoverageSchema(Schema):
    coverage = fields.String()
    coverage_label = fields.Function(lambda c: COVERAGE_LABELS.get(c.coverage))
    sum_insured = fields.Decimal(as_string=True)
    premium = fields.Decimal(as_string=True)


class AdminPolicySchema(PolicySchema):
    vehicle_id = fields.Integer()
    commission = fields.Decimal(as_string=True)
    collected_premium = fields.Decimal(as_string=True)
    branch_name = _name("branch")
    team_name = _name("team")
    agent_name = _name("agent")
    dealer_name = _name("dealer")
    channel_name = _name("channel")
    customer_group_name = _name("customer_group")
    previous_insurer_name = _name("previous_insurer")
    previous_policy_id = fields.Integer()
    cancelled_at = LocalDateTime()


class AdminPolicyDetailSchema(AdminPolicySchema):
    coverages = fields.List(fields.Nested(CoverageSchema))


class ReserveSchema(Schema):
    at = LocalDateTime()
    amount = fields.Decimal(as_string=True)


class ClaimEventSchema(Schema):
    stage = fields.String()
    stage_label = fields.Function(lambda e: CLAIM_STAGE_LABELS.get(e.stage))
    at = LocalDateTime()
    note = fields.String()


class ClaimDocumentSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    original_name = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    uploaded_at = LocalDateTime()


class AdminClaimSchema(ClaimSchema):
    reported_at = LocalDateTime()
    registered_at = LocalDateTime()
    closed_at = LocalDateTime()
    cancelled_at = LocalDateTime()
    plate = fields.Function(lambda c: c.vehicle.plate if c.vehicle else None)
    first_reserve = fields.Decimal(as_string=True)
    audit_reduction = fields.Decimal(as_string=True)
    subrogation_recovered = fields.Decimal(as_string=True)
    repair_dealer_name = _name("repair_dealer")
    claim_type = fields.String()
    description = fields.String()


class AdminClaimDetailSchema(AdminClaimSchema):
    reserves = fields.List(fields.Nested(ReserveSchema))
    events = fields.List(fields.Nested(ClaimEventSchema))
    documents = fields.List(fields.Nested(ClaimDocumentSchema))


class SummarySchema(Schema):
    """Counts on the home page, each within the viewer's scope."""

    customers = fields.Integer()
    vehicles = fields.Integer()
    valid_policies = fields.Integer()
    open_claims = fields.Integer()
    staff = fields.Integer()
    dealers = fields.Integer()
    org_units = fields.Integer()


# ---- audit log ---------------------------------------------------------------------------------

ACTION_LABELS = AUDIT_ACTION_LABELS
ENTITY_LABELS = {"customer": "客户", "vehicle": "车辆", "policy": "保单", "claim": "赔案",
                 "staff": "员工", "dealer": "车商", "org_unit": "机构", "import_batch": "导入批次",
                 "outbox_message": "外发消息", "message_template": "消息模板", "report": "报表",
                 "report_pack": "月度报表包", "kb_article": "知识库文章", "kb_category": "知识库分类",
                 "announcement": "公告", "mall_item": "商城商品", "partner": "合作商户", "campaign": "营销活动",
                 "points_account": "客户积分", "tier_rule": "会员等级规则", "renewal": "续保任务",
                 "renewal_follow_up": "续保跟进", "claim_document_requirement": "理赔资料清单"}

# An audit detail may carry what someone typed into a search box, e.g. a full mobile or ID number.
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    """Mask every mobile and resident-ID number inside free text."""
    text = _ID_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_mobile(m.group()), text)


def _masked(value):
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


class AuditLogSchema(Schema):
    id = fields.Integer()
    at = LocalDateTime()
    staff_id = fields.Integer()
    staff_name = _name("staff")
    staff_code = fields.Function(lambda e: e.staff.code if e.staff else None)
    channel = fields.String()
    channel_label = fields.Function(lambda e: AUDIT_CHANNEL_LABELS.get(e.channel))
    action = fields.String()
    action_label = fields.Function(lambda e: ACTION_LABELS.get(e.action, e.action))
    entity = fields.String()
    entity_label = fields.Function(lambda e: ENTITY_LABELS.get(e.entity, e.entity))
    entity_id = fields.String()
    detail = fields.Function(lambda e: _masked(e.detail or {}))
    ip = fields.String()


# Choices for the panel's filter forms, in display order.
ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in Role]
CLAIM_STATUS_CHOICES = [(s.value, CLAIM_STATUS_LABELS[s]) for s in ClaimStatus]
CHANNEL_CHOICES = [(c.value, AUDIT_CHANNEL_LABELS[c]) for c in AuditChannel]
ACTION_CHOICES = list(ACTION_LABELS.items())
ENTITY_CHOICES = list(ENTITY_LABELS.items())
