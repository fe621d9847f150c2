"""Business time: dates are taken in the configured TIMEZONE (Asia/Shanghai), whatever the
server's own clock zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def business_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def business_today() -> date:
    return datetime.now(business_zone()).date()
