"""Running a report and drilling into one of its numbers, for every report alike.

A report's measures are aggregated with one GROUP BY ROLLUP query per source (rows and the totals
in one scan); its drill-down filters the same source by the same Measure.where and the row's
dimension value, so a drill list's count and sum are the cell's number by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text

from app.auth.viewer import Viewer
from app.errors import DomainError, NotFound
from app.extensions import db
from app.models import Claim, Complaint, Customer, OrgUnit, Policy, Staff, Vehicle
from app.models.claim import CLAIM_STATUS_LABELS
from app.security.fields import mask_name
from app.services import audit
from app.services.reports.base import Alert, Column, DrillResult, ReportParams, ReportResult
from app.services.reports.common import (
    AGE_BANDS,
    DIMENSIONS,
    LAPSE_BUCKETS,
    LINE_NAMES,
    UNKNOWN_LABEL,
    Built,
    Ctx,
    Dimension,
    Measure,
    Option,
)

GROUPS = {"renewal": "续保统计分析", "claims": "理赔指标分析", "city": "地市KPI统计", "dealer": "车商贡献分析",
          "team": "团队绩效考核"}
DRILL_KINDS = {"policies", "claims", "complaints"}


@dataclass(frozen=True)
class AlertRule:
    """An indicator outside its threshold: value `op` threshold raises an alert ("<" = below target)."""

    value: str  # a derived or measure key
    op: str  # "<" or ">"
    option: str  # the option holding the threshold
    label: str


@dataclass(frozen=True)
class ReportSpec:
    key: str
    title: str
    group: str
    dimensions: tuple[str, ...]
    default_dimension: str | None
    options: tuple[Option, ...]
    build: Callable[[Ctx], Built]
    definition: str  # Chinese; {option} placeholders are filled with the values used
    chart: dict[str, Any] | None = None
    alerts: tuple[AlertRule, ...] = ()
    # Turns the rows into their final order (and adds a rank), given the resolved options.
    finish: Callable[[list[dict], Ctx], list[dict]] | None = None
    extra_columns: tuple[Column, ...] = ()

    def catalogue(self) -> dict:
        return {
            "key": self.key, "title": self.title, "group": self.group, "group_title": GROUPS[self.group],
            "dimensions": [{"key": d, "label": DIMENSIONS[d].label} for d in self.dimensions],
            "default_dimension": self.default_dimension,
            "options": [o.as_dict() for o in self.options],
        }


# --- parameters -----------------------------------------------------------------------------------


def resolve_options(spec: ReportSpec, given: dict[str, Any]) -> dict[str, Any]:
    """The report's options with the defaults filled in, each coerced to its type; unknown or
    malformed ones refused in Chinese."""
    known = {o.key: o for o in spec.options}
    errors = {}
    out = {o.key: o.default for o in spec.options}
    for key, value in (given or {}).items():
        option = known.get(key)
        if option is None:
            errors[key] = ["未知的参数"]
            continue
        try:
            if option.type == "int":
                out[key] = int(value)
            elif option.type == "decimal":
                out[key] = Decimal(str(value))
                if not out[key].is_finite():
                    raise ValueError
            elif option.type == "choice":
                if value not in {v for v, _ in option.choices}:
                    raise ValueError
                out[key] = value
        except (ValueError, ArithmeticError, TypeError):
            errors[key] = [f"{option.label}的取值无效"]
    if errors:
        raise DomainError("报表参数有误", "validation_error", errors, status=422)
    return out


def _dimension(spec: ReportSpec, params: ReportParams) -> Dimension | None:
    key = params.dimension or spec.default_dimension
    if key is None:
        return None
    if key not in spec.dimensions:
        raise DomainError("报表参数有误", "validation_error", {"dimension": ["该报表不支持此维度"]},
                          status=422)
    return DIMENSIONS[key]


def make_ctx(spec: ReportSpec, params: ReportParams, viewer: Viewer) -> Ctx:
    if params.date_from > params.date_to:
        raise DomainError("报表参数有误", "validation_error", {"to": ["结束日期不能早于开始日期"]},
                          status=422)
    dim = _dimension(spec, params)
    return Ctx(params=params, viewer=viewer, opts=resolve_options(spec, params.options),
               dimension=dim.key if dim else None)


# --- running --------------------------------------------------------------------------------------


def _tune_session() -> None:
    """For this transaction only: no JIT (on a city's book PostgreSQL spent more time compiling
    these queries, ~5 s, than running them) and room to sort a year of due policies in memory."""
    db.session.execute(text("SET LOCAL jit = off"))
    db.session.execute(text("SET LOCAL work_mem = '64MB'"))


def _column(item, sources) -> Column:
    if isinstance(item, Measure):
        kind = sources[item.source].kind
        return Column(item.key, item.label, item.kind, kind if kind in DRILL_KINDS else None)
    return Column(item.key, item.label, item.kind)


def _band_order(dim: Dimension):
    bands = {"vehicle_age": AGE_BANDS, "lapse_days_bucket": LAPSE_BUCKETS}.get(dim.column)
    if bands is None:
        return None
    return {label: i for i, (_, _, label) in enumerate(bands)}


def run_report(spec: ReportSpec, params: ReportParams, viewer: Viewer) -> ReportResult:
    ctx = make_ctx(spec, params, viewer)
    dim = _dimension(spec, params)
    _tune_session()  # before build: in a report set, building fills temporary tables
    built = spec.build(ctx)
    measures = built.measures
    rows: dict[Any, dict] = {}
    totals: dict[str, Any] = {m.key: 0 for m in measures}
    for name, source in built.sources.items():
        own = [m for m in measures if m.source == name]
        if not own:
            continue
        aggs = [m.aggregate().label(m.key) for m in own]
        if dim is None:
            result = db.session.execute(select(*aggs).select_from(source.sq)).one()
            totals.update(result._mapping)
            continue
        col = source.sq.c[dim.column]
        stmt = (select(func.grouping(col).label("_total"), col.label("_key"), *aggs)
                .select_from(source.sq).group_by(func.rollup(col)))
        for r in db.session.execute(stmt).mappings():
            values = {m.key: r[m.key] for m in own}
            if r["_total"]:
                totals.update(values)
            else:
                rows.setdefault(r["_key"], {m.key: 0 for m in measures}).update(values)
    out_rows = []
    if dim is not None:
        names = dim.names(list(rows)) if dim.names else {}
        for key, values in rows.items():
            label = LINE_NAMES.get(key, key) if dim.column == "line" else names.get(key, key)
            out_rows.append({dim.column: key, "label": UNKNOWN_LABEL if label is None else label, **values})
        order = _band_order(dim)
        if order is not None:
            out_rows.sort(key=lambda r: order.get(r["label"], len(order)))
        else:
            # Two units may share a name: the key keeps the order stable.
            out_rows.sort(key=lambda r: (r[dim.column] is None, str(r["label"]), str(r[dim.column])))
    for row in [*out_rows, totals]:
        for d in built.derived:
            row[d.key] = d.fn(row)
    if spec.finish:
        out_rows = spec.finish(out_rows, ctx)
    columns = ([Column("label", dim.label, "text")] if dim else []) + [
        _column(item, built.sources) for item in [*built.measures, *built.derived]]
    columns += list(spec.extra_columns)
    totals = {"label": "合计", **totals}
    return ReportResult(
        key=spec.key, title=spec.title, params=ReportParams(params.date_from, params.date_to, params.cutoff,
                                                            dim.key if dim else None, ctx.opts),
        columns=columns, rows=out_rows, totals=totals,
        definition=definition_text(spec, ctx),
        chart=spec.chart, alerts=_alerts(spec, ctx, out_rows, totals, dim, {c.key: c.kind for c in columns}),
    )


def definition_text(spec: ReportSpec, ctx: Ctx) -> str:
    p = ctx.params
    head = f"统计期间 {p.date_from.isoformat()} 至 {p.date_to.isoformat()},截止日 {p.cutoff.isoformat()}。"
    used = ";".join(f"{o.label}={_show(ctx.opts[o.key], o)}" for o in spec.options)
    return head + spec.definition + (f" 参数:{used}。" if used else "")


def _show(value, option: Option) -> str:
    if option.type == "choice":
        return dict(option.choices).get(value, value)
    return str(value)


def _alerts(spec: ReportSpec, ctx: Ctx, rows: list[dict], totals: dict, dim: Dimension | None,
            kinds: dict[str, str]) -> list[Alert]:
    alerts = []
    for rule in spec.alerts:
        threshold = ctx.opts.get(rule.option)
        if threshold is None:
            continue
        threshold = Decimal(str(threshold))
        for row in [totals, *rows]:
            value = row.get(rule.value)
            if value is None:
                continue
            if (rule.op == "<" and value < threshold) or (rule.op == ">" and value > threshold):
                where = "合计" if row is totals else f"{dim.label if dim else ''}“{row['label']}”"
                word = "低于" if rule.op == "<" else "高于"
                show = _pct if kinds.get(rule.value) == "rate" else str
                alerts.append(Alert(label=f"{where} {rule.label}", value=value, threshold=threshold,
                                    message=f"{where}{rule.label}为 {show(value)},{word}阈值 {show(threshold)}"))
    return alerts


def _pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.01'))}%"


# --- drilling -------------------------------------------------------------------------------------


def _row_filter(sq, dim: Dimension | None, row_key: dict):
    clauses = []
    for key, value in (row_key or {}).items():
        if dim is None or key != dim.column:
            raise DomainError("报表参数有误", "validation_error", {key: ["不是本报表行的维度"]}, status=422)
        if value in (None, ""):
            clauses.append(sq.c[key].is_(None))
            continue
        if key.endswith("_id"):
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise DomainError("报表参数有误", "validation_error", {key: ["应为整数"]}, status=422) from None
        clauses.append(sq.c[key] == value)
    return clauses


def drill(spec: ReportSpec, column_key: str, row_key: dict, params: ReportParams, viewer: Viewer,
          page: int = 1, page_size: int = 50) -> DrillResult:
    ctx = make_ctx(spec, params, viewer)
    dim = _dimension(spec, params)
    _tune_session()
    built = spec.build(ctx)
    measure = next((m for m in built.measures if m.key == column_key), None)
    if measure is None or built.sources[measure.source].kind not in DRILL_KINDS:
        raise NotFound("该数字没有明细清单")
    source = built.sources[measure.source]
    sq = source.sq
    where = [measure.where, *_row_filter(sq, dim, row_key)]
    amount = measure.value
    head = [func.count().label("total")]
    if amount is not None:
        head.append(func.coalesce(func.sum(amount), 0).label("amount"))
    summary = db.session.execute(select(*head).select_from(sq).where(*where)).one()._mapping
    page_stmt = select(sq.c.id, *([amount.label("amount")] if amount is not None else [])).where(*where)
    page_rows = db.session.execute(
        page_stmt.order_by(sq.c.id).limit(page_size).offset((page - 1) * page_size)).mappings().all()
    ids = [r["id"] for r in page_rows]
    amounts = {r["id"]: r.get("amount") for r in page_rows}
    details, columns = DETAILS[source.kind](ids)
    for row in details:
        if amount is not None:
            row["amount"] = amounts[row["id"]]
    if amount is not None:
        columns = [*columns, Column("amount", measure.label, measure.kind)]
    entity = {"policies": "policy", "claims": "claim", "complaints": "complaint"}[source.kind]
    audit.record_reads(viewer, entity, ids, {"report": spec.key, "column": column_key})
    db.session.commit()
    sums = {"amount": summary["amount"]} if amount is not None else {}
    return DrillResult(kind=source.kind, report=spec.key, column=column_key, label=measure.label,
                       total=summary["total"], sums=sums, columns=columns, rows=details, page=page,
                       page_size=page_size)


def _ordered(rows, ids):
    by_id = {r["id"]: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def _policy_details(ids):
    stmt = (select(Policy.id, Policy.number, Policy.line, Policy.start_date, Policy.end_date,
                   Policy.written_premium, Customer.name.label("customer"), Vehicle.plate,
                   OrgUnit.name.label("branch"), Staff.name.label("agent"))
            .join(Customer, Customer.id == Policy.customer_id)
            .join(Vehicle, Vehicle.id == Policy.vehicle_id)
            .join(OrgUnit, OrgUnit.id == Policy.branch_id)
            .outerjoin(Staff, Staff.id == Policy.agent_id)
            .where(Policy.id.in_(ids)))
    rows = [dict(r) for r in db.session.execute(stmt).mappings()]
    for r in rows:
        r["customer"] = mask_name(r["customer"])
        r["line"] = LINE_NAMES.get(r["line"], r["line"])
    columns = [Column("number", "保单号"), Column("line", "险种"), Column("start_date", "起保日期"),
               Column("end_date", "终保日期"), Column("written_premium", "签单保费", "money"),
               Column("customer", "客户"), Column("plate", "车牌"), Column("branch", "支公司"),
               Column("agent", "业务员")]
    return _ordered(rows, ids), columns


def _claim_details(ids):
    stmt = (select(Claim.id, Claim.number, Policy.number.label("policy_number"), Claim.status,
                   Claim.reported_at, Claim.registered_at, Claim.closed_at, Claim.first_reserve, Claim.paid,
                   Claim.injury, Customer.name.label("customer"), OrgUnit.name.label("branch"))
            .join(Policy, Policy.id == Claim.policy_id)
            .join(Customer, Customer.id == Claim.customer_id)
            .join(OrgUnit, OrgUnit.id == Claim.branch_id)
            .where(Claim.id.in_(ids)))
    rows = [dict(r) for r in db.session.execute(stmt).mappings()]
    for r in rows:
        r["customer"] = mask_name(r["customer"])
        r["status"] = CLAIM_STATUS_LABELS.get(r["status"], r["status"])
    columns = [Column("number", "赔案号"), Column("policy_number", "保单号"), Column("status", "状态"),
               Column("reported_at", "报案时间"), Column("registered_at", "立案时间"),
               Column("closed_at", "结案时间"), Column("first_reserve", "首次估损", "money"),
               Column("paid", "赔款", "money"), Column("injury", "涉人"), Column("customer", "客户"),
               Column("branch", "支公司")]
    return _ordered(rows, ids), columns


def _complaint_details(ids):
    stmt = (select(Complaint.id, Complaint.number, Complaint.received_on, Complaint.category,
                   OrgUnit.name.label("branch"))
            .join(OrgUnit, OrgUnit.id == Complaint.branch_id)
            .where(Complaint.id.in_(ids)))
    rows = [dict(r) for r in db.session.execute(stmt).mappings()]
    columns = [Column("number", "投诉编号"), Column("received_on", "受理日期"), Column("category", "类别"),
               Column("branch", "支公司")]
    return _ordered(rows, ids), columns


DETAILS = {"policies": _policy_details, "claims": _claim_details, "complaints": _complaint_details}
