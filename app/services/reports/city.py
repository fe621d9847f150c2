"""City KPI (地市KPI统计): the brief's eight city indicators in one table, each ranked, and the
cities ranked by the sum of their eight ranks."""

from __future__ import annotations

from decimal import Decimal

from app.services.reports.base import Column
from app.services.reports.claims import (
    BIG,
    adequacy_measures,
    average_measures,
    claims_of_written,
    complaint_measures,
    loss_ratio_measures,
    period_claims,
    recovery_measures,
    written_source,
)
from app.services.reports.common import Built, Ctx, Source, complaints_select
from app.services.reports.engine import ReportSpec

# The eight indicators of the brief, in its order, and which way is better.
INDICATORS = (
    ("loss_ratio", "赔付率", "low"),
    ("big_average", "万元以上车险案均", "low"),
    ("injury_average", "车险涉及人伤案均", "low"),
    ("audit_contribution", "稽查减损贡献度", "high"),
    ("subrogation_contribution", "追偿减损贡献度", "high"),
    ("reserve_adequacy", "估损充足率", "high"),
    ("complaints_per_100m", "亿元保费有效投诉件数", "low"),
    ("small_cycle", "万元以下车险理赔周期", "low"),
)


def build_city_kpi(ctx: Ctx) -> Built:
    w, lc, c = written_source(ctx), claims_of_written(ctx), period_claims(ctx, closed_only=True)
    k = Source(complaints_select(ctx).subquery("complaints"), "complaints")
    parts = [loss_ratio_measures(w, lc), average_measures(ctx, c.sq.c, keys=("injury", "big", "small"), closed_source=True),
             recovery_measures(ctx, c.sq.c), adequacy_measures(ctx, c.sq.c, deviation=False),
             complaint_measures(ctx, k, w)]
    measures, derived, seen = [], [], set()
    for ms, ds in parts:
        for m in ms:
            if m.key not in seen:  # written premium serves both the loss ratio and complaints
                seen.add(m.key)
                measures.append(m)
        derived += ds
    wanted = {key for key, _, _ in INDICATORS} | {"simple_loss_ratio"}
    return Built({"w": w, "lc": lc, "c": c, "k": k}, measures, [d for d in derived if d.key in wanted])


def rank_cities(rows: list[dict], ctx: Ctx) -> list[dict]:
    """Rank each indicator (1 = best; a city without the value ranks last); the overall rank is by
    the sum of the eight ranks, ties by the lower loss ratio."""
    n = len(rows)
    for key, _, better in INDICATORS:
        valued = sorted((r for r in rows if r.get(key) is not None), key=lambda r: r[key],
                        reverse=better == "high")
        rank, previous = 0, object()
        for i, row in enumerate(valued, 1):
            if row[key] != previous:
                rank, previous = i, row[key]
            row[f"rank_{key}"] = rank
        for row in rows:
            row.setdefault(f"rank_{key}", n)
    for row in rows:
        row["rank_sum"] = sum(row[f"rank_{key}"] for key, _, _ in INDICATORS)
    big = Decimal("1e9")
    rows.sort(key=lambda r: (r["rank_sum"], r.get("loss_ratio") if r.get("loss_ratio") is not None else big))
    for i, row in enumerate(rows, 1):
        row["rank"] = i
    return rows


REPORTS = (
    ReportSpec("city_kpi", "地市KPI统计", "city", ("city", "branch"), "city", (BIG,), build_city_kpi,
               "八项指标:赔付率(已赚,同赔付率统计)、万元以上车险案均、车险涉及人伤案均、稽查减损贡献度、"
               "追偿减损贡献度、估损充足率、亿元保费有效投诉件数、万元以下车险理赔周期,定义同各自报表。"
               "每项指标排名(赔付率、案均、投诉、周期越低越好;贡献度、估损充足率越高越好;无值者排末位),"
               "综合排名按八项名次之和由小到大,相同时赔付率低者在前。",
               {"type": "bar", "x": "label", "y": ["loss_ratio"]},
               finish=rank_cities,
               extra_columns=(*(Column(f"rank_{key}", f"{label}排名", "number") for key, label, _ in INDICATORS),
                              Column("rank_sum", "名次合计", "number"), Column("rank", "综合排名", "number"))),
)
