"""Renewal reports (续保统计分析): premium by branch and line, renewal rates, lapses, transfer-in and
win-back, premium progress against plan, discount and commission monitoring."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import and_, exists, false, select, true
from sqlalchemy.orm import aliased

from app.auth.scoping import BRANCH_WIDE_ROLES, subtree_ids
from app.models import Dealer, OrgLevel, Plan, Policy, Staff, Team
from app.services.reports.common import (
    RENEWAL_OPTIONS,
    Built,
    Ctx,
    Derived,
    Measure,
    Option,
    Source,
    dealer_scope,
    ratio,
    renewal_units_source,
    self_insurers,
    staff_scope,
    written_from,
)
from app.services.reports.engine import AlertRule, ReportSpec

POLICY_DIMS = ("branch", "city", "team", "agent", "channel", "customer_group", "dealer", "line")
RENEWAL_DIMS = ("branch", "city", "team", "agent", "channel", "customer_group", "vehicle_age", "line")


def _written(ctx: Ctx, *extra, **kw) -> Source:
    return Source(written_from(ctx, *extra, **kw), "policies")


# --- 保单保费统计 -------------------------------------------------------------------------------------


def build_policy_premium(ctx: Ctx) -> Built:
    w = _written(ctx)
    c = w.sq.c
    measures = []
    for line, name in (("ctpl", "交强险"), ("commercial", "商业险")):
        measures += [
            Measure(f"{line}_policies", f"{name}件数", "count", "w", c.line == line),
            Measure(f"{line}_written", f"{name}签单保费", "money", "w", c.line == line, c.written),
        ]
    measures += [
        Measure("policies", "合计件数", "count", "w", c.id.is_not(None)),
        Measure("written", "合计签单保费", "money", "w", c.id.is_not(None), c.written),
        Measure("base", "折前保费", "money", "w", c.id.is_not(None), c.base),
        Measure("commission", "手续费", "money", "w", c.id.is_not(None), c.commission),
    ]
    derived = [Derived("discount_rate", "折扣率", "rate", ratio("written", "base")),
               Derived("commission_rate", "手续费率", "rate", ratio("commission", "written"))]
    return Built({"w": w}, measures, derived)


# --- 续保率 -----------------------------------------------------------------------------------------


def _units(ctx: Ctx, **kw) -> Source:
    return Source(renewal_units_source(ctx, **kw), "policies")


def build_renewal_rate(ctx: Ctx) -> Built:
    u = _units(ctx)
    c = u.sq.c
    measures = [
        Measure("due_units", "应续数", "count", "u", c.id.is_not(None)),
        Measure("renewed_units", "实续数", "count", "u", c.renewed),
        Measure("due_premium", "应续保费", "money", "u", c.id.is_not(None), c.premium),
        Measure("renewed_premium", "实续保费", "money", "u", c.renewed, c.premium),
    ]
    derived = [Derived("rate_count", "续保率(件数)", "rate", ratio("renewed_units", "due_units")),
               Derived("rate_premium", "续保率(保费)", "rate", ratio("renewed_premium", "due_premium"))]
    return Built({"u": u}, measures, derived)


def build_lapses(ctx: Ctx) -> Built:
    u = _units(ctx, records=True)
    c = u.sq.c
    lapsed = c.renewed.is_(False)
    measures = [
        Measure("lapsed_units", "脱保数", "count", "u", lapsed),
        Measure("lapsed_premium", "脱保保费(上年)", "money", "u", lapsed, c.premium),
    ]
    return Built({"u": u}, measures)


def build_lapse_days(ctx: Ctx) -> Built:
    u = _units(ctx, lapse=True)
    c = u.sq.c
    measures = [
        Measure("due_units", "应续数", "count", "u", c.id.is_not(None)),
        Measure("due_premium", "应续保费", "money", "u", c.id.is_not(None), c.premium),
        Measure("lapse_days_total", "脱保天数合计", "days", "u", c.id.is_not(None), c.lapse_days),
    ]
    derived = [Derived("lapse_days_mean", "平均脱保天数", "days", ratio("lapse_days_total", "due_units",
                                                                     places=Decimal("0.1")))]
    return Built({"u": u}, measures, derived)


# --- 转保与竞回 --------------------------------------------------------------------------------------


def build_transfer_in(ctx: Ctx) -> Built:
    earlier = aliased(Policy)
    transfer = and_(Policy.previous_insurer_id.is_not(None), Policy.previous_insurer_id.not_in(self_insurers()))
    win_back = and_(transfer, exists().where(earlier.vin == Policy.vin, earlier.line == Policy.line,
                                             earlier.start_date < Policy.start_date, earlier.id != Policy.id))
    w = _written(ctx, transfer.label("transfer_in"), win_back.label("win_back"))
    c = w.sq.c
    measures = [
        Measure("policies", "签单件数", "count", "w", c.id.is_not(None)),
        Measure("written", "签单保费", "money", "w", c.id.is_not(None), c.written),
        Measure("transfer_policies", "转保件数", "count", "w", c.transfer_in),
        Measure("transfer_written", "转保保费", "money", "w", c.transfer_in, c.written),
        Measure("win_back_policies", "竞回件数", "count", "w", c.win_back),
        Measure("win_back_written", "竞回保费", "money", "w", c.win_back, c.written),
    ]
    derived = [Derived("transfer_share", "转保保费占比", "rate", ratio("transfer_written", "written")),
               Derived("win_back_share", "竞回保费占比", "rate", ratio("win_back_written", "written"))]
    return Built({"w": w}, measures, derived)


# --- 保费进度 ---------------------------------------------------------------------------------------


PLAN_OWNER = {"branch": Plan.org_unit_id, "team": Plan.team_id, "agent": Plan.agent_id, "dealer": Plan.dealer_id}


def _plan_visible(ctx: Ctx, dimension: str):
    """Plans of the owners the viewer sees: branch plans for branch-wide roles, team plans of
    their teams, agent plans of their agents, dealer plans of their branch's dealers."""
    viewer = ctx.viewer
    if dimension == "agent":
        return Plan.agent_id.in_(select(Staff.id).where(staff_scope(viewer)))
    if dimension == "dealer":
        return Plan.dealer_id.in_(select(Dealer.id).where(dealer_scope(viewer, Dealer.branch_id)))
    if dimension == "team":
        return Plan.team_id.in_(select(Team.id).where(_team_visible(ctx)))
    staff = viewer.staff
    if staff is None or not staff.active or staff.role not in BRANCH_WIDE_ROLES:
        return false()
    if staff.org_unit.level == OrgLevel.company:
        return Plan.org_unit_id.is_not(None)
    return Plan.org_unit_id.in_(subtree_ids(staff.org_unit))


