"""Code tables: channels, customer groups, insurers, lapse reasons. Branches add their own rows."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import TimestampMixin, str_enum


class CodeKind(enum.StrEnum):
    channel = "channel"
    customer_group = "customer_group"
    insurer = "insurer"
    lapse_reason = "lapse_reason"


CODE_KIND_LABELS = {
    CodeKind.channel: "渠道",
    CodeKind.customer_group: "客户群",
    CodeKind.insurer: "保险公司",
    CodeKind.lapse_reason: "脱保原因",
}


class CodeItem(TimestampMixin, db.Model):
    __tablename__ = "code_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CodeKind] = mapped_column(str_enum(CodeKind, "code_kind"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    sort: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # For insurers: marks our own company, so "previous insurer is another company" is a query.
    is_self: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("kind", "code", name="uq_code_items_kind_code"),)
