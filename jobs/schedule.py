"""The periodic jobs, as data: what runs when, on which queue. The scheduler only enqueues these.

Cron strings have five fields (minute hour day-of-month month day-of-week) and are read in
Asia/Shanghai. Write days of the week as names (mon-fri, sun): APScheduler 3 counts weekday
numbers from Monday, crontab from Sunday, and the scheduler refuses digits there to avoid the trap.
tests/test_jobs.py checks every entry (importable function, valid cron, known queue, unique name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class ScheduledJob:
    # Stable name: part of the scheduler's per-firing lock key and of the job id, so renaming an
    # entry is safe but re-using a name for different work is not.
    name: str
    # Dotted path of the job function, imported by the worker, never by the scheduler.
    func: str
    cron: str
    queue: str = "default"
    # Seconds before the worker kills a run; None means JOB_TIMEOUT_SECONDS.
    timeout: int | None = None
    # Keyword arguments for the job, by name so the table reads without the function beside it.
    args: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


SCHEDULE: tuple[ScheduledJob, ...] = (
    # 02:00, a quiet hour for the database; agents start the day with the new records opened
    # and the renewed ones closed.
    ScheduledJob(
        name="open_due_renewals",
        func="jobs.renewals.open_due_renewals",
        cron="0 2 * * *",
        queue="default",
        timeout=1800,
        args=MappingProxyType({"horizon_days": 90}),
    ),
    # Each enqueue kicks delivery at once; this catches deferred rows, retries and lost kicks.
    ScheduledJob(name="deliver_messages", func="jobs.messages.deliver_due", cron="* * * * *", queue="messages",
                 timeout=600),
    # An import whose worker died would show '导入中' forever; its transaction rolled back.
    ScheduledJob(name="fail_stalled_imports", func="jobs.imports.fail_stalled", cron="*/10 * * * *",
                 queue="default", timeout=300),
    # Import error reports repeat the bad rows' personal data: kept IMPORT_REPORT_RETENTION_DAYS.
    ScheduledJob(name="purge_import_reports", func="jobs.imports.purge_reports", cron="40 2 * * *",
                 queue="default", timeout=600),
    # Leaders read the digest on the way in; yesterday's data has been loaded overnight.
    ScheduledJob(name="daily_digest", func="jobs.digest.send_daily_digest", cron="30 7 * * *",
                 queue="reports", timeout=1800),
    # The previous month's workbook on the 1st, half an hour before that day's digest.
    ScheduledJob(name="monthly_pack", func="jobs.digest.build_monthly_pack", cron="0 7 1 * *",
                 queue="reports", timeout=3600),
    # VIP tiers from yesterday's policies and claims, after the night's imports; the subscribe
    # messages it queues are held until 09:00.
    ScheduledJob(name="recompute_tiers", func="jobs.tiers.recompute_tiers", cron="30 3 * * *", queue="default",
                 timeout=1800),
    # Points (docs/miniprogram-api.md): reversals run before awards, so a policy imported and
    # cancelled on the same night never pays out; expiry just after midnight, business time.
    ScheduledJob(name="points_reverse_cancelled", func="jobs.points.reverse_cancelled_policies",
                 cron="20 * * * *", queue="default", timeout=1800),
    ScheduledJob(name="points_award_policies", func="jobs.points.award_policy_points", cron="30 * * * *",
                 queue="default", timeout=1800),
    ScheduledJob(name="points_expire", func="jobs.points.expire_points", cron="10 0 * * *", queue="default",
                 timeout=3600),
    ScheduledJob(name="vouchers_expire", func="jobs.points.expire_vouchers", cron="15 0 * * *", queue="default",
                 timeout=600),
)
