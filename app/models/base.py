"""Shared column helpers for the models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from sqlalchemy import DateTime, Enum, LargeBinary, Numeric, func
from sqlalchemy.orm import Mapped, mapped_column

from app.security.fields import cipher
from app.validators import validate_mobile

Money = Annotated[Decimal, mapped_column(Numeric(14, 2))]


def utcnow() -> datetime:
    return datetime.now(UTC)


def str_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A VARCHAR with a CHECK constraint on the enum's values: easier to extend than a PG enum type."""
    return Enum(enum_cls, name=name, values_callable=lambda e: [m.value for m in e],
                validate_strings=True, native_enum=False, create_constraint=True, length=32)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class EncryptedMobileMixin:
    """A mobile number stored encrypted (mobile_enc) with a keyed hash for exact lookup
    (mobile_hash); read and written in clear through `.mobile`, validated on the way in."""

    mobile_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    mobile_hash: Mapped[bytes | None] = mapped_column(LargeBinary, index=True)

    @property
    def mobile(self) -> str | None:
        return cipher().decrypt(self.mobile_enc)

    @mobile.setter
    def mobile(self, value: str | None) -> None:
        value = validate_mobile(value) if value else None
        self.mobile_enc = cipher().encrypt(value)
        self.mobile_hash = cipher().digest(value)
