"""Benchmark of the report engine: `python -m bench.kpi [--database URL] [--policies N]`.

On a demo book (1,000,000 policies by default, seeded with app.services.demo_seed into a fresh
database, or an already-seeded database given with --database), it times

- the whole report set, run as the Excel pack and digest run it (`run_reports`), target < 10 s;
- each report alone (`run_report`) against one hand-written SQL aggregate computing the same
  numbers over the same rows, target <= 2x, measured alternately in the same run (median of
  --repeat runs each, after one warm-up pass).

The baseline's grand total of the first number is checked against the report's, so the two do the
same work. Both run with the same session settings (no JIT, work_mem 64MB: what the engine sets).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import text
from tqdm import tqdm

from app import create_app
from bench.seed import fresh_database
from config import test_config

PERIOD = (date(2026, 1, 1), date(2026, 10, 31), date(2026, 11, 25))

WRITTEN = "start_date BETWEEN :f AND :t AND status <> 'cancelled'"
EARNED = ("round(CASE WHEN :c < start_date THEN 0 ELSE written_premium * (least(:c, end_date) - start_date + 1)"
          " / (end_date - start_date + 1) END, 2)")
# Claims as at the cut-off: paid if closed by it, else the latest reserve on or before it if registered.
INCURRED = """(CASE WHEN cl.closed_at < :ce THEN cl.paid ELSE 0 END
  + CASE WHEN cl.registered_at < :ce AND (cl.closed_at IS NULL OR cl.closed_at >= :ce)
         THEN coalesce((SELECT r.amount FROM claim_reserves r WHERE r.claim_id = cl.id AND r.at < :ce
                        ORDER BY r.at DESC, r.id DESC LIMIT 1), 0) ELSE 0 END)"""
CLOSED = "cl.closed_at >= :fs AND cl.closed_at < :te AND cl.closed_at < :ce"
DUE = """
due AS (
  SELECT p.id, p.vin, p.line, p.start_date, p.end_date, p.branch_id, p.written_premium,
         EXISTS (SELECT 1 FROM policies n WHERE n.vin = p.vin AND n.line = p.line AND n.id <> p.id
                 AND n.status <> 'cancelled' AND n.start_date > p.start_date AND n.issued_on <= :c
                 AND n.start_date - p.end_date BETWEEN -60 AND 30) AS renewed
  FROM policies p
  WHERE p.end_date BETWEEN :f AND :t AND p.status <> 'cancelled' AND p.end_date - p.start_date + 1 >= 300),
units AS (
  SELECT (array_agg(id ORDER BY end_date DESC, id DESC))[1] AS id,
         (array_agg(branch_id ORDER BY end_date DESC, id DESC))[1] AS branch_id,
         (array_agg(start_date ORDER BY end_date DESC, id DESC))[1] AS start_date,
         max(end_date) AS end_date, vin, line, sum(written_premium) AS premium, bool_or(renewed) AS renewed
  FROM due GROUP BY vin, line)"""
LAPSE = """greatest(0, coalesce(
  (SELECT min(n.start_date) FROM policies n WHERE n.vin = u.vin AND n.line = u.line AND n.id <> u.id
     AND n.status <> 'cancelled' AND n.start_date > u.start_date AND n.issued_on <= :c) - u.end_date - 1,
  :c - u.end_date))"""

# One hand-written aggregate per report: same rows, same numbers, grouped like the report's
# default dimension with its totals (ROLLUP). The first aggregate is the checked one.
BASELINES: dict[str, tuple[str, str]] = {
    "policy_premium": ("ctpl_policies", f"""
SELECT count(*) FILTER (WHERE line = 'ctpl'), branch_id, sum(written_premium) FILTER (WHERE line = 'ctpl'),
       count(*) FILTER (WHERE line = 'commercial'), sum(written_premium) FILTER (WHERE line = 'commercial'),
       count(*), sum(written_premium), sum(base_premium), sum(commission)
FROM policies WHERE {WRITTEN} GROUP BY ROLLUP (branch_id)"""),
    "renewal_rate": ("due_units", f"""
WITH {DUE}
SELECT count(*), branch_id, count(*) FILTER (WHERE renewed), sum(premium), sum(premium) FILTER (WHERE renewed)
FROM units GROUP BY ROLLUP (branch_id)"""),
    "lapse_reasons": ("lapsed_units", f"""
