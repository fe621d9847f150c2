"""Message jobs: deliver the outbox (kicked by every enqueue, and once a minute by the schedule)."""

from __future__ import annotations

import logging

from app.services.messaging import outbox

log = logging.getLogger(__name__)


# Stop claiming after this long, well inside the job timeout, so RQ never kills a run mid-send
# (which would leave that message 'uncertain'); what is left waits for the next minute's run.
TIME_BUDGET_SECONDS = 240


def deliver_due(batch_size: int | None = None, max_seconds: float = TIME_BUDGET_SECONDS) -> dict:
    """Deliver every due message (idempotent: a claimed row is never claimed twice)."""
    report = outbox.deliver_due(batch_size, max_seconds=max_seconds)
    if report.claimed or report.requeued or report.uncertain:
        log.info("outbox: %s", report.as_dict())
    return report.as_dict()
