"""A staff member's daily work as the WeCom bot asks for it: who is asking, customer lookup and its
card, expiring policies, renewal tasks and their follow-ups, performance against plan, the team
table and receivables.

Every read of customer data goes through app.auth.scoping and lands in the audit log under the
viewer's channel (the bot builds `Viewer(channel=AuditChannel.bot, ...)`). Reads add their audit
rows to the session and leave the commit to the caller, which commits once per message (with its
command-log row); writes (a follow-up) commit here.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    Date,
    Integer,
    String,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    union,
)
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.auth.scoping import scope_filter
from app.auth.viewer import Viewer
from app.errors import DomainError
from app.extensions import db
from app.models import (
    Claim,
    ClaimStatus,
    CodeItem,
    CodeKind,
    Customer,
    FollowUpResult,
    Line,
    OrgUnit,
    Plan,
    Policy,
    PolicyStatus,
    RenewalFollowUp,
    RenewalRecord,
    RenewalStatus,
    Role,
    Staff,
    Team,
    Vehicle,
)
from app.models.customer import VIP_TIER_LABELS
from app.models.policy import LINE_LABELS
from app.models.renewal import FOLLOW_UP_LABELS
from app.security.fields import cipher, mask_id_number, mask_mobile, mask_name
from app.services import audit
from app.timeutil import business_today

# Roles that may ask for a team table (their teams, branch or company).
TEAM_TABLE_ROLES = (Role.team_manager, Role.supervisor, Role.branch_manager, Role.admin)
# Expiring in this many days or fewer counts as "expiring" on a customer card.
CARD_EXPIRING_DAYS = 90
OPEN_CLAIM_STATUSES = (ClaimStatus.reported, ClaimStatus.registered)
LOOKUP_KINDS = ("name", "mobile", "id_number", "plate", "policy_number", "vin")


# Built once: every bot message runs it, and a statement built per call costs its construction and
# cache key each time.
_STAFF_BY_WECOM = (select(Staff).options(joinedload(Staff.org_unit))
                   .where(Staff.wecom_userid == bindparam("userid"), Staff.active.is_(True)))


def staff_for_wecom(userid: str | None) -> Staff | None:
    """The active staff member behind a WeCom userid; None for strangers and leavers."""
    if not userid:
        return None
    return db.session.execute(_STAFF_BY_WECOM, {"userid": userid}).scalar_one_or_none()


# ---- customers ---------------------------------------------------------------------------------

def _customer_clause(kind: str):
    """Customers matching the bound parameter "lookup" read as `kind` (see _lookup_value)."""
    lookup = bindparam("lookup")
    if kind == "mobile":
        return Customer.mobile_hash == lookup
    if kind == "id_number":
        return Customer.id_number_hash == lookup
    # One IN over a UNION (not two INs joined by OR): the planner starts from the few matching ids.
    if kind == "plate":
        return Customer.id.in_(union(
            select(Vehicle.owner_id).where(Vehicle.plate == lookup),
            select(Policy.customer_id).join(Vehicle, Vehicle.id == Policy.vehicle_id).where(Vehicle.plate == lookup)))
    if kind == "vin":
        return Customer.id.in_(union(select(Vehicle.owner_id).where(Vehicle.vin == lookup),
                                     select(Policy.customer_id).where(Policy.vin == lookup)))
    if kind == "policy_number":
        return Customer.id.in_(select(Policy.customer_id).where(Policy.number == lookup))
    if kind == "name":
        return Customer.name.like(lookup, escape="/")
    raise ValueError(f"unknown lookup kind {kind!r}")


def _lookup_value(kind: str, value: str):
    """The "lookup" parameter of _customer_clause: a keyed hash, a LIKE pattern, or the value."""
    if kind in ("mobile", "id_number"):
        return cipher().digest(value)
    if kind == "name":
        escaped = value.replace("/", "//").replace("%", "/%").replace("_", "/_")
        return f"%{escaped}%"
    return value


def _lookup_statement(viewer: Viewer, kind: str, limit: int):
    stmt = (select(Customer).options(joinedload(Customer.agent))
            .where(scope_filter(viewer, Customer), _customer_clause(kind)).limit(limit + 1))
    if kind == "name":
        stmt = stmt.order_by(Customer.name != bindparam("exact"), Customer.id)
    return stmt


# Lookup statements by the asker's scope and the kind of lookup, built once each (see _CARD_STATEMENTS).
_LOOKUP_STATEMENTS: dict[tuple, object] = {}


def _audited_value(kind: str, value: str) -> dict:
    if kind == "mobile":
        return {"q": mask_mobile(value), "q_hash": cipher().digest(value).hex()}
    if kind == "id_number":
        return {"q": mask_id_number(value), "q_hash": cipher().digest(value).hex()}
    return {"q": value}


def find_customers(viewer: Viewer, kind: str, value: str, limit: int = 5) -> list[Customer]:
    """Customers in the viewer's scope matching `value` read as `kind` (exact names first), at most
    `limit` + 1 (so the caller can say "more"). Out-of-scope customers are simply not there."""
    value = (value or "").strip()
    if kind not in LOOKUP_KINDS or not value:
        return []
    stmt = _cached(_LOOKUP_STATEMENTS, viewer, (kind, limit), lambda: _lookup_statement(viewer, kind, limit))
    params = {"lookup": _lookup_value(kind, value)}
    if kind == "name":
        params["exact"] = value
    # Exact keys match a handful of rows: sorted here, since ORDER BY id LIMIT tempts the planner
    # into walking the primary key through every customer.
    found = list(db.session.execute(stmt, params).scalars())
    if kind != "name":
        found.sort(key=lambda c: c.id)
    audit.record(viewer, "search", "customer", None,
                 {"kind": kind, **_audited_value(kind, value), "ids": [c.id for c in found]})
    return found


@dataclass
class CustomerCard:
    id: int
    name: str
    kind: str
    mobile: str | None
    id_number: str | None
    birthday: date | None
    days_to_birthday: int | None
    tier: str
    agent: str | None
    vehicles: list[dict] = field(default_factory=list)
    policies: list[dict] = field(default_factory=list)  # not cancelled, not yet ended
    open_claims: list[dict] = field(default_factory=list)
    follow_ups: list[dict] = field(default_factory=list)


def _days_to_birthday(birthday: date | None, today: date) -> int | None:
    if birthday is None:
        return None
    for year in (today.year, today.year + 1):
        day = min(birthday.day, calendar.monthrange(year, birthday.month)[1])
        upcoming = date(year, birthday.month, day)
        if upcoming >= today:
            return (upcoming - today).days
    return None


def _json_rows(stmt):
    """A scalar subquery: the rows of `stmt` as one JSON array (the card's four lists come back in
    one round trip). JSON keeps no order: each row carries its sort `key`, sorted again in Python."""
    rows = stmt.subquery()
    return (select(func.coalesce(func.json_agg(rows.table_valued()), literal_column("'[]'::json")))
            .select_from(rows).scalar_subquery())


# Aliased (the scope of a resident manager's renewals is itself a subquery on policies), once per
# process: a new alias per card re-derives its columns, about a millisecond of CPU each time.
_RENEWAL_POLICY = aliased(Policy, name="renewal_policy")


def _card_statement(viewer: Viewer):
    """The card's vehicles, policies in force or pending, open claims and latest follow-ups, each a
    JSON array, in one statement; the customer and the day are bound parameters."""
    renewal_policy = _RENEWAL_POLICY
    customer_id = bindparam("card_customer_id", type_=Integer)
    today = bindparam("card_today", type_=Date)
    return select(
        _json_rows(select(Vehicle.id.label("key"), Vehicle.plate, Vehicle.brand, Vehicle.model)
                   .where(Vehicle.owner_id == customer_id).order_by(Vehicle.id).limit(5)),
        _json_rows(select(Policy.end_date.label("key"), Policy.id, Policy.number, Policy.line, Policy.start_date,
                          Policy.end_date, Vehicle.plate)
                   .outerjoin(Vehicle, Vehicle.id == Policy.vehicle_id)
                   .where(Policy.customer_id == customer_id, scope_filter(viewer, Policy),
                          Policy.status == PolicyStatus.valid, Policy.end_date >= today)
                   .order_by(Policy.end_date, Policy.id).limit(8)),
        _json_rows(select(Claim.reported_at.label("key"), Claim.number, Claim.status, Claim.reported_at,
                          cast(Claim.reserve, String).label("reserve"))
                   .where(Claim.customer_id == customer_id, scope_filter(viewer, Claim),
                          Claim.status.in_(OPEN_CLAIM_STATUSES))
                   .order_by(Claim.reported_at.desc()).limit(5)),
        _json_rows(select(RenewalFollowUp.at.label("key"), RenewalFollowUp.at, RenewalFollowUp.result,
                          cast(RenewalFollowUp.quote_amount, String).label("quote_amount"), RenewalFollowUp.note,
                          Staff.name.label("staff"))
                   .join(RenewalRecord, RenewalRecord.id == RenewalFollowUp.renewal_id)
                   .join(renewal_policy, renewal_policy.id == RenewalRecord.policy_id)
                   .outerjoin(Staff, Staff.id == RenewalFollowUp.staff_id)
                   .where(renewal_policy.customer_id == customer_id, scope_filter(viewer, RenewalRecord))
                   .order_by(RenewalFollowUp.at.desc(), RenewalFollowUp.id.desc()).limit(3)),
    )


# Card statements by the asker's scope, built once each: building one (four subqueries, three
# scope filters) costs more CPU than running it. The key holds everything scope_filter reads of a
# staff viewer, so a change of role, unit, dealer or status builds a new statement. Each cache is
# emptied when it reaches _STATEMENTS_MAX keys (a card statement holds about 57 KB, a lookup 13 KB:
# under 20 MB per process when full).
_CARD_STATEMENTS: dict[tuple, object] = {}
_STATEMENTS_MAX = 256


def _scope_key(viewer: Viewer) -> tuple | None:
    staff = viewer.staff
    if staff is None:
        return None
    unit = staff.org_unit
    return staff.id, staff.role, staff.active, staff.dealer_id, staff.team_id, unit.id, unit.level, unit.path


def _cached(cache: dict, viewer: Viewer, extra: tuple, build):
    """The statement `build()` makes for this viewer's scope (and `extra`), built once per key."""
    scope = _scope_key(viewer)
    if scope is None:
        return build()
    key = (scope, extra)
    stmt = cache.get(key)
    if stmt is None:
        stmt = build()
        if len(cache) >= _STATEMENTS_MAX:
            cache.clear()
        cache[key] = stmt
    return stmt


