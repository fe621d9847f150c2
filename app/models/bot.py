"""The WeCom bot's command log: one row per message a staff member (or a stranger) sent the bot."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import str_enum


class BotOutcome(enum.StrEnum):
    answered = "answered"  # answered within the callback
    deferred = "deferred"  # "正在查询..." now, the answer follows as an app message
    delivered = "delivered"  # a deferred (or late) answer was queued in the outbox
    no_match = "no_match"  # understood, nothing found in the asker's scope
    not_understood = "not_understood"
    refused = "refused"  # unknown or inactive WeCom user, or a command above the asker's role
    failed = "failed"


BOT_OUTCOME_LABELS = {
    BotOutcome.answered: "已回复",
    BotOutcome.deferred: "异步查询中",
    BotOutcome.delivered: "已推送结果",
    BotOutcome.no_match: "无匹配结果",
    BotOutcome.not_understood: "未识别",
    BotOutcome.refused: "已拒绝",
    BotOutcome.failed: "出错",
}


class BotCommand(db.Model):
    __tablename__ = "bot_commands"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The WeCom message it answers: MsgId, or "<FromUserName>:<CreateTime>" for events.
    msg_key: Mapped[str] = mapped_column(String(128), index=True)
    wecom_userid: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    intent: Mapped[str] = mapped_column(String(32))
    # The message as sent, mobile and ID numbers masked (see bots.parser.masked_text).
    text: Mapped[str] = mapped_column(String(500))
    # The parsed slots (masked the same way), for the log page and for a deferred job.
    slots: Mapped[dict] = mapped_column(JSONB, default=dict)
    outcome: Mapped[BotOutcome] = mapped_column(str_enum(BotOutcome, "bot_outcome"))
    # Milliseconds from receiving the callback to its answer; a deferred answer's job adds its own.
    latency_ms: Mapped[int] = mapped_column(Integer)
    job_latency_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))

    staff = relationship("Staff")

    __table_args__ = (
        Index("ix_bot_commands_at", "at"),
        Index("ix_bot_commands_staff_at", "staff_id", "at"),
    )

