"""Benchmark of the mini-program API: `python -m bench.mp_api [--duration 15] [--connections 32]`.

Creates a fresh database (as bench/seed.py does) and a Redis db of its own, migrates it and seeds
one customer with POLICIES policies and a points ledger of LEDGER entries (awards and spends, as
the points service writes them). Then, one after the other, under the same gunicorn settings
(by default those of the README's deployment line: 2 sync workers per CPU; no access log), it serves

- bare: a Flask app with one JSON endpoint and nothing else (the baseline), and beside it, as a
  reference outside the targets, the same endpoint after one prepared `SELECT 1` on the worker's
  own connection (the least an endpoint that reads the database can cost on this machine);
- the Baoyun app, driven with the customer's bearer token at `GET /api/mp/points`, at
  `GET /api/mp/policies` (its defaults: every status, 20 a page) and at the request the
  mini-program's 保单 tab makes when it opens (`?status=in_force&page=1&page_size=10`,
  miniprogram/utils/paged-list.js); and at `GET /healthz` (no token: one `SELECT 1` and one Redis
  PING) as another reference,

and drives each with wrk (`-t2 -c32 --latency`, after a short warm-up, and only once every worker
of both servers has finished importing its app), in ROUNDS rounds (both servers stay up; the idle
one uses nothing), so a burst of load from elsewhere on the machine shows as one odd round rather
than one odd endpoint. It prints req/s and p99 of every run, the ratio to bare's req/s in the
same round (and to `bare + SELECT 1`'s), the machine's CPU time per request (all processes, and
gunicorn's, PostgreSQL's, Redis's share; wrk's own ends with the run and is left in the total),
the load average when each run started, and whether the targets hold in the median round: each
`/api/mp` endpoint >= 50% of bare's req/s and p99 < 50 ms. Exit status 0 when they all do.

wrk is the Debian package (`apt-get install -y wrk`); the benchmark refuses to run without it.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, jsonify
from sqlalchemy import text

from bench.procs import cpu_by_command, wait_until_booted

ROOT = Path(__file__).resolve().parent.parent
# Whose CPU a request costs, by process name: gunicorn's workers are `python` processes (the
# benchmark's own process sleeps while wrk runs).
CPU_GROUPS = {"gunicorn": ("python", "gunicorn"), "postgres": ("postgres",), "redis": ("redis",)}
DEFAULT_WORKERS = 2 * (os.cpu_count() or 1)  # README: gunicorn --workers $((2*CPU))
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
# What the mini-program's 保单 tab asks for when it opens (miniprogram/pages/policies, utils/paged-list.js).
TAB_QUERY = "status=in_force&page=1&page_size=10"


# ---- the two apps gunicorn serves (`bench.mp_api:bare_app()`, `bench.mp_api:baoyun_app()`) --------

def bare_app() -> Flask:
    """The baseline: a bare Flask JSON endpoint, about the size of the points answer. And, as a
    reference outside the targets, the same with one round trip to the database (a prepared
    `SELECT 1` on the worker's own connection): the least any endpoint that reads can cost here."""
    import psycopg
    from sqlalchemy.engine import make_url

    app = Flask("bare")
    dsn = make_url(os.environ["BENCH_MP_DATABASE_URL"]).set(drivername="postgresql").render_as_string(False)
    connection = []

    @app.get("/bare")
    def bare():
        return jsonify(balance=1280, expiring={"points": 200, "on": "2027-12-31"})

    @app.get("/bare/db")
    def bare_db():
        if not connection:
            connection.append(psycopg.connect(dsn, autocommit=True))
        (one,), = connection[0].execute("SELECT 1", prepare=True).fetchall()
        return jsonify(balance=1280 * one, expiring={"points": 200, "on": "2027-12-31"})

    return app


def _config():
    from config import test_config

    return test_config(DATABASE_URL=os.environ["BENCH_MP_DATABASE_URL"], REDIS_URL=os.environ["BENCH_MP_REDIS_URL"],
                       VAR_DIR=os.environ["BENCH_MP_VAR_DIR"], LOG_LEVEL="WARNING")


def baoyun_app():
    from app import create_app

    return create_app(_config())


# ---- seeding -----------------------------------------------------------------------------------

def seed(policies: int, entries: int) -> int:
    """One customer with `policies` policies on 5 cars and `entries` ledger entries; their id."""
    from app.extensions import db
    from app.models import OrgLevel, Role
    from app.models.points import PointsReason
    from app.services import tiers
    from app.services.points import ledger
    from app.timeutil import business_today
    from tests import factories as f

    tiers.load_default_rules()
    company = f.org_unit(OrgLevel.company)
    branch = f.org_unit(OrgLevel.branch, parent=f.org_unit(OrgLevel.city, parent=company))
    agent = f.staff(Role.agent, org=branch, team=f.team(branch))
    customer = f.customer(agent=agent, name="压测客户")
    cars = [f.vehicle(owner=customer) for _ in range(5)]
    today = business_today()
    for n in range(policies):
        f.policy(customer=customer, vehicle=cars[n % 5], agent=agent, start=today - timedelta(days=30 * n),
                 written=f"{2500 + n}.00")
    account = ledger.lock_account(customer.id)
    for n in range(entries):
        if n % 4 == 3:
            ledger.spend(account, 20, PointsReason.redemption, f"bench:{customer.id}:spend:{n}")
        else:
            ledger.award(account, 30, PointsReason.sign_in, f"bench:{customer.id}:award:{n}")
    db.session.commit()
    return customer.id


# ---- running -----------------------------------------------------------------------------------

@dataclass
class Result:
    name: str
    rps: float
    p99_ms: float
    cpu_ms: float
    cpu_shares: dict[str, float]
    non_2xx: int
    errors: str
    load: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Gunicorn:
    workers: int
    worker_class: str
    threads: int

    def command(self, port: int, factory: str) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--worker-class",
                self.worker_class, "--threads", str(self.threads), "--log-level", "warning",
                "--bind", f"127.0.0.1:{port}", factory]

    def __str__(self) -> str:
        threads = f" x {self.threads} threads" if self.threads > 1 else ""
        return f"gunicorn {self.workers} {self.worker_class} workers{threads}"


