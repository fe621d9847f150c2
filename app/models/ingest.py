"""Imports from the core business system: one row per uploaded/imported file, and claims waiting for their policy."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Money, TimestampMixin, str_enum


class ImportKind(enum.StrEnum):
    customers = "customers"
    vehicles = "vehicles"
    dealers = "dealers"
    staff = "staff"
    policies = "policies"
    claims = "claims"
    complaints = "complaints"
    plans = "plans"


IMPORT_KIND_LABELS = {
    ImportKind.customers: "客户",
    ImportKind.vehicles: "车辆",
    ImportKind.dealers: "车商",
    ImportKind.staff: "员工",
    ImportKind.policies: "保单",
    ImportKind.claims: "赔案",
    ImportKind.complaints: "投诉",
    ImportKind.plans: "计划",
}


class ImportStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


IMPORT_STATUS_LABELS = {
    ImportStatus.queued: "排队中",
    ImportStatus.running: "导入中",
    ImportStatus.succeeded: "已完成",
    ImportStatus.failed: "失败",
}


class ImportBatch(TimestampMixin, db.Model):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(str_enum(ImportKind, "import_kind"))
    file_name: Mapped[str] = mapped_column(String(255))  # as the user named it; shown, never opened
    stored_path: Mapped[str | None] = mapped_column(String(500))  # generated name, for uploads
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # cli / admin
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ImportStatus] = mapped_column(str_enum(ImportStatus, "import_status"),
                                                 default=ImportStatus.queued)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    bad: Mapped[int] = mapped_column(Integer, default=0)
    # Claims kept in pending_claims until their policy arrives.
    pending: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    error_report_path: Mapped[str | None] = mapped_column(String(500))
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    staff = relationship("Staff")

    __table_args__ = (CheckConstraint("progress BETWEEN 0 AND 100", name="progress_is_percent"),)


class PendingClaim(TimestampMixin, db.Model):
    """A claim row whose policy has not been imported yet. It lands in claims (customer, vehicle,
    branch, agent and team taken from the policy) in the same transaction that imports the policy."""

    __tablename__ = "pending_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    policy_number: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(32))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_reserve: Mapped[Money]
    reserve: Mapped[Money]
    paid: Mapped[Money]
    injury: Mapped[bool] = mapped_column(Boolean)
    repair_dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id"))
    audit_reduction: Mapped[Money]
    subrogation_recovered: Mapped[Money]
    claim_type: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