def _card_lists(viewer: Viewer, customer: Customer, today: date) -> tuple[list, list, list, list]:
    stmt = _cached(_CARD_STATEMENTS, viewer, (), lambda: _card_statement(viewer))
    return db.session.execute(stmt, {"card_customer_id": customer.id, "card_today": today}).one()


def customer_card(viewer: Viewer, customer: Customer, today: date | None = None) -> CustomerCard:
    """What a card shows of a customer the viewer found (so already in scope); audited as a read.
    Resident managers (dealer staff) see the name masked and no ID number."""
    today = today or business_today()
    dealer_side = viewer.role == Role.resident_manager
    card = CustomerCard(
        id=customer.id, name=mask_name(customer.name) if dealer_side else customer.name, kind=customer.kind.value,
        mobile=mask_mobile(customer.mobile), id_number=None if dealer_side else mask_id_number(customer.id_number),
        birthday=customer.birthday, days_to_birthday=_days_to_birthday(customer.birthday, today),
        tier=VIP_TIER_LABELS[customer.vip_tier], agent=customer.agent.name if customer.agent else None)
    # no_autoflush: the search's audit row would otherwise cost a round trip of its own here; it is
    # written with the rest of the message's rows at the caller's commit.
    with db.session.no_autoflush:
        vehicles, policies, claims, follow_ups = _card_lists(viewer, customer, today)
    card.vehicles = [{"plate": v["plate"], "brand": v["brand"], "model": v["model"]}
                     for v in sorted(vehicles, key=lambda v: v["key"])]
    for p in sorted(policies, key=lambda p: (p["key"], p["id"])):
        start, end = date.fromisoformat(p["start_date"]), date.fromisoformat(p["end_date"])
        card.policies.append({
            "number": p["number"], "line": LINE_LABELS[Line(p["line"])], "plate": p["plate"], "start_date": start,
            "end_date": end, "days_left": (end - today).days, "in_force": start <= today,
            "expiring": (end - today).days <= CARD_EXPIRING_DAYS})
    card.open_claims = [
        {"number": c["number"], "status": c["status"], "reported_at": datetime.fromisoformat(c["reported_at"]),
         "reserve": Decimal(c["reserve"])} for c in sorted(claims, key=lambda c: c["key"], reverse=True)]
    card.follow_ups = [
        {"at": datetime.fromisoformat(f["at"]), "result": FOLLOW_UP_LABELS[FollowUpResult(f["result"])],
         "quote_amount": Decimal(f["quote_amount"]) if f["quote_amount"] is not None else None, "note": f["note"],
         "staff": f["staff"]} for f in sorted(follow_ups, key=lambda f: f["key"], reverse=True)]
    audit.record(viewer, "read", "customer", customer.id, {"view": "bot_card"})
    return card


