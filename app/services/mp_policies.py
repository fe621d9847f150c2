"""A customer's own policies and vehicles in the mini-program, and their renewal quote requests.

The policy list is the mini-program's busiest endpoint: one statement, run outside a transaction
(app/services/reads.py), returns the page already as JSON and the total; the other reads are
plain rows.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Date, Integer, Text, bindparam, case, cast, func, null, select, text
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.auth.scoping import get_scoped, scope_filter, scoped_select
from app.auth.viewer import Viewer
from app.errors import DomainError, NotFound
from app.extensions import db
from app.models import AuditChannel, Claim, ClaimStatus, Policy, PolicyCoverage, PolicyStatus, Staff, Vehicle
from app.models.member import QuoteRequestStatus, RenewalQuoteRequest
from app.models.messaging import MessageChannel
from app.models.policy import LINE_LABELS, POLICY_STATE_LABELS, PolicyState
from app.services import messaging
from app.services.reads import Read
from app.timeutil import business_today

STATUSES = ("in_force", "expired", "all")
RENEWAL_REQUEST_TEMPLATE = "renewal_quote_request_wecom"
_LIST_COLUMNS = (Policy.id, Policy.number, Policy.line, Policy.status, Policy.start_date, Policy.end_date,
                 Policy.written_premium, Policy.vin, Policy.vehicle_id, Vehicle.plate, Vehicle.brand, Vehicle.model)


def policy_state(status: PolicyStatus, start: date, end: date, today: date) -> PolicyState:
    if status == PolicyStatus.cancelled:
        return PolicyState.cancelled
    if today < start:
        return PolicyState.pending
    if today > end:
        return PolicyState.expired
    return PolicyState.in_force


def _row(row, today: date) -> dict:
    state = policy_state(row.status, row.start_date, row.end_date, today)
    return {
        "id": row.id, "number": row.number, "line": str(row.line), "line_label": LINE_LABELS[row.line],
        "state": state.value, "state_label": POLICY_STATE_LABELS[state], "start_date": row.start_date,
        "end_date": row.end_date, "days_left": (row.end_date - today).days if state != PolicyState.cancelled else None,
        "written_premium": row.written_premium, "plate": row.plate, "vin": row.vin, "vehicle_id": row.vehicle_id,
        "vehicle_name": " ".join(part for part in (row.brand, row.model) if part) or None,
    }


def _status_filter(stmt, status: str, today: date):
    if status == "in_force":
        # "In force" as a customer means it: not cancelled and not over (one starting soon included).
        return stmt.where(Policy.status == PolicyStatus.valid, Policy.end_date >= today)
    if status == "expired":
        return stmt.where(Policy.status == PolicyStatus.valid, Policy.end_date < today)
    return stmt


def _state_cases(today) -> list[tuple]:
    """policy_state() in SQL: (condition, state) in its order; otherwise in force."""
    return [(Policy.status == PolicyStatus.cancelled, PolicyState.cancelled), (today < Policy.start_date,
            PolicyState.pending), (today > Policy.end_date, PolicyState.expired)]


def _page_statement(status: str):
    """The page as JSON text built by PostgreSQL, and the total: the same object per row as `_row`
    dumped by MpPolicyRow (labels from the same dicts). Each row of the page becomes one object
    whole (`json_agg` of the row, keys in the order Flask sorts them), which costs PostgreSQL less
    than a `json_build_object` naming every key on every row. The total is its own count over the
    same policies (each has its vehicle, by foreign key, so the count needs no join)."""
    # Only values are bound per request. The customer's rows are picked by the scoping helper,
    # given a customer viewer whose id is the bound parameter.
    me = Viewer(channel=AuditChannel.api, customer_id=bindparam("customer_id", type_=Integer))
    today = bindparam("today", type_=Date)
    cases = _state_cases(today)
    cancelled = cases[0][0]
    columns = (
        case((cancelled, null()), else_=Policy.end_date - today).label("days_left"),
        Policy.end_date.label("end_date"),
        Policy.id.label("id"),
        Policy.line.label("line"),
        case(*((Policy.line == line, label) for line, label in LINE_LABELS.items())).label("line_label"),
        Policy.number.label("number"),
        Vehicle.plate.label("plate"),
        Policy.start_date.label("start_date"),
        case(*((when, state.value) for when, state in cases), else_=PolicyState.in_force.value).label("state"),
        case(*((when, POLICY_STATE_LABELS[state]) for when, state in cases),
             else_=POLICY_STATE_LABELS[PolicyState.in_force]).label("state_label"),
        Policy.vehicle_id.label("vehicle_id"),
        func.nullif(func.concat_ws(" ", func.nullif(Vehicle.brand, ""), func.nullif(Vehicle.model, "")),
                    "").label("vehicle_name"),
        Policy.vin.label("vin"),
        cast(Policy.written_premium, Text).label("written_premium"),  # money as a string with its cents
    )
    mine = _status_filter(select(*columns).join(Vehicle, Vehicle.id == Policy.vehicle_id)
                          .where(scope_filter(me, Policy)), status, today)
    page = (mine.order_by(Policy.end_date.desc(), Policy.id.desc())
            .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)).subquery("page"))
    items = func.json_agg(aggregate_order_by(page.table_valued(), page.c.end_date.desc(), page.c.id.desc()))
    total = _status_filter(select(func.count()).select_from(Policy).where(scope_filter(me, Policy)), status, today)
    return select(cast(func.coalesce(items, text("'[]'::json")), Text).label("items"),
                  total.scalar_subquery().label("total")).select_from(page)


_PAGES = {status: Read(_page_statement(status)) for status in STATUSES}


def list_policies_json(viewer: Viewer, status: str = "all", page: int = 1, page_size: int = 20) -> tuple[str, int]:
    """One page of the customer's policies as a JSON array (MpPolicyRow objects) and their total,
    in one statement outside a transaction: the mini-program's busiest endpoint."""
    today = business_today()
    (items, total), = _PAGES[status].rows({"customer_id": viewer.customer_id, "today": today,
                                           "limit": page_size, "offset": (page - 1) * page_size})
    return items, total


