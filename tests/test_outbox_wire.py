"""The outbox through the real gateways, against the provider fakes at the wire: retries on a 5xx,
43101 as permanent, quiet hours and caps as the provider sees them, and real RQ worker processes
(one killed with SIGKILL mid-send, two delivering at once) never sending a message twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from app.extensions import db as _db
from app.models.messaging import MessageStatus
from app.services import messaging
from app.services.messaging.templates import load_default_templates
from app.tasks import launch
from tests.fakes.plugin import messaging_config
from tests.test_outbox import CLAIM, EXPIRY, MOBILE, NOON, OPENID, row, shanghai, sms

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def templates(db):
    load_default_templates()


def deliver(at, **kw):
    """Delivery as the job runs it: gateways from app.integrations.registry (live, at the fakes)."""
    return messaging.deliver_due(clock=lambda: at, **kw)


def sms_keys(fake) -> list[str]:
    return [body["SessionContext"] for body in fake.sent]


def test_a_5xx_from_the_sms_provider_is_retried_after_the_backoff_and_sent_once(live_messaging, templates):
    fake = live_messaging.sms
    fake.fail_next(status=502)
    message = sms("wire:5xx")

    deliver(NOON)
    waiting = row(message.id)
    assert waiting.status == MessageStatus.queued and waiting.error_code == "502"
    assert waiting.next_try_at == NOON + timedelta(seconds=30)
    assert fake.received_count == 1 and fake.sent == []

    deliver(NOON + timedelta(seconds=30))
    assert row(message.id).status == MessageStatus.sent and row(message.id).attempts == 2
    assert fake.received_count == 2 and sms_keys(fake) == ["wire:5xx"]
    [body] = fake.sent
    assert body["PhoneNumberSet"] == [f"+86{MOBILE}"] and body["SignName"] == "保运"
    assert body["TemplateParamSet"] == list(EXPIRY.values())


def test_a_provider_timeout_is_left_uncertain_not_retried(app, live_messaging, templates):
    fake = live_messaging.sms
    fake.stall_next(5)
    message = sms("wire:timeout")
    with messaging_config(app, HTTP_TIMEOUT_SECONDS=1):
        deliver(NOON)
    fake.release_stalls()
    assert row(message.id).status == MessageStatus.uncertain and row(message.id).error_code == "timeout"
    deliver(NOON + timedelta(days=1))
    assert fake.received_count == 1


def test_43101_from_wechat_fails_the_message_for_good_and_zeroes_the_consent(live_messaging, templates):
    fake = live_messaging.wechat
    fake.refused_openids.add(OPENID)
    messaging.grant_subscriptions(OPENID, ["TPL-CLAIM-PROGRESS"])
    messaging.grant_subscriptions(OPENID, ["TPL-CLAIM-PROGRESS"])
    message = messaging.enqueue("wechat_subscribe", OPENID, "claim_progress_wechat", CLAIM, "wire:43101")

    deliver(NOON)

    failed = row(message.id)
    assert failed.status == MessageStatus.failed and failed.error_code == "43101" and failed.attempts == 1
    assert messaging.subscriptions_left(OPENID, "TPL-CLAIM-PROGRESS") == 0
    deliver(NOON + timedelta(days=1))
    assert fake.received_count == 1


def test_one_subscription_one_message_as_wechat_counts_it(live_messaging, templates):
    fake = live_messaging.wechat
    fake.require_subscription = True
    fake.subscribe(OPENID, "TPL-CLAIM-PROGRESS", 1)
    messaging.grant_subscriptions(OPENID, ["TPL-CLAIM-PROGRESS"])
    first = messaging.enqueue("wechat_subscribe", OPENID, "claim_progress_wechat", CLAIM, "wire:sub:1")
    second = messaging.enqueue("wechat_subscribe", OPENID, "claim_progress_wechat", CLAIM, "wire:sub:2")

    deliver(NOON)

    assert row(first.id).status == MessageStatus.sent
    assert row(second.id).status == MessageStatus.skipped and row(second.id).error_code == "no_consent"
    # The second never reached WeChat, which would have refused it with 43101.
    assert fake.received_count == 1 and len(fake.delivered) == 1


def test_quiet_hours_and_caps_hold_at_the_providers(live_messaging, templates):
    night = shanghai(1, 22, 30)
    for n in range(4):
        sms(f"wire:cap:{n}")
    messaging.enqueue("wecom_app", "lijingli", "renewal_task_wecom",
                      {"name": "李经理", "count": 3, "days": 30, "new_count": 1}, "wire:wecom")

    deliver(night)
    assert live_messaging.sms.received_count == 0
    assert len(live_messaging.wecom.delivered) == 1

    deliver(shanghai(2, 8))
    assert sorted(sms_keys(live_messaging.sms)) == ["wire:cap:0", "wire:cap:1", "wire:cap:2"]
    counts = dict(_db.session.execute(
        text("SELECT status, count(*) FROM outbox_messages WHERE channel = 'sms' GROUP BY status")).all())
    assert counts == {"sent": 3, "skipped": 1}


# ---- real RQ worker processes ---------------------------------------------------------------------

def worker_env(app, **extra) -> dict:
    """The environment a worker process needs to build this test app: same database, Redis db,
    keys (it must decrypt the mobiles) and messaging settings (the fakes)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    names = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY", "REDIS_URL", "REDIS_PREFIX", "VAR_DIR",
             "MESSAGING_MODE", "HTTP_TIMEOUT_SECONDS", "SMS_API_BASE_URL", "SMS_SECRET_ID", "SMS_SECRET_KEY",
             "SMS_SDK_APP_ID", "SMS_SIGN_NAME", "SMS_REGION", "MESSAGE_SEND_LEASE_SECONDS")
    env.update({name: str(app.config[name]) for name in names})
    # Real time runs in the workers: keep the evening's quiet hours out of these tests.
    env.update(ENV="test", DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], LOG_LEVEL="WARNING",
               MESSAGE_QUIET_HOURS="", **extra)
    return env


