"""Message jobs: deliver the outbox (kicked by every enqueue, and once a minute by the schedule)."""

from __future__ import annotations

import logging

from app.services.messaging import outbox

log = logging.getLogger(__name__)


def deliver_due(batch_size: int | None = None) -> dict:
    """Deliver every due message (idempotent: a claimed row is never claimed twice)."""
    report = outbox.deliver_due(batch_size)
    if report.claimed or report.requeued or report.uncertain:
        log.info("outbox: %s", report.as_dict())
    return report.as_dict()