def expiring_policies(viewer: Viewer, days: int) -> list[dict]:
    """Policies not cancelled ending within `days` from today (an expired one needs no reminder)."""
    today = business_today()
    stmt = (scoped_select(viewer, Policy, *_LIST_COLUMNS)
            .join(Vehicle, Vehicle.id == Policy.vehicle_id)
            .where(Policy.status == PolicyStatus.valid, Policy.end_date >= today,
                   Policy.end_date <= today + timedelta(days=days))
            .order_by(Policy.end_date, Policy.id).limit(100))
    rows = [_row(r, today) for r in db.session.execute(stmt)]
    open_requests = _open_request_policy_ids([r["id"] for r in rows])
    for row in rows:
        row["renewal_quote_requested"] = row["id"] in open_requests
    return rows


def _open_request_policy_ids(policy_ids: list[int]) -> set[int]:
    if not policy_ids:
        return set()
    return set(db.session.scalars(
        select(RenewalQuoteRequest.policy_id).where(RenewalQuoteRequest.policy_id.in_(policy_ids),
                                                    RenewalQuoteRequest.status == QuoteRequestStatus.open)))


def get_policy(viewer: Viewer, policy_id: int) -> dict:
    row = db.session.execute(
        scoped_select(viewer, Policy, *_LIST_COLUMNS, Policy.base_premium, Policy.tax, Policy.issued_on,
                      Policy.agent_id)
        .join(Vehicle, Vehicle.id == Policy.vehicle_id).where(Policy.id == policy_id)).one_or_none()
    if row is None:
        raise NotFound("保单不存在")
    detail = _row(row, business_today())
    claims_count = db.session.execute(
        select(func.count(Claim.id)).where(Claim.policy_id == policy_id, Claim.status != ClaimStatus.cancelled,
                                           scope_filter(viewer, Claim))).scalar_one()
    coverages = db.session.scalars(
        select(PolicyCoverage).where(PolicyCoverage.policy_id == policy_id).order_by(PolicyCoverage.id)).all()
    agent = db.session.get(Staff, row.agent_id) if row.agent_id else None
    detail.update(
        base_premium=row.base_premium, tax=row.tax, issued_on=row.issued_on, coverages=coverages,
        vehicle=db.session.get(Vehicle, row.vehicle_id), claims_count=claims_count,
        agent_name=agent.name if agent else None,
        renewal_quote_requested=policy_id in _open_request_policy_ids([policy_id]),
    )
    return detail


