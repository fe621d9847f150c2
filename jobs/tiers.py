"""VIP tier job: the nightly recompute of every customer's tier from the tier rules."""

from __future__ import annotations

import logging

from app.services import tiers

log = logging.getLogger(__name__)


def recompute_tiers() -> dict:
    """Set every customer's tier from the rules, record the changes, announce them (idempotent)."""
    result = tiers.recompute_all()
    log.info("tiers: %d changed (%d up), %d announced", result.changed, result.upgraded, result.notified)
    return {"changed": result.changed, "upgraded": result.upgraded, "notified": result.notified}
