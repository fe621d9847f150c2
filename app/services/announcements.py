"""Announcements to staff: written in the admin panel for some org units (each with its whole
subtree) and optionally some roles, read on the staff pages and through the bot, and pushed once
as a WeCom app message to every targeted active staff member with a WeCom account.

Publishing sets `published_at` once and launches `jobs.announcements.push_announcement`; the job
queues one outbox message per staff member under the dedupe key `announcement:<id>:<staff id>`,
so publishing twice, or the job running twice, still sends each person one message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import exists, func, literal, or_, select
from sqlalchemy.orm import aliased, selectinload

from app.auth.scoping import subtree_ids
from app.auth.viewer import Viewer
from app.errors import DomainError, Forbidden, NotFound
from app.extensions import db
from app.models import OrgLevel, OrgUnit, Role, Staff
from app.models.knowledge import Announcement, AnnouncementTarget
from app.models.messaging import MessageChannel, MessageTemplate, OutboxMessage
from app.services import audit
from app.services.pagination import PageResult, paginate

PUSH_JOB = "jobs.announcements.push_announcement"
TEMPLATE_CODE = "announcement_wecom"
# Roles that may write announcements in the panel (for their own org subtree).
AUTHOR_ROLES = (Role.admin, Role.branch_manager)
SUMMARY_CHARS = 80


@dataclass(frozen=True)
class AnnouncementItem:
    id: int
    title: str
    published_at: datetime
    url: str


def announcement_url(announcement_id: int) -> str:
    return f"{current_app.config.get('ADMIN_BASE_URL', '').rstrip('/')}/staff/announcements/{announcement_id}"


def dedupe_key(announcement_id: int, staff_id: int) -> str:
    return f"announcement:{announcement_id}:{staff_id}"


# ---- what a staff member sees -------------------------------------------------------------------

def _visible_to(staff: Staff):
    """Published announcements targeted at a unit on the staff member's path (their unit or one
    above it), for every role or for theirs."""
    target_unit = aliased(OrgUnit)
    on_path = exists().where(
        AnnouncementTarget.announcement_id == Announcement.id,
        target_unit.id == AnnouncementTarget.org_unit_id,
        literal(staff.org_unit.path).startswith(target_unit.path),
    )
    for_role = or_(func.cardinality(Announcement.roles) == 0, Announcement.roles.contains([staff.role.value]))
    return (Announcement.published_at.is_not(None)) & (Announcement.published_at <= func.now()) & on_path & for_role


def _active_staff(staff_id: int) -> Staff | None:
    staff = db.session.get(Staff, staff_id)
    return staff if staff is not None and staff.active else None


def latest_announcements(staff_id: int, limit: int = 5) -> list[AnnouncementItem]:
    """The newest announcements the staff member is targeted by (none for unknown or inactive staff)."""
    staff = _active_staff(staff_id)
    if staff is None:
        return []
    rows = db.session.execute(
        select(Announcement.id, Announcement.title, Announcement.published_at)
        .where(_visible_to(staff))
        .order_by(Announcement.published_at.desc(), Announcement.id.desc())
        .limit(max(1, min(limit, 50)))
    ).all()
    return [AnnouncementItem(id=r.id, title=r.title, published_at=r.published_at, url=announcement_url(r.id))
            for r in rows]


def list_for_staff(staff: Staff, page: int = 1, page_size: int = 20) -> PageResult:
    stmt = (select(Announcement).where(_visible_to(staff))
            .order_by(Announcement.published_at.desc(), Announcement.id.desc()))
    return paginate(stmt, page, page_size)


def get_for_staff(staff: Staff, announcement_id: int) -> Announcement:
    """An announcement the staff member is targeted by; NotFound for any other (also drafts)."""
    announcement = db.session.scalar(
        select(Announcement).where(Announcement.id == announcement_id, _visible_to(staff))
        .options(selectinload(Announcement.author)))
    if announcement is None:
        raise NotFound("公告不存在")
    return announcement


# ---- recipients and the push ----------------------------------------------------------------------

def recipients(announcement: Announcement):
    """SELECT of the active staff with a WeCom account in a target subtree (and role, if any)."""
    target_unit = aliased(OrgUnit)
    in_target = exists().where(
        AnnouncementTarget.announcement_id == announcement.id,
        target_unit.id == AnnouncementTarget.org_unit_id,
        OrgUnit.path.startswith(target_unit.path),
    )
    stmt = (select(Staff).join(OrgUnit, OrgUnit.id == Staff.org_unit_id)
            .where(Staff.active, Staff.wecom_userid.is_not(None), Staff.wecom_userid != "", in_target)
            .order_by(Staff.id))
    if announcement.roles:
        stmt = stmt.where(Staff.role.in_([Role(r) for r in announcement.roles]))
    return stmt


def recipient_count(announcement: Announcement) -> int:
    return db.session.scalar(select(func.count()).select_from(recipients(announcement).subquery()))


def summary(body: str, size: int = SUMMARY_CHARS) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= size else flat[:size] + "…"


def push(announcement_id: int) -> int:
    """Queue the announcement's app message for every recipient (idempotent by dedupe key);
    returns how many messages it has in the outbox in all. A draft pushes nothing."""
    from app.services import messaging

    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None or announcement.published_at is None:
        return 0
    variables = {"title": announcement.title, "summary": summary(announcement.body),
                 "url": announcement_url(announcement.id),
                 "author": announcement.author.name if announcement.author else "保运"}
    for staff in db.session.scalars(recipients(announcement)):
        messaging.enqueue(MessageChannel.wecom_app, staff.wecom_userid, TEMPLATE_CODE, variables,
                          dedupe_key(announcement.id, staff.id), staff_id=staff.id, commit=False)
    announcement.pushed_at = datetime.now(UTC)
    announcement.push_count = db.session.scalar(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.dedupe_key.startswith(f"announcement:{announcement.id}:", autoescape=True)))
    db.session.commit()
    if announcement.push_count:
        messaging.kick_delivery()
    return announcement.push_count


# ---- the admin side -----------------------------------------------------------------------------

def require_author(viewer: Viewer) -> None:
    if viewer.role not in AUTHOR_ROLES:
        raise Forbidden("只有管理员和支公司经理可以管理公告")


def _manageable(viewer: Viewer):
    """Announcements every target of which lies in the viewer's subtree (all, at the company)."""
    unit = viewer.staff.org_unit
    if viewer.role == Role.admin and unit.level == OrgLevel.company:
        return literal(True)
    outside = exists().where(AnnouncementTarget.announcement_id == Announcement.id,
                             AnnouncementTarget.org_unit_id.not_in(subtree_ids(unit)))
    has_target = exists().where(AnnouncementTarget.announcement_id == Announcement.id)
    return has_target & ~outside


