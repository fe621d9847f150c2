"""The error report: every bad row with its original cells, then 原行号 / 错误列 / 错误值 / 错误说明.

The original columns come first and unchanged, so the user fixes the cells and imports the report
itself again (the importer ignores the four added columns). ID numbers and mobiles in 错误值 and
错误说明 are masked; the original cells are the user's own upload, returned to them as they sent it.
CSV is written in UTF-8 with a BOM, which Excel needs to open it in Chinese; .xlsx by XlsxWriter.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

from app.services.ingest.columns import REPORT_COLUMNS
from app.services.ingest.validate import Checked


def report_rows(checked: Checked) -> tuple[list[str], list[list]]:
    headers = [h for h in checked.table.headers if h.replace("*", "").strip() not in REPORT_COLUMNS]
    keep = [i for i, h in enumerate(checked.table.headers) if h.replace("*", "").strip() not in REPORT_COLUMNS]
    out = []
    for index in checked.bad_rows:
        row_no, cells = checked.table.rows[index]
        issues = checked.issues[index]
        original = [_text(cells[i]) if i < len(cells) else "" for i in keep]
        out.append(original + [
            row_no,
            ";".join(dict.fromkeys(x.column for x in issues)),
            ";".join(x.value for x in issues),
            ";".join(f"{x.column}:{x.reason}" for x in issues),
        ])
    return headers + list(REPORT_COLUMNS), out


def write_report(checked: Checked, path: Path) -> Path:
    headers, rows = report_rows(checked)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        _write_xlsx(path, headers, rows)
    else:
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(headers)
            writer.writerows(rows)
    return path


def _write_xlsx(path: Path, headers: list[str], rows: list[list]) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    try:
        sheet = workbook.add_worksheet("错误行")
        bold = workbook.add_format({"bold": True})
        flagged = workbook.add_format({"bold": True, "font_color": "#b42318"})
        n_original = len(headers) - len(REPORT_COLUMNS)
        for col, header in enumerate(headers):
            sheet.write_string(0, col, header, flagged if col >= n_original else bold)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if isinstance(value, int):
                    sheet.write_number(r, col, value)
                else:
                    # Text, always: an ID number or a policy number must not become a float.
                    sheet.write_string(r, col, value)
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, len(headers) - 1, 16)
        sheet.set_column(len(headers) - 1, len(headers) - 1, 60)
    finally:
        workbook.close()


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != datetime.min.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)