# ---- expiring policies and renewal tasks ---------------------------------------------------------

def expiring_until(slots: dict, today: date) -> tuple[date, str]:
    """The last day of an expiring-policies question and how to say it ("本周", "未来30天")."""
    if "days" in slots:
        days = max(1, min(int(slots["days"]), 365))
        return today + timedelta(days=days), f"未来{days}天"
    name = slots.get("range")
    if name == "today":
        return today, "今天"
    if name == "tomorrow":
        return today + timedelta(days=1), "明天前"
    if name == "week":
        return today + timedelta(days=6 - today.weekday()), "本周"
    if name == "next_week":
        return today + timedelta(days=13 - today.weekday()), "下周前"
    if name == "month":
        return today.replace(day=calendar.monthrange(today.year, today.month)[1]), "本月"
    if name == "next_month":
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return first.replace(day=calendar.monthrange(first.year, first.month)[1]), "下月底前"
    return today + timedelta(days=30), "未来30天"


@dataclass
class PolicyList:
    total: int
    rows: list[dict]
    amount: Decimal = Decimal("0")


def _personal(viewer: Viewer, model):
    """An agent's "my ...": their own rows; everyone else: their whole scope."""
    if viewer.role == Role.agent:
        return model.agent_id == viewer.staff_id
    return literal(True)


