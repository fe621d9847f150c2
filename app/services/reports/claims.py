"""Claims reports (理赔指标分析): loss ratios, averages, outstanding-claims monitoring, audit and
subrogation, anomalies with their cases, valid complaints per 100 million premium."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Date, and_, cast, func, or_, true

from app.models import Claim, Policy, PolicyStatus
from app.services.reports.common import (
    Built,
    Ctx,
    Derived,
    Measure,
    Option,
    Source,
    average,
    claims_select,
    complaints_select,
    in_period,
    one_minus,
    ratio,
    written_from,
)
from app.services.reports.engine import AlertRule, ReportSpec

CLAIM_DIMS = ("branch", "city", "team", "agent", "channel", "customer_group", "dealer", "line")
HUNDRED_MILLION = Decimal(100_000_000)


def written_source(ctx: Ctx) -> Source:
    return Source(written_from(ctx), "policies")


def claims_of_written(ctx: Ctx) -> Source:
    """Claims (known at the cut-off) of the policies written in the period: the loss ratio's numerator."""
    stmt = claims_select(ctx, where=(
        Policy.start_date.between(ctx.params.date_from, ctx.params.date_to),
        Policy.status != PolicyStatus.cancelled,
        Claim.reported_at < ctx.cut_end,
    ), with_policy=True)
    return Source(stmt.subquery("lr_claims"), "claims")


def period_claims(ctx: Ctx, *extra, closed_only: bool = False, with_policy: bool = False) -> Source:
    """Claims alive at some time between the period's start and the later of its end and the
    cut-off: every claim a period measure can count (the predicates of the measures decide).
    closed_only: just the claims closed in the period, for reports that count nothing else."""
    low, high = min(ctx.from_start, ctx.cut_end), max(ctx.to_end, ctx.cut_end)
    where = (Claim.reported_at < high, or_(Claim.closed_at.is_(None), Claim.closed_at >= low))
    if closed_only:
        where = (Claim.closed_at >= ctx.from_start, Claim.closed_at < min(ctx.to_end, ctx.cut_end))
    stmt = claims_select(ctx, *extra, where=where, with_policy=with_policy)
    return Source(stmt.subquery("period_claims"), "claims")


def closed_in_period(ctx: Ctx, c):
    """Closed in the period and by the cut-off (a close after the cut-off was not yet known)."""
    return and_(in_period(ctx, c.closed_at), c.closed_at < ctx.cut_end)


# --- measure families, shared with the city KPI ---------------------------------------------------


def loss_ratio_measures(w, lc):
    wc, cc = w.sq.c, lc.sq.c
    measures = [
        Measure("policies", "签单件数", "count", "w", wc.id.is_not(None)),
        Measure("written", "签单保费", "money", "w", wc.id.is_not(None), wc.written),
        Measure("earned", "已赚保费", "money", "w", wc.id.is_not(None), wc.earned),
        Measure("claims", "赔案件数", "count", "lc", cc.id.is_not(None)),
        Measure("paid_at_cut", "已决赔款", "money", "lc", cc.id.is_not(None), cc.paid_at_cut),
        Measure("outstanding", "未决估损", "money", "lc", cc.id.is_not(None), cc.outstanding),
        Measure("incurred", "赔款合计(已决+未决)", "money", "lc", cc.id.is_not(None), cc.incurred),
    ]
    derived = [Derived("loss_ratio", "赔付率(已赚)", "rate", ratio("incurred", "earned")),
               Derived("simple_loss_ratio", "简单赔付率(签单)", "rate", ratio("incurred", "written"))]
    return measures, derived


def average_measures(ctx: Ctx, c, src="c", keys=("all", "injury", "big", "small"), closed_source: bool = False):
    """closed_source: `c` is a period_claims(closed_only=True) source, whose WHERE already is
    closed_in_period; repeating it in every FILTER costs a report as much as its scan."""
    closed = true() if closed_source else closed_in_period(ctx, c)
    paid = and_(closed, c.paid > 0)
    big = ctx.opts["big_claim"]
    measures, derived = [], []
    if "all" in keys:
        measures += [Measure("paid_count", "结案件数(赔款>0)", "count", src, paid),
                     Measure("paid_sum", "结案赔款", "money", src, paid, c.paid)]
        derived.append(Derived("average", "车险案均", "money", average("paid_sum", "paid_count")))
    if "injury" in keys:
        injury = and_(paid, c.injury)
        measures += [Measure("injury_count", "涉人结案件数", "count", src, injury),
                     Measure("injury_paid", "涉人结案赔款", "money", src, injury, c.paid)]
        derived.append(Derived("injury_average", "涉人案均", "money", average("injury_paid", "injury_count")))
    if "big" in keys:
        big_case = and_(paid, c.paid >= big)
        measures += [Measure("big_count", "万元以上结案件数", "count", src, big_case),
                     Measure("big_paid", "万元以上结案赔款", "money", src, big_case, c.paid)]
        derived.append(Derived("big_average", "万元以上案均", "money", average("big_paid", "big_count")))
    if "small" in keys:
        small = and_(paid, c.paid < big)
        measures += [Measure("small_count", "万元以下结案件数", "count", src, small),
                     Measure("small_days", "万元以下理赔天数合计", "days", src, small, c.cycle_days)]
        derived.append(Derived("small_cycle", "万元以下理赔周期(天)", "days",
                               ratio("small_days", "small_count", places=Decimal("0.01"))))
    return measures, derived


