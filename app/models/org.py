"""The organisation: the org-unit tree (company > city > branch), teams and staff."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import EncryptedMobileMixin, TimestampMixin, str_enum


class OrgLevel(enum.StrEnum):
    company = "company"
    city = "city"
    branch = "branch"


class Role(enum.StrEnum):
    admin = "admin"
    branch_manager = "branch_manager"
    supervisor = "supervisor"
    team_manager = "team_manager"
    agent = "agent"
    resident_manager = "resident_manager"
    claims_handler = "claims_handler"


ROLE_LABELS = {
    Role.admin: "管理员",
    Role.branch_manager: "支公司经理",
    Role.supervisor: "分管经理",
    Role.team_manager: "团队经理",
    Role.agent: "业务员",
    Role.resident_manager: "驻店经理",
    Role.claims_handler: "理赔人员",
}

LEVEL_LABELS = {OrgLevel.company: "总公司", OrgLevel.city: "地市", OrgLevel.branch: "支公司"}


class OrgUnit(TimestampMixin, db.Model):
    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[OrgLevel] = mapped_column(str_enum(OrgLevel, "org_level"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    # Materialised path of ids, e.g. "/1/4/17/": a subtree is one indexed prefix match.
    path: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])

    __table_args__ = (
        Index("ix_org_units_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
        CheckConstraint("(level = 'company') = (parent_id IS NULL)", name="root_is_company"),
    )


class Team(TimestampMixin, db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", use_alter=True), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", use_alter=True), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    branch: Mapped[OrgUnit] = relationship()
    manager: Mapped[Staff | None] = relationship(foreign_keys=[manager_id])
    supervisor: Mapped[Staff | None] = relationship(foreign_keys=[supervisor_id])


class Staff(EncryptedMobileMixin, TimestampMixin, db.Model):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 工号
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[Role] = mapped_column(str_enum(Role, "staff_role"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id", use_alter=True), index=True)
    wecom_userid: Mapped[str | None] = mapped_column(String(64), unique=True)
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Admin-panel login; None for staff who only use WeCom / the mini-program.
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped to revoke every token issued before.
    token_version: Mapped[int] = mapped_column(default=1)

    org_unit: Mapped[OrgUnit] = relationship()
    team: Mapped[Team | None] = relationship(foreign_keys=[team_id])

    __table_args__ = (
        CheckConstraint("role <> 'resident_manager' OR dealer_id IS NOT NULL", name="resident_has_dealer"),
    )

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]