def expiring_policies(viewer: Viewer, until: date, today: date | None = None, limit: int = 10) -> PolicyList:
    """Valid policies in scope ending between today and `until`, soonest first, with their renewal state."""
    today = today or business_today()
    where = (scope_filter(viewer, Policy), _personal(viewer, Policy), Policy.status == PolicyStatus.valid,
             Policy.end_date.between(today, until))
    total, amount = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Policy.written_premium), 0)).where(*where)).one()
    rows = db.session.execute(
        select(Policy.id, Policy.number, Policy.line, Policy.end_date, Policy.written_premium, Vehicle.plate,
               Customer.name, RenewalRecord.status)
        .join(Vehicle, Vehicle.id == Policy.vehicle_id).join(Customer, Customer.id == Policy.customer_id)
        .outerjoin(RenewalRecord, RenewalRecord.policy_id == Policy.id)
        .where(*where).order_by(Policy.end_date, Policy.id).limit(limit)).all()
    audit.record_reads(viewer, "policy", [r.id for r in rows], {"view": "bot_expiring", "until": until.isoformat()})
    return PolicyList(total=total, amount=amount, rows=[
        {"number": r.number, "line": LINE_LABELS[r.line], "end_date": r.end_date, "days_left": (r.end_date - today).days,
         "plate": r.plate, "customer": _shown_name(viewer, r.name), "written": r.written_premium,
         "renewed": r.status == RenewalStatus.renewed} for r in rows])


def _shown_name(viewer: Viewer, name: str) -> str:
    return mask_name(name) if viewer.role == Role.resident_manager else name