WITH {DUE}
SELECT count(*), rr.lapse_reason_id, sum(u.premium)
FROM units u LEFT JOIN renewal_records rr ON rr.policy_id = u.id WHERE NOT u.renewed
GROUP BY ROLLUP (rr.lapse_reason_id)"""),
    "lapse_destinations": ("lapsed_units", f"""
WITH {DUE}
SELECT count(*), rr.destination_insurer_id, sum(u.premium)
FROM units u LEFT JOIN renewal_records rr ON rr.policy_id = u.id WHERE NOT u.renewed
GROUP BY ROLLUP (rr.destination_insurer_id)"""),
    "lapse_days": ("due_units", f"""
WITH {DUE}, lapsed AS MATERIALIZED (SELECT u.premium, {LAPSE} AS days FROM units u)
SELECT count(*), CASE WHEN days = 0 THEN 0 WHEN days <= 7 THEN 1 WHEN days <= 30 THEN 2 WHEN days <= 60 THEN 3
                      WHEN days <= 90 THEN 4 ELSE 5 END AS bucket, sum(premium), sum(days)
FROM lapsed GROUP BY ROLLUP (bucket)"""),
    "transfer_in": ("policies", f"""
SELECT count(*), p.branch_id, sum(p.written_premium),
       count(*) FILTER (WHERE t.transfer), sum(p.written_premium) FILTER (WHERE t.transfer),
       count(*) FILTER (WHERE t.transfer AND EXISTS (SELECT 1 FROM policies e WHERE e.vin = p.vin AND e.line = p.line
                                                     AND e.start_date < p.start_date AND e.id <> p.id)),
       sum(p.written_premium) FILTER (WHERE t.transfer AND EXISTS (
           SELECT 1 FROM policies e WHERE e.vin = p.vin AND e.line = p.line AND e.start_date < p.start_date
           AND e.id <> p.id))
FROM policies p CROSS JOIN LATERAL (SELECT p.previous_insurer_id IS NOT NULL AND p.previous_insurer_id NOT IN (
    SELECT id FROM code_items WHERE kind = 'insurer' AND is_self) AS transfer) t
WHERE {WRITTEN.replace('start_date', 'p.start_date').replace('status', 'p.status')} GROUP BY ROLLUP (p.branch_id)"""),
    "premium_progress": ("month_plan", """
WITH plan AS (SELECT org_unit_id AS branch_id, sum(amount) FILTER (WHERE month = date_trunc('month', :t)::date) AS mp,
                     sum(amount) AS yp
              FROM plans WHERE org_unit_id IS NOT NULL
               AND month BETWEEN date_trunc('year', :t)::date AND date_trunc('month', :t)::date GROUP BY org_unit_id),
     w AS (SELECT branch_id, sum(written_premium) FILTER (WHERE start_date >= date_trunc('month', :t)::date) AS mw,
                  sum(written_premium) AS yw
           FROM policies WHERE start_date BETWEEN date_trunc('year', :t)::date AND :t AND status <> 'cancelled'
           GROUP BY branch_id)
SELECT sum(plan.mp), coalesce(plan.branch_id, w.branch_id), sum(w.mw), sum(plan.yp), sum(w.yw)
FROM plan FULL JOIN w ON w.branch_id = plan.branch_id GROUP BY ROLLUP (coalesce(plan.branch_id, w.branch_id))"""),
    "discount_monitor": ("policies", f"""
SELECT count(*), branch_id, sum(written_premium), sum(base_premium), count(*) FILTER (WHERE discount_rate < 0.60),
       sum(written_premium) FILTER (WHERE discount_rate < 0.60)
FROM policies WHERE {WRITTEN} GROUP BY ROLLUP (branch_id)"""),
    "commission_monitor": ("policies", f"""
SELECT count(*), branch_id, sum(written_premium), sum(commission), count(*) FILTER (WHERE commission_rate > 0.25),
       sum(written_premium) FILTER (WHERE commission_rate > 0.25)
FROM policies WHERE {WRITTEN} GROUP BY ROLLUP (branch_id)"""),
    "loss_ratio": ("earned", f"""
WITH w AS (SELECT branch_id, count(*) AS n, sum(written_premium) AS written, sum({EARNED}) AS earned
           FROM policies WHERE {WRITTEN} GROUP BY branch_id),
     c AS (SELECT cl.branch_id, count(*) AS n, sum({INCURRED}) AS incurred
           FROM claims cl JOIN policies p ON p.id = cl.policy_id
           WHERE p.start_date BETWEEN :f AND :t AND p.status <> 'cancelled' AND cl.status <> 'cancelled'
             AND cl.reported_at < :ce GROUP BY cl.branch_id)
