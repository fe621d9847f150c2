"""`flask worker` and `flask scheduler`: the RQ worker and the APScheduler process."""

from __future__ import annotations

import click


@click.command("worker")
@click.option("--queues", "-q", default="default,messages,reports", show_default=True)
@click.option("--burst", is_flag=True, help="处理完队列中的任务后退出")
def worker_command(queues: str, burst: bool) -> None:
    """运行后台任务进程(RQ worker)"""
    from jobs.worker import run_worker

    run_worker(queues.split(","), burst=burst)


@click.command("scheduler")
def scheduler_command() -> None:
    """运行定时任务调度进程(只负责入队)"""
    from jobs.scheduler import run_scheduler

    run_scheduler()