def serve(gunicorn: Gunicorn, factory: str, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(gunicorn.command(port, factory), cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        stop(proc)
        raise RuntimeError(f"gunicorn {factory} did not start")
    return proc, f"http://127.0.0.1:{port}"


def machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine so far (every process; /proc/stat less idle and iowait)."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(name: str, url: str, token: str | None, connections: int, duration: int) -> Result:
    header = ["-H", f"Authorization: Bearer {token}"] if token else []
    # Warm-up: both workers import lazily, fill their pools and caches.
    subprocess.run(["wrk", "-t2", f"-c{connections}", "-d3s", *header, url], check=True, capture_output=True)
    load = Path("/proc/loadavg").read_text().split()[:3]
    cpu, by_command = machine_cpu_seconds(), cpu_by_command()
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", *header, url],
                         check=True, capture_output=True, text=True).stdout
    cpu = machine_cpu_seconds() - cpu
    after = cpu_by_command()
    used = {name: after[name] - by_command.get(name, 0.0) for name in after}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\b", out, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    shares = {group: 1000 * sum(v for n, v in used.items() if n.startswith(prefixes)) / requests
              for group, prefixes in CPU_GROUPS.items()}
    return Result(name, rps, _ms(*p99.groups()), 1000 * cpu / requests, shares,
                  int(non_2xx.group(1)) if non_2xx else 0, errors.group(0) if errors else "", " ".join(load))