SELECT sum(w.earned), w.branch_id, sum(w.n), sum(w.written), sum(c.n), sum(c.incurred)
FROM w FULL JOIN c ON c.branch_id = w.branch_id GROUP BY ROLLUP (w.branch_id)"""),
    "claim_average": ("paid_count", f"""
SELECT count(*) FILTER (WHERE paid > 0), cl.branch_id, sum(paid) FILTER (WHERE paid > 0),
       count(*) FILTER (WHERE paid > 0 AND injury), sum(paid) FILTER (WHERE paid > 0 AND injury),
       count(*) FILTER (WHERE paid >= 10000), sum(paid) FILTER (WHERE paid >= 10000),
       count(*) FILTER (WHERE paid > 0 AND paid < 10000),
       sum(extract(epoch FROM closed_at - reported_at) / 86400) FILTER (WHERE paid > 0 AND paid < 10000)
FROM claims cl WHERE cl.status <> 'cancelled' AND {CLOSED} GROUP BY ROLLUP (cl.branch_id)"""),
    "outstanding": ("dev_count", f"""
SELECT count(*) FILTER (WHERE {CLOSED} AND paid > 0), cl.branch_id,
       sum(first_reserve) FILTER (WHERE {CLOSED} AND paid > 0), sum(paid) FILTER (WHERE {CLOSED} AND paid > 0),
       sum(abs(first_reserve - paid)) FILTER (WHERE {CLOSED} AND paid > 0),
       sum(first_reserve - paid) FILTER (WHERE {CLOSED} AND paid > 0),
       count(*) FILTER (WHERE registered_at < :ce AND (closed_at IS NULL OR closed_at >= :ce)),
       sum(coalesce((SELECT r.amount FROM claim_reserves r WHERE r.claim_id = cl.id AND r.at < :ce
                     ORDER BY r.at DESC, r.id DESC LIMIT 1), 0))
           FILTER (WHERE registered_at < :ce AND (closed_at IS NULL OR closed_at >= :ce)),
       count(*) FILTER (WHERE registered_at < :ce AND (closed_at IS NULL OR closed_at >= :ce)
                        AND reported_at < :stale),
       count(*) FILTER (WHERE {CLOSED}),
       count(*) FILTER (WHERE (registered_at < :fs AND (closed_at IS NULL OR closed_at >= :fs))
                        OR (registered_at >= :fs AND registered_at < :te AND registered_at < :ce)),
       count(*) FILTER (WHERE registered_at >= :fs AND registered_at < :te AND registered_at < :ce
                        AND ((closed_at < :ce AND paid > 0) OR closed_at IS NULL OR closed_at >= :ce)),
       count(*) FILTER (WHERE reported_at >= :fs AND reported_at < :te),
       count(*) FILTER (WHERE reported_at >= :fs AND reported_at < :te AND registered_at < :ce
                        AND registered_at <= reported_at + interval '72 hours')
FROM claims cl WHERE cl.status <> 'cancelled' AND cl.reported_at < greatest(:te, :ce)
  AND (cl.closed_at IS NULL OR cl.closed_at >= least(:fs, :ce))
GROUP BY ROLLUP (cl.branch_id)"""),
    "recovery": ("closed_count", f"""
SELECT count(*), cl.branch_id, sum(paid), sum(audit_reduction), sum(subrogation_recovered)
FROM claims cl WHERE cl.status <> 'cancelled' AND {CLOSED} GROUP BY ROLLUP (cl.branch_id)"""),
    "anomalies": ("low_discount_policies", f"""
WITH c AS (
  SELECT cl.branch_id, (cl.reported_at AT TIME ZONE 'Asia/Shanghai')::date - p.start_date AS days,
         cl.reported_at >= :fs AND cl.reported_at < :te AS reported_in, cl.closed_at, cl.paid, cl.first_reserve,
         count(*) FILTER (WHERE cl.reported_at >= :fs AND cl.reported_at < :te) OVER (PARTITION BY p.vin) AS per_vin
  FROM claims cl JOIN policies p ON p.id = cl.policy_id
  WHERE cl.status <> 'cancelled' AND cl.reported_at < greatest(:te, :ce)
    AND (cl.closed_at IS NULL OR cl.closed_at >= least(:fs, :ce))),