def _team_visible(ctx: Ctx):
    """Teams the viewer sees: those with a visible member, or that they lead or oversee."""
    return Team.id.in_(select(Staff.team_id).where(staff_scope(ctx.viewer))) | (
        Team.manager_id == ctx.viewer.staff_id) | (Team.supervisor_id == ctx.viewer.staff_id)


def build_premium_progress(ctx: Ctx) -> Built:
    to = ctx.params.date_to
    month_start, year_start = to.replace(day=1), date(to.year, 1, 1)
    dim = ctx.dimension
    dim_column = {"branch": "branch_id", "team": "team_id", "agent": "agent_id", "dealer": "dealer_id"}[dim]
    plans = (select(Plan.id.label("id"), PLAN_OWNER[dim].label(dim_column), Plan.month.label("month"),
                    Plan.line.label("line"), Plan.amount.label("amount"))
             .where(PLAN_OWNER[dim].is_not(None), Plan.month.between(year_start, month_start),
                    _plan_visible(ctx, dim))).subquery("plans")
    line = ctx.opts["line"]
    p = Source(plans, "plans")
    w = _written(ctx, date_from=year_start, date_to=to)
    pc, wc = p.sq.c, w.sq.c
    line_p = true() if line == "all" else pc.line == line
    line_w = true() if line == "all" else wc.line == line
    measures = [
        Measure("month_plan", "当月计划", "money", "p", and_(pc.month == month_start, line_p), pc.amount),
        Measure("month_written", "当月签单保费", "money", "w", and_(wc.start_date >= month_start, line_w),
                wc.written),
        Measure("ytd_plan", "年累计划", "money", "p", and_(pc.month <= month_start, line_p), pc.amount),
        Measure("ytd_written", "年累签单保费", "money", "w", and_(wc.id.is_not(None), line_w), wc.written),
    ]
    derived = [Derived("month_completion", "当月完成率", "rate", ratio("month_written", "month_plan")),
               Derived("ytd_completion", "年累完成率", "rate", ratio("ytd_written", "ytd_plan"))]
    return Built({"p": p, "w": w}, measures, derived)


