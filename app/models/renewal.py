"""Renewal work: one record per policy falling due, its outcome and its follow-up history."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin, str_enum
from app.models.policy import Line


class RenewalStatus(enum.StrEnum):
    open = "open"
    renewed = "renewed"
    lapsed = "lapsed"


RENEWAL_STATUS_LABELS = {RenewalStatus.open: "跟进中", RenewalStatus.renewed: "已续保",
                         RenewalStatus.lapsed: "已脱保"}


class FollowUpResult(enum.StrEnum):
    renewed = "renewed"
    quoted = "quoted"
    refused = "refused"
    unreachable = "unreachable"
    callback = "callback"


FOLLOW_UP_LABELS = {
    FollowUpResult.renewed: "已续保",
    FollowUpResult.quoted: "已报价",
    FollowUpResult.refused: "拒绝续保",
    FollowUpResult.unreachable: "无法联系",
    FollowUpResult.callback: "约定回访",
}


class RenewalRecord(TimestampMixin, db.Model):
    __tablename__ = "renewal_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), unique=True)  # the due policy
    vin: Mapped[str] = mapped_column(String(17), index=True)
    line: Mapped[Line] = mapped_column(str_enum(Line, "policy_line"))
    due_date: Mapped[date] = mapped_column(Date, index=True)  # the due policy's end date
    status: Mapped[RenewalStatus] = mapped_column(str_enum(RenewalStatus, "renewal_status"),
                                                  default=RenewalStatus.open, index=True)
    renewed_by_policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id"))
    lapse_reason_id: Mapped[int | None] = mapped_column(ForeignKey("code_items.id"))
    destination_insurer_id: Mapped[int | None] = mapped_column(ForeignKey("code_items.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Who works it now (allocation may move it away from the policy's agent).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)

    policy = relationship("Policy", foreign_keys=[policy_id])
    renewed_by = relationship("Policy", foreign_keys=[renewed_by_policy_id])
    lapse_reason = relationship("CodeItem", foreign_keys=[lapse_reason_id])
    destination_insurer = relationship("CodeItem", foreign_keys=[destination_insurer_id])
    owner = relationship("Staff", foreign_keys=[owner_id])
    follow_ups: Mapped[list[RenewalFollowUp]] = relationship(
        back_populates="renewal", order_by="RenewalFollowUp.at.desc()")


class RenewalFollowUp(db.Model):
    __tablename__ = "renewal_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    renewal_id: Mapped[int] = mapped_column(ForeignKey("renewal_records.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    result: Mapped[FollowUpResult] = mapped_column(str_enum(FollowUpResult, "follow_up_result"))
    quote_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    lapse_reason_id: Mapped[int | None] = mapped_column(ForeignKey("code_items.id"))
    destination_insurer_id: Mapped[int | None] = mapped_column(ForeignKey("code_items.id"))
    note: Mapped[str | None] = mapped_column(Text)

    renewal: Mapped[RenewalRecord] = relationship(back_populates="follow_ups")
    staff = relationship("Staff")
