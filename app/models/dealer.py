"""Dealers (4S shops): a sales channel and a repair shop."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin


class Dealer(TimestampMixin, db.Model):
    __tablename__ = "dealers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    brand: Mapped[str | None] = mapped_column(String(50))
    city_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    # The branch that manages the relationship.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(255))
    repairs: Mapped[bool] = mapped_column(Boolean, default=True)  # takes repair referrals
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    city = relationship("OrgUnit", foreign_keys=[city_id])
    branch = relationship("OrgUnit", foreign_keys=[branch_id])
    resident_managers = relationship("Staff", primaryjoin="Dealer.id == foreign(Staff.dealer_id)",
                                     viewonly=True)
