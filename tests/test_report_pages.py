"""The panel's report pages: catalogue, a report with its chart data and drill links, the drill
list reproducing the number, filters refused in Chinese, roles, Excel downloads and the packs."""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from app.extensions import db as _db
from app.models import AuditLog, Role
from app.services import report_export, reports
from app.services.report_export import DEFINITIONS_SHEET, HEADER_ROW
from app.services.reports.base import ReportParams
from tests import factories as f
from tests.fakes.plugin import messaging_config

PERIOD = {"from": "2026-03-01", "to": "2026-03-31", "cutoff": "2026-04-10"}
DRILL_LINK = re.compile(r'<a class="drill" href="([^"]+)">([^<]+)</a>')
CHART_DATA = re.compile(r'<script type="application/json" id="report-chart-data">(.*?)</script>', re.S)


@dataclass
class Book:
    staff: dict
    branches: dict


@pytest.fixture
def book(db):
    built = f.report_book()
    return Book(staff=built, branches={"b1": built["b1"], "b2": built["b2"]})


def login(client, staff):
    with client.session_transaction() as sess:
        sess["staff_id"] = staff.id
        sess["token_version"] = staff.token_version


def engine_result(key, staff, **params):
    from app.auth.viewer import Viewer
    from app.models import AuditChannel

    viewer = Viewer(channel=AuditChannel.admin, staff=staff)
    return reports.run_report(key, ReportParams(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 10), **params),
                              viewer)


def test_catalogue_lists_every_report_by_group(client, book):
    login(client, book.staff["admin"])
    resp = client.get("/admin/reports")
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    for spec in reports.REPORTS.values():
        assert f'href="/admin/reports/{spec.key}"' in text and spec.title in text
    for group in {spec.group for spec in reports.REPORTS.values()}:
        assert reports.GROUPS[group] in text
    assert '<a href="/admin/reports" class="active" aria-current="page">报表</a>' in text


def test_catalogue_heads_with_key_figures_of_the_period(client, book):
    login(client, book.staff["admin"])
    text = client.get("/admin/reports", query_string=PERIOD).get_data(as_text=True)
    figures = dict(re.findall(r'<div class="label">([^<]+)</div>\s*<div class="value">([^<]+)</div>', text))
    # 950.00 + 3000.00 + 4200.50 + 2800.00 written in March, in 万 as on a phone.
    assert figures["合计签单保费"] == "1.10万"
    assert figures["未决件数"] == "5"
    assert html.escape("/admin/reports/policy_premium?from=2026-03-01&to=2026-03-31&cutoff=2026-04-10") in text
    login(client, book.staff["team_manager"])
    text = client.get("/admin/reports", query_string=PERIOD).get_data(as_text=True)
    figures = dict(re.findall(r'<div class="label">([^<]+)</div>\s*<div class="value">([^<]+)</div>', text))
    assert figures["合计签单保费"] == "8,150.50"


def test_every_report_page_renders(client, book):
    login(client, book.staff["admin"])
    for key in reports.REPORTS:
        resp = client.get(f"/admin/reports/{key}", query_string=PERIOD)
        assert resp.status_code == 200, key
        assert "指标口径" in resp.get_data(as_text=True)


def test_report_page_draws_the_engines_numbers_and_links_them(client, book):
    login(client, book.staff["admin"])
    text = client.get("/admin/reports/policy_premium", query_string=PERIOD).get_data(as_text=True)
    chart = json.loads(html.unescape(CHART_DATA.search(text).group(1)))
    assert chart["type"] == "bar"
    assert sorted(chart["categories"]) == sorted(["长安支公司", "桥西支公司"])
    assert [s["name"] for s in chart["series"]] == ["交强险签单保费", "商业险签单保费"]
    by_branch = dict(zip(chart["categories"], zip(*(s["data"] for s in chart["series"]), strict=True), strict=True))
    assert by_branch == {"长安支公司": (950.0, 7200.5), "桥西支公司": (0.0, 2800.0)}
    assert "echarts.min.js" in text and "admin/reports.js" in text
    # Every drillable number is a link to the list behind it; the totals row drills the whole.
    links = [(html.unescape(href), shown) for href, shown in DRILL_LINK.findall(text)]
    written = {shown: href for href, shown in links if "column=commercial_written" in href}
    assert set(written) == {"7,200.50", "2,800.00", "10,000.50"}
    assert f"branch_id={book.branches['b1'].id}" in written["7,200.50"]
    assert "branch_id" not in written["10,000.50"]


