"""The jobs plumbing: enqueueing, real RQ workers with retries, the scheduler's per-firing lock,
the schedule table, and the nightly renewal sweep."""

from __future__ import annotations

import importlib
import inspect
import re
import signal
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rq.job import JobStatus
from sqlalchemy import select, text

from app.extensions import db
from app.models import Line, OrgLevel, PolicyStatus, RenewalRecord, RenewalStatus
from app.services import renewals
from app.tasks import QUEUES, JobArgumentError, check_job_argument, get_queue, launch
from jobs.schedule import SCHEDULE
from jobs.scheduler import build_scheduler, cron_trigger, fire, scheduled_time
from jobs.worker import BaoyunWorker, InProcessWorker, make_worker
from tests import factories
from tests.sample_jobs import attempts

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 6, 1)
COUNT = "tests.sample_jobs.count_attempt"


@pytest.fixture
def run_jobs(app):
    """Run a real RQ worker in burst mode (until the queues are empty) against the test Redis.

    The worker installs SIGINT/SIGTERM handlers for its warm shutdown; put pytest's back after."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def run(worker_class=InProcessWorker, queues=("default",)) -> bool:
        return make_worker(app, queues, worker_class).work(burst=True)

    yield run
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def no_retry_wait(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_RETRY_INTERVALS", "0")


@pytest.fixture
def agent(db):
    branch = factories.org_unit(OrgLevel.branch, factories.org_unit(OrgLevel.company))
    return factories.staff(team=factories.team(branch))


def entry(name: str):
    return next(e for e in SCHEDULE if e.name == name)


# --- launch -------------------------------------------------------------------------------------

def test_launch_enqueues_by_dotted_name_with_config_timeout_and_retries(app):
    job = launch(COUNT, "a", queue="messages")

    assert job.func_name == COUNT and job.args == ("a",)
    assert job.origin == get_queue("messages").name
    assert get_queue("messages").count == 1 and get_queue("default").count == 0
    assert job.timeout == app.config["JOB_TIMEOUT_SECONDS"]
    assert job.retries_left == app.config["JOB_RETRIES"] == 3
    assert job.retry_intervals == [10, 60, 300]


def test_retry_waits_cover_every_retry_and_retry_can_be_turned_off(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_RETRIES", 5)
    assert launch(COUNT, "a").retry_intervals == [10, 60, 300, 300, 300]
    assert launch(COUNT, "b", retry=False).retries_left is None
    assert launch(COUNT, "c", job_timeout=30).timeout == 30


def test_launch_refuses_unknown_queues(app):
    with pytest.raises(ValueError, match="unknown queue"):
        launch(COUNT, "a", queue="urgent")


def test_launch_refuses_orm_objects_and_other_non_plain_arguments(agent):
    policy = factories.policy(agent=agent)

    with pytest.raises(JobArgumentError, match=r"Policy row; pass its id"):
        launch("jobs.renewals.open_due_renewals", policy)
    with pytest.raises(JobArgumentError, match="Policy row"):
        launch(COUNT, policy_ids=[policy.id, policy])
    with pytest.raises(JobArgumentError, match="Staff row"):
        launch(COUNT, filters={"owner": agent})
    with pytest.raises(JobArgumentError, match="plain data"):
        launch(COUNT, object())
    with pytest.raises(JobArgumentError, match="dotted path"):
        launch(test_launch_refuses_unknown_queues)  # the function itself, not its name
    assert get_queue("default").count == 0

    job = launch(COUNT, policy.id, date(2026, 3, 1), Decimal("12.50"), ids=[1, 2], options={"line": Line.ctpl})
    assert job.args == (policy.id, date(2026, 3, 1), Decimal("12.50"))


def test_same_job_id_is_enqueued_once_while_pending_and_again_after_it_ran(run_jobs):
    first = launch(COUNT, "dedupe", job_id="daily-report-7")
    second = launch(COUNT, "dedupe", job_id="daily-report-7")

    assert second.id == first.id
    assert get_queue("default").count == 1

    run_jobs()
    assert attempts("dedupe") == 1
    assert first.get_status() == JobStatus.FINISHED

    third = launch(COUNT, "dedupe", job_id="daily-report-7")
    assert third.id == first.id and third.get_status() == JobStatus.QUEUED
    run_jobs()
    assert attempts("dedupe") == 2


def test_a_job_waiting_for_its_retry_is_still_pending_for_dedupe(run_jobs):
    # Default back-off: after the first failure the job waits 10 s in the scheduled registry.
    job = launch("tests.sample_jobs.fail_first_attempt", "waiting", job_id="push-42")
    run_jobs()
    assert job.get_status() == JobStatus.SCHEDULED

    again = launch("tests.sample_jobs.fail_first_attempt", "waiting", job_id="push-42")

    assert again.id == job.id
    assert again.get_status() == JobStatus.SCHEDULED
    assert get_queue("default").count == 0
    assert attempts("waiting") == 1


# --- workers and retries ------------------------------------------------------------------------

def test_job_failing_once_is_retried_and_finishes_on_second_attempt(run_jobs, no_retry_wait):
    job = launch("tests.sample_jobs.fail_first_attempt", "flaky")

    run_jobs()

    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert attempts("flaky") == 2
    assert job.return_value() == 2
    assert job.retries_left == 2
    assert job.id not in get_queue("default").failed_job_registry


def test_job_failing_every_time_lands_in_failed_registry_after_last_retry(app, run_jobs, no_retry_wait):
    job = launch("tests.sample_jobs.always_fail", "broken")

    run_jobs()

    assert attempts("broken") == 1 + app.config["JOB_RETRIES"]
    assert job.get_status() == JobStatus.FAILED
    assert job.id in get_queue("default").failed_job_registry
    assert "this job always fails" in job.latest_result().exc_string


def test_worker_only_takes_its_own_queues(run_jobs):
    launch(COUNT, "report", queue="reports")
    launch(COUNT, "message", queue="messages")

    run_jobs(queues=["messages"])

    assert attempts("message") == 1 and attempts("report") == 0
    assert get_queue("reports").count == 1


def test_worker_refuses_unknown_queue_names(app):
    with pytest.raises(ValueError, match="unknown queue"):
        make_worker(app, ["default", "urgnet"])


def test_forking_worker_gives_each_job_its_own_database_connection(run_jobs):
    # Leave exactly one pooled connection in this (parent) process, and note its backend.
    db.session.remove()
    db.engine.dispose()
    parent_backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    db.session.commit()

    job = launch("tests.sample_jobs.database_backend_pid")
    run_jobs(BaoyunWorker)

    assert job.get_status() == JobStatus.FINISHED
    # The child opened its own connection instead of reusing the inherited pooled one...
    assert job.return_value() != parent_backend
    # ...and left the parent's alone: same backend, still alive after the child exited.
    assert db.session.execute(text("SELECT pg_backend_pid()")).scalar_one() == parent_backend


def test_renewal_job_run_by_forking_worker_writes_to_the_test_database(agent, run_jobs):
    due = _due_policy(agent, renewals.business_today() + timedelta(days=30))
    db.session.commit()

    job = launch("jobs.renewals.open_due_renewals")
    run_jobs(BaoyunWorker)

    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == {"opened": 1, "renewed": 0}
    assert _record(due).status == RenewalStatus.open


# --- scheduler ----------------------------------------------------------------------------------

def test_two_schedulers_firing_the_same_time_enqueue_one_job(app):
    nightly = entry("open_due_renewals")
    at = datetime(2026, 3, 2, 2, 0, tzinfo=SHANGHAI)
    start = threading.Barrier(2)
    results = []

    def scheduler_process():
        with app.app_context():
            start.wait()
            results.append(fire(nightly, at))

    threads = [threading.Thread(target=scheduler_process) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    enqueued = [job for job in results if job is not None]
    assert len(enqueued) == 1
    queue = get_queue("default")
    assert queue.job_ids == [enqueued[0].id]
    job = queue.jobs[0]
    assert job.func_name == "jobs.renewals.open_due_renewals"
    assert job.kwargs == {"horizon_days": 90}
    assert job.timeout == nightly.timeout

    # The next night is another firing.
    assert fire(nightly, at + timedelta(days=1)) is not None
    assert queue.count == 2


def test_a_late_scheduler_does_not_rerun_a_firing_whose_job_already_finished(app, run_jobs):
    nightly = entry("open_due_renewals")
    at = datetime(2026, 3, 2, 2, 0, tzinfo=SHANGHAI)
    assert fire(nightly, at) is not None
    run_jobs()
    assert get_queue("default").finished_job_registry.count == 1

    assert fire(nightly, at) is None
    assert get_queue("default").count == 0


def test_apscheduler_job_enqueues_the_firing_it_was_called_for(app):
    scheduler = build_scheduler(app)
    assert sorted(job.id for job in scheduler.get_jobs()) == sorted(e.name for e in SCHEDULE)

    job = scheduler.get_job("open_due_renewals")
    # Called the way APScheduler calls it, three seconds after 02:00, by two processes.
    late = datetime(2026, 3, 2, 2, 0, 3, tzinfo=SHANGHAI)
    job.func(*job.args, now=late)
    job.func(*job.args, now=late + timedelta(seconds=2))

    (queued,) = get_queue("default").jobs
    assert queued.id.endswith("scheduled-open_due_renewals-20260301T180000Z")


def test_scheduled_time_is_the_latest_fire_time_within_the_grace_period():
    nightly = cron_trigger("0 2 * * *")
    at_two = datetime(2026, 3, 2, 2, 0, tzinfo=SHANGHAI)
    assert scheduled_time(nightly, at_two) == at_two
    assert scheduled_time(nightly, at_two + timedelta(minutes=4, seconds=59)) == at_two
    assert scheduled_time(cron_trigger("*/15 * * * *"), datetime(2026, 3, 2, 10, 16, 30, tzinfo=SHANGHAI)) == \
        datetime(2026, 3, 2, 10, 15, tzinfo=SHANGHAI)
    with pytest.raises(RuntimeError, match="no fire time"):
        scheduled_time(nightly, at_two - timedelta(seconds=1))


def test_cron_strings_are_read_in_shanghai_and_weekdays_must_be_names():
    after = datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)  # a Monday
    assert cron_trigger("0 9 * * mon-fri").get_next_fire_time(None, after) == \
        datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)
    assert cron_trigger("0 9 * * sun").get_next_fire_time(None, after) == \
        datetime(2026, 3, 8, 9, 0, tzinfo=SHANGHAI)
    with pytest.raises(ValueError, match="names"):
        cron_trigger("0 9 * * 1")
    with pytest.raises(ValueError, match="5 fields"):
        cron_trigger("0 0 9 * * *")


# --- the schedule table -------------------------------------------------------------------------

@pytest.mark.parametrize("item", SCHEDULE, ids=lambda item: item.name)
def test_schedule_entry_is_valid(item):
    module, _, name = item.func.rpartition(".")
    assert module.startswith("jobs."), "scheduled work lives in jobs/"
    func = getattr(importlib.import_module(module), name)
    assert callable(func)
    inspect.signature(func).bind(**item.args)  # raises if an argument name is wrong
    for value in item.args.values():
        check_job_argument(value)
    cron_trigger(item.cron)
    assert item.queue in QUEUES
    assert item.timeout is None or item.timeout > 0


def test_schedule_names_are_unique_and_safe_in_keys_and_job_ids():
    names = [item.name for item in SCHEDULE]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z0-9_]+", name) for name in names)


def test_renewal_sweep_runs_daily_at_two_in_shanghai():
    trigger = cron_trigger(entry("open_due_renewals").cron)
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)
    assert trigger.get_next_fire_time(None, noon) == datetime(2026, 3, 3, 2, 0, tzinfo=SHANGHAI)
    assert trigger.get_next_fire_time(None, noon).astimezone(UTC).hour == 18


def test_app_never_imports_jobs():
    # app/commands/ is exempt: those are the CLI entry points that start the worker and scheduler.
    app_dir = Path(__file__).resolve().parent.parent / "app"
    offenders = [
        str(path.relative_to(app_dir.parent))
        for path in app_dir.rglob("*.py")
        if "commands" not in path.parts
        and re.search(r"^\s*(from|import)\s+jobs\b", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert offenders == []


# --- open_due_renewals --------------------------------------------------------------------------

def _due_policy(agent, end: date, days: int = 365, **kw):
    return factories.policy(agent=agent, start=end - timedelta(days=days - 1), days=days, **kw)


def _next_policy(due, offset_days: int, **kw):
    """Another policy of ours on the due policy's vehicle and line, starting `offset_days` after its end."""
    return factories.policy(customer=due.customer, vehicle=due.vehicle, agent=due.agent, line=kw.pop("line", due.line),
                            start=due.end_date + timedelta(days=offset_days), **kw)


