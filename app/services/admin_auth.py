"""Who may use the admin panel: password sign-in for panel roles, and re-checking a panel session."""

from __future__ import annotations

from app.auth.viewer import Viewer
from app.errors import DomainError
from app.extensions import db
from app.models import AuditChannel, Role, Staff
from app.models.org import ROLE_LABELS
from app.services import audit, sessions

# Agents and resident managers work from WeCom and the mini-program; the panel shows whole books.
PANEL_ROLES = (Role.admin, Role.branch_manager, Role.supervisor, Role.team_manager, Role.claims_handler)


class PanelRoleRefused(DomainError):
    status = 403

    def __init__(self, role: Role):
        super().__init__(f"{ROLE_LABELS[role]}账号不能登录管理后台,请在企业微信工作台或小程序中使用保运",
                         "panel_role_refused")


def panel_login(username: str, password: str, ip: str | None) -> Staff:
    """Check the password (rate limit and audit come with it), then the role.

    The role is checked only after the password, so the answer for an unknown account and for a
    wrong password stays the same and reveals nothing about who exists.
    """
    staff = sessions.authenticate(username, password, ip, AuditChannel.admin)
    if staff.role not in PANEL_ROLES:
        audit.record(Viewer(channel=AuditChannel.admin, staff=staff, ip=ip), "login_refused", "staff",
                     staff.id, {"reason": "role", "role": staff.role.value})
        db.session.commit()
        raise PanelRoleRefused(staff.role)
    return staff


def panel_staff(staff_id: object, token_version: object) -> Staff | None:
    """The staff member behind a panel session, or None if the session no longer holds.

    A password change bumps token_version, and deactivation or a role change away from the
    panel roles take effect on the next request, not when the cookie expires.
    """
    if not isinstance(staff_id, int):
        return None
    staff = db.session.get(Staff, staff_id)
    if staff is None or not staff.active or staff.token_version != token_version:
        return None
    if staff.role not in PANEL_ROLES:
        return None
    return staff


def record_logout(viewer: Viewer) -> None:
    audit.record(viewer, "logout", "staff", viewer.staff_id)
    db.session.commit()