def adequacy_measures(ctx: Ctx, c, src="c", deviation=True):
    paid = and_(closed_in_period(ctx, c), c.paid > 0)
    measures = [Measure("dev_count", "结案件数(赔款>0)", "count", src, paid),
                Measure("dev_reserve", "首次估损合计", "money", src, paid, c.first_reserve),
                Measure("dev_paid", "赔款合计", "money", src, paid, c.paid)]
    derived = [Derived("reserve_adequacy", "估损充足率", "rate", ratio("dev_reserve", "dev_paid"))]
    if deviation:
        measures += [Measure("dev_signed", "估损偏差额", "money", src, paid, c.first_reserve - c.paid),
                     Measure("dev_abs", "估损偏差额(绝对值)", "money", src, paid, func.abs(c.first_reserve - c.paid))]
        derived += [Derived("reserve_deviation", "估损偏差率", "rate", ratio("dev_signed", "dev_paid")),
                    Derived("reserve_deviation_abs", "估损偏差率(绝对值)", "rate", ratio("dev_abs", "dev_paid"))]
    return measures, derived


def recovery_measures(ctx: Ctx, c, src="c"):
    closed = closed_in_period(ctx, c)
    measures = [Measure("closed_count", "结案件数", "count", src, closed),
                Measure("closed_paid", "结案赔款", "money", src, closed, c.paid),
                Measure("audit_reduction", "稽查减损金额", "money", src, closed, c.audit_reduction),
                Measure("subrogation", "追偿金额", "money", src, closed, c.subrogation_recovered)]
    derived = [Derived("audit_contribution", "稽查减损贡献度", "rate", ratio("audit_reduction", "closed_paid")),
               Derived("subrogation_contribution", "追偿减损贡献度", "rate", ratio("subrogation", "closed_paid"))]
    return measures, derived


def complaint_measures(ctx: Ctx, k, w):
    measures = [Measure("valid_complaints", "有效投诉件数", "count", "k", k.sq.c.id.is_not(None)),
                Measure("written", "签单保费", "money", "w", w.sq.c.id.is_not(None), w.sq.c.written)]
    derived = [Derived("complaints_per_100m", "亿元保费有效投诉", "number",
                       ratio("valid_complaints", "written", scale=HUNDRED_MILLION, places=Decimal("0.01")))]
    return measures, derived


# --- reports --------------------------------------------------------------------------------------


def build_loss_ratio(ctx: Ctx) -> Built:
    w, lc = written_source(ctx), claims_of_written(ctx)
    measures, derived = loss_ratio_measures(w, lc)
    return Built({"w": w, "lc": lc}, measures, derived)


def build_claim_average(ctx: Ctx) -> Built:
    c = period_claims(ctx, closed_only=True)
    measures, derived = average_measures(ctx, c.sq.c, closed_source=True)
    return Built({"c": c}, measures, derived)


