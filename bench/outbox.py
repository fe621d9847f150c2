"""Benchmark of outbox delivery: `python -m bench.outbox [--messages N] [--workers 2]`.

Creates a fresh database (as bench/seed.py does) and a Redis db of its own, starts the fake
Tencent SMS server (tests/fakes/sms.py, which verifies every request's TC3 signature), queues N
SMS messages to N different mobiles (setup, not timed), then starts W real RQ worker processes
(`python -m jobs.worker messages --burst`) and times them from start to exit. Checks afterwards:

- none twice: the fake accepted each message's dedupe key (SendSms SessionContext) exactly once;
- none lost: every outbox row is 'sent', and the fake accepted N sends.

Throughput = N / wall seconds (worker start-up included). The fake alone answers about 700
SendSms a second here (tests/fakes), so the numbers are the outbox's, not the fake's ceiling.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, text

from app import create_app
from bench.seed import fresh_database
from config import test_config
from tests.fakes.sms import start_fake_sms
from tests.services import test_redis

ROOT = Path(__file__).resolve().parent.parent
WORKER_ENV_KEYS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY", "REDIS_URL", "REDIS_PREFIX", "VAR_DIR",
                   "MESSAGING_MODE", "SMS_API_BASE_URL", "SMS_SECRET_ID", "SMS_SECRET_KEY", "SMS_SDK_APP_ID",
                   "SMS_SIGN_NAME", "SMS_REGION", "MESSAGE_QUIET_HOURS", "MESSAGE_BATCH_SIZE")


def queue_messages(count: int) -> None:
    """`count` queued SMS rows, rendered once through the template like enqueue() would."""
    from app.extensions import db
    from app.models.messaging import MessageChannel, MessageTemplate, OutboxMessage
    from app.security.fields import cipher
    from app.services.messaging.outbox import recipient_hash
    from app.services.messaging.render import render
    from app.services.messaging.templates import load_default_templates

    load_default_templates()
    template = db.session.execute(db.select(MessageTemplate).where(MessageTemplate.code == "birthday_sms")).scalar_one()
    rendered = render(template, {"name": "张先生"})
    rows = []
    for n in range(count):
        mobile = f"139{n:08d}"
        rows.append(dict(channel=MessageChannel.sms, recipient=None, recipient_enc=cipher().encrypt(mobile),
                         recipient_hash=recipient_hash(MessageChannel.sms, mobile), template_id=template.id,
                         payload={"name": "张先生"}, body=rendered.body, body_text=rendered.text,
                         dedupe_key=f"bench:birthday:{n}"))
        if len(rows) == 5000:
            db.session.execute(insert(OutboxMessage), rows)
            rows = []
    if rows:
        db.session.execute(insert(OutboxMessage), rows)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark of outbox delivery by RQ workers to the fake SMS server")
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=100)
    options = parser.parse_args()

    fake = start_fake_sms()
    fake.keep_requests = False  # count, don't keep 50,000 request objects
    with fresh_database() as (database_url, where), test_redis() as redis_url, \
            tempfile.TemporaryDirectory() as var_dir:
        config = test_config(
            DATABASE_URL=database_url, REDIS_URL=redis_url, VAR_DIR=var_dir, MESSAGING_MODE="live",
            SMS_API_BASE_URL=fake.base_url, SMS_SECRET_ID=fake.secret_id, SMS_SECRET_KEY=fake.secret_key,
            SMS_SDK_APP_ID=fake.sdk_app_id, MESSAGE_QUIET_HOURS="", MESSAGE_BATCH_SIZE=options.batch_size)
        app = create_app(config)
        with app.app_context():
            from flask_migrate import upgrade

            from app.extensions import db
            from app.tasks import launch

            upgrade()
            started = time.perf_counter()
            queue_messages(options.messages)
            print(f"queued {options.messages:,} messages in {time.perf_counter() - started:.1f} s (setup)")
            # More delivery jobs than workers: a job stops claiming after its time budget, and
            # a burst worker exits when the queue is empty; spare jobs finish at once.
            for _ in range(options.workers * 8):
                launch("jobs.messages.deliver_due", queue="messages", retry=False)
            db.session.remove()

            env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "BENCH_"))}
            env.update({key: str(app.config[key]) for key in WORKER_ENV_KEYS})
            env.update(ENV="test", DATABASE_URL=database_url, LOG_LEVEL="WARNING")
            started = time.perf_counter()
            workers = [subprocess.Popen([sys.executable, "-m", "jobs.worker", "messages", "--burst"], cwd=ROOT,
                                        env=env) for _ in range(options.workers)]
            codes = [worker.wait() for worker in workers]
            elapsed = time.perf_counter() - started

            statuses = dict(db.session.execute(
                text("SELECT status, count(*) FROM outbox_messages GROUP BY status")).all())
            runs = db.session.execute(text("SELECT count(DISTINCT claimed_by) FROM outbox_messages")).scalar_one()
            db.session.remove()

        twice = sum(1 for n in fake.accepted_by_context.values() if n > 1)
        lost = options.messages - statuses.get("sent", 0)
        print(f"database: {where}; Python {platform.python_version()}; {os.cpu_count()} CPUs")
        print(f"workers: {options.workers} RQ processes (exit codes {codes}); {runs} delivery job runs sent "
              f"messages; batch size {options.batch_size}")
        print(f"delivered {fake.accepted_count:,} of {options.messages:,} in {elapsed:.1f} s: "
              f"{options.messages / elapsed:,.0f} msgs/s")
        print(f"statuses: {statuses}; sent twice: {twice}; lost: {lost}; "
              f"distinct dedupe keys at the fake: {len(fake.accepted_by_context):,}; "
              f"signature failures at the fake: {fake.signature_failures}")
    fake.stop()
    ok = twice == 0 and lost == 0 and fake.accepted_count == options.messages and all(c == 0 for c in codes)
    print("OK: none twice, none lost" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
