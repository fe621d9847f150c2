"""Team performance, dealer contribution, city KPI, premium progress, transfer-in / win-back and the
discount / commission monitors, each on a small book worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.models import ClaimStatus, CodeKind, Line, OrgLevel, PolicyStatus, Role
from app.services.reports import ReportParams, run_report
from tests import factories as f
from tests.test_reports_claims import Q1, at, claims_book, viewer

JAN_FEB = ReportParams(date(2026, 1, 1), date(2026, 2, 28), date(2026, 2, 28))
C, X = Line.commercial, Line.ctpl


def run(key, staff, params=JAN_FEB, dimension=None, **options):
    return run_report(key, ReportParams(params.date_from, params.date_to, params.cutoff, dimension, options),
                      viewer(staff))


def by_label(result, *keys):
    return {r["label"]: tuple(r[k] for k in keys) for r in result.rows}


# --- team performance ----------------------------------------------------------------------------


def team_book():
    """B1: supervisor S1 over T1 (manager M1: agents A1, A2) and T2 (M2: A3); B2: S2 over T3 (M3: A4)."""
    company = f.org_unit(OrgLevel.company, name="总公司")
    city = f.org_unit(OrgLevel.city, company, name="石家庄")
    b1 = f.org_unit(OrgLevel.branch, city, name="长安支公司")
    b2 = f.org_unit(OrgLevel.branch, city, name="桥西支公司")
    s1 = f.staff(Role.supervisor, org=b1, name="分管甲")
    s2 = f.staff(Role.supervisor, org=b2, name="分管乙")
    m1, m2, m3 = (f.staff(Role.team_manager, org=b, name=n) for b, n in ((b1, "经理一"), (b1, "经理二"),
                                                                        (b2, "经理三")))
    t1, t2, t3 = f.team(b1, m1, s1), f.team(b1, m2, s1), f.team(b2, m3, s2)
    a1, a2 = f.staff(team=t1, name="甲一"), f.staff(team=t1, name="甲二")
    a3, a4 = f.staff(team=t2, name="乙一"), f.staff(team=t3, name="丙一")
    jan, feb, mar = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
    for month, line, amount, agent in ((jan, X, "1000", a1), (jan, C, "3000", a1), (feb, C, "2000", a1),
                                       (mar, C, "9999", a1), (jan, C, "4000", a2), (feb, X, "2000", a3),
                                       (jan, C, "5000", a4)):
        f.plan(month, line, amount, agent=agent)
    for agent, line, start, written, kw in (
            (a1, X, date(2026, 1, 5), "800.00", {}), (a1, C, date(2026, 2, 1), "4000.00", {}),
            (a1, C, date(2026, 2, 2), "1000.00", {"status": PolicyStatus.cancelled}),
            (a1, C, date(2026, 3, 1), "500.00", {}), (a2, C, date(2026, 1, 9), "4000.00", {}),
            (a3, X, date(2026, 2, 9), "1600.00", {}), (a4, C, date(2026, 1, 20), "4000.00", {})):
        f.policy(agent=agent, line=line, start=start, written=written, **kw)
    admin = f.staff(Role.admin, org=company)
    f.db.session.commit()
    return {"admin": admin, "m1": m1}


@pytest.fixture
def teams(db):
    return team_book()


def test_team_performance_at_four_levels(teams):
    keys = ("plan", "written", "completion", "rank")
    agents = by_label(run("team_performance", teams["admin"], dimension="agent"), *keys)
    # Plans Jan-Feb (March's 9999 out): A1 1000 + 3000 + 2000 = 6000; written 800 + 4000 (cancelled and
    # March out) = 4800 -> 0.8. A2 4000/4000 = 1. A3 1600/2000 = 0.8. A4 4000/5000 = 0.8.
    # Ties at 0.8 go by written premium: A1 4800, A4 4000, A3 1600.
    assert agents == {
        "甲二": (Decimal("4000.00"), Decimal("4000.00"), Decimal("1.0000"), 1),
        "甲一": (Decimal("6000.00"), Decimal("4800.00"), Decimal("0.8000"), 2),
        "丙一": (Decimal("5000.00"), Decimal("4000.00"), Decimal("0.8000"), 3),
        "乙一": (Decimal("2000.00"), Decimal("1600.00"), Decimal("0.8000"), 4),
    }
    a1 = next(r for r in run("team_performance", teams["admin"], dimension="agent").rows if r["label"] == "甲一")
    assert (a1["ctpl_completion"], a1["commercial_completion"]) == (Decimal("0.8000"), Decimal("0.8000"))
    managers = by_label(run("team_performance", teams["admin"], dimension="team_manager"), *keys)
    # T1 = A1 + A2: 10000 / 8800 -> 0.88; T3 4000/5000 and T2 1600/2000 tie at 0.8, T3 wrote more.
    assert managers == {"经理一": (Decimal("10000.00"), Decimal("8800.00"), Decimal("0.8800"), 1),
                        "经理三": (Decimal("5000.00"), Decimal("4000.00"), Decimal("0.8000"), 2),
                        "经理二": (Decimal("2000.00"), Decimal("1600.00"), Decimal("0.8000"), 3)}
    supervisors = by_label(run("team_performance", teams["admin"], dimension="supervisor"), "completion", "rank")
    assert supervisors == {"分管甲": (Decimal("0.8667"), 1), "分管乙": (Decimal("0.8000"), 2)}  # 10400 / 12000
    branches = by_label(run("team_performance", teams["admin"], dimension="branch"), "completion", "rank")
    assert branches == {"长安支公司": (Decimal("0.8667"), 1), "桥西支公司": (Decimal("0.8000"), 2)}


def test_team_manager_sees_only_the_team_agents(teams):
    rows = by_label(run("team_performance", teams["m1"], dimension="agent"), "plan", "written")
    assert set(rows) == {"甲一", "甲二"}


# --- dealer contribution -------------------------------------------------------------------------


@pytest.fixture
def dealers(db):
    company = f.org_unit(OrgLevel.company, name="总公司")
    city = f.org_unit(OrgLevel.city, company, name="石家庄")
    branch = f.org_unit(OrgLevel.branch, city, name="长安支公司")
    agent = f.staff(team=f.team(branch))
    d1, d2 = f.dealer(city, branch, name="一号4S店"), f.dealer(city, branch, name="二号4S店")
    resident = f.staff(Role.resident_manager, org=branch, dealer=d1, name="驻店甲")
    f.plan(date(2026, 1, 1), C, "5000", dealer=d1)
    f.plan(date(2026, 2, 1), C, "5000", dealer=d1)
    q1 = f.policy(agent=agent, dealer=d1, start=date(2026, 1, 1), written="3650.00", commission=Decimal("365"))
    f.policy(agent=agent, dealer=d1, line=X, start=date(2026, 2, 1), written="7300.00", commission=Decimal("730"))
    other = f.policy(agent=agent, start=date(2025, 6, 1), written="2000.00")
    f.claim(q1, at("2026-01-20"), ClaimStatus.closed, closed_at=at("2026-02-10"), paid=Decimal(300))
    open_claim = f.claim(q1, at("2026-02-01"), first_reserve=Decimal(200), repair_dealer_id=d1.id)
    f.claim_reserve(open_claim, at("2026-02-01", 16), "200")
    f.claim(other, at("2026-01-15"), first_reserve=Decimal(1000), repair_dealer_id=d1.id)
    f.claim(other, at("2025-12-20"), first_reserve=Decimal(5000), repair_dealer_id=d1.id)
    f.claim(other, at("2026-01-16"), first_reserve=Decimal(700), repair_dealer_id=d2.id)
    admin = f.staff(Role.admin, org=company)
    f.db.session.commit()
    return {"admin": admin, "resident": resident}


def test_dealer_plan_completion(dealers):
    rows = by_label(run("dealer_plan", dealers["admin"]), "plan", "written", "completion")
    # Plan 5000 + 5000; written 3650 + 7300 = 10950 -> 1.095.
    assert rows["一号4S店"] == (Decimal("10000.00"), Decimal("10950.00"), Decimal("1.0950"))


def test_dealer_and_resident_manager_underwriting(dealers):
    rows = by_label(run("dealer_underwriting", dealers["admin"], dimension="resident_manager"),
                    "ctpl_written", "commercial_written", "policies")
    assert rows == {"驻店甲": (Decimal("7300.00"), Decimal("3650.00"), 2)}


def test_repair_referrals_and_referral_ratio(dealers):
    rows = by_label(run("dealer_referrals", dealers["admin"]), "referrals", "referral_reserve", "written",
                    "referral_ratio")
    # Registered Jan-Feb with repair dealer 一号: 200 + 1000 (the 2025 one out) / 10950 = 0.10959.
    assert rows["一号4S店"] == (2, Decimal("1200.00"), Decimal("10950.00"), Decimal("0.1096"))
    # 二号 sold nothing: a referral with no premium has no ratio.
    assert rows["二号4S店"] == (1, Decimal("700.00"), 0, None)


def test_dealer_profitability(dealers):
    t = run("dealer_profitability", dealers["admin"]).totals
    # Earned at 02-28: 3650*59/365 = 590 + 7300*28/365 = 560 -> 1150; claims 300 paid + 200 open = 500;
    # commission 365 + 730 = 1095 -> 1150 - 500 - 1095 = -445.
    assert (t["earned"], t["incurred"], t["commission"], t["profit"]) == (
        Decimal("1150.00"), Decimal("500.00"), Decimal("1095.00"), Decimal("-445.00"))


# --- city KPI ------------------------------------------------------------------------------------


def test_city_kpi_ranks_the_eight_indicators(db):
    book = claims_book()
    other_city = f.org_unit(OrgLevel.city, book["company"], name="保定")
    branch = f.org_unit(OrgLevel.branch, other_city, name="竞秀支公司")
    policy = f.policy(agent=f.staff(team=f.team(branch)), start=date(2026, 1, 1), written="36500.00")
    f.claim(policy, at("2026-01-31"), ClaimStatus.closed, closed_at=at("2026-02-01"), paid=Decimal(900),
            first_reserve=Decimal(900))
    f.db.session.commit()
    rows = {r["label"]: r for r in run("city_kpi", book["admin"], Q1).rows}
    sjz, bd = rows["石家庄"], rows["保定"]
    # 石家庄 is the claims book (see test_reports_claims): its eight indicators.
    assert [sjz[k] for k in ("loss_ratio", "big_average", "injury_average", "audit_contribution",
                             "subrogation_contribution", "reserve_adequacy", "complaints_per_100m",
                             "small_cycle")] == [
        Decimal("6.3679"), Decimal("12000.00"), Decimal("12000.00"), Decimal("0.0400"), Decimal("0.0167"),
        Decimal("0.7733"), Decimal("8658.01"), Decimal("29.75")]
    # 保定: earned 36500*90/365 = 9000, paid 900 -> 0.1; no injury or 10k+ claim (ranks last); no audit or
    # subrogation (0); adequacy 900/900 = 1; no complaint; cycle 1 day.
    assert (bd["loss_ratio"], bd["injury_average"], bd["reserve_adequacy"], bd["small_cycle"]) == (
        Decimal("0.1000"), None, Decimal("1.0000"), Decimal("1.00"))
    # Ranks 石家庄 2,1,1,1,1,2,2,2 = 12; 保定 1,2,2,2,2,1,1,1 = 12: a tie, the lower loss ratio first.
    assert (sjz["rank_sum"], bd["rank_sum"]) == (12, 12)
    assert (bd["rank"], sjz["rank"]) == (1, 2)
    assert [r["label"] for r in run("city_kpi", book["admin"], Q1).rows] == ["保定", "石家庄"]


# --- premium progress, transfer-in and win-back, monitors ------------------------------------------


@pytest.fixture
def written_book(db):
    company = f.org_unit(OrgLevel.company, name="总公司")
    city = f.org_unit(OrgLevel.city, company, name="石家庄")
    branch = f.org_unit(OrgLevel.branch, city, name="长安支公司")
    agent = f.staff(team=f.team(branch))
    ours = f.code(CodeKind.insurer, "self", "本公司", is_self=True)
    rival = f.code(CodeKind.insurer, "picc", "人保")
    for month, amount in ((date(2026, 1, 1), "4000"), (date(2026, 2, 1), "5000"), (date(2026, 3, 1), "9000")):
        f.plan(month, C, amount, org=branch)
    customer = f.customer(agent=agent)
    car = f.vehicle(owner=customer)
    # The car was ours in 2024, went to a rival in 2025 and comes back in 2026: a win-back.
    f.policy(customer=customer, vehicle=car, agent=agent, start=date(2024, 1, 10), written="2500.00")
    f.policy(customer=customer, vehicle=car, agent=agent, start=date(2026, 1, 10), written="3000.00",
             base="6000.00", commission=Decimal("900"), previous_insurer_id=rival.id)
    # New to us from a rival: a transfer-in, not a win-back.
    f.policy(agent=agent, start=date(2026, 2, 3), written="2000.00", commission=Decimal("200"),
             previous_insurer_id=rival.id)
    # Renewed with us: neither.
    f.policy(agent=agent, start=date(2026, 2, 20), written="3000.00", commission=Decimal("300"),
             previous_insurer_id=ours.id)
    admin = f.staff(Role.admin, org=company)
    f.db.session.commit()
    return {"admin": admin}


def test_transfer_in_and_win_back(written_book):
    t = run("transfer_in", written_book["admin"]).totals
    assert (t["policies"], t["written"]) == (3, Decimal("8000.00"))
    assert (t["transfer_policies"], t["transfer_written"]) == (2, Decimal("5000.00"))
    assert (t["win_back_policies"], t["win_back_written"]) == (1, Decimal("3000.00"))
    assert t["transfer_share"] == Decimal("0.6250")  # 5000 / 8000


def test_premium_progress_month_and_year_to_date(written_book):
    row = run("premium_progress", written_book["admin"]).rows[0]
    # To 02-28: month = February: plan 5000, written 2000 + 3000 = 5000 -> 1; year to date: plan
    # 4000 + 5000 (March not yet), written 8000 -> 0.8889.
    assert (row["month_plan"], row["month_written"], row["month_completion"]) == (
        Decimal("5000.00"), Decimal("5000.00"), Decimal("1.0000"))
    assert (row["ytd_plan"], row["ytd_written"], row["ytd_completion"]) == (
        Decimal("9000.00"), Decimal("8000.00"), Decimal("0.8889"))
    alerts = run("premium_progress", written_book["admin"]).alerts
    assert [a.label for a in alerts] == ["合计 年累保费完成率", "支公司“长安支公司” 年累保费完成率"]


def test_discount_and_commission_monitors_list_policies_outside_the_thresholds(written_book):
    t = run("discount_monitor", written_book["admin"], discount_floor="0.6").totals
    # 3000 / 6000 = 0.5 is below 0.6; the others have no discount (1.0).
    assert (t["below_policies"], t["below_written"]) == (1, Decimal("3000.00"))
    assert t["discount_rate"] == Decimal("0.7273")  # 8000 / 11000
    t = run("commission_monitor", written_book["admin"], commission_ceiling="0.15").totals
    # 900 / 3000 = 0.30 above 0.15; 200 / 2000 = 0.10 and 300 / 3000 = 0.10 are not.
    assert (t["above_policies"], t["above_written"], t["commission_rate"]) == (1, Decimal("3000.00"),
                                                                               Decimal("0.1750"))  # 1400 / 8000
