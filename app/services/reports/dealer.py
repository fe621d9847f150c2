"""Dealer contribution (车商贡献分析): plan against written premium, dealer and resident-manager
underwriting, repair referrals and the referral ratio, dealer profitability."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from app.models import Claim, Dealer, Plan, Policy, Role, Staff
from app.services.reports.claims import claims_of_written
from app.services.reports.common import (
    Built,
    Ctx,
    Derived,
    Measure,
    Option,
    Source,
    claims_select,
    dealer_scope,
    in_period,
    month_floor,
    ratio,
    written_select,
)
from app.services.reports.engine import AlertRule, ReportSpec


def _via_dealer(ctx: Ctx, *extra) -> Source:
    stmt = written_select(ctx, extra=extra).where(Policy.dealer_id.is_not(None))
    return Source(stmt.subquery("via_dealer"), "policies")


def build_dealer_plan(ctx: Ctx) -> Built:
    plans = (select(Plan.id.label("id"), Plan.dealer_id.label("dealer_id"), Plan.amount.label("amount"))
             .where(Plan.dealer_id.in_(select(Dealer.id).where(dealer_scope(ctx.viewer, Dealer.branch_id))),
                    Plan.month.between(month_floor(ctx.params.date_from), ctx.params.date_to))).subquery("plans")
    p, w = Source(plans, "plans"), _via_dealer(ctx)
    measures = [
        Measure("plan", "保费计划", "money", "p", p.sq.c.id.is_not(None), p.sq.c.amount),
        Measure("policies", "签单件数", "count", "w", w.sq.c.id.is_not(None)),
        Measure("written", "签单保费", "money", "w", w.sq.c.id.is_not(None), w.sq.c.written),
    ]
    derived = [Derived("completion", "计划完成率", "rate", ratio("written", "plan"))]
    return Built({"p": p, "w": w}, measures, derived)


def build_dealer_underwriting(ctx: Ctx) -> Built:
    resident = (select(func.min(Staff.id)).where(Staff.dealer_id == Policy.dealer_id,
                                                 Staff.role == Role.resident_manager, Staff.active.is_(True))
                .scalar_subquery())
    w = _via_dealer(ctx, resident.label("resident_manager_id"))
    c = w.sq.c
    measures = []
    for line, name in (("ctpl", "交强险"), ("commercial", "商业险")):
        measures += [Measure(f"{line}_policies", f"{name}件数", "count", "w", c.line == line),
                     Measure(f"{line}_written", f"{name}签单保费", "money", "w", c.line == line, c.written)]
    measures += [Measure("policies", "合计件数", "count", "w", c.id.is_not(None)),
                 Measure("written", "合计签单保费", "money", "w", c.id.is_not(None), c.written),
                 Measure("commission", "手续费", "money", "w", c.id.is_not(None), c.commission)]
    derived = [Derived("commission_rate", "手续费率", "rate", ratio("commission", "written"))]
    return Built({"w": w}, measures, derived)


def build_dealer_referrals(ctx: Ctx) -> Built:
    # The dealer of a referral is the repair dealer, not the selling one.
    stmt = claims_select(ctx, where=(Claim.repair_dealer_id.is_not(None), in_period(ctx, Claim.registered_at),
                                     Claim.registered_at < ctx.cut_end), dealer_from_repair=True)
    r, w = Source(stmt.subquery("referrals"), "claims"), _via_dealer(ctx)
    measures = [
        Measure("referrals", "送修件数", "count", "r", r.sq.c.id.is_not(None)),
        Measure("referral_reserve", "送修金额(首次估损)", "money", "r", r.sq.c.id.is_not(None), r.sq.c.first_reserve),
        Measure("written", "车商签单保费", "money", "w", w.sq.c.id.is_not(None), w.sq.c.written),
    ]
    derived = [Derived("referral_ratio", "送返比", "rate", ratio("referral_reserve", "written"))]
    return Built({"r": r, "w": w}, measures, derived)


def build_dealer_profitability(ctx: Ctx) -> Built:
    lc = claims_of_written(ctx)
    per_policy = (select(lc.sq.c.policy_id, func.sum(lc.sq.c.incurred).label("incurred"))
                  .group_by(lc.sq.c.policy_id).subquery("policy_incurred"))
    stmt = written_select(ctx, extra=(func.coalesce(per_policy.c.incurred, 0).label("incurred"),)).outerjoin(
        per_policy, per_policy.c.policy_id == Policy.id).where(Policy.dealer_id.is_not(None))
    w = Source(stmt.subquery("via_dealer"), "policies")
    c = w.sq.c
    every = c.id.is_not(None)
    measures = [
        Measure("policies", "签单件数", "count", "w", every),
        Measure("written", "签单保费", "money", "w", every, c.written),
        Measure("earned", "已赚保费", "money", "w", every, c.earned),
        Measure("incurred", "赔款(已决+未决)", "money", "w", every, c.incurred),
        Measure("commission", "手续费", "money", "w", every, c.commission),
        Measure("profit", "车商盈利", "money", "w", every, c.earned - c.incurred - c.commission),
    ]
    derived = [Derived("loss_ratio", "赔付率(已赚)", "rate", ratio("incurred", "earned")),
               Derived("profit_margin", "盈利率(占已赚)", "rate", ratio("profit", "earned"))]
    return Built({"w": w}, measures, derived)


VIA_DEALER = "车商业务:车商为该车商、起保日期在统计期间内、未注销的保单。"

REPORTS = (
    ReportSpec("dealer_plan", "车商保费计划", "dealer", ("dealer",), "dealer",
               (Option("min_completion", "计划完成率预警线", "decimal", Decimal("0.80")),), build_dealer_plan,
               VIA_DEALER + "计划为与统计期间相交各月的车商月度计划之和(整月计);完成率 = 签单保费 / 计划。",
               {"type": "bar", "x": "label", "y": ["plan", "written"]},
               (AlertRule("completion", "<", "min_completion", "车商计划完成率"),)),
    ReportSpec("dealer_underwriting", "车商及驻店经理承保统计", "dealer", ("dealer", "resident_manager", "branch"),
               "dealer", (), build_dealer_underwriting,
               VIA_DEALER + "驻店经理承保按保单所属车商的驻店经理(一店多人时取工号最早的在职驻店经理)归集。",
               {"type": "bar", "x": "label", "y": ["ctpl_written", "commercial_written"]}),
    ReportSpec("dealer_referrals", "车商送修统计", "dealer", ("dealer",), "dealer", (), build_dealer_referrals,
               "送修:立案时间在统计期间内(且不晚于截止日)、维修车商为该车商的未注销赔案,金额取首次估损;"
               + VIA_DEALER + "送返比 = 送修金额 / 车商签单保费(按金额)。",
               {"type": "bar", "x": "label", "y": ["referral_ratio"]}),
    ReportSpec("dealer_profitability", "车商盈利监控", "dealer", ("dealer",), "dealer", (), build_dealer_profitability,
               VIA_DEALER + "车商盈利 = 截止日已赚保费 − (截止日前已结赔款 + 截止日未决估损) − 手续费,逐单计算后汇总。",
               {"type": "bar", "x": "label", "y": ["profit"]}),
)
