"""`flask import KIND FILE`: load an export of the core business system (see docs/import.md)."""

from __future__ import annotations

import sys

import click
from tqdm import tqdm

from app.models.ingest import IMPORT_KIND_LABELS, ImportKind

# Exit codes: 0 everything landed; 1 nothing was written (bad rows without --partial, an
# unreadable file); 2 --partial landed the good rows and some rows were bad.
EXIT_REFUSED = 1
EXIT_PARTIAL = 2


@click.command("import")
@click.argument("kind", type=click.Choice([k.value for k in ImportKind]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--partial", is_flag=True, help="只导入正确的行,错误的行写入错误报告")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="错误报告文件(.csv 或 .xlsx);默认写到 VAR_DIR/imports/reports/")
def import_command(kind: str, file: str, partial: bool, report_path: str | None) -> None:
    """导入核心系统导出的数据文件(CSV 或 xlsx)。KIND:policies 保单、claims 赔案、customers 客户、
    vehicles 车辆、dealers 车商、staff 员工、plans 计划、complaints 投诉"""
    from app.services.ingest import run_import

    if report_path and not report_path.lower().endswith((".csv", ".xlsx")):
        raise click.BadParameter("错误报告文件应以 .csv 或 .xlsx 结尾", param_hint="--report")
    label = f"导入{IMPORT_KIND_LABELS[ImportKind(kind)]}"
    with tqdm(total=100, desc=label, unit="%", bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}",
              file=sys.stderr) as bar:
        def progress(fraction: float, stage: str) -> None:
            bar.set_description_str(f"{label}·{stage}", refresh=False)
            bar.update(max(0, round(fraction * 100) - bar.n))

        result = run_import(kind, file, partial=partial, progress=progress, report_path=report_path)
        if result.ok:
            bar.update(100 - bar.n)
    click.echo(result.message)
    if result.report_path:
        click.echo(f"错误报告:{result.report_path}")
    for name, label in (("renewal_links", "续保链关联"), ("claims_landed", "等待保单的赔案落地"),
                        ("claims_moved", "赔案随保单更新归属")):
        if result.linked.get(name):
            click.echo(f"{label}:{result.linked[name]}")
    if not result.ok:
        sys.exit(EXIT_REFUSED)
    if result.bad:
        sys.exit(EXIT_PARTIAL)
