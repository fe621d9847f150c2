"""Team performance (团队绩效考核) at the four levels of the brief: branch, supervisor, team manager,
agent. Plans and written premium are the agents', summed up the agent's team, its manager and
supervisor, and its branch; rank by all-lines completion, ties by higher written premium."""

from __future__ import annotations

from app.services.reports.base import Column
from app.services.reports.common import (
    Built,
    Ctx,
    Derived,
    Measure,
    Source,
    agent_plans_select,
    agent_written_select,
    ratio,
)
from app.services.reports.engine import ReportSpec

LINES = (("ctpl", "交强险"), ("commercial", "商业险"))


def build_team_performance(ctx: Ctx) -> Built:
    p = Source(agent_plans_select(ctx, ctx.params.date_from, ctx.params.date_to).subquery("plans"), "plans")
    w = Source(agent_written_select(ctx, ctx.params.date_from, ctx.params.date_to).subquery("written"), "policies")
    pc, wc = p.sq.c, w.sq.c
    measures, derived = [], []
    for line, name in LINES:
        measures += [Measure(f"{line}_plan", f"{name}计划", "money", "p", pc.line == line, pc.amount),
                     Measure(f"{line}_written", f"{name}保费", "money", "w", wc.line == line, wc.written)]
        derived.append(Derived(f"{line}_completion", f"{name}完成率", "rate",
                               ratio(f"{line}_written", f"{line}_plan")))
    measures += [Measure("plan", "全险种计划", "money", "p", pc.id.is_not(None), pc.amount),
                 Measure("written", "全险种保费", "money", "w", wc.id.is_not(None), wc.written)]
    derived.append(Derived("completion", "全险种完成率", "rate", ratio("written", "plan")))
    return Built({"p": p, "w": w}, measures, derived)


def rank_by_completion(rows: list[dict], ctx: Ctx) -> list[dict]:
    """Higher all-lines completion first, ties by higher written premium; no plan ranks last.
    Equal completion and premium share a rank."""
    rows.sort(key=lambda r: (r["completion"] is None, -(r["completion"] or 0), -r["written"]))
    previous, rank = None, 0
    for i, row in enumerate(rows, 1):
        key = (row["completion"], row["written"])
        if key != previous:
            rank, previous = i, key
        row["rank"] = rank
    return rows


REPORTS = (
    ReportSpec("team_performance", "团队绩效考核", "team", ("branch", "supervisor", "team_manager", "agent"),
               "branch", (), build_team_performance,
               "业务员:起保日期在统计期间内、未注销、业务员为本人的保单签单保费,对比与统计期间相交各月的本人月度计划"
               "之和(整月计);团队经理、分管经理、支公司为其下业务员(按业务员当前所在团队)之和。完成率 = 保费 / 计划,"
               "分险种及全险种;按全险种完成率排名,相同时保费高者在前。",
               {"type": "bar", "x": "label", "y": ["completion"]},
               finish=rank_by_completion, extra_columns=(Column("rank", "排名", "number"),)),
)
