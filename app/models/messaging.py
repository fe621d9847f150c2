"""Outgoing messages: templates, the outbox, per-recipient consent and opt-outs."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin, str_enum


class MessageChannel(enum.StrEnum):
    sms = "sms"
    wechat_subscribe = "wechat_subscribe"
    wecom_app = "wecom_app"
    wecom_robot = "wecom_robot"


CHANNEL_LABELS = {
    MessageChannel.sms: "短信",
    MessageChannel.wechat_subscribe: "小程序订阅消息",
    MessageChannel.wecom_app: "企业微信应用消息",
    MessageChannel.wecom_robot: "企业微信群机器人",
}


class MessageStatus(enum.StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    skipped = "skipped"
    uncertain = "uncertain"


STATUS_LABELS = {
    MessageStatus.queued: "待发送",
    MessageStatus.sending: "发送中",
    MessageStatus.sent: "已发送",
    MessageStatus.failed: "发送失败",
    MessageStatus.skipped: "已跳过",
    MessageStatus.uncertain: "结果未知",
}


class MessageFormat(enum.StrEnum):
    """How a WeCom message body is shown; SMS and subscribe messages are plain text."""

    text = "text"
    markdown = "markdown"


class MessageTemplate(TimestampMixin, db.Model):
    __tablename__ = "message_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable name the calling code uses ("policy_expiry_sms"); never shown to customers.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[MessageChannel] = mapped_column(str_enum(MessageChannel, "message_channel"))
    name: Mapped[str] = mapped_column(String(100))
    # Text with {variable} placeholders. For subscribe messages one "field: text" line per field.
    body: Mapped[str] = mapped_column(Text)
    msg_format: Mapped[MessageFormat] = mapped_column(
        str_enum(MessageFormat, "message_format"), server_default=MessageFormat.text.value)
    # The provider's id of the approved template (Tencent SMS TemplateId, WeChat template_id).
    provider_template_id: Mapped[str | None] = mapped_column(String(64))
    # Subscribe messages: the field names (thing1, date2 ...), in body order; derived on save.
    subscribe_fields: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    # Subscribe messages: the mini-program page the card opens.
    page: Mapped[str | None] = mapped_column(String(200))
    # Verification codes and the like: not held back by quiet hours or daily caps.
    urgent: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # Values for the preview and for the limit check on save.
    sample_variables: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    updated_by = relationship("Staff")


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[MessageChannel] = mapped_column(str_enum(MessageChannel, "message_channel"))
    # SMS: the mobile, encrypted (recipient stays NULL). Other channels: openid / userid / robot
    # key in clear. recipient_hash is the same for the same recipient, for the per-recipient rules.
    recipient: Mapped[str | None] = mapped_column(String(128))
    recipient_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    recipient_hash: Mapped[bytes] = mapped_column(LargeBinary)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("message_templates.id"), index=True)
    payload: Mapped[dict] = mapped_column(JSONB)  # the variables, as given
    body: Mapped[dict] = mapped_column(JSONB)  # what the gateway receives (app/integrations/base.py)
    body_text: Mapped[str] = mapped_column(Text)  # the rendered message as a person reads it
    # A one-time code the recipient asked for (a login code): payload, body and body_text keep it
    # masked, body_enc holds the real body encrypted until the message is final, then nothing.
    # Opt-outs do not apply to it (it answers the recipient's own request), and it is never resent.
    secret: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    body_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[MessageStatus] = mapped_column(
        str_enum(MessageStatus, "message_status"), server_default=MessageStatus.queued.value)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_try_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    # Set, and committed, just before the gateway is called: a 'sending' row with it set may
    # have reached the provider; one without it certainly has not.
    send_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Why the row failed, was skipped or deferred: a stable code and a Chinese explanation.
    error_code: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    template: Mapped[MessageTemplate] = relationship()

    __table_args__ = (
        # The delivery job's claim: queued rows by due time.
        Index("ix_outbox_messages_due", "next_try_at", postgresql_where=text("status = 'queued'")),
        # Daily caps and the robot rate limit count a recipient's recent sends.
        Index("ix_outbox_messages_recipient", "channel", "recipient_hash", "send_started_at"),
        # The lease sweep looks for rows stuck in 'sending'.
        Index("ix_outbox_messages_sending", "claimed_at", postgresql_where=text("status = 'sending'")),
        Index("ix_outbox_messages_status_created", "status", "created_at"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("(channel = 'sms') = (recipient_enc IS NOT NULL AND recipient IS NULL)",
                        name="sms_recipient_encrypted"),
    )


class MessageOptOut(db.Model):
    __tablename__ = "message_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_hash: Mapped[bytes] = mapped_column(LargeBinary)
    channel: Mapped[MessageChannel] = mapped_column(str_enum(MessageChannel, "message_channel"))
    # Where it came from: "sms_reply" (a TD reply), "admin", ...
    source: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (UniqueConstraint("recipient_hash", "channel", name="uq_message_opt_outs_recipient"),)


class SubscriptionConsent(db.Model):
    """One-time WeChat subscriptions a user has granted for one template and not yet used."""

    __tablename__ = "subscription_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    # WeChat's template_id (MessageTemplate.provider_template_id).
    template_id: Mapped[str] = mapped_column(String(64))
    remaining: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    __table_args__ = (
        UniqueConstraint("openid", "template_id", name="uq_subscription_consents_openid"),
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
    )
