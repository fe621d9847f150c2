"""Leaders' report delivery: the morning digest and the monthly Excel pack, sent to the WeCom group
robot (DIGEST_ROBOT_KEY) through the outbox, with the default template `daily_digest_robot`
("### {title}\\n> 统计截至 {cutoff}\\n\\n{content}"; `flask messages templates-load` creates it)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask import current_app

from app.models import AuditChannel
from app.models.messaging import MessageChannel
from app.services import messaging, report_export
from app.services.messaging.outbox import enabled_template
from app.services.reports.base import ReportResult
from app.timeutil import business_today

log = logging.getLogger(__name__)

# A WeCom robot refuses markdown longer than this (UTF-8 bytes), template text included.
MARKDOWN_MAX_BYTES = 4096
MORE_TEXT = "……更多见管理后台"
TEMPLATE = "daily_digest_robot"
# Totals shown per report in the digest: leaders read it on a phone.
FIGURES_PER_REPORT = 3


def _figures(result: ReportResult) -> str | None:
    if not result.totals:
        return None
    shown = [f"{column.label} {report_export.format_value(result.totals[column.key], column.kind, short=True)}"
             for column in result.columns
             if column.kind != "text" and result.totals.get(column.key) is not None][:FIGURES_PER_REPORT]
    return f"- {result.title}:{','.join(shown)}" if shown else None


def link(path: str, text: str) -> str:
    base = current_app.config.get("ADMIN_BASE_URL", "").rstrip("/")
    return f"[{text}]({base}{path})" if base else f"{text}:管理后台 {path}"


def digest_lines(day: date, yesterday: list[ReportResult], month: list[ReportResult]) -> list[str]:
    """Thresholds crossed first (month to date, then yesterday), then each report's totals for
    yesterday and for the month."""
    alerts = [f'<font color="warning">【本月】{r.title}:{a.message}</font>' for r in month for a in r.alerts]
    alerts += [f'<font color="warning">【昨日】{r.title}:{a.message}</font>' for r in yesterday for a in r.alerts]
    lines = [f"**预警 {len(alerts)} 项**", *alerts] if alerts else ["**预警**:无指标越过阈值"]
    lines.append(f"**昨日 {day:%m-%d}**")
    lines += [line for line in map(_figures, yesterday) if line] or ["- 无数据"]
    lines.append(f"**本月累计 {day.replace(day=1):%m-%d} 至 {day:%m-%d}**")
    lines += [line for line in map(_figures, month) if line] or ["- 无数据"]
    return lines


def fit(lines: list[str], footer: str, budget: int) -> str:
    """As many whole lines as fit in `budget` bytes with the footer; when lines are cut, a
    MORE_TEXT line says so. A cut never splits a number or a tag."""
    def size(parts: list[str]) -> int:
        return len("\n".join(parts).encode("utf-8"))

    if size([*lines, footer]) <= budget:
        return "\n".join([*lines, footer])
    kept: list[str] = []
    tail = [MORE_TEXT, footer]
    for line in lines:
        if size([*kept, line, *tail]) > budget:
            break
        kept.append(line)
    return "\n".join([*kept, *tail])


def robot_variables(title: str, cutoff: date, lines: list[str], footer: str) -> dict:
    """The template's variables, `content` cut so the rendered message stays within the robot's
    limit whatever the (admin-editable) template adds around it."""
    variables = {"title": title, "cutoff": f"{cutoff.year}年{cutoff.month}月{cutoff.day}日", "content": ""}
    template = enabled_template(TEMPLATE, MessageChannel.wecom_robot)
    frame = len(messaging.render(template, variables).text.encode("utf-8"))
    return {**variables, "content": fit(lines, footer, MARKDOWN_MAX_BYTES - frame)}


def _robot_key() -> str | None:
    key = current_app.config.get("DIGEST_ROBOT_KEY")
    if not key:
        log.info("digest: DIGEST_ROBOT_KEY is empty, nothing to send")
    return key or None


def send_daily_digest(day: str | None = None) -> dict:
    """Build and enqueue the digest for `day` (ISO date; default yesterday in business time).
    Idempotent: the outbox keeps one message per dedupe key `digest:daily:<day>`."""
    robot = _robot_key()
    if robot is None:
        return {"sent": False, "reason": "no_robot"}
    the_day = date.fromisoformat(day) if day else business_today() - timedelta(days=1)
    dedupe_key = f"digest:daily:{the_day.isoformat()}"
    viewer = report_export.report_viewer(channel=AuditChannel.job)
    yesterday = report_export.run_report_set(viewer, the_day, the_day, the_day)
    month = report_export.run_report_set(viewer, the_day.replace(day=1), the_day, the_day)
    variables = robot_variables(f"保运经营日报 {the_day:%Y-%m-%d}({viewer.staff.org_unit.name})", the_day,
                                digest_lines(the_day, yesterday, month), link("/admin/reports", "查看全部报表"))
    message = messaging.enqueue(MessageChannel.wecom_robot, robot, TEMPLATE, variables, dedupe_key)
    log.info("digest for %s: message %s, %d alerts", the_day, message.id,
             sum(len(r.alerts) for r in yesterday + month))
    return {"sent": True, "day": the_day.isoformat(), "message_id": message.id}


def month_bounds(month: str | None, today: date) -> tuple[date, date]:
    """The first and last day of `month` ("2026-10"), or of the month before `today`."""
    if month:
        start = date.fromisoformat(f"{month}-01")
    else:
        start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end


def build_monthly_pack(month: str | None = None) -> dict:
    """Build the workbook of `month` ("2026-10"; default the previous month) once, store it under
    VAR_DIR/reports and enqueue the robot message with its link (dedupe key `digest:monthly:<month>`)."""
    start, end = month_bounds(month, business_today())
    label = f"{start:%Y-%m}"
    pack = report_export.month_pack(label)
    if pack is None:
        viewer = report_export.report_viewer(channel=AuditChannel.job)
        results = report_export.run_report_set(viewer, start, end, end)
        pack = report_export.store_pack(label, results, subtitle=viewer.staff.org_unit.name)
        log.info("monthly pack %s stored as %s (%d bytes)", label, pack.name, pack.size)
    robot = _robot_key()
    if robot is None:
        return {"month": label, "pack": pack.name, "sent": False}
    lines = [f"{label} 全部报表及指标口径(Excel)已生成,文件 {pack.download_name}。"]
    variables = robot_variables(f"保运月度报表包 {label}", end, lines, link("/admin/reports/packs", "下载报表包"))
    message = messaging.enqueue(MessageChannel.wecom_robot, robot, TEMPLATE, variables, f"digest:monthly:{label}")
    return {"month": label, "pack": pack.name, "sent": True, "message_id": message.id}