def _record(policy) -> RenewalRecord:
    db.session.expire_all()
    return db.session.execute(select(RenewalRecord).where(RenewalRecord.policy_id == policy.id)).scalar_one()


def _records() -> dict[int, RenewalRecord]:
    db.session.expire_all()
    return {r.policy_id: r for r in db.session.execute(select(RenewalRecord)).scalars()}


def test_opens_a_record_for_each_policy_due_within_the_horizon(agent):
    due = {
        "ends today": _due_policy(agent, TODAY),
        "ends on the horizon": _due_policy(agent, TODAY + timedelta(days=90)),
        "300-day term": _due_policy(agent, TODAY + timedelta(days=5), days=300),
        "compulsory line": _due_policy(agent, TODAY + timedelta(days=5), line=Line.ctpl),
    }
    not_due = {
        "ended yesterday": _due_policy(agent, TODAY - timedelta(days=1)),
        "beyond the horizon": _due_policy(agent, TODAY + timedelta(days=91)),
        "299-day term": _due_policy(agent, TODAY + timedelta(days=5), days=299),
        "cancelled": _due_policy(agent, TODAY + timedelta(days=5), status=PolicyStatus.cancelled),
    }
    db.session.commit()

    result = renewals.open_due_renewals(horizon_days=90, today=TODAY)

    records = _records()
    assert {name for name, p in due.items() if p.id in records} == set(due)
    assert {name for name, p in not_due.items() if p.id in records} == set()
    assert result == renewals.RenewalSync(opened=4, renewed=0)

    policy = due["compulsory line"]
    record = records[policy.id]
    assert (record.vin, record.line, record.due_date) == (policy.vin, Line.ctpl, policy.end_date)
    assert (record.owner_id, record.agent_id, record.team_id, record.branch_id) == \
        (agent.id, agent.id, agent.team_id, policy.branch_id)
    assert record.status == RenewalStatus.open
    assert record.renewed_by_policy_id is None and record.closed_at is None


