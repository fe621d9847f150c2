"""Claims: report -> registration -> close (or cancel), reserves, stage events and documents."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Money, TimestampMixin, str_enum


class ClaimStatus(enum.StrEnum):
    reported = "reported"
    registered = "registered"
    closed = "closed"
    cancelled = "cancelled"


CLAIM_STATUS_LABELS = {
    ClaimStatus.reported: "已报案",
    ClaimStatus.registered: "已立案",
    ClaimStatus.closed: "已结案",
    ClaimStatus.cancelled: "已注销",
}


class ClaimStage(enum.StrEnum):
    reported = "reported"
    surveyed = "surveyed"
    registered = "registered"
    repairing = "repairing"
    documents_complete = "documents_complete"
    paid = "paid"
    closed = "closed"
    cancelled = "cancelled"


CLAIM_STAGE_LABELS = {
    ClaimStage.reported: "报案",
    ClaimStage.surveyed: "查勘",
    ClaimStage.registered: "立案",
    ClaimStage.repairing: "维修中",
    ClaimStage.documents_complete: "单证齐全",
    ClaimStage.paid: "已赔付",
    ClaimStage.closed: "结案",
    ClaimStage.cancelled: "注销",
}


class Claim(TimestampMixin, db.Model):
    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id"), index=True)
    status: Mapped[ClaimStatus] = mapped_column(str_enum(ClaimStatus, "claim_status"),
                                                default=ClaimStatus.reported)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_reserve: Mapped[Money] = mapped_column(default=Decimal("0"))
    # Latest reserve; the history (for "as at the cut-off") is in claim_reserves.
    reserve: Mapped[Money] = mapped_column(default=Decimal("0"))
    paid: Mapped[Money] = mapped_column(default=Decimal("0"))
    injury: Mapped[bool] = mapped_column(Boolean, default=False)
    repair_dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id"), index=True)
    audit_reduction: Mapped[Money] = mapped_column(default=Decimal("0"))
    subrogation_recovered: Mapped[Money] = mapped_column(default=Decimal("0"))
    claim_type: Mapped[str] = mapped_column(String(32), default="vehicle_damage")
    description: Mapped[str | None] = mapped_column(Text)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    # Denormalised from the policy for scoping without a join.
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)

    policy = relationship("Policy")
    customer = relationship("Customer")
    vehicle = relationship("Vehicle")
    repair_dealer = relationship("Dealer")
    reserves: Mapped[list[ClaimReserve]] = relationship(back_populates="claim",
                                                        order_by="ClaimReserve.at")
    events: Mapped[list[ClaimEvent]] = relationship(back_populates="claim", order_by="ClaimEvent.at")
    documents: Mapped[list[ClaimDocument]] = relationship(back_populates="claim")

    __table_args__ = (
        CheckConstraint("registered_at IS NULL OR registered_at >= reported_at", name="registered_after_report"),
        CheckConstraint("closed_at IS NULL OR closed_at >= reported_at", name="closed_after_report"),
        CheckConstraint("paid >= 0 AND first_reserve >= 0 AND reserve >= 0", name="amounts_not_negative"),
    )


class ClaimReserve(db.Model):
    __tablename__ = "claim_reserves"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    amount: Mapped[Money]

    claim: Mapped[Claim] = relationship(back_populates="reserves")

    __table_args__ = (Index("ix_claim_reserves_claim_at", "claim_id", "at"),)


class ClaimEvent(db.Model):
    __tablename__ = "claim_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    stage: Mapped[ClaimStage] = mapped_column(str_enum(ClaimStage, "claim_stage"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(String(500))

    claim: Mapped[Claim] = relationship(back_populates="events")


class ClaimDocument(db.Model):
    __tablename__ = "claim_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # 驾驶证 / 行驶证 / 维修发票 / 事故认定书 ...
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)  # generated, never the client's name
    original_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    uploaded_by_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    uploaded_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    claim: Mapped[Claim] = relationship(back_populates="documents")