def build_outstanding(ctx: Ctx) -> Built:
    src = period_claims(ctx)
    c = src.sq.c
    o = ctx.opts
    measures, derived = adequacy_measures(ctx, c)
    stale_before = ctx.day_start(ctx.params.cutoff - timedelta(days=int(o["stale_days"])))
    open_at_start = and_(c.registered_at < ctx.from_start, or_(c.closed_at.is_(None), c.closed_at >= ctx.from_start))
    registered = and_(in_period(ctx, c.registered_at), c.registered_at < ctx.cut_end)
    reg_closed = and_(registered, c.closed_by_cut, c.paid > 0)
    reg_open = and_(registered, c.open_at_cut)
    reported = in_period(ctx, c.reported_at)
    timely = and_(reported, c.registered_at.is_not(None), c.registered_at < ctx.cut_end,
                  c.registered_at <= c.reported_at + timedelta(hours=int(o["registration_hours"])))
    measures += [
        Measure("open_count", "未决件数", "count", "c", c.open_at_cut),
        Measure("open_reserve", "未决估损", "money", "c", c.open_at_cut, c.outstanding),
        Measure("stale_count", "滞案件数", "count", "c", and_(c.open_at_cut, c.reported_at < stale_before)),
        Measure("handled_count", "期内结案件数", "count", "c", closed_in_period(ctx, c)),
        Measure("handle_base", "期初未决+期内立案件数", "count", "c", or_(open_at_start, registered)),
        Measure("reg_closed", "期内立案已结案件数(赔款>0)", "count", "c", reg_closed),
        Measure("reg_base", "期内立案已结(赔款>0)+未决件数", "count", "c", or_(reg_closed, reg_open)),
        Measure("reported_count", "期内报案件数", "count", "c", reported),
        Measure("timely_count", "限时立案件数", "count", "c", timely),
        Measure("delayed_count", "延时或未立案件数", "count", "c", and_(reported, ~timely)),
    ]
    derived += [
        Derived("stale_rate", "未决滞案率", "rate", ratio("stale_count", "open_count")),
        Derived("handling_rate", "案件处理率", "rate", ratio("handled_count", "handle_base")),
        Derived("closure_rate", "件数结案率", "rate", ratio("reg_closed", "reg_base")),
        Derived("timely_rate", "限时立案率", "rate", ratio("timely_count", "reported_count")),
        Derived("delayed_rate", "延时立案率", "rate", one_minus("timely_rate")),
    ]
    return Built({"c": src}, measures, derived)


def build_recovery(ctx: Ctx) -> Built:
    c = period_claims(ctx, closed_only=True)
    measures, derived = recovery_measures(ctx, c.sq.c)
    return Built({"c": c}, measures, derived)


def build_anomalies(ctx: Ctx) -> Built:
    o = ctx.opts
    tz = ctx.tz.key
    reported_day = cast(func.timezone(tz, Claim.reported_at), Date)
    reported_in = in_period(ctx, Claim.reported_at)
    days_from_start = reported_day - Policy.start_date
    vehicle_claims = func.count().filter(reported_in).over(partition_by=Policy.vin)
    c_src = period_claims(ctx, days_from_start.label("days_from_start"), vehicle_claims.label("vehicle_claims"),
                          with_policy=True)
    c = c_src.sq.c
    reported = in_period(ctx, c.reported_at)
    early = and_(reported, c.days_from_start >= 0, c.days_from_start <= int(o["early_days"]))
    repeat = and_(reported, c.vehicle_claims >= int(o["repeat_claims"]))
    far = and_(closed_in_period(ctx, c), c.paid > 0,
               func.abs(c.first_reserve - c.paid) > c.paid * o["reserve_gap"])
    w = written_source(ctx)
    low = w.sq.c.discount_rate < o["discount_floor"]
    measures = [
        Measure("early_claims", "起保后短期出险件数", "count", "c", early),
        Measure("repeat_claims", "多次出险车辆赔案件数", "count", "c", repeat),
        Measure("far_reserve_claims", "估损与赔款偏离件数", "count", "c", far),
        Measure("far_reserve_paid", "估损与赔款偏离赔款", "money", "c", far, c.paid),
        Measure("low_discount_policies", "折扣低于下限保单数", "count", "w", low),
        Measure("low_discount_written", "折扣低于下限保费", "money", "w", low, w.sq.c.written),
    ]
    return Built({"c": c_src, "w": w}, measures)


def build_complaints(ctx: Ctx) -> Built:
    k = Source(complaints_select(ctx).subquery("complaints"), "complaints")
    w = written_source(ctx)
    measures, derived = complaint_measures(ctx, k, w)
    return Built({"k": k, "w": w}, measures, derived)


BIG = Option("big_claim", "大额赔案线(元)", "decimal", Decimal("10000"))
LOSS_RATIO_DEF = ("对统计期间签单的保单(起保日期在期间内、未注销):赔付率 = (截止日前已结案赔款 + 截止日未决赔案"
                  "在截止日或之前的最新估损) / 截止日已赚保费(1/365 法);简单赔付率的分母为签单保费。"
                  "注销赔案不计;截止日后结案的赔案按未决计。")
CLOSED_DEF = "结案:结案时间在统计期间内且不晚于截止日;注销赔案不计;按结案日期而非支付日期。"

