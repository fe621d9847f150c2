"""The panel's report pages: the catalogue, one report with its filters, chart and drillable table,
the drill-down lists, Excel downloads and the monthly packs. Numbers come from the report engine,
already scoped to the viewer; these views only validate, call and format."""

from __future__ import annotations

import io
from datetime import date, timedelta

from flask import render_template, request, send_file, url_for
from marshmallow import ValidationError, fields, validates_schema

from app.api.admin.panel import NAV_ACTIVE, _first_message, bp, load_args
from app.auth.viewer import current_viewer
from app.errors import DomainError, Forbidden
from app.models import Role
from app.schemas.admin import _Args
from app.services import report_export, reports
from app.services.reports.base import Column, ReportParams, ReportResult
from app.services.reports.common import DIMENSIONS
from app.services.reports.params import load_params
from app.timeutil import business_today

# Every report page lights up the sidebar's 报表 entry.
NAV_ACTIVE.update({endpoint: "admin.reports" for endpoint in (
    "admin.report", "admin.report_drill", "admin.report_export", "admin.report_export_all",
    "admin.report_packs", "admin.report_pack_download")})

# A drill list's number opens the row's own page (complaints have none in the panel).
DETAIL_PAGES = {"policies": ("admin.policy_detail", "policy_id"), "claims": ("admin.claim_detail", "claim_id")}
REPORT_ROLES = (Role.admin, Role.branch_manager, Role.supervisor, Role.team_manager)
PACK_ROLES = (Role.admin, Role.branch_manager)


def _require(roles) -> None:
    if current_viewer().role not in roles:
        raise Forbidden("没有查看报表的权限")


def _default_period() -> tuple[date, date]:
    """Yesterday's month to yesterday: today's data is still arriving."""
    yesterday = business_today() - timedelta(days=1)
    return yesterday.replace(day=1), yesterday


# The engine's own query-string schema names the period "from" / "to", as the JSON API does.
FIELD_LABELS = {"from": "开始日期", "to": "结束日期", "cutoff": "截止日期"}


class PeriodArgs(_Args):
    """The whole set's period (each report's own options keep their defaults)."""

    date_from = fields.Date(data_key="from", load_default=None, error_messages={"invalid": "开始日期格式应为 YYYY-MM-DD"})
    date_to = fields.Date(data_key="to", load_default=None, error_messages={"invalid": "结束日期格式应为 YYYY-MM-DD"})
    cutoff = fields.Date(load_default=None, error_messages={"invalid": "截止日期格式应为 YYYY-MM-DD"})

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("开始日期不能晚于结束日期", "from")


def _with_default_period(args) -> dict:
    """The query string with the default period where none is given (the engine requires one)."""
    start, end = _default_period()
    given = args.to_dict()
    given.setdefault("from", start.isoformat())
    given.setdefault("to", end.isoformat())
    return given


def _check_cutoff(params: ReportParams) -> ReportParams:
    if params.cutoff < params.date_from:
        raise DomainError("截止日期不能早于开始日期", "validation_error",
                          {"cutoff": ["截止日期不能早于开始日期"]}, status=422)
    return params


def _engine(call, *args, **kwargs):
    """The engine's refusals (bad date, option, dimension) shown with their first message, named
    by the field it is about."""
    try:
        return call(*args, **kwargs)
    except DomainError as err:
        if err.errors:
            field, messages = next(iter(err.errors.items()))
            message = _first_message(messages)
            label = FIELD_LABELS.get(field)
            err.message = f"{label}:{message}" if label and not message.startswith(label) else message
        raise


def _report_request(key: str, drill: bool = False):
    """The report (404 when there is none), its parameters and, for a drill, the number's column,
    row and page."""
    _require(REPORT_ROLES)
    spec = reports.REPORTS.get(key)
    if spec is None:
        raise DomainError("报表不存在", "not_found", status=404)
    params, extra = _engine(load_params, spec, _with_default_period(request.args), drill=drill)
    return spec, _check_cutoff(params), extra