def renewal_tasks(viewer: Viewer, today: date | None = None, limit: int = 10) -> PolicyList:
    """Open renewal tasks in scope (an agent's: the ones they own), earliest due first, with the
    latest follow-up of each."""
    today = today or business_today()
    mine = RenewalRecord.owner_id == viewer.staff_id if viewer.role == Role.agent else literal(True)
    where = (scope_filter(viewer, RenewalRecord), mine, RenewalRecord.status == RenewalStatus.open,
             RenewalRecord.due_date >= today - timedelta(days=30))
    total = db.session.execute(select(func.count()).select_from(RenewalRecord).where(*where)).scalar_one()
    latest = (select(RenewalFollowUp.result).where(RenewalFollowUp.renewal_id == RenewalRecord.id)
              .order_by(RenewalFollowUp.at.desc(), RenewalFollowUp.id.desc()).limit(1)
              .correlate(RenewalRecord).scalar_subquery())
    rows = db.session.execute(
        select(RenewalRecord.id, RenewalRecord.due_date, RenewalRecord.line, Policy.number, Vehicle.plate,
               Customer.name, latest.label("latest"))
        .join(Policy, Policy.id == RenewalRecord.policy_id).join(Vehicle, Vehicle.id == Policy.vehicle_id)
        .join(Customer, Customer.id == Policy.customer_id)
        .where(*where).order_by(RenewalRecord.due_date, RenewalRecord.id).limit(limit)).all()
    audit.record_reads(viewer, "renewal", [r.id for r in rows], {"view": "bot_tasks"})
    return PolicyList(total=total, rows=[
        {"number": r.number, "line": LINE_LABELS[r.line], "due_date": r.due_date, "days_left": (r.due_date - today).days,
         "plate": r.plate, "customer": _shown_name(viewer, r.name),
         "latest": FOLLOW_UP_LABELS[FollowUpResult(r.latest)] if r.latest else None} for r in rows])


@dataclass
class FollowUpRecorded:
    count: int
    plate: str | None
    customer: str | None
    result: FollowUpResult
    quote_amount: Decimal | None = None
    lapse_reason: str | None = None
    insurer: str | None = None


def _code(kind: CodeKind, word: str | None) -> CodeItem | None:
    if not word:
        return None
    return db.session.execute(
        select(CodeItem).where(CodeItem.kind == kind, CodeItem.active.is_(True),
                               CodeItem.name.contains(word, autoescape=True))
        .order_by(CodeItem.sort, CodeItem.id).limit(1)).scalar_one_or_none()


def record_follow_up(viewer: Viewer, target_kind: str, target: str, result: str, *, amount: str | None = None,
                     reason: str | None = None, insurer: str | None = None, note: str | None = None,
                     ) -> FollowUpRecorded:
    """Record one follow-up on every open renewal task of the car (plate / VIN) or policy in the
    viewer's scope. Commits. A task outside the scope is reported exactly like no task at all."""
    try:
        result = FollowUpResult(result)
    except ValueError:
        raise DomainError("请说明跟进结果:已续保 / 已报价 金额 / 拒绝 原因 / 联系不上", "follow_up_result") from None
    match = {"plate": Vehicle.plate == target, "vin": Policy.vin == target,
             "policy_number": Policy.number == target}.get(target_kind)
    if match is None:
        raise DomainError("请写明车牌号或保单号,如:跟进 冀A12345 已续保", "follow_up_target")
    quote = None
    if result == FollowUpResult.quoted:
        if not amount:
            raise DomainError("请写上报价金额,如:跟进 冀A12345 已报价 3500", "follow_up_amount")
        quote = Decimal(amount)
        if quote <= 0 or quote >= Decimal("1e9"):
            raise DomainError("报价金额不正确", "follow_up_amount")
    records = list(db.session.execute(
        select(RenewalRecord).options(selectinload(RenewalRecord.policy).selectinload(Policy.customer),
                                      selectinload(RenewalRecord.policy).selectinload(Policy.vehicle))
        .join(Policy, Policy.id == RenewalRecord.policy_id).join(Vehicle, Vehicle.id == Policy.vehicle_id)
        .where(match, scope_filter(viewer, RenewalRecord), RenewalRecord.status == RenewalStatus.open)
        .order_by(RenewalRecord.due_date, RenewalRecord.id).with_for_update(of=RenewalRecord)).scalars())
    if not records:
        db.session.rollback()
        raise DomainError(f"未找到「{target}」待跟进的续保任务", "no_renewal_task", status=404)
    lapse_reason = _code(CodeKind.lapse_reason, reason) if result == FollowUpResult.refused else None
    destination = _code(CodeKind.insurer, insurer) if result == FollowUpResult.refused else None
    for record in records:
        follow_up = RenewalFollowUp(renewal_id=record.id, staff_id=viewer.staff_id, result=result, quote_amount=quote,
                                    lapse_reason_id=lapse_reason.id if lapse_reason else None,
                                    destination_insurer_id=destination.id if destination else None,
                                    note=(note or None) and note[:500])
        db.session.add(follow_up)
        if lapse_reason is not None:
            record.lapse_reason_id = lapse_reason.id
        if destination is not None:
            record.destination_insurer_id = destination.id
        db.session.flush()
        audit.record(viewer, "create", "renewal_follow_up", follow_up.id,
                     {"renewal_id": record.id, "result": result.value})
    db.session.commit()
    first = records[0].policy
    return FollowUpRecorded(count=len(records), plate=first.vehicle.plate if first.vehicle else None,
                            customer=_shown_name(viewer, first.customer.name), result=result, quote_amount=quote,
                            lapse_reason=lapse_reason.name if lapse_reason else None,
                            insurer=destination.name if destination else None)