ca AS (SELECT branch_id, count(*) FILTER (WHERE reported_in AND days BETWEEN 0 AND 7) AS early,
              count(*) FILTER (WHERE reported_in AND per_vin >= 2) AS repeat,
              count(*) FILTER (WHERE {CLOSED.replace('cl.', '')} AND paid > 0 AND abs(first_reserve - paid) > paid * 0.5)
                AS far
       FROM c GROUP BY branch_id),
w AS (SELECT branch_id, count(*) AS n, sum(written_premium) AS s FROM policies
      WHERE {WRITTEN} AND discount_rate < 0.60 GROUP BY branch_id)
SELECT sum(w.n), coalesce(w.branch_id, ca.branch_id), sum(w.s), sum(ca.early), sum(ca.repeat), sum(ca.far)
FROM w FULL JOIN ca ON ca.branch_id = w.branch_id GROUP BY ROLLUP (coalesce(w.branch_id, ca.branch_id))"""),
    "complaints": ("valid_complaints", f"""
WITH k AS (SELECT branch_id, count(*) AS n FROM complaints WHERE valid AND received_on BETWEEN :f AND :t
           GROUP BY branch_id),
     w AS (SELECT branch_id, sum(written_premium) AS s FROM policies WHERE {WRITTEN} GROUP BY branch_id)
SELECT sum(k.n), coalesce(k.branch_id, w.branch_id), sum(w.s)
FROM k FULL JOIN w ON w.branch_id = k.branch_id GROUP BY ROLLUP (coalesce(k.branch_id, w.branch_id))"""),
    "city_kpi": ("earned", f"""
WITH w AS (SELECT o.parent_id AS city_id, sum({EARNED}) AS earned, sum(written_premium) AS written
           FROM policies JOIN org_units o ON o.id = policies.branch_id WHERE {WRITTEN} GROUP BY o.parent_id),
     lc AS (SELECT o.parent_id AS city_id, sum({INCURRED}) AS incurred
            FROM claims cl JOIN policies p ON p.id = cl.policy_id JOIN org_units o ON o.id = cl.branch_id
            WHERE p.start_date BETWEEN :f AND :t AND p.status <> 'cancelled' AND cl.status <> 'cancelled'
              AND cl.reported_at < :ce GROUP BY o.parent_id),
     c AS (SELECT o.parent_id AS city_id, sum(paid) AS paid, sum(audit_reduction) AS audit,
                  sum(subrogation_recovered) AS subro,
                  sum(paid) FILTER (WHERE injury AND paid > 0) AS injury, count(*) FILTER (WHERE injury AND paid > 0) AS ni,
                  sum(paid) FILTER (WHERE paid >= 10000) AS big, count(*) FILTER (WHERE paid >= 10000) AS nb,
                  sum(first_reserve) FILTER (WHERE paid > 0) AS fr,
                  sum(extract(epoch FROM closed_at - reported_at) / 86400) FILTER (WHERE paid > 0 AND paid < 10000) AS d,
                  count(*) FILTER (WHERE paid > 0 AND paid < 10000) AS ns
           FROM claims cl JOIN org_units o ON o.id = cl.branch_id WHERE cl.status <> 'cancelled' AND {CLOSED}
           GROUP BY o.parent_id),
     k AS (SELECT o.parent_id AS city_id, count(*) AS n FROM complaints JOIN org_units o ON o.id = complaints.branch_id
           WHERE valid AND received_on BETWEEN :f AND :t GROUP BY o.parent_id)
SELECT sum(w.earned), w.city_id, sum(lc.incurred), sum(c.paid), sum(c.audit), sum(c.subro), sum(c.injury), sum(c.big),
       sum(c.fr), sum(c.d), sum(k.n), sum(w.written)
FROM w LEFT JOIN lc USING (city_id) LEFT JOIN c USING (city_id) LEFT JOIN k USING (city_id)
GROUP BY ROLLUP (w.city_id)"""),
    "dealer_plan": ("plan", """
WITH pl AS (SELECT dealer_id, sum(amount) AS plan FROM plans WHERE dealer_id IS NOT NULL
            AND month BETWEEN date_trunc('month', :f)::date AND :t GROUP BY dealer_id),
     w AS (SELECT dealer_id, count(*) AS n, sum(written_premium) AS s FROM policies
           WHERE start_date BETWEEN :f AND :t AND status <> 'cancelled' AND dealer_id IS NOT NULL GROUP BY dealer_id)
SELECT sum(pl.plan), coalesce(pl.dealer_id, w.dealer_id), sum(w.n), sum(w.s)
FROM pl FULL JOIN w ON w.dealer_id = pl.dealer_id GROUP BY ROLLUP (coalesce(pl.dealer_id, w.dealer_id))"""),
    "dealer_underwriting": ("policies", f"""