def test_drill_list_reproduces_the_number(client, book):
    login(client, book.staff["admin"])
    text = client.get("/admin/reports/policy_premium", query_string=PERIOD).get_data(as_text=True)
    links = {html.unescape(href): shown for href, shown in DRILL_LINK.findall(text)}
    checked = 0
    for href, shown in links.items():
        drill = client.get(href)
        assert drill.status_code == 200, href
        body = drill.get_data(as_text=True)
        total = re.search(r'class="value drill-total">([^<]+)<', body).group(1)
        amount = re.search(r'class="value drill-sum">([^<]+)<', body)
        assert shown in (total, amount.group(1) if amount else None), href
        checked += 1
    assert checked >= 10


def test_drill_list_masks_customer_names(client, book):
    login(client, book.staff["admin"])
    from app.models import Customer

    names = [c.name for c in _db.session.scalars(_db.select(Customer))]
    query = {**PERIOD, "column": "policies"}
    body = client.get("/admin/reports/policy_premium/drill", query_string=query).get_data(as_text=True)
    assert "共 4 条" in body
    for name in names:
        assert name not in body
        assert name[0] + "*" in body


def test_claim_drill_shows_business_time_and_links_each_claim(client, book):
    login(client, book.staff["admin"])
    query = {**PERIOD, "column": "open_count"}
    body = client.get("/admin/reports/outstanding/drill", query_string=query).get_data(as_text=True)
    assert "共 5 条" in body
    # Reported at 02:00 UTC = 10:00 in Asia/Shanghai; registered five hours later.
    assert "2026-03-01 10:00" in body and "2026-03-01 15:00" in body
    claim_links = re.findall(r'href="/admin/claims/(\d+)"', body)
    assert len(claim_links) == 5
    assert client.get(f"/admin/claims/{claim_links[0]}").status_code == 200


@pytest.mark.parametrize(("query", "message"), [
    ({"from": "2026-13-01"}, "开始日期:日期格式应为 YYYY-MM-DD"),
    ({"from": "2026-03-31", "to": "2026-03-01"}, "结束日期不能早于开始日期"),
    ({"from": "2026-03-01", "to": "2026-03-31", "cutoff": "2026-02-01"}, "截止日期不能早于开始日期"),
    ({"dimension": "planet"}, "维度应为:"),
    ({"target_rate": "abc"}, "应为数字"),
])
def test_bad_filters_are_refused_in_chinese(client, book, query, message):
    login(client, book.staff["admin"])
    resp = client.get("/admin/reports/renewal_rate", query_string=query)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)


def test_filters_change_the_numbers(client, book):
    login(client, book.staff["admin"])
    text = client.get("/admin/reports/policy_premium",
                      query_string={**PERIOD, "dimension": "line"}).get_data(as_text=True)
    chart = json.loads(html.unescape(CHART_DATA.search(text).group(1)))
    assert sorted(chart["categories"]) == sorted(["交强险", "商业险"])
    assert '<option value="line" selected>' in text


@pytest.mark.parametrize(("role", "status"), [
    ("admin", 200), ("branch_manager", 200), ("team_manager", 200), ("claims_handler", 403)])
def test_roles(client, book, role, status):
    login(client, book.staff[role])
    assert client.get("/admin/reports").status_code == status
    assert client.get("/admin/reports/policy_premium", query_string=PERIOD).status_code == status


def test_agents_cannot_open_the_panel_reports(client, book):
    login(client, book.staff["agent"])
    resp = client.get("/admin/reports")
    assert resp.status_code == 302 and "/admin/login" in resp.headers["Location"]


def test_a_team_manager_sees_the_team_numbers(client, book):
    login(client, book.staff["team_manager"])
    text = client.get("/admin/reports/policy_premium", query_string=PERIOD).get_data(as_text=True)
    chart = json.loads(html.unescape(CHART_DATA.search(text).group(1)))
    assert chart["categories"] == ["长安支公司"]
    assert "桥西支公司" not in text
    assert "2,800.00" not in text


