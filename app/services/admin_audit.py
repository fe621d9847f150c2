"""The audit-log viewer: which entries a member of staff may read, filtered and paged.

Admins read the entries of every member of staff in their org subtree, and the failed sign-ins
against those accounts (those entries carry no staff id, only the account in entity_id); an admin
at the company also reads entries made by no one (jobs, sign-ins to unknown accounts). Everyone
else reads only their own entries and the failed sign-ins against their own account.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, cast, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.types import String

from app.auth.scoping import subtree_ids
from app.auth.viewer import Viewer
from app.errors import DomainError
from app.models import AuditChannel, AuditLog, OrgLevel, Role, Staff
from app.services import audit
from app.services.pagination import PageResult, paginate
from app.timeutil import business_zone


def _about_account(account_ids):
    """Entries with no acting staff about one of these accounts: failed sign-ins against them."""
    return and_(AuditLog.staff_id.is_(None), AuditLog.entity == "staff", AuditLog.entity_id.in_(account_ids))


def reads_others(viewer: Viewer) -> bool:
    """Whether the viewer reads other people's entries (else only their own)."""
    return viewer.role == Role.admin


def _visible(viewer: Viewer):
    staff = viewer.staff
    if not reads_others(viewer):
        return or_(AuditLog.staff_id == staff.id, _about_account([str(staff.id)]))
    in_subtree = Staff.org_unit_id.in_(subtree_ids(staff.org_unit))
    clause = or_(AuditLog.staff_id.in_(select(Staff.id).where(in_subtree)),
                 _about_account(select(cast(Staff.id, String)).where(in_subtree)))
    if staff.org_unit.level == OrgLevel.company:
        clause = or_(clause, AuditLog.staff_id.is_(None))
    return clause


def _day_bounds(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    """Business dates (inclusive) to [since, until) instants in the business time zone."""
    if date_from and date_to and date_from > date_to:
        raise DomainError("开始日期不能晚于结束日期", "invalid_date_range", status=422)
    tz = business_zone()
    since = datetime.combine(date_from, time.min, tz) if date_from else None
    until = datetime.combine(date_to + timedelta(days=1), time.min, tz) if date_to else None
    return since, until


def list_entries(viewer: Viewer, *, staff_id: int | None = None, staff_code: str | None = None,
                 channel: AuditChannel | None = None, action: str | None = None, entity: str | None = None,
                 date_from: date | None = None, date_to: date | None = None, page: int = 1,
                 page_size: int = 20) -> PageResult:
    since, until = _day_bounds(date_from, date_to)
    stmt = (audit.query(staff_id=staff_id, channel=channel, action=action or None, entity=entity or None,
                        since=since, until=until)
            .where(_visible(viewer))
            .options(selectinload(AuditLog.staff)))
    if staff_code:
        stmt = stmt.where(AuditLog.staff_id.in_(select(Staff.id).where(Staff.code == staff_code.strip().upper())))
    return paginate(stmt, page, page_size)