# ---- performance ---------------------------------------------------------------------------------

def period_bounds(period: str, today: date) -> tuple[date, date, str]:
    """[first, last] day of "month" (to date), "last_month" or "year" (to date), and its label."""
    if period == "year":
        return today.replace(month=1, day=1), today, f"{today.year}年"
    if period == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last, f"{last.year}年{last.month}月"
    return today.replace(day=1), today, f"{today.year}年{today.month}月"


@dataclass
class LineFigures:
    written: dict[str, Decimal]  # line -> written premium; "all" the sum
    plan: dict[str, Decimal]

    def completion(self, line: str = "all") -> Decimal | None:
        plan = self.plan.get(line) or Decimal(0)
        return (self.written.get(line, Decimal(0)) / plan) if plan > 0 else None


@dataclass
class Performance:
    label: str
    subject: str  # whose: the agent's or the team's name
    figures: LineFigures
    rank: int | None = None
    rank_of: int | None = None
    rank_among: str = ""  # "团队内" / "支公司内"


def _figures(written_rows, plan_rows) -> LineFigures:
    written = {line.value: Decimal(0) for line in Line}
    plan = {line.value: Decimal(0) for line in Line}
    for line, amount in written_rows:
        written[Line(line).value] += amount or 0
    for line, amount in plan_rows:
        plan[Line(line).value] += amount or 0
    written["all"], plan["all"] = sum(written.values()), sum(plan.values())
    return LineFigures(written, plan)


def _written_plan_by(key_written, key_plan, written_where, plan_where, first, last, month_first=None):
    """Per key: (key, written, plan) with written premium of the period and plans of its months
    (from `month_first`, by default the first day of `first`'s month)."""
    written = (select(key_written.label("k"), func.sum(Policy.written_premium).label("w"))
               .where(*written_where, Policy.start_date.between(first, last), Policy.status != PolicyStatus.cancelled)
               .group_by(key_written).subquery())
    month_first = first.replace(day=1) if month_first is None else month_first
    plans = (select(key_plan.label("k"), func.sum(Plan.amount).label("p"))
             .where(*plan_where, Plan.month.between(month_first, last)).group_by(key_plan).subquery())
    return written, plans


def _ranked_statement(keys_stmt, written, plans):
    """Rows (key, written, plan, rank) over every key of keys_stmt, ranked by completion then written."""
    w = func.coalesce(written.c.w, 0)
    p = func.coalesce(plans.c.p, 0)
    completion = case((p > 0, w / p), else_=None)
    keys = keys_stmt.subquery()
    return (select(keys.c.k, w.label("written"), p.label("plan"),
                   func.rank().over(order_by=(completion.desc().nulls_last(), w.desc())).label("rank"))
            .select_from(keys).outerjoin(written, written.c.k == keys.c.k).outerjoin(plans, plans.c.k == keys.c.k))


def _ranked(keys_stmt, written, plans):
    return db.session.execute(_ranked_statement(keys_stmt, written, plans)).all()


def _agent_performance_statements(viewer: Viewer) -> tuple:
    """An agent's written premium by line, plan by line and their team's ranking, with the period
    bound (p_first, p_last, p_month: the first day of p_first's month)."""
    staff = viewer.staff
    first, last = bindparam("p_first", type_=Date), bindparam("p_last", type_=Date)
    month_first = bindparam("p_month", type_=Date)
    written_stmt = (select(Policy.line, func.sum(Policy.written_premium))
                    .where(Policy.agent_id == staff.id, Policy.start_date.between(first, last),
                           Policy.status != PolicyStatus.cancelled, scope_filter(viewer, Policy))
                    .group_by(Policy.line))
    plan_stmt = (select(Plan.line, func.sum(Plan.amount))
                 .where(Plan.agent_id == staff.id, Plan.month.between(month_first, last)).group_by(Plan.line))
    ranked_stmt = None
    if staff.team_id is not None:
        members = select(Staff.id.label("k")).where(Staff.team_id == staff.team_id, Staff.role == Role.agent,
                                                    Staff.active.is_(True))
        written, plans = _written_plan_by(Policy.agent_id, Plan.agent_id,
                                          (Policy.agent_id.in_(select(members.subquery().c.k)),),
                                          (Plan.agent_id.in_(select(members.subquery().c.k)),), first, last,
                                          month_first)
        ranked_stmt = _ranked_statement(members, written, plans)
    return written_stmt, plan_stmt, ranked_stmt


