"""Policies with their coverage items and endorsements."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Money, TimestampMixin, str_enum


class Line(enum.StrEnum):
    ctpl = "ctpl"
    commercial = "commercial"


LINE_LABELS = {Line.ctpl: "交强险", Line.commercial: "商业险"}


class Coverage(enum.StrEnum):
    own_damage = "own_damage"
    third_party = "third_party"
    seat = "seat"
    theft = "theft"
    glass = "glass"
    scratch = "scratch"
    medical = "medical"
    other = "other"


COVERAGE_LABELS = {
    Coverage.own_damage: "车损险",
    Coverage.third_party: "第三者责任险",
    Coverage.seat: "车上人员责任险",
    Coverage.theft: "盗抢险",
    Coverage.glass: "玻璃单独破碎险",
    Coverage.scratch: "车身划痕险",
    Coverage.medical: "医保外医疗费用责任险",
    Coverage.other: "其他附加险",
}


class PolicyStatus(enum.StrEnum):
    valid = "valid"
    cancelled = "cancelled"


POLICY_STATUS_LABELS = {PolicyStatus.valid: "有效", PolicyStatus.cancelled: "已注销"}


class PolicyState(enum.StrEnum):
    """Where a policy stands on a given day (status says only whether it was cancelled)."""

    pending = "pending"
    in_force = "in_force"
    expired = "expired"
    cancelled = "cancelled"


POLICY_STATE_LABELS = {
    PolicyState.pending: "未起保",
    PolicyState.in_force: "保障中",
    PolicyState.expired: "已到期",
    PolicyState.cancelled: "已注销",
}


class Policy(TimestampMixin, db.Model):
    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    line: Mapped[Line] = mapped_column(str_enum(Line, "policy_line"))
    status: Mapped[PolicyStatus] = mapped_column(str_enum(PolicyStatus, "policy_status"),
                                                 default=PolicyStatus.valid)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    # Denormalised from the vehicle: renewal matching is by VIN and line.
    vin: Mapped[str] = mapped_column(String(17))
    issued_on: Mapped[date] = mapped_column(Date)  # 签单日期
    start_date: Mapped[date] = mapped_column(Date)  # 起保日期
    end_date: Mapped[date] = mapped_column(Date)  # 终保日期
    written_premium: Mapped[Money]  # excluding tax
    base_premium: Mapped[Money]  # before discount
    commission: Mapped[Money] = mapped_column(default=Decimal("0"))
    tax: Mapped[Money] = mapped_column(default=Decimal("0"))
    discount_rate: Mapped[Decimal | None] = mapped_column(
        Numeric(8, 4), Computed("CASE WHEN base_premium > 0 THEN round(written_premium / base_premium, 4) END", persisted=True)
    )
    commission_rate: Mapped[Decimal | None] = mapped_column(
        Numeric(8, 4), Computed("CASE WHEN written_premium > 0 THEN round(commission / written_premium, 4) END", persisted=True)
    )
    # Premium collected so far; written - collected is the receivable.
    collected_premium: Mapped[Money] = mapped_column(default=Decimal("0"))
    collected_on: Mapped[date | None] = mapped_column(Date)
    # Code items are deactivated, never deleted, and reports scan rather than probe by them: no index
    # (each one costs every import of 100,000 policies a tenth of a second; migration 0009).
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("code_items.id"))
    customer_group_id: Mapped[int | None] = mapped_column(ForeignKey("code_items.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # indexed with dates, below
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id"), index=True)
    # No index: nothing looks policies up by their previous one (links go by number, below), and
    # policies are never deleted, which is what an index on a foreign key column is for.
    previous_policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id"))
    # 上年保单号 as the core system exported it: kept so the chain links up when that policy arrives later.
    previous_policy_number: Mapped[str | None] = mapped_column(String(40), index=True)
    previous_insurer_id: Mapped[int | None] = mapped_column(ForeignKey("code_items.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    customer = relationship("Customer")
    vehicle = relationship("Vehicle")
    channel = relationship("CodeItem", foreign_keys=[channel_id])
    customer_group = relationship("CodeItem", foreign_keys=[customer_group_id])
    previous_insurer = relationship("CodeItem", foreign_keys=[previous_insurer_id])
    branch = relationship("OrgUnit", foreign_keys=[branch_id])
    team = relationship("Team", foreign_keys=[team_id])
    agent = relationship("Staff", foreign_keys=[agent_id])
    dealer = relationship("Dealer", foreign_keys=[dealer_id])
    previous_policy: Mapped[Policy | None] = relationship(remote_side=[id])
    coverages: Mapped[list[PolicyCoverage]] = relationship(back_populates="policy",
                                                           cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        CheckConstraint("written_premium >= 0 AND base_premium >= 0 AND commission >= 0",
                        name="amounts_not_negative"),
        Index("ix_policies_start_date", "start_date"),
        Index("ix_policies_end_date", "end_date"),
        Index("ix_policies_branch_start", "branch_id", "start_date"),
        # One agent's policies in a date range (the bot: my performance, my policies ending soon;
        # an agent's scope): the agent's rows alone, not ANDed with a date index matching a third
        # of the book (migration 0007). They serve plain agent look-ups too (migration 0009).
        Index("ix_policies_agent_start", "agent_id", "start_date"),
        Index("ix_policies_agent_end", "agent_id", "end_date"),
        # Every probe by vehicle and line (renewal matching, the reports' renewing / next / earlier
        # policy) reads this index alone; status is included so that probes skipping cancelled
        # policies need no heap visit either (migrations 0004, 0009).
        Index("ix_policies_renewal_link", "vin", "line", "start_date",
              postgresql_include=["issued_on", "id", "status"]),
    )

    def state_on(self, day: date) -> PolicyState:
        if self.status == PolicyStatus.cancelled:
            return PolicyState.cancelled
        if day < self.start_date:
            return PolicyState.pending
        if day > self.end_date:
            return PolicyState.expired
        return PolicyState.in_force

    @property
    def receivable(self) -> Decimal:
        return max(Decimal("0"), (self.written_premium or 0) - (self.collected_premium or 0))


class PolicyCoverage(db.Model):
    __tablename__ = "policy_coverages"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), index=True)
    coverage: Mapped[Coverage] = mapped_column(str_enum(Coverage, "coverage"))
    sum_insured: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    premium: Mapped[Money]

    policy: Mapped[Policy] = relationship(back_populates="coverages")

    __table_args__ = (UniqueConstraint("policy_id", "coverage", name="uq_policy_coverages_policy_coverage"),)


class Endorsement(TimestampMixin, db.Model):
    __tablename__ = "endorsements"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    effective_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))  # 退保 / 批改 / 过户 ...
    premium_change: Mapped[Money] = mapped_column(default=Decimal("0"))
    description: Mapped[str | None] = mapped_column(String(500))

    policy = relationship("Policy")
