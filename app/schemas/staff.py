"""What staff see of customers, vehicles, policies and claims: personal numbers always masked."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.models.claim import CLAIM_STATUS_LABELS
from app.models.customer import VIP_TIER_LABELS
from app.models.policy import LINE_LABELS, POLICY_STATE_LABELS, POLICY_STATUS_LABELS
from app.schemas.common import SearchArgs
from app.security.fields import mask_id_number, mask_mobile
from app.timeutil import business_today


class VehicleSchema(Schema):
    id = fields.Integer()
    plate = fields.String()
    vin = fields.String()
    brand = fields.String()
    model = fields.String()
    usage = fields.String()
    first_registration_date = fields.Date()
    new_car_price = fields.Decimal(as_string=True)


class CustomerBriefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    mobile_masked = fields.Function(lambda c: mask_mobile(c.mobile))
    vip_tier = fields.String()
    vip_tier_label = fields.Function(lambda c: VIP_TIER_LABELS.get(c.vip_tier))
    branch_id = fields.Integer()
    agent_id = fields.Integer()


class CustomerDetailSchema(CustomerBriefSchema):
    id_number_masked = fields.Function(lambda c: mask_id_number(c.id_number))
    birthday = fields.Date()
    gender = fields.String()
    customer_group = fields.Function(lambda c: c.customer_group.name if c.customer_group else None)
    agent_name = fields.Function(lambda c: c.agent.name if c.agent else None)
    branch_name = fields.Function(lambda c: c.branch.name if c.branch else None)
    vehicles = fields.List(fields.Nested(VehicleSchema))


class PolicySchema(Schema):
    id = fields.Integer()
    number = fields.String()
    line = fields.String()
    line_label = fields.Function(lambda p: LINE_LABELS.get(p.line))
    status = fields.String()
    status_label = fields.Function(lambda p: POLICY_STATUS_LABELS.get(p.status))
    state = fields.Function(lambda p: p.state_on(business_today()).value)
    state_label = fields.Function(lambda p: POLICY_STATE_LABELS[p.state_on(business_today())])
    customer_id = fields.Integer()
    customer_name = fields.Function(lambda p: p.customer.name)
    plate = fields.Function(lambda p: p.vehicle.plate)
    vin = fields.String()
    issued_on = fields.Date()
    start_date = fields.Date()
    end_date = fields.Date()
    written_premium = fields.Decimal(as_string=True)
    base_premium = fields.Decimal(as_string=True)
    discount_rate = fields.Decimal(as_string=True)
    commission_rate = fields.Decimal(as_string=True)
    receivable = fields.Decimal(as_string=True)
    branch_id = fields.Integer()
    team_id = fields.Integer()
    agent_id = fields.Integer()
    dealer_id = fields.Integer()


class ClaimSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    policy_id = fields.Integer()
    policy_number = fields.Function(lambda c: c.policy.number)
    customer_id = fields.Integer()
    customer_name = fields.Function(lambda c: c.customer.name)
    status = fields.String()
    status_label = fields.Function(lambda c: CLAIM_STATUS_LABELS.get(c.status))
    reported_at = fields.DateTime()
    registered_at = fields.DateTime()
    closed_at = fields.DateTime()
    reserve = fields.Decimal(as_string=True)
    paid = fields.Decimal(as_string=True)
    injury = fields.Boolean()
    repair_dealer_id = fields.Integer()


class PolicyListArgs(SearchArgs):
    customer_id = fields.Integer(load_default=None)


class ClaimListArgs(SearchArgs):
    customer_id = fields.Integer(load_default=None)
    status = fields.String(load_default=None)