# --- 折扣率与手续费率监控 -------------------------------------------------------------------------------


def build_discount_monitor(ctx: Ctx) -> Built:
    w = _written(ctx)
    c = w.sq.c
    below = c.discount_rate < ctx.opts["discount_floor"]
    measures = [
        Measure("policies", "签单件数", "count", "w", c.id.is_not(None)),
        Measure("written", "签单保费", "money", "w", c.id.is_not(None), c.written),
        Measure("base", "折前保费", "money", "w", c.id.is_not(None), c.base),
        Measure("below_policies", "低于折扣下限件数", "count", "w", below),
        Measure("below_written", "低于折扣下限保费", "money", "w", below, c.written),
    ]
    derived = [Derived("discount_rate", "折扣率", "rate", ratio("written", "base")),
               Derived("below_share", "超限件数占比", "rate", ratio("below_policies", "policies"))]
    return Built({"w": w}, measures, derived)


def build_commission_monitor(ctx: Ctx) -> Built:
    w = _written(ctx)
    c = w.sq.c
    above = c.commission_rate > ctx.opts["commission_ceiling"]
    measures = [
        Measure("policies", "签单件数", "count", "w", c.id.is_not(None)),
        Measure("written", "签单保费", "money", "w", c.id.is_not(None), c.written),
        Measure("commission", "手续费", "money", "w", c.id.is_not(None), c.commission),
        Measure("above_policies", "高于手续费上限件数", "count", "w", above),
        Measure("above_written", "高于手续费上限保费", "money", "w", above, c.written),
    ]
    derived = [Derived("commission_rate", "手续费率", "rate", ratio("commission", "written")),
               Derived("above_share", "超限件数占比", "rate", ratio("above_policies", "policies"))]
    return Built({"w": w}, measures, derived)


WRITTEN_DEF = "签单保费:起保日期在统计期间内、未注销的保单,不含税。"
RENEWAL_DEF = ("应续:终保日期在统计期间内、未注销、保险期间不短于最短期间的保单;实续:同车架号同险种另有我司"
               "未注销保单,起保日期减应续保单终保日期在窗口内、且晚于应续保单起保日期,截止日前已签单。"
               "按车辆时一车一险种为一个单位,保费为其应续保单保费之和(上年保费),维度取其最晚一张应续保单。")
TARGET = Option("target_rate", "续保率目标(件数)", "decimal", Decimal("0.60"))
FLOOR = Option("discount_floor", "折扣率下限", "decimal", Decimal("0.60"))
CEILING = Option("commission_ceiling", "手续费率上限", "decimal", Decimal("0.25"))

