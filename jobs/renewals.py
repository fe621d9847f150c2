"""Renewal jobs: the nightly sweep that opens renewal records and closes the renewed ones."""

from __future__ import annotations

import logging

from app.services import renewals

log = logging.getLogger(__name__)


def open_due_renewals(horizon_days: int = 90) -> dict:
    """Open records for policies due within `horizon_days` and mark the renewed ones (idempotent)."""
    result = renewals.open_due_renewals(horizon_days=horizon_days)
    log.info("renewals: %d records opened, %d marked renewed (horizon %d days)",
             result.opened, result.renewed, horizon_days)
    # Kept as the job's result for a while, so `rq info` / the failed registry show what a run did.
    return {"opened": result.opened, "renewed": result.renewed}