def list_vehicles(viewer: Viewer) -> list[dict]:
    """The customer's vehicles, each with the end of its latest cover per line."""
    latest = (select(Policy.vehicle_id, Policy.line, func.max(Policy.end_date).label("end_date"))
              .where(scope_filter(viewer, Policy), Policy.status == PolicyStatus.valid)
              .group_by(Policy.vehicle_id, Policy.line).subquery())
    vehicles = list(db.session.scalars(scoped_select(viewer, Vehicle).order_by(Vehicle.id)))
    covers: dict[int, dict] = {}
    for vehicle_id, line, end_date in db.session.execute(select(latest)):
        covers.setdefault(vehicle_id, {})[line.value] = end_date
    today = business_today()
    return [{
        "id": v.id, "plate": v.plate, "vin": v.vin, "brand": v.brand, "model": v.model, "usage": v.usage,
        "first_registration_date": v.first_registration_date,
        "ctpl_end_date": covers.get(v.id, {}).get("ctpl"),
        "commercial_end_date": covers.get(v.id, {}).get("commercial"),
        "insured": any(end >= today for end in covers.get(v.id, {}).values()),
    } for v in vehicles]


def request_renewal_quote(viewer: Viewer, policy_id: int, preferred_contact_time: str | None,
                          note: str | None) -> tuple[RenewalQuoteRequest, bool]:
    """Record a renewal quote request and tell the agent; (request, created). While one is open
    for the policy, asking again returns it and tells nobody twice."""
    policy = get_scoped(viewer, Policy, policy_id, "保单不存在")
    if policy.status == PolicyStatus.cancelled:
        raise DomainError("该保单已注销,无法申请续保报价", "policy_cancelled", status=409)
    created_id = db.session.execute(
        pg_insert(RenewalQuoteRequest)
        .values(policy_id=policy.id, customer_id=policy.customer_id, agent_id=policy.agent_id,
                status=QuoteRequestStatus.open, preferred_contact_time=preferred_contact_time, note=note)
        .on_conflict_do_nothing(index_elements=["policy_id"], index_where=RenewalQuoteRequest.status == "open")
        .returning(RenewalQuoteRequest.id)
    ).scalar_one_or_none()
    request = db.session.execute(
        select(RenewalQuoteRequest).where(RenewalQuoteRequest.policy_id == policy.id,
                                          RenewalQuoteRequest.status == QuoteRequestStatus.open)).scalar_one()
    if created_id is not None:
        agent = policy.agent
        if agent is not None and agent.wecom_userid and agent.active:
            vehicle = db.session.get(Vehicle, policy.vehicle_id)
            message = messaging.enqueue(
                MessageChannel.wecom_app, agent.wecom_userid, RENEWAL_REQUEST_TEMPLATE,
                {"agent": agent.name, "customer": policy.customer.name, "plate": vehicle.plate or policy.vin,
                 "line": LINE_LABELS[policy.line], "end_date": policy.end_date.strftime("%Y年%-m月%-d日"),
                 "contact_time": preferred_contact_time or "未指定", "note": note or "无"},
                dedupe_key=f"renewal-quote-request:{request.id}", staff_id=agent.id, commit=False)
            request.notified_message_id = message.id
    db.session.commit()
    if request.notified_message_id is not None and created_id is not None:
        messaging.kick_delivery()
    return request, created_id is not None
