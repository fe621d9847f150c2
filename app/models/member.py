"""Mini-program members: VIP tier rules and tier history, claim document checklists, renewal quote requests."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin, str_enum
from app.models.customer import VipTier


class TierRule(TimestampMixin, db.Model):
    """What a customer needs for a tier. A customer holds the highest-ranked tier whose every
    threshold they meet; `standard` (rank 0, no thresholds) is the floor. Edited in the panel."""

    __tablename__ = "tier_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    tier: Mapped[VipTier] = mapped_column(str_enum(VipTier, "vip_tier"), unique=True)
    rank: Mapped[int] = mapped_column(SmallInteger, unique=True)
    # Written premium of the customer's policies that started in the last 12 months.
    min_premium_12m: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    # Full years since the customer's first policy with us started.
    min_years: Mapped[int] = mapped_column(SmallInteger, default=0)
    # Claims reported in the last 12 months (cancelled ones left out); None = no limit.
    max_claims_12m: Mapped[int | None] = mapped_column(SmallInteger)
    benefits: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    __table_args__ = (
        CheckConstraint("min_premium_12m >= 0 AND min_years >= 0 AND rank >= 0", name="thresholds_not_negative"),
        CheckConstraint("max_claims_12m IS NULL OR max_claims_12m >= 0", name="max_claims_not_negative"),
    )


class TierChange(db.Model):
    """One row per tier change the nightly job made, with the contribution it was based on."""

    __tablename__ = "tier_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    from_tier: Mapped[VipTier] = mapped_column(str_enum(VipTier, "from_tier"))
    to_tier: Mapped[VipTier] = mapped_column(str_enum(VipTier, "to_tier"))
    premium_12m: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    years: Mapped[int] = mapped_column(Integer)
    claims_12m: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ClaimDocumentRequirement(TimestampMixin, db.Model):
    """The documents a claim of a type needs (the checklist the customer sees): data, not code."""

    __tablename__ = "claim_document_requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_type: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))  # machine name, e.g. driving_licence
    label: Mapped[str] = mapped_column(String(50))  # what the customer reads, e.g. 驾驶证
    hint: Mapped[str | None] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    __table_args__ = (UniqueConstraint("claim_type", "kind", name="uq_claim_document_requirements_type_kind"),)


class QuoteRequestStatus(enum.StrEnum):
    open = "open"
    done = "done"


QUOTE_REQUEST_STATUS_LABELS = {QuoteRequestStatus.open: "待联系", QuoteRequestStatus.done: "已处理"}


class RenewalQuoteRequest(TimestampMixin, db.Model):
    """A customer asked for a renewal quote from the mini-program; the policy's agent follows up."""

    __tablename__ = "renewal_quote_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    status: Mapped[QuoteRequestStatus] = mapped_column(str_enum(QuoteRequestStatus, "quote_request_status"),
                                                       default=QuoteRequestStatus.open)
    preferred_contact_time: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(String(500))
    # The outbox row that told the agent, if the agent can be reached on WeCom.
    notified_message_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("outbox_messages.id"))

    policy = relationship("Policy")

    __table_args__ = (
        # One open request per policy: asking again returns the open one.
        Index("uq_renewal_quote_requests_open", "policy_id", unique=True,
              postgresql_where=text("status = 'open'")),
    )
