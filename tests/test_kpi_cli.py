"""`flask kpi export`: the JSON is the engine's results, the workbook is written, and bad input is
refused in Chinese with a non-zero exit status."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from app.auth.viewer import Viewer
from app.models import AuditChannel
from app.services import reports
from app.services.report_export import DEFINITIONS_SHEET
from app.services.reports.base import ReportParams
from tests import factories as f

PERIOD = ["--from", "2026-03-01", "--to", "2026-03-31", "--cutoff", "2026-04-10"]


@pytest.fixture
def book(db):
    return f.report_book()


def run(app, *args):
    return app.test_cli_runner().invoke(args=["kpi", "export", *args])


def as_json(value):
    """The engine's value as the CLI promises to print it: Decimals as exact strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def test_json_is_the_engines_results(app, book):
    result = run(app, *PERIOD)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["scope"] == {"code": "HQ", "name": "总公司"}
    assert [r["key"] for r in out["reports"]] == list(reports.REPORTS)
    viewer = Viewer(channel=AuditChannel.cli, staff=book["admin"])
    for printed in out["reports"]:
        engine = reports.run_report(printed["key"], ReportParams(date(2026, 3, 1), date(2026, 3, 31),
                                                                 date(2026, 4, 10)), viewer)
        assert printed["title"] == engine.title
        assert [c["key"] for c in printed["columns"]] == [c.key for c in engine.columns]
        assert printed["rows"] == [{k: as_json(v) for k, v in row.items()} for row in engine.rows], engine.key
        assert printed["totals"] == {k: as_json(v) for k, v in (engine.totals or {}).items()}
        assert printed["params"]["from"] == "2026-03-01" and printed["params"]["cutoff"] == "2026-04-10"
        assert printed["definition"] == engine.definition
    premium = next(r for r in out["reports"] if r["key"] == "policy_premium")
    # Money as an exact string: 950.00 + 3000.00 + 4200.50 + 2800.00 (April's policy is outside).
    assert premium["totals"]["written"] == "10950.50"


def test_org_limits_the_scope(app, book):
    result = run(app, *PERIOD, "--org", "B2", "--report", "policy_premium")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["scope"]["name"] == "桥西支公司"
    (premium,) = out["reports"]
    assert premium["totals"]["written"] == "2800.00"
    assert [row["label"] for row in premium["rows"]] == ["桥西支公司"]


def test_xlsx_is_written_with_progress_on_stderr(app, book, tmp_path):
    target = tmp_path / "kpi.xlsx"
    result = run(app, *PERIOD, "--xlsx", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "生成报表" in result.stderr and f"已写出 {target}" in result.stderr
    workbook = openpyxl.load_workbook(target)
    titles = [spec.title for spec in reports.REPORTS.values()]
    assert workbook.sheetnames == [*titles, DEFINITIONS_SHEET]


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2026-02-30", "--to", "2026-03-31", "--cutoff", "2026-04-10"], "开始日期“2026-02-30”不是有效日期"),
    (["--from", "2026-03-01", "--to", "31/03/2026", "--cutoff", "2026-04-10"], "结束日期“31/03/2026”不是有效日期"),
    (["--to", "2026-03-31", "--cutoff", "2026-04-10"], "请用 --from 指定开始日期"),
    (["--from", "2026-04-01", "--to", "2026-03-31", "--cutoff", "2026-04-10"], "开始日期 2026-04-01 晚于结束日期"),
    (["--from", "2026-03-01", "--to", "2026-03-31", "--cutoff", "2026-02-10"], "截止日期 2026-02-10 早于开始日期"),
    ([*PERIOD, "--report", "no_such_report"], "没有这些报表:no_such_report"),
    ([*PERIOD, "--org", "NOPE"], "机构代码 NOPE 不存在"),
    ([*PERIOD, "--json", "--xlsx", "x.xlsx"], "--json 与 --xlsx 只能选一个"),
])
def test_bad_input_is_refused_in_chinese(app, book, args, message):
    result = run(app, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("错误:") and message in result.stderr
