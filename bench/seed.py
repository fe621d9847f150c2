"""Benchmark of the demo seed: `python -m bench.seed [--policies N] [--million]`.

Creates a fresh database on the server named by BENCH_DATABASE_URL (default: the machine's
PostgreSQL; an embedded server under a temporary folder when that is unreachable), migrates it,
runs app.services.demo_seed.run, and reports wall time, rows per second and the process's peak
memory. As a baseline it then COPYs the same number of synthetic rows into a bare table (no
indexes, constraints or foreign keys) on the same server, and reports seed speed / baseline speed.
The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

from app import create_app, embedded
from config import test_config

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def fresh_database():
    """Yield (SQLAlchemy URL, where) of a new empty database; drop it (and any embedded server) after."""
    server = os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER)
    try:
        psycopg.connect(server, connect_timeout=3).close()
        where = "machine PostgreSQL"
    except psycopg.OperationalError:
        server, where = None, "embedded PostgreSQL"
    with embedded.scratch_database(server, "baoyun_bench") as (url, version):
        yield url, f"{where} {version}"


def baseline_copy(database_url: str, rows: int) -> float:
    """Seconds to COPY `rows` synthetic rows, shaped like a narrow policy row, into a bare table."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE bench_bare (id integer, number text, day date, amount numeric(14,2), "
                     "ref integer, note text)")
        started = time.perf_counter()
        with conn.cursor().copy("COPY bench_bare (id, number, day, amount, ref, note) FROM STDIN") as copy:
            for i in range(rows):
                copy.write_row((i, f"PDAA2026130100{i:08d}", "2026-01-01", f"{i % 9999}.{i % 100:02d}", i % 977,
                                "valid"))
        conn.commit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark of flask demo seed")
    parser.add_argument("--policies", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="1,000,000 policies")
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    policies = 1_000_000 if args.million else args.policies

    with fresh_database() as database_url, tempfile.TemporaryDirectory(prefix="baoyun-bench-var-") as var_dir:
        database_url, where = database_url
        app = create_app(test_config(DATABASE_URL=database_url, VAR_DIR=var_dir,
                                     REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")))
        with app.app_context():
            from flask_migrate import upgrade

            from app.extensions import db
            from app.services import demo_seed

            upgrade()
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            result = demo_seed.run(policies=policies, seed=args.seed, progress=False)
            seconds = time.perf_counter() - started
            peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            db.session.remove()
            db.engine.dispose()
        baseline = baseline_copy(database_url, result.total_rows)

    rows = result.total_rows
    seed_rate, base_rate = rows / seconds, rows / baseline
    print()
    print(f"command:        .venv/bin/python -m bench.seed {'--million' if args.million else f'--policies {policies}'}")
    print(f"machine:        {os.cpu_count()} CPUs, Python {platform.python_version()}, {where}")
    print(f"policies:       {policies:,}")
    print("rows:           " + ", ".join(f"{t} {n:,}" for t, n in result.rows.items()))
    print(f"total rows:     {rows:,}")
    print(f"seed wall time: {seconds:.1f} s  ({seed_rate:,.0f} rows/s, {policies / seconds:,.0f} policies/s)")
    print(f"peak RSS:       {peak_kib / 1024:.0f} MiB (before the seed: {rss_before / 1024:.0f} MiB)")
    print(f"baseline:       bare-table COPY of {rows:,} synthetic rows: {baseline:.1f} s ({base_rate:,.0f} rows/s)")
    print(f"ratio:          seed speed is {seed_rate / base_rate:.2f} of the bare COPY "
          f"(seed takes {seconds / baseline:.1f}x as long)")


if __name__ == "__main__":
    main()