SELECT count(*), dealer_id, count(*) FILTER (WHERE line = 'ctpl'), sum(written_premium) FILTER (WHERE line = 'ctpl'),
       count(*) FILTER (WHERE line = 'commercial'), sum(written_premium) FILTER (WHERE line = 'commercial'),
       sum(written_premium), sum(commission)
FROM policies WHERE {WRITTEN} AND dealer_id IS NOT NULL GROUP BY ROLLUP (dealer_id)"""),
    "dealer_referrals": ("referrals", f"""
WITH r AS (SELECT repair_dealer_id AS dealer_id, count(*) AS n, sum(first_reserve) AS s FROM claims
           WHERE status <> 'cancelled' AND repair_dealer_id IS NOT NULL AND registered_at >= :fs
             AND registered_at < :te AND registered_at < :ce GROUP BY repair_dealer_id),
     w AS (SELECT dealer_id, sum(written_premium) AS s FROM policies WHERE {WRITTEN} AND dealer_id IS NOT NULL
           GROUP BY dealer_id)
SELECT sum(r.n), coalesce(r.dealer_id, w.dealer_id), sum(r.s), sum(w.s)
FROM r FULL JOIN w ON w.dealer_id = r.dealer_id GROUP BY ROLLUP (coalesce(r.dealer_id, w.dealer_id))"""),
    "dealer_profitability": ("earned", f"""
WITH inc AS (SELECT cl.policy_id, sum({INCURRED}) AS incurred FROM claims cl JOIN policies p ON p.id = cl.policy_id
             WHERE p.start_date BETWEEN :f AND :t AND p.status <> 'cancelled' AND cl.status <> 'cancelled'
               AND cl.reported_at < :ce GROUP BY cl.policy_id)
SELECT sum({EARNED}), dealer_id, count(*), sum(written_premium), sum(coalesce(inc.incurred, 0)), sum(commission),
       sum({EARNED} - coalesce(inc.incurred, 0) - commission)
FROM policies LEFT JOIN inc ON inc.policy_id = policies.id
WHERE {WRITTEN} AND dealer_id IS NOT NULL GROUP BY ROLLUP (dealer_id)"""),
    "team_performance": ("plan", """
WITH a AS (SELECT s.id, coalesce(t.branch_id, s.org_unit_id) AS branch_id FROM staff s LEFT JOIN teams t ON t.id = s.team_id),
     pl AS (SELECT a.branch_id, sum(amount) FILTER (WHERE line = 'ctpl') AS pc, sum(amount) FILTER (WHERE line = 'commercial') AS pm,
                   sum(amount) AS p
            FROM plans JOIN a ON a.id = plans.agent_id WHERE month BETWEEN date_trunc('month', :f)::date AND :t
            GROUP BY a.branch_id),
     w AS (SELECT a.branch_id, sum(written_premium) FILTER (WHERE line = 'ctpl') AS wc,
                  sum(written_premium) FILTER (WHERE line = 'commercial') AS wm, sum(written_premium) AS w
           FROM policies JOIN a ON a.id = policies.agent_id
           WHERE start_date BETWEEN :f AND :t AND status <> 'cancelled' GROUP BY a.branch_id)