def test_report_download_matches_the_engine(client, book):
    login(client, book.staff["admin"])
    resp = client.get("/admin/reports/policy_premium/export.xlsx", query_string=PERIOD)
    assert resp.status_code == 200
    assert resp.mimetype == report_export.XLSX_MIMETYPE
    assert "attachment" in resp.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(resp.data))
    assert workbook.sheetnames == ["保单保费统计", DEFINITIONS_SHEET]
    sheet = workbook["保单保费统计"]
    result = engine_result("policy_premium", book.staff["admin"])
    assert [c.value for c in sheet[HEADER_ROW]] == [c.label for c in result.columns]
    for record, row in zip(result.rows, sheet.iter_rows(min_row=HEADER_ROW + 1), strict=False):
        for column, cell in zip(result.columns, row, strict=True):
            value = record.get(column.key)
            if isinstance(value, Decimal | int):
                assert Decimal(str(cell.value)) == value, column.key
    assert _db.session.scalar(_db.select(AuditLog).where(AuditLog.action == "export")).entity == "report"


def test_whole_set_download_has_every_report(client, book):
    login(client, book.staff["branch_manager"])
    resp = client.get("/admin/reports/export.xlsx", query_string=PERIOD)
    assert resp.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(resp.data))
    assert len(workbook.sheetnames) == len(reports.REPORTS) + 1
    assert workbook.sheetnames[-1] == DEFINITIONS_SHEET


@pytest.fixture
def var_dir(app, tmp_path):
    with messaging_config(app, VAR_DIR=str(tmp_path)):
        yield tmp_path


def test_packs_list_and_download(client, book, var_dir):
    pack = report_export.store_pack("2026-03", [engine_result("policy_premium", book.staff["admin"])])
    assert (var_dir / "reports" / pack.name).is_file()
    login(client, book.staff["admin"])
    listing = client.get("/admin/reports/packs").get_data(as_text=True)
    assert "2026-03" in listing and f"/admin/reports/packs/{pack.name}" in listing
    resp = client.get(f"/admin/reports/packs/{pack.name}")
    assert resp.status_code == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    assert openpyxl.load_workbook(io.BytesIO(resp.data)).sheetnames == ["保单保费统计", DEFINITIONS_SHEET]
    assert client.get("/admin/reports/packs/..%2Fsecret.xlsx").status_code == 404
    assert client.get("/admin/reports/packs/kpi-pack-2026-03-000000000000.xlsx").status_code == 404
    login(client, book.staff["team_manager"])
    assert client.get(f"/admin/reports/packs/{pack.name}").status_code == 403


# ---- in a real browser (skipped without Chromium; CI installs it) --------------------------------

from tests.test_admin_browser import (  # noqa: E402  (the browser fixtures, shared with the panel's test)
    CHROMIUM,
    PASSWORD,
    _screenshot,
    _sign_in,
    browser,  # noqa: F401
    live_url,  # noqa: F401
    page,  # noqa: F401
)


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="安装 Chromium: apt-get install -y chromium chromium-driver")
def test_chart_draws_and_a_number_opens_its_list(page, live_url, book):  # noqa: F811
    f.staff(Role.admin, org=book.staff["company"], username="admin", password=PASSWORD)
    _db.session.commit()
    page.goto(f"{live_url}/admin/reports")
    _sign_in(page, live_url, PASSWORD)
    _screenshot(page, "report-catalogue")
    page.click("text=保单保费统计")
    page.fill("input[name=from]", "2026-03-01")
    page.fill("input[name=to]", "2026-03-31")
    page.click("button:has-text('查询')")
    # ECharts ran under the panel's CSP and painted its canvas.
    canvas = page.wait_for_selector("#report-chart[data-drawn='1'] canvas")
    box = canvas.bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    painted = page.evaluate("""() => {
        const c = document.querySelector('#report-chart canvas');
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let inked = 0;
        for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) inked++; }
        return inked;
    }""")
    assert painted > 1000
    _screenshot(page, "report-policy-premium")
    page.click("tr.totals a.drill[href$='column=policies']")
    assert page.inner_text(".drill-total") == "4"
    _screenshot(page, "report-drill")
