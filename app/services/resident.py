"""Resident managers (驻店经理) in the mini-program: their dealer's plan against written premium,
the policies it sold and the repair referrals it received. Every row goes through the scoping
helper (a resident manager's scope is their dealer) and every page of personal data is audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from app.auth.scoping import scope_filter, scoped_select
from app.auth.viewer import Viewer
from app.errors import Forbidden
from app.extensions import db
from app.models import Claim, ClaimStatus, Customer, Dealer, Line, Plan, Policy, PolicyStatus, Vehicle
from app.models.claim import CLAIM_STATUS_LABELS
from app.models.policy import LINE_LABELS, POLICY_STATE_LABELS
from app.security.fields import mask_name
from app.services import audit
from app.services.mp_policies import policy_state
from app.services.pagination import PageResult
from app.timeutil import business_today


def _dealer(viewer: Viewer) -> Dealer:
    if viewer.staff is None or viewer.staff.dealer_id is None:
        raise Forbidden()
    return db.session.get(Dealer, viewer.staff.dealer_id)


def mask_plate(plate: str | None) -> str | None:
    """京A12345 -> 京A***45: enough for the dealer to recognise a car it repairs."""
    if not plate or len(plate) < 5:
        return plate
    return plate[:2] + "*" * (len(plate) - 4) + plate[-2:]


def _progress(viewer: Viewer, dealer_id: int, start: date, end: date) -> dict:
    """Plan and written premium by line for the months [start, end] (dates inclusive)."""
    planned = dict(db.session.execute(
        select(Plan.line, func.sum(Plan.amount)).where(Plan.dealer_id == dealer_id, Plan.month >= start,
                                                       Plan.month <= end).group_by(Plan.line)).all())
    written = {line: (amount, count) for line, amount, count in db.session.execute(
        scoped_select(viewer, Policy, Policy.line, func.sum(Policy.written_premium), func.count(Policy.id))
        .where(Policy.dealer_id == dealer_id, Policy.status != PolicyStatus.cancelled,
               Policy.start_date >= start, Policy.start_date <= end)
        .group_by(Policy.line)).all()}
    lines = []
    for line in Line:
        plan = planned.get(line) or Decimal("0")
        amount, count = written.get(line, (Decimal("0"), 0))
        lines.append({"line": line.value, "line_label": LINE_LABELS[line], "plan": plan, "written": amount,
                      "policies": count, "completion": _ratio(amount, plan)})
    plan_total = sum((row["plan"] for row in lines), Decimal("0"))
    written_total = sum((row["written"] for row in lines), Decimal("0"))
    return {"from": start, "to": end, "lines": lines, "plan": plan_total, "written": written_total,
            "policies": sum(row["policies"] for row in lines), "completion": _ratio(written_total, plan_total)}


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole).quantize(Decimal("0.0001")) if whole else None


def overview(viewer: Viewer) -> dict:
    dealer = _dealer(viewer)
    today = business_today()
    month_start = today.replace(day=1)
    referrals = db.session.execute(
        scoped_select(viewer, Claim, func.count(Claim.id), func.coalesce(func.sum(Claim.first_reserve), 0))
        .where(Claim.repair_dealer_id == dealer.id, Claim.status != ClaimStatus.cancelled,
               Claim.reported_at >= month_start)).one()
    return {
        "dealer": {"id": dealer.id, "name": dealer.name, "brand": dealer.brand},
        "as_of": today,
        "month": _progress(viewer, dealer.id, month_start, today),
        "year": _progress(viewer, dealer.id, today.replace(month=1, day=1), today),
        "referrals_this_month": {"count": referrals[0], "first_reserve": referrals[1]},
    }


def list_policies(viewer: Viewer, page: int, page_size: int) -> PageResult:
    dealer = _dealer(viewer)
    today = business_today()
    stmt = (scoped_select(viewer, Policy, Policy.id, Policy.number, Policy.line, Policy.status, Policy.start_date,
                          Policy.end_date, Policy.written_premium, Vehicle.plate, Customer.name.label("customer_name"),
                          func.count().over().label("total"))
            .join(Vehicle, Vehicle.id == Policy.vehicle_id).join(Customer, Customer.id == Policy.customer_id)
            .where(Policy.dealer_id == dealer.id)
            .order_by(Policy.start_date.desc(), Policy.id.desc()))
    rows = db.session.execute(stmt.limit(page_size).offset((page - 1) * page_size)).all()
    total = rows[0].total if rows else db.session.execute(
        select(func.count()).select_from(scoped_select(viewer, Policy, Policy.id)
                                         .where(Policy.dealer_id == dealer.id).subquery())).scalar_one()
    items = []
    for r in rows:
        state = policy_state(r.status, r.start_date, r.end_date, today)
        items.append({"id": r.id, "number": r.number, "line": r.line.value, "line_label": LINE_LABELS[r.line],
                      "state": state.value, "state_label": POLICY_STATE_LABELS[state], "start_date": r.start_date,
                      "end_date": r.end_date, "written_premium": r.written_premium, "plate": mask_plate(r.plate),
                      "customer_name": mask_name(r.customer_name)})
    audit.record_reads(viewer, "policy", [item["id"] for item in items], {"via": "mp_resident"})
    db.session.commit()
    return PageResult(items=items, total=total, page=page, page_size=page_size)


def list_referrals(viewer: Viewer, page: int, page_size: int) -> PageResult:
    """Claims sent to the viewer's dealer for repair, newest first."""
    dealer = _dealer(viewer)
    stmt = (select(Claim.id, Claim.number, Claim.status, Claim.claim_type, Claim.reported_at, Claim.registered_at,
                   Claim.closed_at, Claim.first_reserve, Claim.paid, Vehicle.plate, Vehicle.brand, Vehicle.model,
                   Customer.name.label("customer_name"), func.count().over().label("total"))
            .where(scope_filter(viewer, Claim), Claim.repair_dealer_id == dealer.id)
            .outerjoin(Vehicle, Vehicle.id == Claim.vehicle_id).join(Customer, Customer.id == Claim.customer_id)
            .order_by(Claim.reported_at.desc(), Claim.id.desc()))
    rows = db.session.execute(stmt.limit(page_size).offset((page - 1) * page_size)).all()
    total = rows[0].total if rows else db.session.execute(
        select(func.count(Claim.id)).where(scope_filter(viewer, Claim), Claim.repair_dealer_id == dealer.id)
    ).scalar_one()
    items = [{"id": r.id, "number": r.number, "status": r.status.value, "status_label": CLAIM_STATUS_LABELS[r.status],
              "claim_type": r.claim_type, "reported_at": r.reported_at, "registered_at": r.registered_at,
              "closed_at": r.closed_at, "first_reserve": r.first_reserve, "paid": r.paid,
              "plate": mask_plate(r.plate), "vehicle_name": " ".join(p for p in (r.brand, r.model) if p) or None,
              "customer_name": mask_name(r.customer_name)} for r in rows]
    audit.record_reads(viewer, "claim", [item["id"] for item in items], {"via": "mp_resident"})
    db.session.commit()
    return PageResult(items=items, total=total, page=page, page_size=page_size)