def _query(params: ReportParams, **extra) -> dict:
    """The query string that reproduces `params` (plus `extra`), for links from one page to another."""
    query = {"from": params.date_from.isoformat(), "to": params.date_to.isoformat(),
             "cutoff": params.cutoff.isoformat()}
    if params.dimension:
        query["dimension"] = params.dimension
    query.update({k: str(v) for k, v in params.options.items()})
    query.update(extra)
    return query


# ---- the view model of a report table ----------------------------------------------------------

def _row_key_column(result: ReportResult) -> str | None:
    """The row key a drill needs: the dimension's id column, which every row carries."""
    dimension = DIMENSIONS.get(result.params.dimension) if result.params.dimension else None
    return dimension.column if dimension else None


def _cells(result: ReportResult, record: dict, row_key: dict | None) -> list[dict]:
    cells = []
    for column in result.columns:
        value = record.get(column.key)
        href = None
        if column.drill and row_key is not None and value not in (None, 0):
            href = url_for("admin.report_drill", key=result.key,
                           **_query(result.params, column=column.key, **row_key))
        cells.append({"text": report_export.format_value(value, column.kind), "href": href,
                      "num": column.kind != "text"})
    return cells


def report_table(result: ReportResult) -> dict:
    key_column = _row_key_column(result)
    rows = []
    for record in result.rows:
        row_key = {key_column: "" if record.get(key_column) is None else record[key_column]} if key_column else {}
        rows.append(_cells(result, record, row_key))
    return {
        "columns": [{"label": c.label, "num": c.kind != "text"} for c in result.columns],
        "rows": rows,
        # The totals row drills without a row filter: the whole number.
        "totals": _cells(result, result.totals, {}) if result.totals else None,
    }


def chart_data(result: ReportResult) -> dict | None:
    """What reports.js draws: categories along x and one series per y column, numbers as floats
    (only for drawing: the table shows the exact values)."""
    chart = result.chart
    if not chart or not result.rows:
        return None
    by_key = {c.key: c for c in result.columns}
    series_columns = [by_key[k] for k in chart.get("y", []) if k in by_key]
    if chart.get("x") not in by_key or not series_columns:
        return None
    if chart.get("type") == "pie":
        series_columns = series_columns[:1]
    return {
        "type": chart.get("type", "bar"),
        "categories": [report_export.format_value(r.get(chart["x"]), by_key[chart["x"]].kind) for r in result.rows],
        "series": [{"name": c.label, "kind": c.kind,
                    "data": [None if r.get(c.key) is None else float(r[c.key]) for r in result.rows]}
                   for c in series_columns],
    }


# ---- pages -------------------------------------------------------------------------------------

@bp.get("/reports", endpoint="reports")
def reports_catalogue():
    _require(REPORT_ROLES)
    params = _period_params(load_args(PeriodArgs()))
    groups: dict[str, list] = {}
    for spec in reports.REPORTS.values():
        groups.setdefault(reports.GROUPS.get(spec.group, spec.group), []).append((spec.key, spec.title))
    return render_template("admin/reports.html", groups=list(groups.items()),
                           period={"from": params.date_from, "to": params.date_to, "cutoff": params.cutoff},
                           figures=key_figures(params), can_see_packs=current_viewer().role in PACK_ROLES)


def _period_params(args: dict) -> ReportParams:
    start, end = _default_period()
    date_from = args["date_from"] or start
    date_to = args["date_to"] or max(end, date_from)
    return _check_cutoff(ReportParams(date_from, date_to, args["cutoff"] or date_to))


def key_figures(params: ReportParams) -> list[dict]:
    """The catalogue's head: a few totals for the period (this month by default), each linking to
    its report, flagged when the report has an indicator outside its threshold."""
    viewer = current_viewer()
    figures = []
    for key, column_key in report_export.KEY_FIGURES:
        if key not in reports.REPORTS:
            continue
        result = reports.run_report(key, ReportParams(params.date_from, params.date_to, params.cutoff), viewer)
        column = next((c for c in result.columns if c.key == column_key), None)
        if column is None or result.totals is None:
            continue
        figures.append({"label": column.label, "title": result.title, "alerts": len(result.alerts),
                        "value": report_export.format_value(result.totals.get(column_key), column.kind, short=True),
                        "href": url_for("admin.report", key=key, **_query(result.params))})
    return figures


