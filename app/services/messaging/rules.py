"""Per-recipient rules read from settings: quiet hours, daily caps, retry back-off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app

from app.timeutil import business_zone


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(business_zone()).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # the window wraps past midnight

    def resume_at(self, moment: datetime) -> datetime:
        """The end of the quiet window `moment` falls in (business time), as an instant."""
        local = moment.astimezone(business_zone())
        resume = datetime.combine(local.date(), self.end, business_zone())
        if resume <= local:
            resume += timedelta(days=1)
        return resume


def quiet_hours() -> QuietHours | None:
    raw = (current_app.config.get("MESSAGE_QUIET_HOURS") or "").strip()
    if not raw:
        return None
    start, _, end = raw.partition("-")
    return QuietHours(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))


def quiet_channels() -> set[str]:
    raw = current_app.config.get("MESSAGE_QUIET_CHANNELS") or ""
    return {part.strip() for part in raw.split(",") if part.strip()}


def daily_caps() -> dict[str, int]:
    """{"sms": 3, ...}; a channel not listed (or with 0) has no cap."""
    caps = {}
    for part in (current_app.config.get("MESSAGE_DAILY_CAPS") or "").split(","):
        if ":" in part:
            channel, _, number = part.partition(":")
            if int(number) > 0:
                caps[channel.strip()] = int(number)
    return caps


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones; the last configured value repeats."""
    raw = current_app.config.get("MESSAGE_RETRY_BACKOFF") or "30,120,600,3600"
    steps = [int(part) for part in str(raw).split(",") if part.strip()]
    return timedelta(seconds=steps[min(max(attempts, 1), len(steps)) - 1])


def business_day_start(moment: datetime) -> datetime:
    local = moment.astimezone(business_zone())
    return datetime.combine(local.date(), time.min, business_zone())
