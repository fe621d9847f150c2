"""Shared pieces of every report: measures and sources, dimensions, the written set, earned premium,
renewal units, claims as at the cut-off, vehicle-age bands and the viewer's scope.

A report is built from *sources* (one subquery each, with a row per policy, claim, complaint or
plan line) and *measures* (a count or sum over one source under one predicate). The aggregate and
the drill-down list behind a number are both made from the same Measure object, so the list
always reproduces the number.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Enum,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    text,
    true,
    type_coerce,
)
from sqlalchemy import Column as TableColumn
from sqlalchemy.orm import aliased
from sqlalchemy.sql.sqltypes import NullType

from app.auth.scoping import BRANCH_WIDE_ROLES, scope_filter, subtree_ids
from app.auth.viewer import Viewer
from app.models import (
    Claim,
    ClaimReserve,
    ClaimStatus,
    CodeItem,
    CodeKind,
    Complaint,
    Dealer,
    OrgLevel,
    OrgUnit,
    Plan,
    Policy,
    PolicyStatus,
    RenewalRecord,
    Role,
    Staff,
    Team,
    Vehicle,
)
from app.services.reports.base import ReportParams

MONEY = Numeric(14, 2)
RATE_PLACES = Decimal("0.0001")
CENTS = Decimal("0.01")


# --- options and dimensions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """A definition parameter of DOMAIN.md: configurable, with its default and a Chinese label."""

    key: str
    label: str
    type: str  # "int" | "decimal" | "choice"
    default: Any
    choices: tuple[tuple[str, str], ...] = ()  # (value, Chinese label) for "choice"

    def as_dict(self) -> dict:
        out = {"key": self.key, "label": self.label, "type": self.type, "default": self.default}
        if self.choices:
            out["choices"] = [{"value": v, "label": label} for v, label in self.choices]
        return out


@dataclass(frozen=True)
class Dimension:
    key: str  # what the caller picks: "branch"
    label: str  # Chinese column header: "支公司"
    column: str  # the column every source exposes for it, and the row key of a drill: "branch_id"
    names: Callable[[list], dict] | None = None  # ids -> Chinese names; None: the value is its own label


def _names_from(model, attr="name"):
    def load(ids: list) -> dict:
        from app.extensions import db

        ids = [i for i in ids if i is not None]
        if not ids:
            return {}
        rows = db.session.execute(select(model.id, getattr(model, attr)).where(model.id.in_(ids)))
        return dict(rows.all())

    return load


def _fixed_names(labels: dict) -> Callable[[list], dict]:
    return lambda ids: {i: labels.get(i, i) for i in ids if i is not None}


LINE_NAMES = {"ctpl": "交强险", "commercial": "商业险"}

DIMENSIONS: dict[str, Dimension] = {d.key: d for d in (
    Dimension("city", "地市", "city_id", _names_from(OrgUnit)),
    Dimension("branch", "支公司", "branch_id", _names_from(OrgUnit)),
    Dimension("supervisor", "分管经理", "supervisor_id", _names_from(Staff)),
    Dimension("team_manager", "团队经理", "team_manager_id", _names_from(Staff)),
    Dimension("team", "团队", "team_id", _names_from(Team)),
    Dimension("agent", "业务员", "agent_id", _names_from(Staff)),
    Dimension("channel", "渠道", "channel_id", _names_from(CodeItem)),
    Dimension("customer_group", "客户群", "customer_group_id", _names_from(CodeItem)),
    Dimension("line", "险种", "line", _fixed_names(LINE_NAMES)),
    Dimension("dealer", "车商", "dealer_id", _names_from(Dealer)),
    Dimension("resident_manager", "驻店经理", "resident_manager_id", _names_from(Staff)),
    Dimension("vehicle_age", "车龄", "vehicle_age", None),
    Dimension("lapse_reason", "脱保原因", "lapse_reason_id", _names_from(CodeItem)),
    Dimension("destination", "脱保去向", "destination_insurer_id", _names_from(CodeItem)),
    Dimension("lapse_days", "脱保天数", "lapse_days_bucket", None),
)}
UNKNOWN_LABEL = "(未填)"


# --- measures, sources, derived values ------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One subquery a report aggregates. `kind` is what its `id` column identifies."""

    sq: Any  # Subquery with columns id, the dimension columns, and what the measures use
    kind: str  # "policies" | "claims" | "complaints" | "plans"


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    kind: str  # Column kind: "count" | "money" | "days"
    source: str
    where: ColumnElement[bool]
    value: ColumnElement | None = None  # None: a count of rows; else a sum of value

    def aggregate(self):
        if self.value is None:
            return func.count().filter(self.where)
        return func.coalesce(func.sum(self.value).filter(self.where), 0)