def test_a_policy_with_a_record_keeps_it_as_it_is(agent):
    policy = _due_policy(agent, TODAY + timedelta(days=10))
    colleague = factories.staff(team=agent.team)
    existing = factories.renewal(policy, owner=colleague)  # reallocated by a manager
    db.session.commit()

    result = renewals.open_due_renewals(today=TODAY)

    assert result.opened == 0
    assert list(_records()) == [policy.id]
    assert _record(policy).id == existing.id and _record(policy).owner_id == colleague.id


@pytest.mark.parametrize(("offset_days", "renewed"), [(-61, False), (-60, True), (30, True), (31, False)])
def test_renewed_when_the_next_policy_starts_within_60_days_before_to_30_after_the_end(
        agent, offset_days, renewed):
    due = _due_policy(agent, TODAY + timedelta(days=10))
    later = _next_policy(due, offset_days)
    db.session.commit()

    result = renewals.open_due_renewals(today=TODAY)

    record = _record(due)
    if renewed:
        assert result.renewed == 1
        assert record.status == RenewalStatus.renewed
        assert record.renewed_by_policy_id == later.id
        assert record.closed_at is not None
    else:
        assert result.renewed == 0
        assert record.status == RenewalStatus.open
        assert record.renewed_by_policy_id is None and record.closed_at is None


