"""`flask kpi export`: the whole report set for scripts, as JSON on stdout or an Excel workbook.

JSON carries money, rates and every other Decimal as strings ("12345.60", "0.7512"), exactly as
the engine computed them: a JSON number would pass through a binary float in most readers.
"""

from __future__ import annotations

import json
import sys
from datetime import date

import click
from tqdm import tqdm

from app.errors import DomainError
from app.models import AuditChannel


class KpiError(click.ClickException):
    """A refusal in Chinese, without click's English 'Error:' prefix; exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"错误:{self.format_message()}", err=True)


def _date(value: str | None, label: str, flag: str) -> date:
    if not value:
        raise KpiError(f"请用 {flag} 指定{label}(YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise KpiError(f"{label}“{value}”不是有效日期,格式应为 YYYY-MM-DD,例如 2026-03-01") from None


@click.group("kpi")
def kpi_cli() -> None:
    """经营报表"""


@kpi_cli.command("export")
@click.option("--from", "date_from", metavar="DATE", help="统计期间开始日期 YYYY-MM-DD(含)")
@click.option("--to", "date_to", metavar="DATE", help="统计期间结束日期 YYYY-MM-DD(含)")
@click.option("--cutoff", metavar="DATE", help="截止日期 YYYY-MM-DD:只用当日及以前已知的数据")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出到标准输出(默认;金额、比率为字符串)")
@click.option("--xlsx", "xlsx_path", metavar="FILE", type=click.Path(dir_okay=False, writable=True),
              help="写出 Excel 文件(每张报表一个工作表,最后一页为指标口径)")
@click.option("--report", "keys", multiple=True, metavar="KEY", help="只导出这些报表(可重复);默认全部")
@click.option("--org", "org_code", metavar="CODE", help="按机构代码限定范围;默认总公司")
def export(date_from: str | None, date_to: str | None, cutoff: str | None, as_json: bool,
           xlsx_path: str | None, keys: tuple[str, ...], org_code: str | None) -> None:
    """导出全部报表:JSON(默认)或 Excel"""
    from app.services import report_export

    start = _date(date_from, "开始日期", "--from")
    end = _date(date_to, "结束日期", "--to")
    cut = _date(cutoff, "截止日期", "--cutoff")
    if start > end:
        raise KpiError(f"开始日期 {start} 晚于结束日期 {end}")
    if cut < start:
        raise KpiError(f"截止日期 {cut} 早于开始日期 {start}")
    if as_json and xlsx_path:
        raise KpiError("--json 与 --xlsx 只能选一个")
    try:
        viewer = report_export.report_viewer(org_code, channel=AuditChannel.cli)
        if xlsx_path:
            _write_xlsx(viewer, start, end, cut, keys or None, xlsx_path)
        else:
            results = report_export.run_report_set(viewer, start, end, cut, keys or None)
            json.dump(report_export.results_json(results, scope=viewer.staff.org_unit), sys.stdout,
                      ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
    except DomainError as err:
        raise KpiError(err.message) from None


def _write_xlsx(viewer, start: date, end: date, cut: date, keys, path: str) -> None:
    from app.services import report_export
    from app.services.reports import REPORTS

    total = len(keys) if keys else len(REPORTS)
    with tqdm(total=total, desc="生成报表", unit="张", file=sys.stderr) as bar:
        results = report_export.run_report_set(viewer, start, end, cut, keys,
                                               progress=lambda result: bar.update(1))
    report_export.write_workbook(results, path, subtitle=viewer.staff.org_unit.name)
    click.echo(f"已写出 {path}:{len(results)} 张报表", err=True)
