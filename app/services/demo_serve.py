"""Run the whole platform on one machine for `make demo`: web (gunicorn), an RQ worker and the
scheduler, sharing the database and Redis of the current app (embedded ones under VAR_DIR when
no URLs are configured). Stops them all together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import current_app


def _credentials_note(var_dir: Path) -> str:
    path = var_dir / "demo-credentials.txt"
    return path.read_text().strip() if path.exists() else "(尚未生成演示账号:先运行 flask --app wsgi demo seed)"


def serve_all(host: str, port: int, web_workers: int, with_jobs: bool) -> None:
    cfg = current_app.config
    var_dir = Path(cfg["VAR_DIR"])
    env = dict(os.environ)
    # Children must use exactly the engines and keys this process resolved.
    env.update(DATABASE_URL=cfg["SQLALCHEMY_DATABASE_URI"], REDIS_URL=cfg["REDIS_URL"], VAR_DIR=str(var_dir),
               SECRET_KEY=cfg["SECRET_KEY"], FIELD_ENCRYPTION_KEY=cfg["FIELD_ENCRYPTION_KEY"],
               FIELD_HASH_KEY=cfg["FIELD_HASH_KEY"], ENV=cfg["ENV"])
    root = Path(__file__).resolve().parents[2]
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    commands = {
        "web": [sys.executable, "-m", "gunicorn", "--workers", str(web_workers), "--bind", f"{host}:{port}",
                "--access-logfile", "-", "--graceful-timeout", "5", "wsgi:app"],
    }
    if with_jobs:
        commands["worker"] = flask + ["worker"]
        commands["scheduler"] = flask + ["scheduler"]

    procs: dict[str, subprocess.Popen] = {}
    for name, argv in commands.items():
        procs[name] = subprocess.Popen(argv, cwd=root, env=env)

    stopping = False

    def stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    click.echo("")
    click.echo(f"保运已启动: http://{host}:{port}/admin/   健康检查: http://{host}:{port}/healthz")
    click.echo(f"接口文档: http://{host}:{port}/api/openapi.json")
    click.echo(_credentials_note(var_dir))
    click.echo("按 Ctrl-C 停止。")

    exit_code = 0
    try:
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    click.echo(f"{name} 进程已退出(返回码 {proc.returncode}),正在停止其余进程", err=True)
                    exit_code = proc.returncode or 1
                    stopping = True
                    break
            time.sleep(0.5)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
    if exit_code:
        sys.exit(exit_code)
