"""Finding and reading customers, vehicles, policies and claims on behalf of a viewer.

Every function scopes through app.auth.scoping and records staff reads in the audit log.
"""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.auth.scoping import get_scoped, scope_filter
from app.auth.viewer import Viewer
from app.extensions import db
from app.models import Claim, ClaimStatus, Customer, Policy, PolicyStatus, Vehicle
from app.security.fields import cipher, mask_id_number, mask_mobile
from app.services import audit
from app.services.pagination import PageResult, paginate

# What list pages show beside each row; loaded in one query per relationship, not one per row.
_CUSTOMER_LIST_LOADS = (selectinload(Customer.agent), selectinload(Customer.branch),
                        selectinload(Customer.customer_group))
_POLICY_LIST_LOADS = (
    selectinload(Policy.customer), selectinload(Policy.vehicle), selectinload(Policy.agent),
    selectinload(Policy.branch), selectinload(Policy.team), selectinload(Policy.dealer),
    selectinload(Policy.channel), selectinload(Policy.customer_group), selectinload(Policy.previous_insurer),
)
_CLAIM_LIST_LOADS = (selectinload(Claim.policy), selectinload(Claim.customer), selectinload(Claim.vehicle),
                     selectinload(Claim.repair_dealer))

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")


def _customer_match(q: str):
    """WHERE clause for a free-text customer search: exact mobile / ID number, plate, VIN,
    policy number, or a name fragment."""
    q = q.strip()
    if _MOBILE.fullmatch(q):
        return Customer.mobile_hash == cipher().digest(q)
    if _ID_NUMBER.fullmatch(q):
        return Customer.id_number_hash == cipher().digest(q)
    by_vehicle = select(Vehicle.owner_id).where(
        or_(Vehicle.plate == q.upper(), Vehicle.vin == q.upper())
    )
    by_policy = select(Policy.customer_id).where(Policy.number == q.upper())
    return or_(
        Customer.name.contains(q, autoescape=True),
        Customer.id.in_(by_vehicle),
        Customer.id.in_(by_policy),
    )


def search_customers(viewer: Viewer, q: str | None, page: int = 1, page_size: int = 20) -> PageResult:
    stmt = (select(Customer).where(scope_filter(viewer, Customer)).options(*_CUSTOMER_LIST_LOADS)
            .order_by(Customer.id))
    if q:
        stmt = stmt.where(_customer_match(q))
    result = paginate(stmt, page, page_size)
    audit.record_reads(viewer, "customer", [c.id for c in result.items], {**_audited_query(q), "page": page})
    db.session.commit()
    return result


def _audited_query(q: str | None) -> dict:
    """What the audit log keeps of a search: a searched mobile or ID number masked, plus its keyed
    hash so an investigator can still find every search for one number."""
    q = (q or "").strip()
    if _MOBILE.fullmatch(q):
        return {"q": mask_mobile(q), "q_hash": cipher().digest(q).hex()}
    if _ID_NUMBER.fullmatch(q):
        return {"q": mask_id_number(q.upper()), "q_hash": cipher().digest(q).hex()}
    return {"q": q}


def get_customer(viewer: Viewer, customer_id: int) -> Customer:
    customer = get_scoped(viewer, Customer, customer_id, "客户不存在")
    if viewer.is_staff:
        audit.record(viewer, "read", "customer", customer.id)
    db.session.commit()
    return customer


def customer_policies(viewer: Viewer, customer_id: int) -> list[Policy]:
    return list(db.session.execute(
        select(Policy)
        .where(Policy.customer_id == customer_id, scope_filter(viewer, Policy))
        .order_by(Policy.end_date.desc())
    ).scalars())


def get_vehicle(viewer: Viewer, vehicle_id: int) -> Vehicle:
    vehicle = get_scoped(viewer, Vehicle, vehicle_id, "车辆不存在")
    if viewer.is_staff:
        audit.record(viewer, "read", "vehicle", vehicle.id)
    db.session.commit()
    return vehicle


