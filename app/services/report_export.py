"""Excel export of report results: one sheet per report, Chinese headers, number formats by column
kind, and a last sheet with every report's definition and parameters."""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter
from flask import current_app
from sqlalchemy import select

from app.auth.viewer import Viewer
from app.errors import NotFound
from app.extensions import db
from app.models import AuditChannel, OrgLevel, OrgUnit, Role, Staff
from app.services import audit
from app.services.reports import REPORTS, run_report
from app.services.reports.base import Column, ReportParams, ReportResult
from app.services.reports.common import DIMENSIONS, report_set
from app.services.reports.output import result_dict
from app.timeutil import business_zone

DEFINITIONS_SHEET = "指标口径"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's own limit on a sheet name, and the characters it refuses in one.
SHEET_NAME_MAX = 31
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

NUMBER_FORMATS = {
    "money": "#,##0.00",
    "rate": "0.00%",
    "count": "#,##0",
    "days": "0.0",
    "number": "#,##0.00",
}
TOTAL_LABEL = "合计"
# The few totals leaders look at first (the report catalogue's head, the morning digest):
# (report key, column key).
KEY_FIGURES = (("policy_premium", "written"), ("renewal_rate", "rate_count"), ("loss_ratio", "loss_ratio"),
               ("outstanding", "open_count"), ("outstanding", "stale_rate"), ("complaints", "complaints_per_100m"))
# Column widths in Excel's character units: a CJK character takes two.
MIN_WIDTH, MAX_WIDTH = 8, 40
# Rows above the table: title, period, parameters, a blank line.
HEADER_ROW = 4


def sheet_names(titles: Iterable[str]) -> list[str]:
    """Names Excel accepts for sheets titled `titles`: forbidden characters dropped, at most 31
    characters, unique without regard to case (Excel's rule), and never the definitions sheet's."""
    taken = {DEFINITIONS_SHEET.casefold()}
    names = []
    for title in titles:
        base = _SHEET_NAME_FORBIDDEN.sub("", title).strip().strip("'") or "报表"
        name, n = base[:SHEET_NAME_MAX], 1
        while name.casefold() in taken:
            n += 1
            suffix = f"({n})"
            name = base[:SHEET_NAME_MAX - len(suffix)] + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def period_text(params: ReportParams) -> str:
    return f"统计期间 {params.date_from:%Y-%m-%d} 至 {params.date_to:%Y-%m-%d},截止日期 {params.cutoff:%Y-%m-%d}"


def options_text(result: ReportResult) -> str:
    """The dimension and definition parameters as one line, in the report's own Chinese labels
    ('维度:支公司;续保窗口(到期前天数)=60'); '默认参数' when there are none."""
    params = result.params
    spec = REPORTS.get(result.key)
    options = {o.key: o for o in spec.options} if spec else {}
    parts = []
    if params.dimension:
        dimension = DIMENSIONS.get(params.dimension)
        parts.append(f"维度:{dimension.label if dimension else params.dimension}")
    for key, value in params.options.items():
        option = options.get(key)
        if option is None:
            parts.append(f"{key}={_plain(value)}")
            continue
        shown = dict(option.choices).get(value, value) if option.choices else value
        parts.append(f"{option.label}={_plain(shown)}")
    return ";".join(parts) or "默认参数"


