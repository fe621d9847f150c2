"""Excel export: one sheet per report plus the definitions sheet, Chinese headers, number formats by
column kind, values equal to the report's, totals bold, parameters above each table."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from app.auth.viewer import Viewer
from app.models import AuditChannel
from app.services import reports
from app.services.report_export import DEFINITIONS_SHEET, HEADER_ROW, sheet_names, workbook_bytes
from app.services.reports.base import Column, ReportParams, ReportResult
from tests import factories as f

PARAMS = ReportParams(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 10), "branch", {"min_term_days": 300})


def renewal_result(title="续保率") -> ReportResult:
    return ReportResult(
        key="renewal_rate", title=title, params=PARAMS,
        columns=[Column("branch", "机构"), Column("due", "应续件数", "count", "policies"),
                 Column("due_premium", "应续保费", "money", "policies"), Column("rate", "续保率(件数)", "rate"),
                 Column("lapse_days", "平均脱保天数", "days")],
        rows=[{"branch": "长安支公司", "due": 12, "due_premium": Decimal("34567.89"), "rate": Decimal("0.7500"),
               "lapse_days": Decimal("3.5")},
              {"branch": "桥西支公司", "due": 3, "due_premium": Decimal("9000.10"), "rate": None,
               "lapse_days": Decimal("0")}],
        totals={"due": 15, "due_premium": Decimal("43567.99"), "rate": Decimal("0.6667"), "lapse_days": None},
        definition="续保率 = 实续车辆数 / 应续车辆数;应续:终保日期在统计期间内、保险期间不少于300天。",
    )


def claims_result() -> ReportResult:
    return ReportResult(
        key="loss_ratio", title="赔付率", params=ReportParams(date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 10)),
        columns=[Column("line", "险种"), Column("earned", "已赚保费", "money"), Column("ratio", "满期赔付率", "rate")],
        rows=[{"line": "交强险", "earned": Decimal("1000.00"), "ratio": Decimal("0.6123")}],
        definition="满期赔付率 = (已决赔款 + 未决估损) / 已赚保费。",
    )


def open_book(results):
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(results)))


def test_one_sheet_per_report_then_the_definitions():
    book = open_book([renewal_result(), claims_result()])
    assert book.sheetnames == ["续保率", "赔付率", DEFINITIONS_SHEET]


def test_headers_values_and_number_formats_follow_the_report():
    result = renewal_result()
    sheet = open_book([result])["续保率"]
    headers = [cell.value for cell in sheet[HEADER_ROW]]
    assert headers == ["机构", "应续件数", "应续保费", "续保率(件数)", "平均脱保天数"]
    first = sheet[HEADER_ROW + 1]
    assert [c.value for c in first] == ["长安支公司", 12, pytest.approx(34567.89), pytest.approx(0.75),
                                        pytest.approx(3.5)]
    assert [c.number_format for c in first[1:]] == ["#,##0", "#,##0.00", "0.00%", "0.0"]
    # A missing rate stays blank, not 0%.
    assert sheet.cell(HEADER_ROW + 2, 4).value is None
    for record, row in zip(result.rows, sheet.iter_rows(min_row=HEADER_ROW + 1, max_row=HEADER_ROW + 2),
                           strict=True):
        for column, cell in zip(result.columns, row, strict=True):
            expected = record[column.key]
            if isinstance(expected, Decimal):
                assert Decimal(str(cell.value)) == expected, column.key
            else:
                assert cell.value == expected, column.key


def test_totals_row_is_bold_and_labelled():
    sheet = open_book([renewal_result()])["续保率"]
    total = sheet[HEADER_ROW + 3]
    assert [c.value for c in total[:4]] == ["合计", 15, pytest.approx(43567.99), pytest.approx(0.6667)]
    assert all(c.font.b for c in total)
    assert not any(c.font.b for c in sheet[HEADER_ROW + 1])


def test_parameters_on_top_and_header_frozen():
    sheet = open_book([renewal_result()])["续保率"]
    assert sheet["A1"].value == "续保率"
    assert sheet["A2"].value == "统计期间 2026-03-01 至 2026-03-31,截止日期 2026-04-10"
    # Not a registered report: the option keeps its key; the dimension still reads in Chinese.
    assert sheet["A3"].value == "参数:维度:支公司;min_term_days=300"
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    # Wide enough for the longest Chinese header (two units per character).
    assert sheet.column_dimensions["D"].width >= 14


def test_definitions_sheet_lists_every_report():
    book = open_book([renewal_result(), claims_result()])
    rows = list(book[DEFINITIONS_SHEET].iter_rows(values_only=True))
    assert rows[0] == ("报表", "统计期间", "参数", "口径说明")
    assert [r[0] for r in rows[1:]] == ["续保率", "赔付率"]
    assert rows[1][3].startswith("续保率 = 实续车辆数")
    assert rows[2][2] == "默认参数"


def test_sheet_names_are_valid_and_unique():
    long_title = "车商贡献度:计划与签单保费/驻店经理承保/送修推荐/送返比/车商盈利能力"
    names = sheet_names([long_title, long_title, "续保率", "指标口径", "a[b]*?"])
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == 5
    assert not any(ch in n for n in names for ch in "[]:*?/\\")
    assert names[2] == "续保率" and names[3] != DEFINITIONS_SHEET
    book = open_book([renewal_result(long_title), renewal_result(long_title)])
    assert len(book.sheetnames) == 3


# ---- the JSON API's download -----------------------------------------------------------------------

def test_parameters_read_in_the_reports_own_labels(db):
    admin = f.report_book()["admin"]
    result = reports.run_report("renewal_rate", ReportParams(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 10)),
                                Viewer(channel=AuditChannel.admin, staff=admin))
    sheet = open_book([result])[result.title]
    assert sheet["A3"].value == ("参数:维度:支公司;续保单位=按车辆(车架号+险种);续保窗口(到期前天数)=60;"
                                 "续保窗口(到期后天数)=30;应续保单最短保险期间(天)=300;续保率目标(件数)=0.60")


def test_api_download_of_chosen_reports(client, db):
    book = f.report_book()
    resp = client.get("/api/admin/reports/export.xlsx",
                      query_string={"from": "2026-03-01", "to": "2026-03-31", "report": ["loss_ratio", "policy_premium"]},
                      headers=f.staff_token(book["branch_manager"]))
    assert resp.status_code == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    book_sheets = openpyxl.load_workbook(io.BytesIO(resp.data)).sheetnames
    assert book_sheets == [reports.REPORTS["loss_ratio"].title, reports.REPORTS["policy_premium"].title,
                           DEFINITIONS_SHEET]


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"to": "2026-03-31"}, "from", "请填写开始日期"),
    ({"from": "2026-03-01", "to": "2026-02-31"}, "to", "日期格式应为 YYYY-MM-DD"),
    ({"from": "2026-03-31", "to": "2026-03-01"}, "to", "结束日期不能早于开始日期"),
])
def test_api_download_refuses_bad_dates_in_chinese(client, db, query, field, message):
    book = f.report_book()
    resp = client.get("/api/admin/reports/export.xlsx", query_string=query, headers=f.staff_token(book["admin"]))
    assert resp.status_code == 422
    assert resp.get_json()["errors"][field] == [message]


def test_api_download_needs_a_report_role(client, db):
    book = f.report_book()
    query = {"from": "2026-03-01", "to": "2026-03-31"}
    assert client.get("/api/admin/reports/export.xlsx", query_string=query,
                      headers=f.staff_token(book["claims_handler"])).status_code == 403
    assert client.get("/api/admin/reports/export.xlsx", query_string=query).status_code == 401