def list_announcements(viewer: Viewer, page: int = 1, page_size: int = 20) -> PageResult:
    require_author(viewer)
    stmt = (select(Announcement).where(_manageable(viewer))
            .options(selectinload(Announcement.author),
                     selectinload(Announcement.targets).selectinload(AnnouncementTarget.org_unit))
            .order_by(Announcement.published_at.desc().nulls_first(), Announcement.id.desc()))
    return paginate(stmt, page, page_size)


def get_announcement(viewer: Viewer, announcement_id: int) -> Announcement:
    require_author(viewer)
    announcement = db.session.scalar(
        select(Announcement).where(Announcement.id == announcement_id, _manageable(viewer))
        .options(selectinload(Announcement.author),
                 selectinload(Announcement.targets).selectinload(AnnouncementTarget.org_unit)))
    if announcement is None:
        raise NotFound("公告不存在")
    return announcement


def target_choices(viewer: Viewer) -> list[OrgUnit]:
    """Org units the viewer may target: their own and everything below it."""
    return list(db.session.scalars(
        select(OrgUnit).where(OrgUnit.id.in_(subtree_ids(viewer.staff.org_unit)), OrgUnit.active)
        .order_by(OrgUnit.path)))


def _check_targets(viewer: Viewer, org_unit_ids: list[int]) -> list[int]:
    ids = sorted(set(org_unit_ids))
    if not ids:
        raise DomainError("请选择接收机构", "no_targets", {"targets": ["请选择接收机构"]}, status=422)
    allowed = set(db.session.scalars(
        select(OrgUnit.id).where(OrgUnit.id.in_(ids), OrgUnit.id.in_(subtree_ids(viewer.staff.org_unit)))))
    if allowed != set(ids):
        raise Forbidden("只能向本机构及下级机构发布公告")
    return ids


def _apply(viewer: Viewer, announcement: Announcement, data: dict) -> None:
    announcement.title = data["title"].strip()
    announcement.body = data["body"].strip()
    announcement.roles = sorted({Role(r).value for r in data.get("roles") or []})
    ids = _check_targets(viewer, data.get("targets") or [])
    announcement.targets = [AnnouncementTarget(org_unit_id=i) for i in ids]


def create_announcement(viewer: Viewer, data: dict) -> Announcement:
    require_author(viewer)
    announcement = Announcement(author_id=viewer.staff_id, push_count=0)
    _apply(viewer, announcement, data)
    db.session.add(announcement)
    db.session.flush()
    audit.record(viewer, "create", "announcement", announcement.id, {"title": announcement.title})
    db.session.commit()
    return announcement


def update_announcement(viewer: Viewer, announcement_id: int, data: dict) -> Announcement:
    announcement = get_announcement(viewer, announcement_id)
    if announcement.published_at is not None:
        raise DomainError("公告已发布,不能再修改", "already_published", status=409)
    _apply(viewer, announcement, data)
    audit.record(viewer, "update", "announcement", announcement.id, {"title": announcement.title})
    db.session.commit()
    return announcement


def publish(viewer: Viewer, announcement_id: int) -> Announcement:
    """Publish (once; again is harmless) and launch the push job. Refused while the message
    template is disabled in the panel."""
    from app.services.messaging.outbox import enabled_template
    from app.services.messaging.templates import load_default_templates
    from app.tasks import launch

    announcement = get_announcement(viewer, announcement_id)
    # A missing or disabled template would only fail later, in the job, where nobody sees it:
    # create the defaults that are missing (edited ones stay), refuse while it is disabled.
    if db.session.scalar(select(MessageTemplate.id).where(MessageTemplate.code == TEMPLATE_CODE)) is None:
        load_default_templates()
    enabled_template(TEMPLATE_CODE, MessageChannel.wecom_app)
    if announcement.published_at is None:
        announcement.published_at = datetime.now(UTC)
        audit.record(viewer, "update", "announcement", announcement.id, {"published": True})
        db.session.commit()
    launch(PUSH_JOB, announcement.id, job_id=f"announcement-push:{announcement.id}")
    return announcement