REPORTS = (
    ReportSpec("loss_ratio", "赔付率统计", "claims", CLAIM_DIMS, "branch",
               (Option("max_loss_ratio", "赔付率预警线", "decimal", Decimal("0.75")),), build_loss_ratio,
               LOSS_RATIO_DEF, {"type": "bar", "x": "label", "y": ["loss_ratio", "simple_loss_ratio"]},
               (AlertRule("loss_ratio", ">", "max_loss_ratio", "赔付率"),)),
    ReportSpec("claim_average", "车险案均统计", "claims", CLAIM_DIMS, "branch", (BIG,), build_claim_average,
               CLOSED_DEF + "案均 = 赔款合计 / 件数,仅计赔款大于 0 的结案;涉人案均限涉人伤赔案;"
               "万元以上案均限赔款不低于大额线的赔案;万元以下理赔周期 = 报案至结案小时数 / 24 的平均,"
               "限 0 < 赔款 < 大额线。",
               {"type": "bar", "x": "label", "y": ["average", "injury_average", "big_average"]}),
    ReportSpec("outstanding", "未决监控", "claims", CLAIM_DIMS, "branch",
               (Option("stale_days", "滞案天数", "int", 30), Option("registration_hours", "限时立案时限(小时)", "int", 72),
                Option("max_stale_rate", "未决滞案率预警线", "decimal", Decimal("0.20")),
                Option("min_timely_rate", "限时立案率目标", "decimal", Decimal("0.90"))),
               build_outstanding,
               CLOSED_DEF + "估损充足率 = 首次估损合计 / 赔款合计,估损偏差率 = (首次估损 − 赔款)合计 / 赔款合计"
               "(绝对值形式取 |首次估损 − 赔款|),均限期内赔款大于 0 的结案;未决 = 截止日已立案、未结案、未注销;"
               "未决滞案率 = 报案早于截止日前滞案天数的未决 / 全部未决;案件处理率 = 期内结案 / (期初未决 + 期内立案);"
               "件数结案率 = 期内立案且截止日前结案(赔款>0) / (该数 + 期内立案截止日仍未决),零赔款结案两边都不计;"
               "限时立案率 = 期内报案且报案后时限内立案 / 期内报案(未立案计为不及时);延时立案率 = 1 − 限时立案率。",
               {"type": "bar", "x": "label", "y": ["stale_rate", "closure_rate", "timely_rate"]},
               (AlertRule("stale_rate", ">", "max_stale_rate", "未决滞案率"),
                AlertRule("timely_rate", "<", "min_timely_rate", "限时立案率"))),
    ReportSpec("recovery", "稽查及追偿减损", "claims", CLAIM_DIMS, "branch", (), build_recovery,
               CLOSED_DEF + "稽查减损贡献度 = 稽查减损金额 / 结案赔款;追偿减损贡献度 = 追偿金额 / 结案赔款(含零赔款结案)。",
               {"type": "bar", "x": "label", "y": ["audit_contribution", "subrogation_contribution"]}),
    ReportSpec("anomalies", "异常数据监控", "claims", ("branch", "city", "team", "agent"), "branch",
               (Option("early_days", "起保后出险天数", "int", 7), Option("repeat_claims", "同车出险次数", "int", 2),
                Option("reserve_gap", "估损偏离比例", "decimal", Decimal("0.5")),
                Option("discount_floor", "折扣率下限", "decimal", Decimal("0.60"))),
               build_anomalies,
               "期内报案且报案日期 − 起保日期在 0 至 N 天之间的赔案;期内同一车架号报案达到次数的车辆的全部期内报案;"
               "期内结案、赔款大于 0 且 |首次估损 − 赔款| / 赔款 超过偏离比例的赔案;期内签单折扣率低于下限的保单。"
               "点击数字查看案件清单。",
               {"type": "bar", "x": "label", "y": ["early_claims", "repeat_claims", "far_reserve_claims"]}),
    ReportSpec("complaints", "亿元保费有效投诉", "claims", ("branch", "city"), "branch",
               (Option("max_complaints", "亿元保费有效投诉预警线", "decimal", Decimal("10")),), build_complaints,
               "亿元保费有效投诉 = 受理日期在期间内的有效投诉件数 / (期间签单保费 / 1 亿元)。",
               {"type": "bar", "x": "label", "y": ["complaints_per_100m"]},
               (AlertRule("complaints_per_100m", ">", "max_complaints", "亿元保费有效投诉"),)),
)