# An agent's performance statements by scope (which holds their team), built once each.
_PERFORMANCE_STATEMENTS: dict[tuple, tuple] = {}


def my_performance(viewer: Viewer, period: str = "month", today: date | None = None) -> Performance:
    """An agent: their written premium vs plan by line, and rank in their team. A team manager:
    their team's, and its rank among the teams of the branch. (Higher roles use the team table.)"""
    today = today or business_today()
    first, last, label = period_bounds(period, today)
    staff = viewer.staff
    # The asker's own figures go through the scope like every read; the rank compares only totals
    # of their peers (no customer data), which is what "rank in team" means.
    if staff.role == Role.team_manager:
        window = (Policy.start_date.between(first, last), Policy.status != PolicyStatus.cancelled,
                  scope_filter(viewer, Policy))
        plan_window = (Plan.month.between(first.replace(day=1), last),)
        team_ids = select(Team.id).where(Team.manager_id == staff.id)
        agents = select(Staff.id).where(Staff.team_id.in_(team_ids), Staff.role == Role.agent)
        written_rows = db.session.execute(
            select(Policy.line, func.sum(Policy.written_premium))
            .where(Policy.team_id.in_(team_ids), *window).group_by(Policy.line)).all()
        plan_rows = db.session.execute(
            select(Plan.line, func.sum(Plan.amount)).where(Plan.agent_id.in_(agents), *plan_window)
            .group_by(Plan.line)).all()
        team = db.session.execute(select(Team).where(Team.manager_id == staff.id).limit(1)).scalar_one_or_none()
        result = Performance(label, team.name if team else staff.name, _figures(written_rows, plan_rows),
                             rank_among="支公司内")
        if team is not None:
            written, plans = _written_plan_by(
                Policy.team_id, Staff.team_id, (Policy.team_id.is_not(None),),
                (Staff.id == Plan.agent_id, Staff.role == Role.agent), first, last)
            ranked = _ranked(select(Team.id.label("k")).where(Team.branch_id == team.branch_id, Team.active.is_(True)),
                             written, plans)
            result.rank = next((r.rank for r in ranked if r.k == team.id), None)
            result.rank_of = len(ranked)
        return result
    written_stmt, plan_stmt, ranked_stmt = _cached(_PERFORMANCE_STATEMENTS, viewer, (),
                                                   lambda: _agent_performance_statements(viewer))
    period = {"p_first": first, "p_last": last, "p_month": first.replace(day=1)}
    written_rows = db.session.execute(written_stmt, period).all()
    plan_rows = db.session.execute(plan_stmt, period).all()
    result = Performance(label, staff.name, _figures(written_rows, plan_rows), rank_among="团队内")
    if ranked_stmt is not None:
        ranked = db.session.execute(ranked_stmt, period).all()
        result.rank = next((r.rank for r in ranked if r.k == staff.id), None)
        result.rank_of = len(ranked)
    return result


@dataclass
class TeamRow:
    name: str
    written: dict[str, Decimal]
    plan: Decimal
    rank: int

    @property
    def completion(self) -> Decimal | None:
        return self.written["all"] / self.plan if self.plan > 0 else None


@dataclass
class TeamTable:
    label: str
    by: str  # "agent" (one team) or "team"
    rows: list[TeamRow]
    total: TeamRow