def test_a_cancelled_or_other_line_policy_does_not_renew(agent):
    cancelled_next = _due_policy(agent, TODAY + timedelta(days=10))
    _next_policy(cancelled_next, 1, status=PolicyStatus.cancelled)
    other_line = _due_policy(agent, TODAY + timedelta(days=10))
    _next_policy(other_line, 1, line=Line.ctpl)
    db.session.commit()

    renewals.open_due_renewals(today=TODAY)

    assert _record(cancelled_next).status == RenewalStatus.open
    assert _record(other_line).status == RenewalStatus.open


def test_the_earliest_renewal_policy_is_the_one_recorded(agent):
    due = _due_policy(agent, TODAY + timedelta(days=10))
    _next_policy(due, 20)
    first = _next_policy(due, 1)
    db.session.commit()

    renewals.open_due_renewals(today=TODAY)

    assert _record(due).renewed_by_policy_id == first.id


def test_open_records_outside_the_horizon_are_still_closed_when_renewed(agent):
    # Opened by an earlier run; its policy ended 20 days ago and the renewal arrives late.
    lapsed = _due_policy(agent, TODAY - timedelta(days=20))
    factories.renewal(lapsed)
    later = _next_policy(lapsed, 25)
    db.session.commit()

    assert renewals.open_due_renewals(today=TODAY) == renewals.RenewalSync(opened=0, renewed=1)
    assert _record(lapsed).renewed_by_policy_id == later.id