@dataclass(frozen=True)
class Derived:
    """A value computed from a row's measures (a rate, an average, a difference): not drillable
    itself; its numerator and denominator are."""

    key: str
    label: str
    kind: str
    fn: Callable[[dict], Any]


@dataclass
class Built:
    sources: dict[str, Source]
    measures: list[Measure]
    derived: list[Derived] = field(default_factory=list)


def ratio(num: str, den: str, scale: Decimal = Decimal(1), places: Decimal = RATE_PLACES):
    """num / den of a row (None when den is zero), times scale, rounded."""

    def fn(row: dict):
        d = row.get(den)
        n = row.get(num)
        if not d or n is None:
            return None
        return (Decimal(n) * scale / Decimal(d)).quantize(places)

    return fn


def average(total: str, count: str):
    return ratio(total, count, places=CENTS)


def one_minus(rate_key: str):
    def fn(row):
        v = row.get(rate_key)
        return None if v is None else Decimal(1) - v

    return fn


# --- context --------------------------------------------------------------------------------------


@dataclass
class Ctx:
    params: ReportParams
    viewer: Viewer
    opts: dict[str, Any]
    dimension: str | None = None  # the dimension key in use (the report's default when not given)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(current_app.config["TIMEZONE"])

    def day_start(self, day: date) -> datetime:
        """The first instant of a business date: timestamps compare against these bounds, so the
        timestamp indexes stay usable and a timestamp belongs to its Asia/Shanghai date."""
        return datetime.combine(day, time.min, self.tz)

    @property
    def from_start(self) -> datetime:
        return self.day_start(self.params.date_from)

    @property
    def to_end(self) -> datetime:
        return self.day_start(self.params.date_to + timedelta(days=1))

    @property
    def cut_end(self) -> datetime:
        return self.day_start(self.params.cutoff + timedelta(days=1))

    @property
    def cutoff(self):
        return literal(self.params.cutoff, Date)


def days_between(later, earlier):
    """date - date in PostgreSQL is an integer of days."""
    return type_coerce(later - earlier, Integer)


# --- a report set: shared intermediate results ----------------------------------------------------

_MEMO = "baoyun_report_set"


@contextmanager
def report_set():
    """Inside this block (one transaction), an expensive intermediate result used by several
    reports of the same parameters and viewer (the renewal units behind the renewal rate, lapse
    reasons, destinations and days) is computed once into a temporary table (dropped at commit or
    rollback) and read from there. The Excel pack, the digest and `flask kpi export` run their
    reports in one."""
    from app.extensions import db

    session = db.session()
    session.info[_MEMO] = {"tx": session.get_transaction() or session.begin(), "tables": {}}
    try:
        yield
    finally:
        db.session.info.pop(_MEMO, None)


def in_report_set() -> bool:
    from app.extensions import db

    session = db.session()
    memo = session.info.get(_MEMO)
    return memo is not None and memo["tx"] is session.get_transaction()


def memoised(stmt, name: str):
    """stmt as a temporary table, filled once per report set: the same statement (same SQL, same
    parameter values) reads the same table."""
    from app.extensions import db

    memo = db.session.info[_MEMO]
    compiled = stmt.compile(dialect=db.engine.dialect)
    key = (str(compiled), repr(sorted(compiled.params.items())))
    table = memo["tables"].get(key)
    if table is None:
        columns = []
        for col in stmt.selected_columns:
            kind = col.type
            if isinstance(kind, Enum):
                kind = String(32)
            if isinstance(kind, NullType):
                raise TypeError(f"column {col.name} of {name} needs a type")
            columns.append(TableColumn(col.name, kind))
        # A generated name, never input; unique, so two report sets in one transaction (the digest
        # runs yesterday, then the month) never meet each other's tables.
        table = Table(f"{name}_{uuid.uuid4().hex[:12]}", MetaData(), *columns, prefixes=["TEMPORARY"],
                      postgresql_on_commit="DROP")
        connection = db.session.connection()
        table.create(connection)
        connection.execute(table.insert().from_select([c.name for c in columns], stmt))
        connection.execute(text(f"ANALYZE {table.name}"))
        memo["tables"][key] = table
    return table


