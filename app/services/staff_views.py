"""What the staff H5 pages show of a customer: plain, masked rows, read through the scoping helper
and recorded in the audit log (one entry for the customer, one for the policies listed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.auth.viewer import Viewer
from app.extensions import db
from app.models import Claim, ClaimStatus, Customer, Policy
from app.models.claim import CLAIM_STATUS_LABELS
from app.models.customer import VIP_TIER_LABELS
from app.models.policy import COVERAGE_LABELS, LINE_LABELS, POLICY_STATE_LABELS, PolicyState
from app.security.fields import mask_id_number, mask_mobile
from app.services import audit, customers
from app.timeutil import business_today

OPEN_CLAIMS = (ClaimStatus.reported, ClaimStatus.registered)
EXPIRING_DAYS = 60


@dataclass(frozen=True)
class PolicyRow:
    id: int
    number: str
    line: str
    plate: str | None
    start_date: date
    end_date: date
    state: str
    state_label: str
    days_left: int | None
    written_premium: Decimal
    coverages: list[str]


@dataclass(frozen=True)
class CustomerCard:
    id: int
    name: str
    mobile: str | None
    id_number: str | None
    birthday: date | None
    tier: str
    agent: str | None
    vehicles: list[str]
    policies: list[PolicyRow]
    open_claims: list[dict]


def _policy_row(policy: Policy, today: date) -> PolicyRow:
    state = policy.state_on(today)
    return PolicyRow(
        id=policy.id, number=policy.number, line=LINE_LABELS[policy.line],
        plate=policy.vehicle.plate if policy.vehicle else None, start_date=policy.start_date,
        end_date=policy.end_date, state=state.value, state_label=POLICY_STATE_LABELS[state],
        days_left=(policy.end_date - today).days if state == PolicyState.in_force else None,
        written_premium=policy.written_premium,
        coverages=[COVERAGE_LABELS[c.coverage] for c in policy.coverages])


def customer_card(viewer: Viewer, customer_id: int) -> CustomerCard:
    """The customer page: masked contacts, vehicles, policies in force and open claims.
    NotFound (as for a missing id) when the customer is outside the viewer's scope."""
    customer: Customer = customers.get_customer(viewer, customer_id)  # scoped, audited, committed
    today = business_today()
    policies = [_policy_row(p, today) for p in customers.customer_policies(viewer, customer.id)]
    claims: list[Claim] = [c for c in customers.customer_claims(viewer, customer.id) if c.status in OPEN_CLAIMS]
    return CustomerCard(
        id=customer.id, name=customer.name, mobile=mask_mobile(customer.mobile),
        id_number=mask_id_number(customer.id_number), birthday=customer.birthday,
        tier=VIP_TIER_LABELS[customer.vip_tier], agent=customer.agent.name if customer.agent else None,
        vehicles=[" ".join(filter(None, (v.plate, v.brand, v.model))) for v in customer.vehicles],
        policies=[p for p in policies if p.state in (PolicyState.in_force, PolicyState.pending)],
        open_claims=[{"number": c.number, "status": CLAIM_STATUS_LABELS[c.status], "reported_at": c.reported_at,
                      "plate": c.vehicle.plate if c.vehicle else None} for c in claims])


def customer_policy_list(viewer: Viewer, customer_id: int) -> tuple[Customer, list[PolicyRow]]:
    """Every policy of the customer in the viewer's scope, newest end date first (audited)."""
    customer = customers.get_customer(viewer, customer_id)
    policies = customers.customer_policies(viewer, customer.id)
    audit.record_reads(viewer, "policy", [p.id for p in policies], {"customer_id": customer.id})
    db.session.commit()
    today = business_today()
    return customer, [_policy_row(p, today) for p in policies]
