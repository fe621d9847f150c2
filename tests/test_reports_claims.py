"""Written premium and claims indicators on a small book whose every number is worked out by hand.

The book (period 2026 Q1, cut-off 2026-03-31, all times Asia/Shanghai):
  P1 commercial, 2026-01-01 + 365 d, written 3650 (base 7000, commission 365): earned 3650*90/365 = 900
  P2 ctpl,       2026-03-01 + 365 d, written 7300 (base 8000, commission 1460): earned 7300*31/365 = 620
  P3 commercial, 2026-02-15 + 30 d (ends 03-16, inside the period): earned in full = 600
  P4 cancelled (start 02-01, 1000): out of everything;  P5 started 2025-12-01: not written in Q1.
Claims:
  C1  P1  rep 02-10 10:00, closed 03-10 10:00, paid 500, first reserve 600
  C2  P1  rep 03-05, open at the cut-off (closed 04-15 for 1400, after it); reserves 03-06 800,
          03-20 1000, 04-10 1500 -> outstanding at the cut-off = 1000
  C3  P2  rep 03-02, closed 03-12 with paid 0 (zero-paid), first reserve 300
  C4  P2  cancelled (reserve 400): left out of every indicator
  C5  P3  injury, rep 02-20, closed 03-25, paid 12000, first reserve 10000, audit reduction 600
  C6  P5  rep 01-10 08:00, closed 02-10 20:00, paid 2500, first reserve 1000, subrogation 250
  C7  P5  rep 02-20, registered 80 h later, open, reserve 3000
  C8  P5  rep 03-01 10:00 (exactly 30 days before the cut-off), registered 72 h later, open, no reserve
  C9  P2  rep 03-08 (7 days after P2's start), never registered
  C10 P5  rep and registered 2025-12-20, still open (open at the period's start), reserve 5000
  C11 P5  rep 03-15, closed 03-16 with paid 0
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app.auth.viewer import Viewer
from app.models import AuditChannel, ClaimStatus, Line, OrgLevel, PolicyStatus, Role
from app.services.reports import ReportParams, run_report
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")
Q1 = ReportParams(date(2026, 1, 1), date(2026, 3, 31), date(2026, 3, 31))


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=SH)


def claims_book():
    company = f.org_unit(OrgLevel.company, name="总公司")
    city = f.org_unit(OrgLevel.city, company, name="石家庄")
    branch = f.org_unit(OrgLevel.branch, city, name="长安支公司")
    manager = f.staff(Role.team_manager, org=branch)
    team = f.team(branch, manager=manager)
    agent = f.staff(Role.agent, team=team)
    admin = f.staff(Role.admin, org=company)
    p1 = f.policy(agent=agent, start=date(2026, 1, 1), written="3650.00", base="7000.00", commission=Decimal("365"))
    p2 = f.policy(agent=agent, line=Line.ctpl, start=date(2026, 3, 1), written="7300.00", base="8000.00",
                  commission=Decimal("1460"))
    p3 = f.policy(agent=agent, start=date(2026, 2, 15), days=30, written="600.00")
    f.policy(agent=agent, start=date(2026, 2, 1), written="1000.00", status=PolicyStatus.cancelled)
    p5 = f.policy(agent=agent, start=date(2025, 12, 1), written="2000.00")
    closed = ClaimStatus.closed
    f.claim(p1, at("2026-02-10"), closed, closed_at=at("2026-03-10"), paid=Decimal(500), first_reserve=Decimal(600))
    c2 = f.claim(p1, at("2026-03-05"), closed, closed_at=at("2026-04-15"), paid=Decimal(1400),
                 first_reserve=Decimal(800))
    for day, amount in (("2026-03-06", "800"), ("2026-03-20", "1000"), ("2026-04-10", "1500")):
        f.claim_reserve(c2, at(day), amount)
    f.claim(p2, at("2026-03-02"), closed, closed_at=at("2026-03-12"), paid=Decimal(0), first_reserve=Decimal(300))
    c4 = f.claim(p2, at("2026-03-03"), ClaimStatus.cancelled, cancelled_at=at("2026-03-04"))
    f.claim_reserve(c4, at("2026-03-03", 12), "400")
    f.claim(p3, at("2026-02-20"), closed, closed_at=at("2026-03-25"), paid=Decimal(12000),
            first_reserve=Decimal(10000), injury=True, audit_reduction=Decimal(600))
    f.claim(p5, at("2026-01-10", 8), closed, closed_at=at("2026-02-10", 20), paid=Decimal(2500),
            first_reserve=Decimal(1000), subrogation_recovered=Decimal(250))
    c7 = f.claim(p5, at("2026-02-20"), registered_at=at("2026-02-20") + timedelta(hours=80))
    f.claim_reserve(c7, at("2026-02-24"), "3000")
    f.claim(p5, at("2026-03-01"), registered_at=at("2026-03-01") + timedelta(hours=72))
    f.claim(p2, at("2026-03-08"), ClaimStatus.reported, registered_at=None)
    c10 = f.claim(p5, at("2025-12-20"))
    f.claim_reserve(c10, at("2025-12-21"), "5000")
    f.claim(p5, at("2026-03-15"), closed, closed_at=at("2026-03-16"), paid=Decimal(0))
    f.complaint(branch, date(2026, 2, 1), valid=True)
    f.complaint(branch, date(2026, 2, 2), valid=False)
    f.complaint(branch, date(2025, 12, 31), valid=True)
    f.db.session.commit()
    return {"admin": admin, "manager": manager, "branch": branch, "city": city, "company": company}


def viewer(staff) -> Viewer:
    return Viewer(channel=AuditChannel.api, staff=staff)


@pytest.fixture
def book(db):
    return claims_book()


def totals(key, book, params=Q1, **options):
    p = ReportParams(params.date_from, params.date_to, params.cutoff, params.dimension, options)
    return run_report(key, p, viewer(book["admin"])).totals


def test_written_premium_counts_policies_started_in_the_period_not_cancelled(book):
    t = totals("policy_premium", book)
    # P1 + P3 commercial, P2 ctpl; P4 cancelled and P5 (2025) out.
    assert (t["commercial_policies"], t["commercial_written"]) == (2, Decimal("4250.00"))  # 3650 + 600
    assert (t["ctpl_policies"], t["ctpl_written"]) == (1, Decimal("7300.00"))
    assert t["written"] == Decimal("11550.00")
    assert t["discount_rate"] == Decimal("0.7404")  # 11550 / (7000 + 8000 + 600) = 0.74038
    assert t["commission_rate"] == Decimal("0.1580")  # (365 + 1460) / 11550 = 0.15800


def test_loss_ratio_uses_paid_by_the_cutoff_and_the_latest_reserve_before_it(book):
    t = totals("loss_ratio", book)
    # Earned: P1 3650*90/365 = 900, P2 7300*31/365 = 620, P3 spans and ended: 600 -> 2120.
    assert t["earned"] == Decimal("2120.00")
    # C1 paid 500 + C3 paid 0 + C5 paid 12000; C2 closed after the cut-off: its reserve of 03-20 (1000),
    # not the one of 04-10 nor its later payment; C9 (reported, never registered) counts 0; C4
    # cancelled out; C6 is on P5 (not written in Q1). Claims: C1 C2 C3 C5 C9.
    assert (t["claims"], t["paid_at_cut"], t["outstanding"]) == (5, Decimal("12500.00"), Decimal("1000.00"))
    assert t["loss_ratio"] == Decimal("6.3679")  # 13500 / 2120 = 6.36792
    assert t["simple_loss_ratio"] == Decimal("1.1688")  # 13500 / 11550 = 1.16883


def test_loss_ratio_after_the_claim_closed_counts_its_payment(book):
    t = totals("loss_ratio", book, ReportParams(date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 30)))
    # Cut-off 04-30: C2 closed 04-15 paid 1400 -> 500 + 1400 + 0 + 12000 = 13900, nothing outstanding.
    assert (t["paid_at_cut"], t["outstanding"]) == (Decimal("13900.00"), Decimal("0"))
    # Earned at 04-30: P1 3650*120/365 = 1200, P2 7300*61/365 = 1220, P3 600 -> 3020.
    assert t["earned"] == Decimal("3020.00")


def test_claim_averages_leave_zero_paid_and_cancelled_out(book):
    t = totals("claim_average", book)
    # Closed in Q1 with paid > 0: C1 500, C5 12000, C6 2500 (C3, C11 zero-paid; C2 closed after).
    assert (t["paid_count"], t["paid_sum"], t["average"]) == (3, Decimal("15000.00"), Decimal("5000.00"))
    assert (t["injury_count"], t["injury_average"]) == (1, Decimal("12000.00"))
    assert (t["big_count"], t["big_average"]) == (1, Decimal("12000.00"))
    # Under 10k: C1 28 days, C6 31.5 days (08:00 -> 20:00) -> 29.75.
    assert (t["small_count"], t["small_cycle"]) == (2, Decimal("29.75"))


def test_outstanding_indicators(book):
    t = totals("outstanding", book)
    # Closed in Q1, paid > 0: C1 (600 vs 500), C5 (10000 vs 12000), C6 (1000 vs 2500).
    assert (t["dev_reserve"], t["dev_paid"]) == (Decimal("11600.00"), Decimal("15000.00"))
    assert t["reserve_adequacy"] == Decimal("0.7733")  # 11600 / 15000
    assert t["reserve_deviation"] == Decimal("-0.2267")  # (100 - 2000 - 1500) / 15000 = -0.22667
    assert t["reserve_deviation_abs"] == Decimal("0.2400")  # (100 + 2000 + 1500) / 15000
    # Open at the cut-off: C2, C7, C8, C10 (C9 never registered); stale = reported more than 30 days
    # before 03-31: C7 (02-20) and C10 (2025-12-20); C8 (03-01, exactly 30 days) is not.
    assert (t["open_count"], t["stale_count"], t["stale_rate"]) == (4, 2, Decimal("0.5000"))
    assert t["open_reserve"] == Decimal("9000.00")  # 1000 + 3000 + 0 + 5000
    # Handling: closed in Q1 C1 C3 C5 C6 C11 = 5 / (open at 01-01: C10 + registered in Q1: C1 C2 C3 C5
    # C6 C7 C8 C11 = 9).
    assert (t["handled_count"], t["handle_base"], t["handling_rate"]) == (5, 9, Decimal("0.5556"))
    # Closure by count over registered in Q1: closed with paid > 0 C1 C5 C6; open C2 C7 C8; the
    # zero-paid C3 and C11 in neither -> 3 / 6.
    assert (t["reg_closed"], t["reg_base"], t["closure_rate"]) == (3, 6, Decimal("0.5000"))
    # Reported in Q1 (C4 cancelled out): C1 C2 C3 C5 C6 C7 C8 C9 C11 = 9; late: C7 (80 h), C9 (never);
    # C8 at exactly 72 h is timely -> 7 / 9.
    assert (t["reported_count"], t["timely_count"], t["delayed_count"]) == (9, 7, 2)
    assert (t["timely_rate"], t["delayed_rate"]) == (Decimal("0.7778"), Decimal("0.2222"))


def test_stale_days_and_registration_hours_are_parameters(book):
    t = totals("outstanding", book, stale_days=27, registration_hours=80)
    # Reported before 03-04 (31 - 27): C7, C8, C10, not C2 (03-05) -> 3 of 4; with 80 h only C9 is late.
    assert (t["stale_count"], t["timely_count"]) == (3, 8)


def test_audit_and_subrogation_contribution(book):
    t = totals("recovery", book)
    # Closed in Q1 (zero-paid included): paid 500 + 0 + 12000 + 2500 + 0 = 15000.
    assert (t["closed_count"], t["closed_paid"]) == (5, Decimal("15000.00"))
    assert t["audit_contribution"] == Decimal("0.0400")  # 600 / 15000
    assert t["subrogation_contribution"] == Decimal("0.0167")  # 250 / 15000 = 0.016667


def test_anomalies_list_the_cases(book):
    t = totals("anomalies", book)
    # Reported 0-7 days after the policy's start: C3 (1 day), C5 (5 days), C9 (7 days); C4 cancelled.
    assert t["early_claims"] == 3
    # Vehicles with >= 2 claims reported in Q1: P1's (C1 C2), P2's (C3 C9), P5's (C6 C7 C8 C11) = 8 claims.
    assert t["repeat_claims"] == 8
    # |first reserve - paid| / paid > 50%: C6 only (|1000 - 2500| / 2500 = 60%).
    assert (t["far_reserve_claims"], t["far_reserve_paid"]) == (1, Decimal("2500.00"))
    # Discount below 0.60: P1 (3650 / 7000 = 0.52).
    assert (t["low_discount_policies"], t["low_discount_written"]) == (1, Decimal("3650.00"))
    t = totals("anomalies", book, early_days=6, repeat_claims=3, reserve_gap="0.7", discount_floor="0.5")
    assert (t["early_claims"], t["repeat_claims"], t["far_reserve_claims"], t["low_discount_policies"]) == (2, 4, 0, 0)


def test_valid_complaints_per_100_million_premium(book):
    t = totals("complaints", book)
    # One valid complaint in Q1 (the invalid one and the 2025 one out) / (11550 / 1e8) = 8658.01.
    assert (t["valid_complaints"], t["complaints_per_100m"]) == (1, Decimal("8658.01"))


def test_loss_ratio_alert_when_above_threshold(book):
    result = run_report("loss_ratio", Q1, viewer(book["admin"]))
    assert any(a.label.startswith("合计") and a.value == Decimal("6.3679") for a in result.alerts)
    relaxed = ReportParams(Q1.date_from, Q1.date_to, Q1.cutoff, None, {"max_loss_ratio": "7"})
    assert run_report("loss_ratio", relaxed, viewer(book["admin"])).alerts == []