# --- scoping of staff-owned rows (plans are not customer data, but a team manager sees their team's) --


def _team_ids(viewer: Viewer):
    if viewer.role == Role.supervisor:
        return select(Team.id).where(Team.supervisor_id == viewer.staff_id)
    return select(Team.id).where(Team.manager_id == viewer.staff_id)


def staff_scope(viewer: Viewer, staff=Staff) -> ColumnElement[bool]:
    """Agents whose plans the viewer sees: the same tree rule as app/auth/scoping.py, on staff."""
    s = viewer.staff
    if s is None or not s.active:
        return false()
    if s.role in BRANCH_WIDE_ROLES:
        if s.org_unit.level == OrgLevel.company:
            return true()
        return staff.org_unit_id.in_(subtree_ids(s.org_unit))
    if s.role in (Role.supervisor, Role.team_manager):
        return staff.team_id.in_(_team_ids(viewer))
    if s.role == Role.agent:
        return staff.id == s.id
    return false()


def dealer_scope(viewer: Viewer, dealer_branch_col) -> ColumnElement[bool]:
    """Dealer plans: branch-wide roles see their subtree's dealers; team-level roles none."""
    s = viewer.staff
    if s is None or not s.active or s.role not in BRANCH_WIDE_ROLES:
        return false()
    if s.org_unit.level == OrgLevel.company:
        return true()
    return dealer_branch_col.in_(subtree_ids(s.org_unit))


# --- policies -------------------------------------------------------------------------------------


def city_of_branch():
    return select(OrgUnit.parent_id).where(OrgUnit.id == Policy.branch_id).scalar_subquery()


def earned_premium(ctx: Ctx, p=Policy):
    """written * (min(cutoff, end) - start + 1) / (end - start + 1), 0 before start; rounded to the
    cent per policy so a drill list's amounts add up to the total."""
    days = days_between(func.least(ctx.cutoff, p.end_date), p.start_date) + 1
    term = days_between(p.end_date, p.start_date) + 1
    return func.round(
        case((ctx.cutoff < p.start_date, 0), else_=p.written_premium * days / term), 2
    ).cast(MONEY)


def policy_dimension_columns(p=Policy, org=None):
    org = org if org is not None else aliased(OrgUnit)
    return [
        p.branch_id.label("branch_id"),
        org.parent_id.label("city_id"),
        p.team_id.label("team_id"),
        p.agent_id.label("agent_id"),
        p.channel_id.label("channel_id"),
        p.customer_group_id.label("customer_group_id"),
        p.dealer_id.label("dealer_id"),
        p.line.label("line"),
    ], org


def written_select(ctx: Ctx, date_from: date | None = None, date_to: date | None = None, extra=()):
    """Policies written in the period (start date in it, not cancelled), in the viewer's scope,
    with the dimension columns, written / base premium, commission and earned premium."""
    dims, org = policy_dimension_columns()
    date_from = date_from or ctx.params.date_from
    date_to = date_to or ctx.params.date_to
    by_city = ctx.dimension == "city"
    stmt = (
        select(Policy.id.label("id"), *[d for d in dims if by_city or d.name != "city_id"],
               Policy.start_date.label("start_date"),
               Policy.written_premium.label("written"), Policy.base_premium.label("base"),
               Policy.commission.label("commission"), Policy.discount_rate.label("discount_rate"),
               Policy.commission_rate.label("commission_rate"),
               earned_premium(ctx).label("earned"), *extra)
        .where(Policy.start_date.between(date_from, date_to), Policy.status != PolicyStatus.cancelled,
               scope_filter(ctx.viewer, Policy))
    )
    # The city is the branch's parent: joined only for the city dimension.
    return stmt.join(org, org.id == Policy.branch_id) if by_city else stmt


def written_from(ctx: Ctx, *extra, **kw):
    """The written set as a FROM clause; the plain one is computed once per report set."""
    stmt = written_select(ctx, extra=extra, **kw)
    if not extra and not kw and in_report_set():
        return memoised(stmt, "written")
    return stmt.subquery("written")


