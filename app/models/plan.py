"""Monthly premium plans for an org unit, a team, an agent or a dealer, per line."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Money, TimestampMixin, str_enum
from app.models.policy import Line


class Plan(TimestampMixin, db.Model):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)  # first day of the month
    line: Mapped[Line] = mapped_column(str_enum(Line, "policy_line"))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id"))
    amount: Mapped[Money]

    __table_args__ = (
        CheckConstraint(
            "num_nonnulls(org_unit_id, team_id, agent_id, dealer_id) = 1", name="exactly_one_owner"
        ),
        CheckConstraint("extract(day from month) = 1", name="month_is_first_day"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        # One plan per owner, month and line (NULLS NOT DISTINCT needs PG15+, which we require).
        Index("uq_plans_owner_month_line", "org_unit_id", "team_id", "agent_id", "dealer_id", "month",
              "line", unique=True, postgresql_nulls_not_distinct=True),
        # An agent's plans by month: the bot's rank among a team's plans (migration 0007).
        Index("ix_plans_agent_month", "agent_id", "month"),
    )