@bp.get("/reports/<key>")
def report(key: str):
    spec, params, _ = _report_request(key)
    result = _engine(reports.run_report, key, params, current_viewer())
    catalogue = spec.catalogue()
    options = [{**o, "value": result.params.options.get(o["key"], o["default"])} for o in catalogue["options"]]
    return render_template(
        "admin/report.html", result=result, group=catalogue["group_title"], table=report_table(result),
        chart=chart_data(result), options=options,
        dimensions=[(d["key"], d["label"]) for d in catalogue["dimensions"]],
        form={"date_from": result.params.date_from, "date_to": result.params.date_to,
              "cutoff": result.params.cutoff, "dimension": result.params.dimension},
        export_url=url_for("admin.report_export", key=key, **_query(result.params)),
    )


@bp.get("/reports/<key>/drill")
def report_drill(key: str):
    spec, params, extra = _report_request(key, drill=True)
    result = _engine(reports.drill, key, extra["column"], extra["row_key"], params, current_viewer(),
                     page=extra["page"], page_size=extra["page_size"])
    columns: list[Column] = result.columns
    detail = DETAIL_PAGES.get(result.kind)
    rows = [[{"text": report_export.format_value(r.get(c.key), c.kind), "num": c.kind != "text",
              "href": url_for(detail[0], **{detail[1]: r["id"]}) if detail and c.key == "number" else None}
             for c in columns] for r in result.rows]
    pages = max(1, -(-result.total // result.page_size))
    return render_template(
        "admin/report_drill.html", spec=spec, drill=result, columns=columns, rows=rows,
        page_info={"total": result.total, "page": result.page, "pages": pages},
        amount=report_export.format_value(result.sums.get("amount"), columns[-1].kind)
        if "amount" in result.sums else None,
        back_url=url_for("admin.report", key=key, **_query(params)),
        params=params,
    )


def _xlsx_response(data: bytes, filename: str):
    return send_file(io.BytesIO(data), mimetype=report_export.XLSX_MIMETYPE, as_attachment=True, download_name=filename)


@bp.get("/reports/<key>/export.xlsx", endpoint="report_export")
def report_export_one(key: str):
    spec, params, _ = _report_request(key)
    viewer = current_viewer()
    result = _engine(reports.run_report, key, params, viewer)
    report_export.record_export(viewer, [key], params)
    data = report_export.workbook_bytes([result], subtitle=viewer.staff.org_unit.name)
    return _xlsx_response(data, f"{spec.title}_{params.date_from}_{params.date_to}.xlsx")


@bp.get("/reports/export.xlsx")
def report_export_all():
    _require(REPORT_ROLES)
    params = _period_params(load_args(PeriodArgs()))
    viewer = current_viewer()
    results = report_export.run_report_set(viewer, params.date_from, params.date_to, params.cutoff)
    report_export.record_export(viewer, [r.key for r in results], params)
    data = report_export.workbook_bytes(results, subtitle=viewer.staff.org_unit.name)
    return _xlsx_response(data, f"保运经营报表_{params.date_from}_{params.date_to}.xlsx")


@bp.get("/reports/packs")
def report_packs():
    _require(PACK_ROLES)
    return render_template("admin/report_packs.html", packs=report_export.list_packs())


@bp.get("/reports/packs/<name>")
def report_pack_download(name: str):
    _require(PACK_ROLES)
    pack = report_export.find_pack(name)
    report_export.record_pack_download(current_viewer(), pack)
    return send_file(report_export.pack_dir() / pack.name, mimetype=report_export.XLSX_MIMETYPE, as_attachment=True,
                     download_name=pack.download_name)

