"""The panel's 机器人日志 page: every message the WeCom bot received, what it understood, how it
answered and how long that took (texts with mobile and ID numbers masked)."""

from __future__ import annotations

from flask import render_template
from marshmallow import EXCLUDE, Schema, fields, validate

from app.api.admin.panel import bp, current_page, load_args, page_size, register_nav
from app.auth.viewer import current_viewer
from app.models.bot import BOT_OUTCOME_LABELS, BotOutcome
from app.services import bot_log

# The bot's intents as the log stores them (bots/ names them; app/ only reads the strings).
INTENT_LABELS = {
    "help": "帮助", "greeting": "问候", "find_customer": "查客户", "expiring": "到期保单", "renewal_tasks": "续保任务",
    "follow_up": "记录跟进", "performance": "我的业绩", "team_performance": "团队业绩", "receivables": "应收保费",
    "kb_search": "知识库", "announcements": "公告", "unknown": "未识别", "refused": "未开通用户",
}
OUTCOME_CHOICES = [(o.value, BOT_OUTCOME_LABELS[o]) for o in BotOutcome]
INTENT_CHOICES = list(INTENT_LABELS.items())


class BotLogArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    intent = fields.String(load_default=None, validate=validate.OneOf([v for v, _ in INTENT_CHOICES] + [""],
                                                                     error="命令类型不正确"))
    outcome = fields.String(load_default=None, validate=validate.OneOf([v for v, _ in OUTCOME_CHOICES] + [""],
                                                                       error="结果不正确"))
    staff_id = fields.Integer(load_default=None, error_messages={"invalid": "员工编号应为数字"})
    page = fields.Integer(load_default=1)


def _row(command) -> dict:
    return {
        "id": command.id, "at": command.at, "staff_name": command.staff.name if command.staff else None,
        "staff_code": command.staff.code if command.staff else None, "staff_id": command.staff_id,
        "wecom_userid": command.wecom_userid, "intent_label": INTENT_LABELS.get(command.intent, command.intent),
        "text": command.text, "outcome": command.outcome.value, "outcome_label": BOT_OUTCOME_LABELS[command.outcome],
        "latency_ms": command.latency_ms, "job_latency_ms": command.job_latency_ms, "error": command.error,
    }


@bp.get("/bot-log")
def bot_log_page():
    args = load_args(BotLogArgs())
    result = bot_log.list_commands(current_viewer(), staff_id=args["staff_id"], intent=args["intent"] or None,
                                   outcome=args["outcome"] or None, page=current_page(), page_size=page_size())
    return render_template("admin/bot_log.html", rows=[_row(c) for c in result.items], result=result, args=args,
                           intent_choices=INTENT_CHOICES, outcome_choices=OUTCOME_CHOICES)


register_nav("admin.bot_log_page", "机器人日志")