def _plain(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(_plain(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        # Stored in UTC; people read business time.
        return f"{value.astimezone(business_zone()):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def format_value(value: Any, kind: str, short: bool = False) -> str:
    """A value as a person reads it, by column kind; `short` writes large money in 万 (for phones)."""
    if value is None or value == "":
        return "—" if short else ""
    if kind not in NUMBER_FORMATS or isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return _plain(value)
    number = Decimal(str(value))
    if kind == "rate":
        return f"{number * 100:.2f}%"
    if kind == "count":
        return f"{number:,.0f}"
    if kind == "days":
        return f"{number:.1f}天" if short else f"{number:.1f}"
    if short and kind == "money" and abs(number) >= 10000:
        return f"{number / 10000:,.2f}万"
    return f"{number:,.2f}"


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_workbook(results: list[ReportResult], target: str | BinaryIO, *, subtitle: str | None = None,
                   progress=None) -> None:
    """Write `results` as an .xlsx to a path or binary file. `subtitle` (e.g. the viewer's org unit)
    goes under each sheet's title; `progress` is called once per sheet written."""
    workbook = xlsxwriter.Workbook(target, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    styles = _styles(workbook)
    for result, name in zip(results, sheet_names(r.title for r in results), strict=True):
        _write_report(workbook.add_worksheet(name), result, styles, subtitle)
        if progress is not None:
            progress(result)
    _write_definitions(workbook.add_worksheet(DEFINITIONS_SHEET), results, styles)
    workbook.close()


def workbook_bytes(results: list[ReportResult], **kwargs) -> bytes:
    buffer = io.BytesIO()
    write_workbook(results, buffer, **kwargs)
    return buffer.getvalue()


def _styles(workbook) -> dict:
    base = {"font_name": "等线", "font_size": 10, "valign": "vcenter"}
    styles = {
        "title": workbook.add_format({**base, "bold": True, "font_size": 14}),
        "meta": workbook.add_format({**base, "font_color": "#555555"}),
        "header": workbook.add_format({**base, "bold": True, "bg_color": "#E8EEF7", "bottom": 1,
                                       "text_wrap": True, "align": "center"}),
        "text": workbook.add_format(base),
        "text_total": workbook.add_format({**base, "bold": True, "top": 1}),
        "wrap": workbook.add_format({**base, "text_wrap": True, "valign": "top"}),
    }
    for kind, number_format in NUMBER_FORMATS.items():
        styles[kind] = workbook.add_format({**base, "num_format": number_format})
        styles[f"{kind}_total"] = workbook.add_format({**base, "num_format": number_format, "bold": True, "top": 1})
    return styles


def _cell_style(column: Column, styles: dict, total: bool = False):
    kind = column.kind if column.kind in NUMBER_FORMATS else "text"
    return styles[f"{kind}_total" if total else kind]


def _write_cell(sheet, row: int, col: int, column: Column, value: Any, style) -> str:
    """Write one value by its column's kind; return the text it shows, for the column's width."""
    if value is None or value == "":
        sheet.write_blank(row, col, None, style)
        return ""
    if column.kind in NUMBER_FORMATS and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        # Excel stores every number as a double: the conversion happens here and nowhere earlier.
        sheet.write_number(row, col, float(value), style)
        return format_value(value, column.kind)
    text = _plain(value)
    sheet.write_string(row, col, text, style)
    return text


def _write_report(sheet, result: ReportResult, styles: dict, subtitle: str | None) -> None:
    title = result.title if not subtitle else f"{result.title}({subtitle})"
    sheet.write_string(0, 0, title, styles["title"])
    sheet.write_string(1, 0, period_text(result.params), styles["meta"])
    sheet.write_string(2, 0, f"参数:{options_text(result)}", styles["meta"])
    widths = [display_width(c.label) for c in result.columns]
    for col, column in enumerate(result.columns):
        sheet.write_string(HEADER_ROW - 1, col, column.label, styles["header"])
    row = HEADER_ROW
    for record in result.rows:
        for col, column in enumerate(result.columns):
            shown = _write_cell(sheet, row, col, column, record.get(column.key), _cell_style(column, styles))
            widths[col] = max(widths[col], display_width(shown))
        row += 1
    if result.totals:
        label_col = next((i for i, c in enumerate(result.columns)
                          if c.kind == "text" and result.totals.get(c.key) in (None, "")), None)
        for col, column in enumerate(result.columns):
            value = TOTAL_LABEL if col == label_col else result.totals.get(column.key)
            shown = _write_cell(sheet, row, col, column, value, _cell_style(column, styles, total=True))
            widths[col] = max(widths[col], display_width(shown))
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(MAX_WIDTH, max(MIN_WIDTH, width + 2)))
    # The header row stays in view while scrolling through a long table.
    sheet.freeze_panes(HEADER_ROW, 0)


def _write_definitions(sheet, results: list[ReportResult], styles: dict) -> None:
    headers = ("报表", "统计期间", "参数", "口径说明")
    widths = (18, 44, 36, 80)
    for col, (header, width) in enumerate(zip(headers, widths, strict=True)):
        sheet.write_string(0, col, header, styles["header"])
        sheet.set_column(col, col, width, styles["wrap"])
    for row, result in enumerate(results, start=1):
        sheet.write_string(row, 0, result.title, styles["wrap"])
        sheet.write_string(row, 1, period_text(result.params), styles["wrap"])
        sheet.write_string(row, 2, options_text(result), styles["wrap"])
        sheet.write_string(row, 3, result.definition or "", styles["wrap"])
    sheet.freeze_panes(1, 0)


# ---- running the whole set ---------------------------------------------------------------------

def report_viewer(org_code: str | None = None, channel: AuditChannel = AuditChannel.job) -> Viewer:
    """The viewer scripts and jobs run reports as: an admin at the company (or at org unit
    `org_code`), not a real staff member, so nothing it does is attributed to a person."""
    if org_code is None:
        unit = db.session.execute(
            select(OrgUnit).where(OrgUnit.level == OrgLevel.company, OrgUnit.parent_id.is_(None))
            .order_by(OrgUnit.id).limit(1)).scalar_one_or_none()
        if unit is None:
            raise NotFound("尚无总公司机构,无法生成报表")
    else:
        unit = db.session.execute(select(OrgUnit).where(OrgUnit.code == org_code)).scalar_one_or_none()
        if unit is None:
            raise NotFound(f"机构代码 {org_code} 不存在")
    # Transient on purpose: never added to the session, so it is never written.
    system = Staff(name="系统", role=Role.admin, org_unit=unit, org_unit_id=unit.id, active=True)
    return Viewer(channel=channel, staff=system)


def run_report_set(viewer: Viewer, date_from: date, date_to: date, cutoff: date,
                   keys: Iterable[str] | None = None, progress=None) -> list[ReportResult]:
    """Every report (or those in `keys`, in registry order) with its default dimension and options,
    in one report set so what several share is computed once; `progress` is called per report."""
    wanted = list(REPORTS) if keys is None else list(keys)
    unknown = [key for key in wanted if key not in REPORTS]
    if unknown:
        raise NotFound(f"没有这些报表:{'、'.join(unknown)}")
    results = []
    with report_set():
        for key in wanted:
            results.append(run_report(key, ReportParams(date_from, date_to, cutoff), viewer))
            if progress is not None:
                progress(results[-1])
    # Ends the read transaction, dropping the set's temporary tables: a second set in the same
    # transaction (the digest runs yesterday, then the month) would otherwise meet their names.
    db.session.commit()
    return results


# ---- the monthly pack --------------------------------------------------------------------------

PACK_NAME = re.compile(r"^kpi-pack-(\d{4}-\d{2})-[0-9a-f]{12}\.xlsx$")


def pack_dir() -> Path:
    return Path(current_app.config["VAR_DIR"]) / "reports"


@dataclass(frozen=True)
class Pack:
    name: str  # file name under pack_dir(), also its download id
    month: str  # "2026-10"
    size: int
    created_at: datetime

    @property
    def download_name(self) -> str:
        return f"保运经营报表包_{self.month}.xlsx"

    @property
    def created_local(self) -> str:
        return f"{self.created_at.astimezone(business_zone()):%Y-%m-%d %H:%M}"


def list_packs() -> list[Pack]:
    """Stored monthly packs, newest month first."""
    folder = pack_dir()
    packs = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = PACK_NAME.match(path.name)
            if match and path.is_file():
                stat = path.stat()
                packs.append(Pack(path.name, match.group(1), stat.st_size,
                                  datetime.fromtimestamp(stat.st_mtime, UTC)))
    return sorted(packs, key=lambda p: (p.month, p.created_at), reverse=True)


def find_pack(name: str) -> Pack:
    """The stored pack called `name`; NotFound for anything else (including paths)."""
    for pack in list_packs():
        if pack.name == name:
            return pack
    raise NotFound("报表包不存在")


def month_pack(month: str) -> Pack | None:
    return next((p for p in list_packs() if p.month == month), None)


def store_pack(month: str, results: list[ReportResult], subtitle: str | None = None) -> Pack:
    """Write the month's pack once: a second call for the same month returns the stored one."""
    existing = month_pack(month)
    if existing is not None:
        return existing
    folder = pack_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # A random part: the name is the download id and must not be guessable from the month.
    name = f"kpi-pack-{month}-{secrets.token_hex(6)}.xlsx"
    partial = folder / f".{name}.partial"
    write_workbook(results, str(partial), subtitle=subtitle)
    # Rename is atomic: the list never shows a half-written file.
    partial.replace(folder / name)
    return find_pack(name)


# ---- JSON ----------------------------------------------------------------------------------------

def results_json(results: list[ReportResult], scope: OrgUnit | None = None) -> dict:
    """The set in the JSON API's shape (Decimals as exact strings, dates ISO), without drill links."""
    return {
        "scope": {"code": scope.code, "name": scope.name} if scope is not None else None,
        "reports": [result_dict(r) for r in results],
    }


# ---- the audit trail of downloads --------------------------------------------------------------

def record_export(viewer: Viewer, keys: list[str], params: ReportParams) -> None:
    """Who took which numbers out of the panel, and for which period."""
    audit.record(viewer, "export", "report", ",".join(keys)[:64],
                 {"reports": keys, "date_from": params.date_from.isoformat(),
                  "date_to": params.date_to.isoformat(), "cutoff": params.cutoff.isoformat()})
    db.session.commit()


def record_pack_download(viewer: Viewer, pack: Pack) -> None:
    audit.record(viewer, "export", "report_pack", pack.month, {"file": pack.name})
    db.session.commit()