REPORTS = (
    ReportSpec("policy_premium", "保单保费统计", "renewal", POLICY_DIMS, "branch", (), build_policy_premium,
               WRITTEN_DEF + "折扣率 = 签单保费合计 / 折前保费合计;手续费率 = 手续费合计 / 签单保费合计。",
               {"type": "bar", "x": "label", "y": ["ctpl_written", "commercial_written"]}),
    ReportSpec("renewal_rate", "续保率统计", "renewal", RENEWAL_DIMS, "branch", (*RENEWAL_OPTIONS, TARGET),
               build_renewal_rate,
               RENEWAL_DEF + "续保率(件数) = 实续单位数 / 应续单位数;续保率(保费) = 实续单位上年保费 / 应续单位上年保费。",
               {"type": "bar", "x": "label", "y": ["rate_count", "rate_premium"]},
               (AlertRule("rate_count", "<", "target_rate", "续保率(件数)"),)),
    ReportSpec("lapse_reasons", "脱保原因分析", "renewal", ("lapse_reason",), "lapse_reason", RENEWAL_OPTIONS,
               build_lapses, RENEWAL_DEF + "未续保的应续单位按其最晚一张应续保单的续保记录中登记的脱保原因计数。",
               {"type": "pie", "x": "label", "y": ["lapsed_units"]}),
    ReportSpec("lapse_destinations", "脱保去向统计", "renewal", ("destination",), "destination", RENEWAL_OPTIONS,
               build_lapses, RENEWAL_DEF + "未续保的应续单位按续保记录中登记的去向保险公司计数。",
               {"type": "pie", "x": "label", "y": ["lapsed_units"]}),
    ReportSpec("lapse_days", "脱保天数统计", "renewal", ("lapse_days",), "lapse_days", RENEWAL_OPTIONS,
               build_lapse_days,
               RENEWAL_DEF + "脱保天数 = max(0, 下一张我司保单起保日期 − 终保日期 − 1),无下一张保单时为"
               "max(0, 截止日 − 终保日期);下一张保单指同车架号同险种、起保晚于应续保单、截止日前已签单的未注销保单。",
               {"type": "bar", "x": "label", "y": ["due_units"]}),
    ReportSpec("transfer_in", "转保及竞回业务统计", "renewal", POLICY_DIMS, "branch", (), build_transfer_in,
               WRITTEN_DEF + "转保:上年承保公司为他公司的保单;竞回:其中该车同险种此前曾有我司保单(不论是否注销)。",
               {"type": "bar", "x": "label", "y": ["transfer_written", "win_back_written"]}),
    ReportSpec("premium_progress", "保费进度监控", "renewal", ("branch", "team", "agent", "dealer"), "branch",
               (Option("line", "险种", "choice", "all", (("all", "全险种"), ("ctpl", "交强险"),
                                                         ("commercial", "商业险"))),
                Option("min_completion", "年累完成率预警线", "decimal", Decimal("0.90"))),
               build_premium_progress,
               "以统计期间结束日为准:当月 = 结束日所在月 1 日至结束日,年累 = 当年 1 月 1 日至结束日;"
               "计划为各维度自身的月度计划(支公司、团队、业务员、车商),当月取整月计划;" + WRITTEN_DEF,
               {"type": "bar", "x": "label", "y": ["ytd_plan", "ytd_written"]},
               (AlertRule("ytd_completion", "<", "min_completion", "年累保费完成率"),)),
    ReportSpec("discount_monitor", "折扣率监控", "renewal", POLICY_DIMS, "branch", (FLOOR,),
               build_discount_monitor,
               WRITTEN_DEF + "折扣率 = 签单保费 / 折前保费;单张保单折扣率低于下限的列入监控清单。",
               {"type": "bar", "x": "label", "y": ["below_policies"]}),
    ReportSpec("commission_monitor", "手续费率监控", "renewal", POLICY_DIMS, "branch", (CEILING,),
               build_commission_monitor,
               WRITTEN_DEF + "手续费率 = 手续费 / 签单保费;单张保单手续费率高于上限的列入监控清单。",
               {"type": "bar", "x": "label", "y": ["above_policies"]}),
)
