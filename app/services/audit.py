"""Writing and reading the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select

from app.auth.viewer import Viewer
from app.extensions import db
from app.models import AuditChannel, AuditLog


def record(viewer: Viewer | None, action: str, entity: str, entity_id: object = None,
           detail: dict | None = None, channel: AuditChannel | None = None) -> AuditLog:
    """Add an audit entry to the current transaction; the caller's commit makes it durable."""
    entry = AuditLog(
        staff_id=viewer.staff_id if viewer else None,
        channel=channel or (viewer.channel if viewer else AuditChannel.job),
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        detail=detail or {},
        ip=viewer.ip if viewer else None,
    )
    db.session.add(entry)
    return entry


def record_reads(viewer: Viewer, entity: str, ids: list[int], detail: dict | None = None) -> None:
    """One entry for a page of personal data shown to a staff member (customers only, not self-reads)."""
    if viewer.staff is None or not ids:
        return
    record(viewer, "read", entity, None, {"ids": ids, **(detail or {})})


def query(*, staff_id: int | None = None, channel: str | None = None, action: str | None = None,
          entity: str | None = None, entity_id: str | None = None, since: datetime | None = None,
          until: datetime | None = None) -> Select:
    stmt = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if staff_id is not None:
        stmt = stmt.where(AuditLog.staff_id == staff_id)
    if channel:
        stmt = stmt.where(AuditLog.channel == channel)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    if since:
        stmt = stmt.where(AuditLog.at >= since)
    if until:
        stmt = stmt.where(AuditLog.at < until)
    return stmt