def start_worker(app, log_path: Path) -> subprocess.Popen:
    """A real `python -m jobs.worker messages --burst` (forking work horse), in its own process
    group so a SIGKILL can take the parent and the work horse at once."""
    return subprocess.Popen([sys.executable, "-m", "jobs.worker", "messages", "--burst"], cwd=ROOT,
                            env=worker_env(app), stdout=log_path.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def child_pids(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def kill_with_children(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its work horse (RQ puts the horse in a session of its own, so the
    worker's process group does not reach it)."""
    horses = child_pids(worker.pid)
    os.killpg(worker.pid, signal.SIGKILL)
    for pid in horses:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.wait(timeout=10)


def test_a_worker_killed_mid_send_never_sends_the_message_twice(app, live_messaging, templates, tmp_path):
    fake = live_messaging.sms
    fake.stall_next(60)  # the provider holds the send: the worker is inside gateway.send()
    message = sms("wire:killed")  # also launches the delivery job
    worker = start_worker(app, tmp_path / "worker.log")
    try:
        assert fake.wait_for_requests(1, timeout=60), (tmp_path / "worker.log").read_text()
        assert row(message.id).status == MessageStatus.sending
    finally:
        kill_with_children(worker)  # the worker and its work horse, mid-send
    fake.release_stalls()  # the provider finishes the send nobody is waiting for any more
    deadline = time.monotonic() + 5
    while fake.accepted_count < 1 and time.monotonic() < deadline:
        time.sleep(0.02)

    # Deliveries after the crash: within the lease nothing happens; after it the row is uncertain.
    lease = timedelta(seconds=app.config["MESSAGE_SEND_LEASE_SECONDS"])
    now = row(message.id).send_started_at
    assert deliver(now + lease - timedelta(seconds=1)).claimed == 0
    report = deliver(now + lease + timedelta(seconds=1))
    assert report.uncertain == 1 and report.claimed == 0
    deliver(now + lease + timedelta(days=1))

    stuck = row(message.id)
    assert stuck.status == MessageStatus.uncertain and stuck.error_code == "lease_expired"
    assert fake.received_count == 1
    assert fake.accepted_by_context == {"wire:killed": 1}


def test_two_worker_processes_deliver_each_message_exactly_once(app, live_messaging, templates, tmp_path):
    fake = live_messaging.sms
    total = 300
    for n in range(total):
        sms(f"wire:pair:{n}", mobile=f"139{n:08d}", kick=False)
    fake.stall_next(0.05, times=total)  # 50 ms a send: one worker alone would need 15 s, so both are at it
    for _ in range(2):  # two delivery jobs, so both workers have one to run
        launch("jobs.messages.deliver_due", 20, queue="messages", retry=False)
    workers = [start_worker(app, tmp_path / f"worker{n}.log") for n in range(2)]
    for n, worker in enumerate(workers):
        assert worker.wait(timeout=120) == 0, (tmp_path / f"worker{n}.log").read_text()

    assert fake.accepted_count == total
    assert len(fake.accepted_by_context) == total and set(fake.accepted_by_context.values()) == {1}
    assert _db.session.execute(
        text("SELECT count(*), count(DISTINCT claimed_by) FROM outbox_messages WHERE status = 'sent'")
    ).one() == (total, 2)

