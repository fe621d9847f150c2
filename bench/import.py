"""Benchmark of the policy import: `python -m bench.import [--rows N] [--xlsx]`.

Creates a fresh database (as bench/seed.py does), migrates it, and loads the reference data a
policy file needs: the org tree, teams, agents, dealers and code tables, plus one customer and one
vehicle per policy (by COPY: setup, not timed). Then it writes an N-row policies CSV as the core
system would export it and times, in the same run:

1. baseline: PostgreSQL `COPY ... FROM STDIN (FORMAT csv)` of that same file into a bare table of
   text columns (no types, indexes, constraints or foreign keys): the floor for "these bytes into
   PostgreSQL";
2. `run_import("policies", file)`: read, validate every row, COPY into staging, upsert, link;
3. the same file again: every row validated and compared, nothing written.

and prints both imports' ratios to the baseline.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from app import create_app
from bench.seed import fresh_database
from config import test_config

BRANCHES = ("HB0101", "HB0102", "HB0103")
CHANNELS = ("dealer", "telesales", "agent", "direct")
GROUPS = ("personal", "ride_hailing", "logistics")
INSURERS = ("picc", "pingan", "cpic")
HEADER = ["保单号", "险种", "保单状态", "投保人证件号码", "车架号", "签单日期", "起保日期", "终保日期", "签单保费",
          "基准保费", "手续费", "税额", "实收保费", "收费日期", "渠道代码", "客户群代码", "机构代码", "业务员工号",
          "车商代码", "上年保单号", "上年承保公司代码", "注销日期"]


def setup_reference(driver, rows: int, rng: random.Random) -> list[tuple[str, str]]:
    """Org, staff, dealers, codes, and `rows` customers with a vehicle each; return (ID number, VIN) pairs."""
    from app.security.fields import cipher
    from app.validators import make_id_number, with_vin_check

    c = cipher()
    with driver.cursor() as cur:
        cur.execute("INSERT INTO org_units (id, code, name, level, parent_id, path, active) VALUES "
                    "(1, 'HB', '河北分公司', 'company', NULL, '/1/', true), "
                    "(2, 'HB01', '石家庄中心支公司', 'city', 1, '/1/2/', true)")
        for n, code in enumerate(BRANCHES, start=3):
            cur.execute("INSERT INTO org_units (id, code, name, level, parent_id, path, active) "
                        "VALUES (%s, %s, %s, 'branch', 2, %s, true)", (n, code, f"支公司{n}", f"/1/2/{n}/"))
            cur.execute("INSERT INTO teams (id, code, name, branch_id, active) VALUES (%s, %s, %s, %s, true)",
                        (n, f"{code}T1", f"营业{n}部", n))
        for n in range(1, 61):
            branch = 3 + n % 3
            cur.execute("INSERT INTO staff (id, code, name, role, org_unit_id, team_id, active, token_version) "
                        "VALUES (%s, %s, %s, 'agent', %s, %s, true, 1)", (n, f"HB2{n:04d}", f"业务员{n}", branch, branch))
        for n in range(1, 11):
            cur.execute("INSERT INTO dealers (id, code, name, city_id, branch_id, repairs, active) "
                        "VALUES (%s, %s, %s, 2, %s, true, true)", (n, f"D0101{n:02d}", f"4S店{n}", 3 + n % 3))
        sort = 0
        for kind, codes in (("channel", CHANNELS), ("customer_group", GROUPS), ("insurer", ("self", *INSURERS))):
            for code in codes:
                sort += 1
                cur.execute("INSERT INTO code_items (id, kind, code, name, sort, active, is_self) "
                            "VALUES (%s, %s, %s, %s, %s, true, %s)", (sort, kind, code, code, sort, code == "self"))
        pairs = []
        with cur.copy("COPY customers (id, kind, name, id_number_enc, id_number_hash, vip_tier, branch_id) "
                      "FROM STDIN") as copy:
            for n in range(1, rows + 1):
                # A birthday per customer for 16,000 days, then the next sequence number: all distinct.
                number = make_id_number("130102", date(1960, 1, 1) + timedelta(days=n % 16000), n // 16000)
                pairs.append((number, with_vin_check(f"LFV2A21K0M{n:07d}")))
                copy.write_row((n, "person", f"客户{n}", c.encrypt(number), c.digest(number), "standard",
                                3 + n % 3))
        with cur.copy("COPY vehicles (id, vin, plate, owner_id) FROM STDIN") as copy:
            for n, (_number, vin) in enumerate(pairs, start=1):
                copy.write_row((n, vin, None, n))
        for table in ("org_units", "teams", "staff", "dealers", "code_items", "customers", "vehicles"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cur.execute(f"ANALYZE {table}")
    return pairs


def write_policies(path: Path, pairs: list[tuple[str, str]], rng: random.Random) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for n, (number, vin) in enumerate(pairs, start=1):
            start = date(2026, 1, 1) + timedelta(days=rng.randrange(365))
            written = rng.randrange(60000, 900000) / 100
            commercial = n % 3 != 0
            out.writerow([
                f"PDAA2026130101{n:08d}" if commercial else f"PDZA2026130101{n:08d}",
                "商业险" if commercial else "交强险", "有效", number, vin,
                (start - timedelta(days=3)).isoformat(), start.isoformat(),
                (start + timedelta(days=364)).isoformat(), f"{written:.2f}", f"{written * 1.25:.2f}",
                f"{written * 0.1:.2f}", f"{written * 0.06:.2f}", f"{written:.2f}", (start - timedelta(days=3)).isoformat(),
                CHANNELS[n % 4], GROUPS[n % 3], BRANCHES[n % 3], f"HB2{1 + n % 60:04d}",
                f"D0101{1 + n % 10:02d}" if n % 4 == 0 else "",
                f"PDAA2025130101{n:08d}" if commercial and n % 2 else "", INSURERS[n % 3] if n % 5 == 0 else "", "",
            ])


def baseline_copy(dsn: str, path: Path) -> float:
    """Seconds for PostgreSQL to COPY the file's bytes into a bare table of text columns."""
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE bench_bare (" + ", ".join(f"c{i} text" for i in range(len(HEADER))) + ")")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor().copy("COPY bench_bare FROM STDIN (FORMAT csv, HEADER true)") as copy:
            with open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
        conn.commit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark of flask import policies")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(20261125)

    with fresh_database() as (database_url, where), tempfile.TemporaryDirectory(prefix="baoyun-bench-import-") as tmp:
        app = create_app(test_config(DATABASE_URL=database_url, VAR_DIR=tmp,
                                     REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")))
        dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        file = Path(tmp) / "policies.csv"
        with app.app_context():
            from flask_migrate import upgrade

            from app.extensions import db
            from app.services.ingest import run_import

            upgrade()
            pairs = setup_reference(db.session.connection().connection.driver_connection, args.rows, rng)
            db.session.commit()
            write_policies(file, pairs, rng)
            baseline = baseline_copy(dsn, file)

            started, cpu = time.perf_counter(), time.process_time()
            first = run_import("policies", file)
            first_seconds, first_cpu = time.perf_counter() - started, time.process_time() - cpu
            started, cpu = time.perf_counter(), time.process_time()
            again = run_import("policies", file)
            again_seconds, again_cpu = time.perf_counter() - started, time.process_time() - cpu
            db.session.remove()
            db.engine.dispose()

    for result in (first, again):
        if not result.ok or result.bad:
            raise SystemExit(f"import did not succeed: {result.message} {result.issues[:3]}")
    size = file.stat().st_size if file.exists() else 0
    print()
    print(f"command:          .venv/bin/python -m bench.import --rows {args.rows}")
    print(f"machine:          {os.cpu_count()} CPUs, Python {platform.python_version()}, {where}")
    print(f"file:             {args.rows:,} policy rows, {len(HEADER)} columns{f', {size / 1e6:.1f} MB' if size else ''}")
    print(f"baseline:         COPY of the file into a bare text table: {baseline:.2f} s")
    print(f"import:           {first_seconds:.2f} s ({args.rows / first_seconds:,.0f} rows/s), "
          f"{first_seconds / baseline:.1f}x the baseline; {first.message}")
    print(f"re-import:        {again_seconds:.2f} s ({args.rows / again_seconds:,.0f} rows/s), "
          f"{again_seconds / baseline:.1f}x the baseline; {again.message}")
    # CPU of this process alone (Python: read, validate, format): what a busy machine inflates least.
    print(f"python CPU:       import {first_cpu:.2f} s, re-import {again_cpu:.2f} s; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"phases (import):  {first.timings}")
    print(f"phases (again):   {again.timings}")


if __name__ == "__main__":
    main()
