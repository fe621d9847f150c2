"""The audit log: every staff read of personal data and every staff change."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import str_enum


class AuditChannel(enum.StrEnum):
    admin = "admin"
    api = "api"
    bot = "bot"
    job = "job"
    cli = "cli"
    h5 = "h5"  # the staff pages opened in WeCom (/staff/...)


AUDIT_CHANNEL_LABELS = {
    AuditChannel.admin: "管理后台",
    AuditChannel.api: "接口",
    AuditChannel.bot: "企业微信机器人",
    AuditChannel.job: "后台任务",
    AuditChannel.cli: "命令行",
    AuditChannel.h5: "企业微信页面",
}

AUDIT_ACTION_LABELS = {
    "read": "查看",
    "search": "搜索",
    "create": "新增",
    "update": "修改",
    "delete": "删除",
    "login": "登录",
    "login_failed": "登录失败",
    "login_refused": "登录被拒(角色无权)",
    "logout": "退出",
    "export": "导出",
    "import": "导入",
}


class AuditLog(db.Model):
    __tablename__ = "audit_logs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    channel: Mapped[AuditChannel] = mapped_column(str_enum(AuditChannel, "audit_channel"))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))  # customer / policy / claim / staff ...
    entity_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSONB, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))

    staff = relationship("Staff")

    __table_args__ = (
        Index("ix_audit_logs_at", "at"),
        Index("ix_audit_logs_staff_at", "staff_id", "at"),
        Index("ix_audit_logs_entity", "entity", "entity_id"),
    )