def test_running_twice_changes_nothing_the_second_time(agent):
    renewed = _due_policy(agent, TODAY + timedelta(days=3))
    _next_policy(renewed, 1)
    _due_policy(agent, TODAY + timedelta(days=40))
    db.session.commit()
    first = renewals.open_due_renewals(today=TODAY)

    def snapshot():
        return db.session.execute(text("SELECT * FROM renewal_records ORDER BY id")).all()

    before = snapshot()
    second = renewals.open_due_renewals(today=TODAY)

    assert first == renewals.RenewalSync(opened=2, renewed=1)
    assert second == renewals.RenewalSync(opened=0, renewed=0)
    assert snapshot() == before


def test_renewal_job_runs_in_a_worker_against_the_test_database(agent, run_jobs):
    today = renewals.business_today()
    due = _due_policy(agent, today + timedelta(days=30))
    _next_policy(due, 1)
    db.session.commit()

    job = launch("jobs.renewals.open_due_renewals", horizon_days=60)
    run_jobs()

    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == {"opened": 1, "renewed": 1}
    assert _record(due).status == RenewalStatus.renewed


def test_job_logs_mask_the_credentials_providers_take_in_the_query(fake_wechat):
    """urllib3 logs every request URL at DEBUG, and requests quotes it in connection errors;
    WeChat's API takes its secret, codes and access tokens in the query string."""
    import io
    import logging

    import requests

    from jobs.runtime import LOG_FORMAT, RedactSecrets, configure_logging

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactSecrets())
    urllib3_log = logging.getLogger("urllib3")
    level = urllib3_log.level
    urllib3_log.addHandler(handler)
    urllib3_log.setLevel(logging.DEBUG)
    try:
        requests.get(f"{fake_wechat.base_url}/sns/jscode2session", timeout=5, params={
            "appid": fake_wechat.app_id, "secret": fake_wechat.secret, "js_code": "WXCODE-42",
            "grant_type": "authorization_code"})
        try:
            requests.get("http://127.0.0.1:9/cgi-bin/message/send?access_token=TOKEN-123&debug=1", timeout=0.5)
        except requests.ConnectionError:
            urllib3_log.exception("send failed")
    finally:
        urllib3_log.removeHandler(handler)
        urllib3_log.setLevel(level)
    out = stream.getvalue()
    assert "/sns/jscode2session?" in out and "send failed" in out and "Traceback" in out
    assert fake_wechat.secret not in out and "WXCODE-42" not in out and "TOKEN-123" not in out
    assert "secret=***" in out and "js_code=***" in out and "access_token=***" in out
    assert f"appid={fake_wechat.app_id}" in out and "debug=1" in out  # the rest of the URL stays readable

    configure_logging("INFO")
    assert all(any(isinstance(f, RedactSecrets) for f in h.filters) for h in logging.getLogger().handlers)
