"""Customers (people and companies) and their vehicles."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import db
from app.models.base import EncryptedMobileMixin, TimestampMixin, str_enum
from app.security.fields import cipher
from app.validators import (
    validate_credit_code,
    validate_id_number,
    validate_plate,
    validate_vin,
)


class CustomerKind(enum.StrEnum):
    person = "person"
    company = "company"


class VipTier(enum.StrEnum):
    standard = "standard"
    silver = "silver"
    gold = "gold"
    platinum = "platinum"
    diamond = "diamond"


VIP_TIER_LABELS = {
    VipTier.standard: "普通",
    VipTier.silver: "白银",
    VipTier.gold: "黄金",
    VipTier.platinum: "铂金",
    VipTier.diamond: "钻石",
}


class Customer(EncryptedMobileMixin, TimestampMixin, db.Model):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CustomerKind] = mapped_column(str_enum(CustomerKind, "customer_kind"),
                                               default=CustomerKind.person)
    name: Mapped[str] = mapped_column(String(100), index=True)
    # Resident ID for people, unified social credit code for companies.
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[bytes | None] = mapped_column(LargeBinary, unique=True)
    birthday: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(1))  # "M" / "F"
    customer_group_id: Mapped[int | None] = mapped_column(ForeignKey("code_items.id"))
    vip_tier: Mapped[VipTier] = mapped_column(str_enum(VipTier, "vip_tier"), default=VipTier.standard)
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    address: Mapped[str | None] = mapped_column(String(255))
    # The servicing agent and where they sit; the scoping helper filters on these.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)

    vehicles: Mapped[list[Vehicle]] = relationship(back_populates="owner")
    agent = relationship("Staff", foreign_keys=[agent_id])
    branch = relationship("OrgUnit", foreign_keys=[branch_id])
    customer_group = relationship("CodeItem", foreign_keys=[customer_group_id])

    __table_args__ = (
        Index("ix_customers_name_trgm", "name", postgresql_using="gin",
              postgresql_ops={"name": "gin_trgm_ops"}),
    )

    @property
    def id_number(self) -> str | None:
        return cipher().decrypt(self.id_number_enc)

    @id_number.setter
    def id_number(self, value: str | None) -> None:
        """A resident ID for people, a unified social credit code for companies (set `kind` first)."""
        if value:
            value = validate_credit_code(value) if self.kind == CustomerKind.company else validate_id_number(value)
        self.id_number_enc = cipher().encrypt(value)
        self.id_number_hash = cipher().digest(value)


class Vehicle(TimestampMixin, db.Model):
    __tablename__ = "vehicles"

    id: Mapped[int] = mapped_column(primary_key=True)
    vin: Mapped[str] = mapped_column(String(17), unique=True)
    plate: Mapped[str | None] = mapped_column(String(10), index=True)
    first_registration_date: Mapped[date | None] = mapped_column(Date)
    usage: Mapped[str | None] = mapped_column(String(32))  # 家庭自用 / 营业 / 非营业企业 ...
    brand: Mapped[str | None] = mapped_column(String(50))
    model: Mapped[str | None] = mapped_column(String(100))
    new_car_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)

    owner: Mapped[Customer | None] = relationship(back_populates="vehicles")

    @validates("vin")
    def _check_vin(self, _key, value):
        return validate_vin(value)

    @validates("plate")
    def _check_plate(self, _key, value):
        return validate_plate(value) if value else None