def main() -> None:
    parser = argparse.ArgumentParser(description="Mini-program API under gunicorn + wrk against a bare Flask endpoint")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--policies", type=int, default=50)
    parser.add_argument("--ledger", type=int, default=200, help="points ledger entries of the customer")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help="gunicorn workers of both servers (default: 2 per CPU, as the README deploys)")
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    options = parser.parse_args()
    gunicorn = Gunicorn(options.workers, options.worker_class, options.threads)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")

    from app import create_app
    from app.auth.tokens import issue_token
    from bench.seed import fresh_database
    from config import test_config
    from tests.services import test_redis

    with fresh_database() as (database_url, where), test_redis() as redis_url, \
            tempfile.TemporaryDirectory() as var_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "BENCH_"))}
        env.update(BENCH_MP_DATABASE_URL=database_url, BENCH_MP_REDIS_URL=redis_url, BENCH_MP_VAR_DIR=var_dir)
        app = create_app(test_config(DATABASE_URL=database_url, REDIS_URL=redis_url, VAR_DIR=var_dir))
        with app.app_context():
            from flask_migrate import upgrade

            from app.extensions import db

            upgrade()
            customer_id = seed(options.policies, options.ledger)
            token = issue_token("customer", customer_id)
            # As autovacuum would within a minute of the seed: plans from real statistics.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))
            db.session.remove()
            db.engine.dispose()

        rounds = []
        bare_proc, bare_base = serve(gunicorn, "bench.mp_api:bare_app()", env)
        try:
            app_proc, app_base = serve(gunicorn, "bench.mp_api:baoyun_app()", env)
            try:
                wait_until_booted(bare_proc.pid, gunicorn.workers)
                wait_until_booted(app_proc.pid, gunicorn.workers)
                for _ in range(options.rounds):
                    rounds.append([
                        wrk("bare", f"{bare_base}/bare", None, options.connections, options.duration),
                        wrk("GET /api/mp/points", f"{app_base}/api/mp/points", token, options.connections,
                            options.duration),
                        wrk("GET /api/mp/policies", f"{app_base}/api/mp/policies", token, options.connections,
                            options.duration),
                        wrk(f"GET /api/mp/policies?{TAB_QUERY}", f"{app_base}/api/mp/policies?{TAB_QUERY}", token,
                            options.connections, options.duration),
                        wrk("GET /healthz (reference)", f"{app_base}/healthz", None, options.connections,
                            options.duration),
                        wrk("bare + SELECT 1 (reference)", f"{bare_base}/bare/db", None, options.connections,
                            options.duration),
                    ])
            finally:
                stop(app_proc)
        finally:
            stop(bare_proc)

    print(f"database: {where}; Python {platform.python_version()}; {os.cpu_count()} CPUs; {gunicorn}; "
          f"wrk -t2 -c{options.connections} -d{options.duration}s; customer with {options.policies} policies, "
          f"{options.ledger} ledger entries")
    print(f"round {'endpoint':<58}{'req/s':>10}{'p99 ms':>10}{'vs bare':>10}{'vs bare+SELECT 1':>18}{'CPU ms/req':>12}  {'(' + ' / '.join(CPU_GROUPS) + ')':<34}load avg at start   non-2xx")
    verdicts = []
    for n, results in enumerate(rounds, 1):
        bare, bare_db = results[0], results[-1]
        ok = True
        for r in results:
            ratio = r.rps / bare.rps
            print(f"{n:<6}{r.name:<58}{r.rps:>10,.0f}{r.p99_ms:>10.1f}{ratio:>9.0%}{r.rps / bare_db.rps:>17.0%}{r.cpu_ms:>12.2f}  {' / '.join(f'{v:.2f}' for v in r.cpu_shares.values()):<34}"
                  f"{r.load:<18} {r.non_2xx} {r.errors}")
            if r.name.startswith("GET /api/mp"):
                ok = ok and ratio >= TARGET_RATIO and r.p99_ms < TARGET_P99_MS and r.non_2xx == 0
        verdicts.append(ok)
    met = sorted(verdicts)[len(verdicts) // 2]  # the median round
    print(f"targets (>= {TARGET_RATIO:.0%} of bare req/s, p99 < {TARGET_P99_MS:.0f} ms), median round: "
          f"{'met' if met else 'MISSED'} ({sum(verdicts)} of {len(verdicts)} rounds met them)")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