SELECT sum(pl.p), coalesce(pl.branch_id, w.branch_id), sum(pl.pc), sum(pl.pm), sum(w.wc), sum(w.wm), sum(w.w)
FROM pl FULL JOIN w ON w.branch_id = pl.branch_id GROUP BY ROLLUP (coalesce(pl.branch_id, w.branch_id))"""),
}


@contextmanager
def database(url: str | None, policies: int, seed: int):
    if url:
        yield url, "given database"
        return
    with fresh_database() as (new_url, where):
        yield new_url, where


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark of the report engine against hand-written SQL")
    parser.add_argument("--database", help="an already-seeded database (SQLAlchemy URL); default: seed a new one")
    parser.add_argument("--policies", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    f, t, c = PERIOD

    with database(args.database, args.policies, args.seed) as (url, where), \
            tempfile.TemporaryDirectory(prefix="baoyun-bench-var-") as var_dir:
        app = create_app(test_config(DATABASE_URL=url, VAR_DIR=var_dir,
                                     REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")))
        with app.app_context():
            from flask_migrate import upgrade

            from app.auth.viewer import Viewer
            from app.extensions import db
            from app.models import AuditChannel, OrgLevel, OrgUnit, Policy, Role, Staff
            from app.services import demo_seed
            from app.services.reports import REPORTS, ReportParams, run_report, run_reports

            upgrade()
            if not args.database:
                seconds = timed(lambda: demo_seed.run(policies=args.policies, seed=args.seed, progress=True))
                print(f"seeded {args.policies:,} policies in {seconds:.0f} s")
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            policies = db.session.scalar(db.select(db.func.count()).select_from(Policy))
            # A database seeded and stamped before migration 0004 had its index lacks it.
            has_index = db.session.scalar(text("SELECT to_regclass('ix_policies_renewal_link') IS NOT NULL"))
            admin = db.session.scalars(db.select(Staff).join(OrgUnit, OrgUnit.id == Staff.org_unit_id).where(
                Staff.role == Role.admin, OrgUnit.level == OrgLevel.company, Staff.active)).first()
            viewer = Viewer(channel=AuditChannel.job, staff=admin)
            params = ReportParams(f, t, c)
            zone = ZoneInfo(app.config["TIMEZONE"])

            def start_of(day):
                return datetime.combine(day, dtime.min, zone)

            binds = {"f": f, "t": t, "c": c, "fs": start_of(f), "te": start_of(t + timedelta(days=1)),
                     "ce": start_of(c + timedelta(days=1)), "stale": start_of(c - timedelta(days=30))}

            def engine(key):
                def run():
                    result = run_report(key, params, viewer)
                    db.session.rollback()
                    return result
                return run

            def baseline(key):
                def run():
                    db.session.execute(text("SET LOCAL jit = off"))
                    db.session.execute(text("SET LOCAL work_mem = '64MB'"))
                    rows = db.session.execute(text(BASELINES[key][1]), binds).all()
                    db.session.rollback()
                    return rows
                return run

            def whole_set():
                run_reports(list(REPORTS), params, viewer)
                db.session.rollback()

            # Warm-up, and the check that each baseline computes the report's number.
            mismatches = []
            for key in tqdm(REPORTS, desc="预热并核对", unit="表"):
                result, rows = engine(key)(), baseline(key)()
                # ROLLUP's grand total: a row with no group key, and the largest of those (a NULL
                # group of the dimension is a part of it; the checked numbers are not negative).
                total_row = max((r for r in rows if r[1] is None), key=lambda r: r[0] or 0)
                ours = Decimal(str(result.totals[BASELINES[key][0]] or 0))
                theirs = Decimal(str(total_row[0] or 0))
                if ours != theirs:
                    mismatches.append(f"{key}.{BASELINES[key][0]}: report {ours} vs baseline {theirs}")
            timings = {}
            for key in tqdm(REPORTS, desc="计时", unit="表"):
                ours, theirs = [], []
                for _ in range(args.repeat):
                    ours.append(timed(engine(key)))
                    theirs.append(timed(baseline(key)))
                timings[key] = (statistics.median(ours), statistics.median(theirs))
            set_times = [timed(whole_set) for _ in range(args.repeat)]
            alone_total = sum(o for o, _ in timings.values())
            base_total = sum(b for _, b in timings.values())

    print()
    print(f"command:   .venv/bin/python -m bench.kpi {'--database URL' if args.database else ''}".rstrip())
    print(f"machine:   {os.cpu_count()} CPUs, Python {platform.python_version()}, {where}, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"book:      {policies:,} policies; period {f} to {t}, cut-off {c}; median of {args.repeat}")
    if not has_index:
        print("WARNING:   ix_policies_renewal_link is missing (database stamped before migration 0004)")
    print()
    print(f"{'report':24s} {'engine s':>9s} {'hand SQL s':>11s} {'ratio':>6s}")
    for key, (ours, theirs) in timings.items():
        flag = "" if ours <= 2 * theirs else "  > 2x"
        print(f"{key:24s} {ours:9.3f} {theirs:11.3f} {ours / theirs:6.2f}{flag}")
    print(f"{'each alone, summed':24s} {alone_total:9.3f} {base_total:11.3f} {alone_total / base_total:6.2f}")
    print()
    print(f"whole report set (run_reports, {len(REPORTS)} reports): median {statistics.median(set_times):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in set_times)}); target < 10 s")
    if mismatches:
        print("MISMATCHES between report and baseline:")
        for line in mismatches:
            print("  " + line)
    else:
        print("every baseline's grand total equals the report's (first number of each)")


if __name__ == "__main__":
    main()