def list_policies(viewer: Viewer, *, q: str | None = None, customer_id: int | None = None,
                  expiring_before=None, page: int = 1, page_size: int = 20) -> PageResult:
    stmt = (select(Policy).where(scope_filter(viewer, Policy))
            .options(*_POLICY_LIST_LOADS)
            .order_by(Policy.end_date.desc(), Policy.id))
    if q:
        stmt = stmt.where(or_(Policy.number == q.strip().upper(),
                              Policy.vehicle_id.in_(select(Vehicle.id).where(Vehicle.plate == q.strip().upper()))))
    if customer_id is not None:
        stmt = stmt.where(Policy.customer_id == customer_id)
    if expiring_before is not None:
        stmt = stmt.where(Policy.end_date <= expiring_before)
    result = paginate(stmt, page, page_size)
    audit.record_reads(viewer, "policy", [p.id for p in result.items], {"q": q or "", "page": page})
    db.session.commit()
    return result


def get_policy(viewer: Viewer, policy_id: int) -> Policy:
    policy = get_scoped(viewer, Policy, policy_id, "保单不存在")
    if viewer.is_staff:
        audit.record(viewer, "read", "policy", policy.id)
    db.session.commit()
    return policy


def list_claims(viewer: Viewer, *, q: str | None = None, customer_id: int | None = None,
                status: str | None = None, page: int = 1, page_size: int = 20) -> PageResult:
    stmt = (select(Claim).where(scope_filter(viewer, Claim))
            .options(*_CLAIM_LIST_LOADS)
            .order_by(Claim.reported_at.desc(), Claim.id))
    if q:
        stmt = stmt.where(Claim.number == q.strip().upper())
    if customer_id is not None:
        stmt = stmt.where(Claim.customer_id == customer_id)
    if status:
        stmt = stmt.where(Claim.status == status)
    result = paginate(stmt, page, page_size)
    audit.record_reads(viewer, "claim", [c.id for c in result.items], {"q": q or "", "page": page})
    db.session.commit()
    return result


def get_claim(viewer: Viewer, claim_id: int) -> Claim:
    claim = get_scoped(viewer, Claim, claim_id, "赔案不存在")
    if viewer.is_staff:
        audit.record(viewer, "read", "claim", claim.id)
    db.session.commit()
    return claim


def list_vehicles(viewer: Viewer, *, q: str | None = None, page: int = 1, page_size: int = 20) -> PageResult:
    """Vehicles in scope; `q` is an exact plate or VIN."""
    stmt = (select(Vehicle).where(scope_filter(viewer, Vehicle))
            .options(selectinload(Vehicle.owner)).order_by(Vehicle.id))
    if q:
        q = q.strip().upper()
        stmt = stmt.where(or_(Vehicle.plate == q, Vehicle.vin == q))
    result = paginate(stmt, page, page_size)
    audit.record_reads(viewer, "vehicle", [v.id for v in result.items], {"q": q or "", "page": page})
    db.session.commit()
    return result


def customer_claims(viewer: Viewer, customer_id: int) -> list[Claim]:
    """Claims of one customer in scope, newest report first (for a customer page already audited)."""
    return _claims_where(viewer, Claim.customer_id == customer_id)


def policy_claims(viewer: Viewer, policy_id: int) -> list[Claim]:
    """Claims on one policy in scope, newest report first (for a policy page already audited)."""
    return _claims_where(viewer, Claim.policy_id == policy_id)


def _claims_where(viewer: Viewer, clause) -> list[Claim]:
    return list(db.session.execute(
        select(Claim).where(clause, scope_filter(viewer, Claim))
        .options(*_CLAIM_LIST_LOADS)
        .order_by(Claim.reported_at.desc(), Claim.id)
    ).scalars())


def scope_summary(viewer: Viewer) -> dict[str, int]:
    """Head counts of the viewer's book: no personal data, so not audited."""

    def count(model, *clauses) -> int:
        return db.session.execute(
            select(func.count()).select_from(model).where(scope_filter(viewer, model), *clauses)
        ).scalar_one()

    return {
        "customers": count(Customer),
        "vehicles": count(Vehicle),
        "valid_policies": count(Policy, Policy.status == PolicyStatus.valid),
        "open_claims": count(Claim, Claim.status.in_((ClaimStatus.reported, ClaimStatus.registered))),
    }