def team_table(viewer: Viewer, period: str = "month", today: date | None = None) -> TeamTable:
    """Team managers: their team's agents; supervisors, branch managers and admins: the teams in
    their scope. Written premium by line against plan, ranked by completion (ties: written)."""
    staff = viewer.staff
    if staff.role not in TEAM_TABLE_ROLES:
        raise DomainError("团队业绩仅团队经理及以上可以查看", "forbidden", status=403)
    today = today or business_today()
    first, last, label = period_bounds(period, today)
    window = (Policy.start_date.between(first, last), Policy.status != PolicyStatus.cancelled,
              scope_filter(viewer, Policy))
    plan_window = (Plan.month.between(first.replace(day=1), last),)
    if staff.role == Role.team_manager:
        by, key_policy = "agent", Policy.agent_id
        keys = select(Staff.id.label("k"), Staff.name.label("name")).where(
            Staff.team_id.in_(select(Team.id).where(Team.manager_id == staff.id)), Staff.role == Role.agent)
        plan_stmt = select(Plan.agent_id.label("k"), Plan.line, func.sum(Plan.amount).label("p")).where(
            Plan.agent_id.in_(select(keys.subquery().c.k)), *plan_window).group_by(Plan.agent_id, Plan.line)
    else:
        by, key_policy = "team", Policy.team_id
        if staff.role == Role.supervisor:
            team_filter = Team.supervisor_id == staff.id
        else:
            team_filter = Team.branch_id.in_(select(OrgUnit.id).where(OrgUnit.path.startswith(staff.org_unit.path)))
        keys = select(Team.id.label("k"), Team.name.label("name")).where(team_filter, Team.active.is_(True))
        plan_stmt = (select(Staff.team_id.label("k"), Plan.line, func.sum(Plan.amount).label("p"))
                     .join(Staff, Staff.id == Plan.agent_id)
                     .where(Staff.team_id.in_(select(keys.subquery().c.k)), Staff.role == Role.agent, *plan_window)
                     .group_by(Staff.team_id, Plan.line))
    written_stmt = (select(key_policy.label("k"), Policy.line, func.sum(Policy.written_premium).label("w"))
                    .where(*window, key_policy.in_(select(keys.subquery().c.k))).group_by(key_policy, Policy.line))
    names = {r.k: r.name for r in db.session.execute(keys).all()}
    written = {k: {line.value: Decimal(0) for line in Line} for k in names}
    plans = dict.fromkeys(names, Decimal(0))
    for r in db.session.execute(written_stmt).all():
        written[r.k][Line(r.line).value] += r.w or 0
    for r in db.session.execute(plan_stmt).all():
        plans[r.k] += r.p or 0
    rows = []
    for k, name in names.items():
        w = written[k]
        w["all"] = sum(w.values())
        rows.append(TeamRow(name, w, plans[k], 0))
    # Ranking a few dozen rows already aggregated in SQL: completion first, then written premium.
    rows.sort(key=lambda r: (r.completion is None, -(r.completion or 0), -r.written["all"]))
    for position, row in enumerate(rows, 1):
        row.rank = position
    total_written = {key: sum((r.written[key] for r in rows), Decimal(0)) for key in ("ctpl", "commercial", "all")}
    total = TeamRow("合计", total_written, sum((r.plan for r in rows), Decimal(0)), 0)
    return TeamTable(label, by, rows, total)


# ---- receivables ---------------------------------------------------------------------------------

def receivables(viewer: Viewer, today: date | None = None, limit: int = 8) -> PolicyList:
    """Premium written but not collected, on valid policies in scope (an agent's own): the total
    and the oldest first."""
    today = today or business_today()
    due = Policy.written_premium - Policy.collected_premium
    where = (scope_filter(viewer, Policy), _personal(viewer, Policy), Policy.status == PolicyStatus.valid, due > 0)
    total, amount = db.session.execute(select(func.count(), func.coalesce(func.sum(due), 0)).where(*where)).one()
    rows = db.session.execute(
        select(Policy.id, Policy.number, Policy.line, Policy.issued_on, due.label("due"), Vehicle.plate, Customer.name)
        .join(Vehicle, Vehicle.id == Policy.vehicle_id).join(Customer, Customer.id == Policy.customer_id)
        .where(*where).order_by(Policy.issued_on, Policy.id).limit(limit)).all()
    audit.record_reads(viewer, "policy", [r.id for r in rows], {"view": "bot_receivables"})
    return PolicyList(total=total, amount=amount, rows=[
        {"number": r.number, "line": LINE_LABELS[r.line], "issued_on": r.issued_on, "days": (today - r.issued_on).days,
         "due": r.due, "plate": r.plate, "customer": _shown_name(viewer, r.name)} for r in rows])

