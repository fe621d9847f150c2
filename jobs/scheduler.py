"""The scheduler process: at each cron time of a SCHEDULE entry it enqueues that job, nothing more.

Run exactly one (`flask --app wsgi scheduler`); a second one, left running by a deploy or started
for failover, is harmless. Every firing first claims a Redis key made of the entry's name and the
firing's scheduled time (`SET key NX EX`); only the process that claims it enqueues.

Why a per-firing claim and not a leader lock: a leader lock has to be renewed, and a leader that
stalls past its lease (a long pause, a suspended VM) wakes up still believing it leads while
the follower has taken over, so both fire. The per-firing key has no lease to lose: the scheduled
time comes from the cron trigger (seconds of clock skew between hosts do not change it), so both
processes derive the same key and Redis lets exactly one of them set it. Nothing needs renewing,
and either process alone keeps the schedule running.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask
from rq.job import Job

from app.extensions import redis_ext
from app.tasks import launch
from jobs.runtime import build_app
from jobs.schedule import SCHEDULE, TIMEZONE, ScheduledJob

log = logging.getLogger(__name__)

# A firing later than this (the process was down or busy) is skipped; the next one will come.
MISFIRE_GRACE_SECONDS = 300
# The claim only has to outlive the window in which another scheduler could still run the same
# firing (the grace time); a day is ample, and the key's timestamp keeps firings apart anyway.
CLAIM_TTL_SECONDS = 24 * 3600


def cron_trigger(cron: str) -> CronTrigger:
    """A trigger for a 5-field crontab string in Asia/Shanghai. Weekdays must be names: APScheduler 3
    reads day-of-week 0 as Monday where crontab reads Sunday, and a silent one-day shift is worse
    than an error."""
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(f"cron {cron!r}: expected 5 fields (minute hour day month weekday)")
    if re.search(r"\d", fields[4]):
        raise ValueError(f"cron {cron!r}: write days of the week as names (mon-fri, sun), not numbers")
    return CronTrigger.from_crontab(cron, timezone=ZoneInfo(TIMEZONE))


def scheduled_time(trigger: CronTrigger, now: datetime) -> datetime:
    """The firing being run at `now`: the trigger's latest fire time not after `now`.

    APScheduler does not hand the scheduled time to the job function, so it is recomputed from
    the trigger. It runs a firing at most MISFIRE_GRACE_SECONDS late, so the search need not look
    further back (a minute more covers the executor's own delay).
    """
    after = now - timedelta(seconds=MISFIRE_GRACE_SECONDS + 60)
    latest = None
    candidate = trigger.get_next_fire_time(None, after)
    while candidate is not None and candidate <= now:
        latest = candidate
        candidate = trigger.get_next_fire_time(candidate, candidate + timedelta(microseconds=1))
    if latest is None:
        raise RuntimeError(f"no fire time of {trigger} in the {now - after} before {now}")
    return latest


def fire(entry: ScheduledJob, scheduled_at: datetime) -> Job | None:
    """Enqueue the firing of `entry` scheduled for `scheduled_at`, unless some scheduler already
    did; return the job, or None when this one stood aside. Needs an app context."""
    stamp = scheduled_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    claim = redis_ext.key("scheduler", "fired", entry.name, stamp)
    if not redis_ext.client.set(claim, f"{socket.gethostname()}:{os.getpid()}", nx=True, ex=CLAIM_TTL_SECONDS):
        log.info("%s @ %s: already enqueued by another scheduler", entry.name, stamp)
        return None
    try:
        job = launch(entry.func, queue=entry.queue, job_id=f"scheduled-{entry.name}-{stamp}",
                     job_timeout=entry.timeout, **entry.args)
    except Exception:
        # Give the firing back, so a second scheduler that has not reached it yet can still run it.
        redis_ext.client.delete(claim)
        raise
    log.info("%s @ %s: enqueued %s on %s", entry.name, stamp, job.id, entry.queue)
    return job


def build_scheduler(app: Flask, schedule: tuple[ScheduledJob, ...] = SCHEDULE) -> BlockingScheduler:
    """A BlockingScheduler with one cron job per entry; each firing only enqueues."""
    scheduler = BlockingScheduler(
        timezone=ZoneInfo(TIMEZONE),
        # coalesce: after downtime, one catch-up run rather than one per missed time;
        # max_instances=1: an entry's firing never overlaps its previous one inside this process.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
    )
    for entry in schedule:
        trigger = cron_trigger(entry.cron)
        scheduler.add_job(_fire_now, trigger, args=(app, entry, trigger), id=entry.name, name=entry.name)
    return scheduler


def _fire_now(app: Flask, entry: ScheduledJob, trigger: CronTrigger, now: datetime | None = None) -> None:
    """What APScheduler runs at each fire time (`now` is for tests, which cannot wait for 02:00)."""
    # APScheduler calls this on an executor thread, where no app context exists yet.
    with app.app_context():
        fire(entry, scheduled_time(trigger, now or datetime.now(UTC)))


def run_scheduler() -> None:
    """Build the app and run the schedule until stopped (SIGINT/SIGTERM)."""
    app = build_app()
    scheduler = build_scheduler(app)
    for entry in SCHEDULE:
        log.info("schedule: %s at '%s' (%s) -> %s on %s", entry.name, entry.cron, TIMEZONE, entry.func, entry.queue)
    # On SIGTERM (a deploy, systemd stop) let a firing in progress finish its enqueue before exit.
    signal.signal(signal.SIGTERM, lambda signum, frame: scheduler.shutdown(wait=True))
    try:
        scheduler.start()
    except KeyboardInterrupt:
        scheduler.shutdown(wait=True)
    log.info("scheduler stopped")


if __name__ == "__main__":
    run_scheduler()