# --- claims as at the cut-off ---------------------------------------------------------------------


def claim_state_columns(ctx: Ctx, c=Claim):
    """Paid, outstanding and incurred of a claim as known at the cut-off: closed later = still
    open; an open claim's outstanding is its latest reserve on or before the cut-off."""
    closed_by_cut = and_(c.closed_at.is_not(None), c.closed_at < ctx.cut_end)
    open_at_cut = and_(c.registered_at < ctx.cut_end, or_(c.closed_at.is_(None), c.closed_at >= ctx.cut_end))
    latest_reserve = (
        select(ClaimReserve.amount)
        .where(ClaimReserve.claim_id == c.id, ClaimReserve.at < ctx.cut_end)
        .order_by(ClaimReserve.at.desc(), ClaimReserve.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    paid = case((closed_by_cut, c.paid), else_=0)
    outstanding = case((open_at_cut, func.coalesce(latest_reserve, 0)), else_=0)
    return [
        closed_by_cut.label("closed_by_cut"),
        open_at_cut.label("open_at_cut"),
        paid.cast(MONEY).label("paid_at_cut"),
        outstanding.cast(MONEY).label("outstanding"),
        (paid + outstanding).cast(MONEY).label("incurred"),
    ]


def claim_dimension_columns(c=Claim, p=Policy, org=None):
    org = org if org is not None else aliased(OrgUnit)
    return [
        c.branch_id.label("branch_id"),
        org.parent_id.label("city_id"),
        c.team_id.label("team_id"),
        c.agent_id.label("agent_id"),
        p.channel_id.label("channel_id"),
        p.customer_group_id.label("customer_group_id"),
        p.dealer_id.label("dealer_id"),
        p.line.label("line"),
    ], org


# Dimensions of a claim that come from its policy (the others are denormalised on the claim).
POLICY_SIDE = {"channel_id", "customer_group_id", "dealer_id", "line"}


def claims_select(ctx: Ctx, *extra, where=(), dealer_from_repair: bool = False, with_policy: bool = False):
    """Claims in the viewer's scope, cancelled ones left out, with dimensions, amounts and the
    as-at-cut-off state. The policy is joined only when a predicate or the report's dimension
    needs it (`with_policy`): most claim numbers are read from the claims table alone."""
    dims, org = claim_dimension_columns()
    if dealer_from_repair:
        dims = [d for d in dims if d.name != "dealer_id"] + [Claim.repair_dealer_id.label("dealer_id")]
    dimension = DIMENSIONS[ctx.dimension].column if ctx.dimension else None
    with_policy = with_policy or (dimension in POLICY_SIDE and not (dealer_from_repair and dimension == "dealer_id"))
    if not with_policy:
        dims = [d for d in dims if d.name not in POLICY_SIDE or (dealer_from_repair and d.name == "dealer_id")]
    by_city = dimension == "city_id"
    if not by_city:
        dims = [d for d in dims if d.name != "city_id"]
    hours = func.extract("epoch", Claim.closed_at - Claim.reported_at) / 3600
    stmt = (
        select(Claim.id.label("id"), Claim.policy_id.label("policy_id"), *dims,
               Claim.reported_at.label("reported_at"), Claim.registered_at.label("registered_at"),
               Claim.closed_at.label("closed_at"), Claim.paid.label("paid"),
               Claim.first_reserve.label("first_reserve"), Claim.injury.label("injury"),
               Claim.audit_reduction.label("audit_reduction"),
               Claim.subrogation_recovered.label("subrogation_recovered"),
               cast(hours / 24, Numeric(14, 4)).label("cycle_days"),
               *claim_state_columns(ctx), *extra)
        .where(Claim.status != ClaimStatus.cancelled, scope_filter(ctx.viewer, Claim), *where)
    )
    if by_city:
        stmt = stmt.join(org, org.id == Claim.branch_id)
    return stmt.join(Policy, Policy.id == Claim.policy_id) if with_policy else stmt


def in_period(ctx: Ctx, col):
    return and_(col >= ctx.from_start, col < ctx.to_end)


# --- renewal units --------------------------------------------------------------------------------


AGE_BANDS = ((0, 1, "<1年"), (1, 2, "1-2年"), (2, 3, "2-3年"), (3, 5, "3-5年"), (5, 8, "5-8年"), (8, None, "8年以上"))
LAPSE_BUCKETS = ((0, 0, "0天"), (1, 7, "1-7天"), (8, 30, "8-30天"), (31, 60, "31-60天"), (61, 90, "61-90天"),
                 (91, None, "90天以上"))


def band(value, bands, high_inclusive: bool):
    """CASE of labelled bands; a NULL value (no first-registration date) is labelled unknown."""
    whens = []
    for low, high, label in bands:
        below_high = true() if high is None else (value <= high if high_inclusive else value < high)
        whens.append((and_(value >= low, below_high), label))
    return case(*whens, else_=UNKNOWN_LABEL)


def renewal_units_source(ctx: Ctx, lapse: bool = False, records: bool = False):
    """The renewal units as a FROM clause: computed once per report set (with every column, see
    report_set), else live with only what the report needs."""
    if in_report_set():
        return memoised(renewal_units(ctx, lapse=True, records=True), "renewal_units")
    return renewal_units(ctx, lapse, records).subquery("units")


def renewal_units(ctx: Ctx, lapse: bool = False, records: bool = False):
    """One row per due unit (a VIN and line, or a policy when unit = policy): its due premium,
    whether it was renewed as at the cut-off, and the dimensions of its latest due policy.
    `lapse` adds its lapse days, `records` the lapse reason and destination of that policy's
    renewal record.

    The renewing and next policies are index-only probes of ix_policies_renewal_link (migrations
    0004, 0009); without that index PostgreSQL would read the heap for each of them."""
    o = ctx.opts
    before, after = int(o["window_before"]), int(o["window_after"])
    p = Policy
    dims, org = policy_dimension_columns()
    age = func.extract("year", func.age(p.end_date, Vehicle.first_registration_date))
    # Renewed: our later policy known at the cut-off starts in the window, in any scope (a renewal
    # written by another team is still a renewal with us). One probe of ix_policies_renewal_link
    # per due policy, answered from the index.
    nxt = aliased(Policy)
    gap = days_between(nxt.start_date, p.end_date)
    renewed = exists().where(nxt.vin == p.vin, nxt.line == p.line, nxt.id != p.id,
                             nxt.status != PolicyStatus.cancelled, nxt.start_date > p.start_date,
                             nxt.issued_on <= ctx.cutoff, gap >= -before, gap <= after)
    due = (
        select(p.id.label("id"), *dims, p.vin.label("vin"), p.start_date.label("start_date"),
               p.end_date.label("end_date"), p.written_premium.label("written"),
               band(age, AGE_BANDS, high_inclusive=False).label("vehicle_age"), renewed.label("policy_renewed"))
        .join(org, org.id == p.branch_id)
        .join(Vehicle, Vehicle.id == p.vehicle_id)
        .where(p.end_date.between(ctx.params.date_from, ctx.params.date_to), p.status != PolicyStatus.cancelled,
               days_between(p.end_date, p.start_date) + 1 >= int(o["min_term"]),
               scope_filter(ctx.viewer, p))
    )
    if records:
        due = due.add_columns(RenewalRecord.lapse_reason_id.label("lapse_reason_id"),
                              RenewalRecord.destination_insurer_id.label("destination_insurer_id")).outerjoin(
            RenewalRecord, RenewalRecord.policy_id == p.id)
    due = due.subquery("due")
    # Text sorts by byte order: the unit partition needs grouping, not a linguistic order.
    vin = due.c.vin.collate("C")
    partition = [due.c.id] if o["unit"] == "policy" else [vin, due.c.line]
    units = (
        select(*[due.c[c.name] for c in due.c if c.name not in ("written", "policy_renewed")],
               func.sum(due.c.written).over(partition_by=partition).label("premium"),
               func.count().over(partition_by=partition).label("due_policies"),
               # A unit is renewed if any of its due policies is.
               func.bool_or(due.c.policy_renewed, type_=Boolean).over(partition_by=partition).label("renewed"),
               func.row_number().over(partition_by=partition,
                                      order_by=[due.c.end_date.desc(), due.c.id.desc()]).label("rn"))
    )
    units = units.subquery("units_all")
    representatives = select(*[units.c[c.name] for c in units.c if c.name != "rn"]).where(units.c.rn == 1)
    if not lapse:
        return representatives.with_only_columns(
            *[c for c in representatives.selected_columns if c.name != "start_date"])
    # The first later policy of the unit's latest due policy: one probe of the (vin, line, start)
    # index per unit, which beats joining every later policy.
    nxt = aliased(Policy)
    next_start = select(func.min(nxt.start_date)).where(
        nxt.vin == units.c.vin, nxt.line == units.c.line, nxt.id != units.c.id,
        nxt.status != PolicyStatus.cancelled, nxt.start_date > units.c.start_date,
        nxt.issued_on <= ctx.cutoff).scalar_subquery()
    # MATERIALIZED: computed once per unit; inlined, PostgreSQL would repeat the probe in every
    # use of the lapse days (the bucket's CASE has several).
    reps = representatives.add_columns(next_start.label("next_start")).cte("representatives").prefix_with(
        "MATERIALIZED")
    days = func.greatest(0, case(
        (reps.c.next_start.is_not(None), days_between(reps.c.next_start, reps.c.end_date) - 1),
        else_=days_between(ctx.cutoff, reps.c.end_date)), type_=Integer)
    lapsed = select(*[c for c in reps.c if c.name not in ("start_date", "next_start")],
                    days.label("lapse_days")).subquery("lapsed")
    return select(lapsed, band(lapsed.c.lapse_days, LAPSE_BUCKETS, high_inclusive=True).label("lapse_days_bucket"))


RENEWAL_OPTIONS = (
    Option("unit", "续保单位", "choice", "vehicle", (("vehicle", "按车辆(车架号+险种)"), ("policy", "按保单"))),
    Option("window_before", "续保窗口(到期前天数)", "int", 60),
    Option("window_after", "续保窗口(到期后天数)", "int", 30),
    Option("min_term", "应续保单最短保险期间(天)", "int", 300),
)


# --- plans ----------------------------------------------------------------------------------------


def agent_org_columns(staff, team):
    """An agent's place in the four levels: their team, its manager and supervisor, its branch."""
    return [
        staff.id.label("agent_id"),
        staff.team_id.label("team_id"),
        team.manager_id.label("team_manager_id"),
        team.supervisor_id.label("supervisor_id"),
        func.coalesce(team.branch_id, staff.org_unit_id).label("branch_id"),
    ]


def month_floor(day: date) -> date:
    return day.replace(day=1)


def agent_plans_select(ctx: Ctx, month_from: date, month_to: date):
    staff, team = aliased(Staff), aliased(Team)
    return (
        select(Plan.id.label("id"), *agent_org_columns(staff, team), Plan.line.label("line"),
               Plan.month.label("month"), Plan.amount.label("amount"))
        .join(staff, staff.id == Plan.agent_id)
        .outerjoin(team, team.id == staff.team_id)
        .where(Plan.month.between(month_floor(month_from), month_to), staff_scope(ctx.viewer, staff))
    )


def agent_written_select(ctx: Ctx, date_from: date, date_to: date):
    staff, team = aliased(Staff), aliased(Team)
    return (
        select(Policy.id.label("id"), *agent_org_columns(staff, team), Policy.line.label("line"),
               Policy.start_date.label("start_date"), Policy.written_premium.label("written"))
        .join(staff, staff.id == Policy.agent_id)
        .outerjoin(team, team.id == staff.team_id)
        .where(Policy.start_date.between(date_from, date_to), Policy.status != PolicyStatus.cancelled,
               scope_filter(ctx.viewer, Policy))
    )


def self_insurers():
    return select(CodeItem.id).where(CodeItem.kind == CodeKind.insurer, CodeItem.is_self.is_(True))


def complaints_select(ctx: Ctx):
    org = aliased(OrgUnit)
    return (
        select(Complaint.id.label("id"), Complaint.branch_id.label("branch_id"), org.parent_id.label("city_id"),
               Complaint.received_on.label("received_on"))
        .join(org, org.id == Complaint.branch_id)
        .where(Complaint.valid.is_(True), Complaint.received_on.between(ctx.params.date_from, ctx.params.date_to),
               scope_filter(ctx.viewer, Complaint))
    )

