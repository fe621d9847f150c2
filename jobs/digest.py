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
MORE_TEXT = "更多见管理后台"
TEMPLATE = "daily_digest_robot"


def link(path: str, text: str) -> str:
    base = current_app.config.get("ADMIN_BASE_URL", "").rstrip("/")
    return f"[{text}]({base}{path})" if base else f"{text}:管理后台 {path}"


def alert_lines(yesterday: list[ReportResult], month: list[ReportResult]) -> list[str]:
    """Every threshold crossed: the month's before yesterday's, company totals before single rows
    (a total's label starts with 合计)."""
    tagged = [(0, "本月", r, a) for r in month for a in r.alerts]
    tagged += [(1, "昨日", r, a) for r in yesterday for a in r.alerts]
    tagged.sort(key=lambda t: (t[0], not t[3].label.startswith(report_export.TOTAL_LABEL)))
    return [f'<font color="warning">【{when}】{r.title}:{a.message}</font>' for _, when, r, a in tagged]


def figure_lines(yesterday: list[ReportResult], month: list[ReportResult]) -> list[str]:
    """The key figures, yesterday and month to date side by side, one line each."""
    day = {r.key: r for r in yesterday}
    lines = []
    for key, column_key in report_export.KEY_FIGURES:
        mtd = next((r for r in month if r.key == key), None)
        column = next((c for c in mtd.columns if c.key == column_key), None) if mtd else None
        if column is None:
            continue

        def shown(result: ReportResult | None, column=column) -> str:
            value = (result.totals or {}).get(column.key) if result else None
            return report_export.format_value(value, column.kind, short=True)

        lines.append(f"- {column.label}:{shown(day.get(key))} / {shown(mtd)}")
    return lines


def digest_content(yesterday: list[ReportResult], month: list[ReportResult], budget: int) -> str:
    """Alerts first, as many as leave room for the key figures and the link within `budget` bytes;
    the rest are counted on a '……另有 N 项预警,更多见管理后台' line. Lines are never split."""
    alerts = alert_lines(yesterday, month)
    head = [f"**预警 {len(alerts)} 项**"] if alerts else ["**预警**:无指标越过阈值"]
    figures = ["**关键指标**(昨日 / 本月累计)", *(figure_lines(yesterday, month) or ["- 无数据"])]
    footer = link("/admin/reports", "查看全部报表")

    def size(parts: list[str]) -> int:
        return len("\n".join(parts).encode("utf-8"))

    kept = list(alerts)
    while kept and size([*head, *kept, *figures, footer]) > budget:
        kept.pop()
        more = f"……另有 {len(alerts) - len(kept)} 项预警,{MORE_TEXT}"
        if size([*head, *kept, more, *figures, footer]) <= budget:
            return "\n".join([*head, *kept, more, *figures, footer])
    text = "\n".join([*head, *kept, *figures, footer])
    if size([text]) <= budget:
        return text
    # Not even the figures fit (a template with a long frame): whole lines up to the limit.
    lines = [*head, *figures]
    while lines and size([*lines, "……" + MORE_TEXT, footer]) > budget:
        lines.pop()
    return "\n".join([*lines, "……" + MORE_TEXT, footer])


def robot_variables(title: str, cutoff: date, content) -> dict:
    """The template's variables; `content(budget)` builds the text within the bytes the robot's
    limit leaves after whatever the (admin-editable) template adds around it."""
    variables = {"title": title, "cutoff": f"{cutoff.year}年{cutoff.month}月{cutoff.day}日", "content": ""}
    template = enabled_template(TEMPLATE, MessageChannel.wecom_robot)
    frame = len(messaging.render(template, variables).text.encode("utf-8"))
    return {**variables, "content": content(MARKDOWN_MAX_BYTES - frame)}


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
                                lambda budget: digest_content(yesterday, month, budget))
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
    content = f"{label} 全部报表及指标口径(Excel)已生成,文件 {pack.download_name}。\n" + link(
        "/admin/reports/packs", "下载报表包")
    variables = robot_variables(f"保运月度报表包 {label}", end, lambda budget: content)
    message = messaging.enqueue(MessageChannel.wecom_robot, robot, TEMPLATE, variables, f"digest:monthly:{label}")
    return {"month": label, "pack": pack.name, "sent": True, "message_id": message.id}
