"""Announcement jobs: push a published announcement to its staff as WeCom app messages."""

from __future__ import annotations

import logging

from app.services import announcements

log = logging.getLogger(__name__)


def push_announcement(announcement_id: int) -> dict:
    """Queue one app message per targeted staff member (idempotent: dedupe key per staff)."""
    queued = announcements.push(announcement_id)
    log.info("announcement %s: %d staff messages in the outbox", announcement_id, queued)
    return {"announcement_id": announcement_id, "messages": queued}
