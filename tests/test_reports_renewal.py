"""Renewal indicators on a small book worked out by hand (period 2026-03, cut-off 2026-04-30).

Due units (commercial; end date in March, term >= 300 days; a unit is a VIN and line):
  U1 V1 ends 03-09, 1000; renewed by a policy starting 03-10 (gap +1)                 lapse 0
  U2 V2 ends 03-14, 2000; next starts 04-14 (gap +31: outside the window)              lapse 30
  U3 V3 ends 03-19, 3000; next starts 04-18 (gap +30: inside)                          lapse 29
  U5 V5 two due policies: a ends 03-01 (500), b ends 03-31 (700); next starts 2025-12-31:
        gap -60 from a (inside), -90 from b (outside) -> the unit is renewed, premium 1200; lapse 0
  U7 V7 ends 03-20, 1500; next starts 04-15 (+26) but was issued 05-05, after the cut-off   lapse 41
  U8 V8 ends 03-25, 800, agent of another branch; next starts 01-23 (gap -61: outside)  lapse 0
Not due: V4 (a 90-day policy ending 03-31), V6 (cancelled).
Vehicle age at the end date: V2 registered 2025-03-15 (0 years), V3 2025-03-19 (exactly 1), others
2020-05-01 (5 years).
Renewal records: U2 lapse reason 价格 to 人保, U7 价格 to 平安, U8 none.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.models import CodeKind, OrgLevel, PolicyStatus, Role
from app.services.reports import ReportParams, run_report
from tests import factories as f
from tests.test_reports_claims import viewer

MARCH = ReportParams(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 30))


def renewal_book():
    company = f.org_unit(OrgLevel.company, name="总公司")
    city = f.org_unit(OrgLevel.city, company, name="石家庄")
    b1 = f.org_unit(OrgLevel.branch, city, name="长安支公司")
    b2 = f.org_unit(OrgLevel.branch, city, name="桥西支公司")
    m1, m2 = f.staff(Role.team_manager, org=b1), f.staff(Role.team_manager, org=b2)
    t1, t2 = f.team(b1, manager=m1), f.team(b2, manager=m2)
    a1, a2 = f.staff(Role.agent, team=t1), f.staff(Role.agent, team=t2)
    price = f.code(CodeKind.lapse_reason, "price", "价格")
    picc = f.code(CodeKind.insurer, "picc", "人保")
    pingan = f.code(CodeKind.insurer, "pingan", "平安")

    def car(registered=date(2020, 5, 1), agent=a1):
        customer = f.customer(agent=agent)
        return f.vehicle(owner=customer, first_registration_date=registered), customer

    def pol(vehicle_customer, start, written, agent=a1, days=365, **kw):
        vehicle, customer = vehicle_customer
        return f.policy(customer=customer, vehicle=vehicle, agent=agent, start=start, days=days, written=written, **kw)

    v1 = car()
    pol(v1, date(2025, 3, 10), "1000.00")
    pol(v1, date(2026, 3, 10), "1100.00")
    v2 = car(date(2025, 3, 15))
    due2 = pol(v2, date(2025, 3, 15), "2000.00")
    pol(v2, date(2026, 4, 14), "2100.00")
    v3 = car(date(2025, 3, 19))
    pol(v3, date(2025, 3, 20), "3000.00")
    pol(v3, date(2026, 4, 18), "3100.00")
    v5 = car()
    pol(v5, date(2025, 3, 2), "500.00")
    pol(v5, date(2025, 4, 1), "700.00")
    pol(v5, date(2025, 12, 31), "750.00")
    v7 = car()
    due7 = pol(v7, date(2025, 3, 21), "1500.00")
    late = pol(v7, date(2026, 4, 15), "1600.00")
    late.issued_on = date(2026, 5, 5)
    v8 = car(agent=a2)
    due8 = pol(v8, date(2025, 3, 26), "800.00", agent=a2)
    pol(v8, date(2026, 1, 23), "900.00", agent=a2)
    pol(car(), date(2026, 1, 1), "400.00", days=90)
    pol(car(), date(2025, 3, 12), "600.00", status=PolicyStatus.cancelled)
    r2, r7 = f.renewal(due2), f.renewal(due7)
    f.renewal(due8)
    r2.lapse_reason_id, r2.destination_insurer_id = price.id, picc.id
    r7.lapse_reason_id, r7.destination_insurer_id = price.id, pingan.id
    admin = f.staff(Role.admin, org=company)
    f.db.session.commit()
    return {"admin": admin, "m1": m1, "b1": b1, "b2": b2}


@pytest.fixture
def book(db):
    return renewal_book()


def run(key, staff, dimension=None, **options):
    params = ReportParams(MARCH.date_from, MARCH.date_to, MARCH.cutoff, dimension, options)
    return run_report(key, params, viewer(staff))


def test_renewal_rate_per_vehicle(book):
    t = run("renewal_rate", book["admin"]).totals
    # Due units U1 U2 U3 U5 U7 U8 = 6; renewed U1 U3 U5 = 3.
    assert (t["due_units"], t["renewed_units"], t["rate_count"]) == (6, 3, Decimal("0.5000"))
    # Premium: due 1000 + 2000 + 3000 + 1200 + 1500 + 800 = 9500; renewed 1000 + 3000 + 1200 = 5200.
    assert (t["due_premium"], t["renewed_premium"]) == (Decimal("9500.00"), Decimal("5200.00"))
    assert t["rate_premium"] == Decimal("0.5474")  # 5200 / 9500 = 0.54737


def test_renewal_rate_per_policy(book):
    t = run("renewal_rate", book["admin"], unit="policy").totals
    # V5's two due policies are two units; only a (500) is renewed -> 3 of 7, premium 4500 of 9500.
    assert (t["due_units"], t["renewed_units"], t["rate_count"]) == (7, 3, Decimal("0.4286"))
    assert (t["renewed_premium"], t["rate_premium"]) == (Decimal("4500.00"), Decimal("0.4737"))


def test_renewal_window_and_minimum_term_are_parameters(book):
    t = run("renewal_rate", book["admin"], window_before=61, window_after=31).totals
    # U2 (+31) and U8 (-61) come inside: 5 of 6.
    assert t["renewed_units"] == 5
    t = run("renewal_rate", book["admin"], min_term=90).totals
    # V4's 90-day policy becomes due (not renewed): 7 units.
    assert t["due_units"] == 7


def test_renewal_rate_by_branch_and_by_vehicle_age(book):
    rows = {r["label"]: r for r in run("renewal_rate", book["admin"], "branch").rows}
    assert (rows["长安支公司"]["due_units"], rows["长安支公司"]["renewed_units"]) == (5, 3)
    assert (rows["桥西支公司"]["due_units"], rows["桥西支公司"]["renewed_units"]) == (1, 0)
    bands = [(r["label"], r["due_units"], r["renewed_units"]) for r in
             run("renewal_rate", book["admin"], "vehicle_age").rows]
    # V2 is 0 full years at its end date, V3 exactly 1 (lower bound inclusive), the rest 5.
    assert bands == [("<1年", 1, 0), ("1-2年", 1, 1), ("5-8年", 4, 2)]


def test_a_team_manager_sees_only_the_team(book):
    t = run("renewal_rate", book["m1"]).totals
    # U8 belongs to the other branch's team: 5 units, 3 renewed.
    assert (t["due_units"], t["renewed_units"], t["rate_count"]) == (5, 3, Decimal("0.6000"))


def test_lapse_days_buckets(book):
    rows = [(r["label"], r["due_units"], r["due_premium"]) for r in run("lapse_days", book["admin"]).rows]
    # 0: U1 (+1 -> 0), U5 (renewed early), U8 (next policy started before the end); 8-30: U2 (30), U3 (29);
    # 31-60: U7 (no next policy known at the cut-off: 04-30 - 03-20 = 41).
    assert rows == [("0天", 3, Decimal("3000.00")), ("8-30天", 2, Decimal("5000.00")),
                    ("31-60天", 1, Decimal("1500.00"))]


def test_lapse_reasons_and_destinations_over_units_not_renewed(book):
    reasons = {r["label"]: (r["lapsed_units"], r["lapsed_premium"]) for r in run("lapse_reasons", book["admin"]).rows}
    assert reasons == {"价格": (2, Decimal("3500.00")), "(未填)": (1, Decimal("800.00"))}
    places = {r["label"]: r["lapsed_units"] for r in run("lapse_destinations", book["admin"]).rows}
    assert places == {"人保": 1, "平安": 1, "(未填)": 1}


def test_renewal_alert_below_target(book):
    result = run("renewal_rate", book["admin"], "branch", target_rate="0.55")
    # 长安 0.6 is above 0.55; 桥西 0 and the total 0.5 are below.
    assert sorted(a.label for a in result.alerts) == ["合计 续保率(件数)", "支公司“桥西支公司” 续保率(件数)"]
