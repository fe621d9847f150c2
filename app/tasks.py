"""Enqueue background work by dotted name: the one door from the web side into the RQ queues.

app/ never imports jobs/: callers name the job function as a string ("jobs.renewals.open_due_renewals")
and the worker imports it when the job runs. Job arguments are plain data (ids, strings, dates),
never ORM objects: a worker loads fresh rows in its own session, and a pickled model would carry
stale state and a dead session into another process.

Queue names and dedupe ids carry the deployment's REDIS_PREFIX. RQ keeps its own keys under "rq:",
whatever our prefix; naming our queues and ids with it means two deployments sharing one Redis
server never run (or dedupe against) each other's jobs.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import InstanceState

from app.extensions import redis_ext

# Logical queue names. Workers listen on all three by default; a busy deployment can give
# `reports` (long exports) its own worker so a big export never delays a customer message.
QUEUES = ("default", "messages", "reports")

# Seconds to wait before the 1st, 2nd, 3rd ... retry; the last value repeats if JOB_RETRIES is
# longer. Growing waits ride out a flapping WeCom/SMS endpoint without hammering it.
DEFAULT_RETRY_INTERVALS = (10, 60, 300)

# A job in one of these states is still going to run, or is running (SCHEDULED: waiting out a
# retry's back-off): launching it again would duplicate the work.
_PENDING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}

_PLAIN_SCALARS = (str, int, float, bool, Decimal, date, datetime, time, timedelta, uuid.UUID, type(None))
_FUNC_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
_JOB_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class JobArgumentError(TypeError):
    """A job was given something other than plain data; the message says what to pass instead."""


def get_queue(name: str = "default") -> Queue:
    """The RQ queue `name` on the app's Redis, with the configured default job timeout."""
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; known queues: {', '.join(QUEUES)}")
    return Queue(queue_key_name(name), connection=redis_ext.client,
                 default_timeout=current_app.config["JOB_TIMEOUT_SECONDS"])


def queue_key_name(name: str) -> str:
    """The name RQ stores queue `name` under: the logical name behind the deployment's prefix."""
    return f"{current_app.config['REDIS_PREFIX']}{name}"


def launch(func_path: str, *args, queue: str = "default", job_id: str | None = None, retry: bool = True,
           job_timeout: int | None = None, **kwargs) -> Job:
    """Enqueue `func_path(*args, **kwargs)` on `queue` and return the RQ job.

    job_id: a deterministic id makes the launch idempotent: while a job with that id is still
        queued, scheduled for a retry or running, launching it again returns that job instead of
        adding a second one. Once it has finished or failed, a new launch replaces it.
    retry: retry a failing job JOB_RETRIES times with growing waits (JOB_RETRY_INTERVALS);
        turn it off for work that must not run twice, such as a message without a dedupe key.
    job_timeout: seconds before the worker kills the job; JOB_TIMEOUT_SECONDS when not given.
    """
    if not isinstance(func_path, str) or not _FUNC_PATH.fullmatch(func_path):
        raise JobArgumentError(
            f"launch() takes the job function's dotted path, e.g. 'jobs.renewals.open_due_renewals', "
            f"not {func_path!r}")
    for position, value in enumerate(args):
        check_job_argument(value, f"argument {position}")
    for name, value in kwargs.items():
        check_job_argument(value, f"argument {name!r}")

    target = get_queue(queue)
    options = dict(args=args, kwargs=kwargs, timeout=job_timeout, retry=_retry_policy() if retry else None,
                   description=_describe(func_path, args, kwargs))
    if job_id is None:
        return target.enqueue_call(func_path, **options)

    full_id = _namespaced_job_id(job_id)
    # RQ's unique enqueue checks and writes the job key in one Lua script, so two launches racing
    # on the same id cannot both create it. A finished or failed job keeps its key for a while
    # (result and failure TTLs), so a duplicate is only a refusal if that job is still pending.
    for _ in range(2):
        try:
            return target.enqueue_call(func_path, job_id=full_id, unique=True, **options)
        except DuplicateJobError:
            try:
                existing = Job.fetch(full_id, connection=redis_ext.client)
            except NoSuchJobError:
                continue  # expired between the two calls; try again
            if existing.get_status(refresh=False) in _PENDING:
                return existing
            existing.delete()
    raise RuntimeError(f"could not enqueue job {full_id}: it keeps being re-created concurrently")


def _retry_policy() -> Retry | None:
    """Retry(max=JOB_RETRIES) with one wait per retry, from JOB_RETRY_INTERVALS."""
    retries = current_app.config["JOB_RETRIES"]
    if retries < 1:
        return None
    intervals = list(_retry_intervals())
    # RQ picks a retry's wait by counting from the end of the list, so give it exactly one value
    # per retry: 10, 60, 300, 300, ... rather than RQ's surprising re-use of the first value.
    intervals = (intervals + [intervals[-1]] * retries)[:retries]
    return Retry(max=retries, interval=intervals)


def _retry_intervals() -> Iterable[int]:
    raw = current_app.config.get("JOB_RETRY_INTERVALS") or DEFAULT_RETRY_INTERVALS
    if isinstance(raw, str):
        raw = [part for part in raw.split(",") if part.strip()]
    if isinstance(raw, int):
        raw = [raw]
    return [int(value) for value in raw] or list(DEFAULT_RETRY_INTERVALS)


def _namespaced_job_id(job_id: str) -> str:
    """The caller's id behind the deployment's prefix, in the characters RQ allows in an id."""
    namespace = _JOB_ID_UNSAFE.sub("", current_app.config["REDIS_PREFIX"])
    safe = _JOB_ID_UNSAFE.sub("-", job_id).strip("-")
    if not safe:
        raise ValueError(f"job_id {job_id!r} has no letters or digits")
    return f"{namespace}-{safe}" if namespace else safe


def check_job_argument(value: object, where: str = "an argument") -> None:
    """Raise JobArgumentError unless `value` is plain data a job may take (also nested in lists and dicts)."""
    if _is_orm_object(value):
        raise JobArgumentError(
            f"{where} of a job is a {type(value).__name__} row; pass its id and load it in the job")
    if isinstance(value, _PLAIN_SCALARS):
        return
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            check_job_argument(item, where)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            check_job_argument(key, where)
            check_job_argument(item, where)
        return
    raise JobArgumentError(
        f"{where} of a job is a {type(value).__name__}; jobs take plain data: ids, strings, numbers, dates")


def _is_orm_object(value: object) -> bool:
    return isinstance(sa_inspect(value, raiseerr=False), InstanceState)


def _describe(func_path: str, args: tuple, kwargs: dict) -> str:
    """A short, readable description for logs and the failed registry (RQ's default repr can be long)."""
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    text = f"{func_path}({', '.join(parts)})"
    return text if len(text) <= 200 else text[:197] + "..."
