"""One WeCom message in, one answer out: who is asking, what they mean, now or later, and the log.

Called by the callback view (app/api/wecom) by dotted name, once per message (its retries never
get here: app.services.bot_inbox). Returns the text to answer in the callback, or None to answer
empty (events, and answers that come too late for the callback and go through the outbox).
"""

from __future__ import annotations

import logging
import time

from flask import current_app

from app.auth.viewer import Viewer
from app.extensions import db
from app.models import AuditChannel
from app.models.bot import BotOutcome
from app.security.fields import mask_id_number, mask_mobile
from app.services import bot_log, staff_work
from app.tasks import launch
from bots import commands
from bots.parser import Intent, Parsed, masked_text, parse

log = logging.getLogger(__name__)

DEFERRED_JOB = "jobs.bot.answer_deferred"
REFUSAL = "您好,您的企业微信账号尚未开通保运助手。如需使用,请联系管理员登记。"
DEFERRED = "正在查询,请稍候……结果稍后以消息发给您。"
NOT_TEXT = "目前只能识别文字消息。发送「帮助」查看可用命令。"
SORRY = "抱歉,查询出错了,请稍后再试。"
WELCOME_EVENTS = ("subscribe",)


def elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def loggable_slots(parsed: Parsed) -> dict:
    """Slots as the log keeps them: a mobile or ID number the lookup was for is masked."""
    slots = dict(parsed.slots)
    if slots.get("kind") == "mobile":
        slots["value"] = mask_mobile(slots["value"])
    elif slots.get("kind") == "id_number":
        slots["value"] = mask_id_number(slots["value"])
    if parsed.suggestion:
        slots["suggestion"] = parsed.suggestion
    return slots


def handle_message(userid: str, msg_type: str, content: str, msg_key: str, event: str | None = None,
                   started: float | None = None) -> str | None:
    started = started or time.perf_counter()
    staff = staff_work.staff_for_wecom(userid)
    text = masked_text(content or "")

    def record(intent: str, outcome: BotOutcome, slots: dict | None = None, error: str | None = None, commit=True):
        return bot_log.log_command(bot_log.LogEntry(
            msg_key=msg_key, wecom_userid=userid or "", staff_id=staff.id if staff else None, intent=intent,
            text=text, slots=slots or {}, outcome=outcome, latency_ms=elapsed_ms(started), error=error),
            commit=commit)

    if msg_type == "event":
        if staff is not None and event in WELCOME_EVENTS:
            return commands.help_text(Viewer(channel=AuditChannel.bot, staff=staff))
        return None
    if staff is None:
        record("refused", BotOutcome.refused)
        return REFUSAL
    if msg_type != "text":
        record(f"msg_{msg_type}"[:32], BotOutcome.not_understood)
        return NOT_TEXT

    parsed = parse(content)
    viewer = Viewer(channel=AuditChannel.bot, staff=staff)
    slots = loggable_slots(parsed)
    if commands.is_slow(viewer, parsed):
        command_id = record(parsed.intent.value, BotOutcome.deferred, slots)
        launch(DEFERRED_JOB, command_id, job_id=f"bot-{msg_key}", queue="default")
        return DEFERRED
    try:
        reply = commands.run(viewer, parsed)
    except Exception as err:  # answer something; the log and the error log say what went wrong
        db.session.rollback()
        log.exception("bot command failed: %s", parsed.intent.value)
        record(parsed.intent.value, BotOutcome.failed, slots, error=f"{type(err).__name__}: {err}")
        return SORRY
    if elapsed_ms(started) > current_app.config["WECOM_REPLY_BUDGET_MS"]:
        # WeCom may have stopped waiting: send the answer as a message instead (once per MsgId).
        record(parsed.intent.value, BotOutcome.delivered, slots)
        bot_log.send_reply(staff.id, userid, msg_key, reply.text)
        return None
    record(parsed.intent.value, reply.outcome, slots)
    return bot_log.fit(reply.text)


def answer_deferred(command_id: int) -> str:
    """The job's half of a slow command: run it for the asker now and send the answer through the
    outbox. Idempotent: a command already answered is left alone; the outbox dedupes by MsgId."""
    row = bot_log.get_command(command_id)
    if row is None or row.outcome != BotOutcome.deferred:
        return "skipped"
    started = time.perf_counter()
    staff = staff_work.staff_for_wecom(row.wecom_userid)
    if staff is None or staff.id != row.staff_id:
        bot_log.finish_deferred(command_id, BotOutcome.refused, elapsed_ms(started))
        return "refused"
    viewer = Viewer(channel=AuditChannel.bot, staff=staff)
    slots = {k: v for k, v in row.slots.items() if k != "suggestion"}
    reply = commands.run(viewer, Parsed(Intent(row.intent), slots))
    bot_log.send_reply(staff.id, row.wecom_userid, row.msg_key, reply.text)
    bot_log.finish_deferred(command_id, BotOutcome.delivered, elapsed_ms(started))
    return "delivered"
