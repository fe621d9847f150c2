"""The RQ worker process: builds the app once, then runs jobs from Baoyun's queues.

Run it as `flask --app wsgi worker [-q default,messages] [--burst]` or `python -m jobs.worker
[queue ...]`. Several workers may run at once, on one host or many.

Forking, deliberately. Each job runs in a child process (RQ's "work horse") forked from a parent
that has already built the app, so starting a job costs a fork, not an app start. A job that
leaks memory, wedges inside a C extension or crashes the interpreter takes only its child down,
and the parent kills a child that outlives its timeout. Our jobs run for seconds to minutes, so
the fork is noise. The price is shared state across the fork:

- PostgreSQL: the child inherits the parent's pooled sockets, and two processes speaking on one
  socket corrupt both sessions. The child therefore drops the inherited pool with
  `dispose(close=False)`: it forgets those connections without closing them (closing would
  send a Terminate on the parent's socket) and opens its own on first use.
- Redis: redis-py's pool notices the changed pid and opens fresh connections by itself.

InProcessWorker runs jobs without forking: for tests (which need jobs inside the test's app and
database) and for stepping through a job in a debugger.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

import redis
from flask import Flask
from rq import Queue, SimpleWorker, Worker
from rq.job import Job

from app import tasks
from app.extensions import db
from jobs.runtime import build_app


class AppWorkerMixin:
    """Runs each job inside a fresh app context, so every job gets its own SQLAlchemy session and
    Flask-SQLAlchemy removes it (rolling back anything left uncommitted) when the job ends."""

    def __init__(self, *args, app: Flask | None = None, **kwargs):
        # Optional only because RQ's class methods (Worker.all, find_by_key) build worker objects
        # without it, for monitoring; those never run jobs.
        self.app = app
        super().__init__(*args, **kwargs)

    def perform_job(self, job: Job, queue: Queue, execution) -> bool:
        if self.app is None:
            raise RuntimeError("a Baoyun worker needs the app to run jobs: pass app=")
        with self.app.app_context():
            self.before_job()
            return super().perform_job(job, queue, execution)

    def before_job(self) -> None:
        """Runs in the process that performs the job, inside its app context, before the job."""


class BaoyunWorker(AppWorkerMixin, Worker):
    """The production worker: one forked child per job (see the module docstring for why)."""

    def before_job(self) -> None:
        # In the forked child, before job code can check out an inherited connection. (Here rather
        # than in main_work_horse: an error here fails the job; one there would escape the child's
        # exit guard and run the parent's code on in the child.)
        db.engine.dispose(close=False)


class InProcessWorker(AppWorkerMixin, SimpleWorker):
    """Runs jobs in the worker's own process: no fork, no pool hand-over, no hard kill on timeout."""


def make_worker(app: Flask, queues: Iterable[str], worker_class: type[Worker] = BaoyunWorker) -> Worker:
    """A worker for the logical queue names `queues`, on the app's Redis."""
    names = [name.strip() for name in queues if name.strip()]
    if not names:
        raise ValueError("a worker needs at least one queue")
    with app.app_context():
        queue_keys = [tasks.get_queue(name).name for name in names]  # also rejects unknown names
    # A connection of its own: RQ raises the socket timeout of the connection it is given (to
    # wait minutes on a blocking pop), which must not leak into the app's short-timeout pool.
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    return worker_class(queue_keys, connection=connection, app=app)


def run_worker(queues: Iterable[str] = tasks.QUEUES, burst: bool = False) -> bool:
    """Build the app, then work `queues` until stopped (or, with burst, until they are empty).

    The worker also starts RQ's own scheduler process (not ours: of all workers, only the one
    holding RQ's per-queue lock acts), which moves a retry back onto its queue once its back-off
    wait is over; without it a job waiting for a retry would wait forever.
    """
    app = build_app()
    worker = make_worker(app, queues)
    with app.app_context():
        return worker.work(burst=burst, with_scheduler=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m jobs.worker", description="运行后台任务进程(RQ worker)")
    parser.add_argument("queues", nargs="*", default=list(tasks.QUEUES), help="要处理的队列,默认全部")
    parser.add_argument("--burst", action="store_true", help="处理完队列中的任务后退出")
    options = parser.parse_args(argv)
    run_worker(options.queues, burst=options.burst)


if __name__ == "__main__":
    main()
