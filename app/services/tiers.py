"""VIP tiers: each customer's contribution (premium over the last 12 months, years with us, claims
in the last 12 months), the tier rules it is judged by, and the nightly recompute.

A tier comes only from the rules and the policy / claim data, never from the points balance. The
recompute is one statement: compute, update the customers whose tier changed, and write one
history row each; run twice, the second run changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.auth.scoping import scope_filter
from app.auth.viewer import Viewer
from app.errors import DomainError, Forbidden, NotFound
from app.extensions import db
from app.models import Customer, OrgLevel, Role, VipTier
from app.models.customer import VIP_TIER_LABELS
from app.models.member import TierChange, TierRule
from app.models.messaging import MessageChannel, MessageTemplate, SubscriptionConsent
from app.security.fields import mask_name
from app.services import audit, messaging
from app.timeutil import business_today, business_zone

log = logging.getLogger(__name__)

TIER_CHANGE_TEMPLATE = "tier_change_wechat"
MESSAGE_HOUR = time(9, 0)
# (rank, tier, min premium over 12 months, min years with us, max claims in 12 months, benefits).
# Loaded by migration 0005; the rows are edited in the panel (会员等级规则) afterwards.
DEFAULT_TIER_RULES: tuple[tuple, ...] = (
    (0, "standard", "0", 0, None, ["7×24小时报案服务", "理赔进度实时查询"]),
    (1, "silver", "3000", 0, None, ["免费洗车 2 次/年", "续保专属提醒"]),
    (2, "gold", "6000", 1, 3, ["免费洗车 4 次/年", "年检代办 1 次/年", "理赔绿色通道"]),
    (3, "platinum", "12000", 2, 2, ["免费洗车 8 次/年", "代驾服务 2 次/年", "年检代办 1 次/年", "专属客户经理"]),
    (4, "diamond", "25000", 3, 2, ["免费洗车不限次", "代驾服务 6 次/年", "免费保养 1 次/年", "专属客户经理",
                                   "理赔上门服务"]),
)

# Per customer: premium of policies started in (since, today], full years since the first policy
# started, claims reported in (since, today] (business dates), cancelled ones left out of both.
_STATS = """
SELECT c.id AS customer_id, c.vip_tier AS old_tier,
       COALESCE(p.premium, 0)::numeric(14, 2) AS premium_12m,
       COALESCE(date_part('year', age(CAST(:today AS date), p.first_start))::int, 0) AS years,
       COALESCE(cl.claims, 0)::int AS claims_12m
FROM customers c
LEFT JOIN (
    SELECT customer_id,
           sum(written_premium) FILTER (WHERE start_date > :since AND start_date <= :today) AS premium,
           min(start_date) FILTER (WHERE start_date <= :today) AS first_start
    FROM policies WHERE status <> 'cancelled' {policy_filter} GROUP BY customer_id
) p ON p.customer_id = c.id
LEFT JOIN (
    SELECT customer_id, count(*) AS claims
    FROM claims
    WHERE status <> 'cancelled' {claim_filter}
      AND (reported_at AT TIME ZONE :tz)::date > :since AND (reported_at AT TIME ZONE :tz)::date <= :today
    GROUP BY customer_id
) cl ON cl.customer_id = c.id
{customer_filter}
"""
# The highest-ranked rule a customer's numbers meet.
_TARGET = """
SELECT s.*, (SELECT r.tier FROM tier_rules r
             WHERE s.premium_12m >= r.min_premium_12m AND s.years >= r.min_years
               AND (r.max_claims_12m IS NULL OR s.claims_12m <= r.max_claims_12m)
             ORDER BY r.rank DESC LIMIT 1) AS new_tier
FROM stats s
"""
ALL_STATS = _STATS.format(policy_filter="", claim_filter="", customer_filter="")
ONE_STATS = _STATS.format(policy_filter="AND customer_id = :customer_id", claim_filter="AND customer_id = :customer_id",
                          customer_filter="WHERE c.id = :customer_id")
RECOMPUTE_SQL = text(f"""
WITH stats AS ({ALL_STATS}),
target AS ({_TARGET}),
changed AS (
    UPDATE customers c SET vip_tier = t.new_tier, updated_at = now()
    FROM target t
    WHERE c.id = t.customer_id AND t.new_tier IS NOT NULL AND c.vip_tier <> t.new_tier
    RETURNING c.id, t.old_tier, t.new_tier, t.premium_12m, t.years, t.claims_12m
)
INSERT INTO tier_changes (customer_id, from_tier, to_tier, premium_12m, years, claims_12m)
SELECT id, old_tier, new_tier, premium_12m, years, claims_12m FROM changed
RETURNING id, customer_id, from_tier, to_tier
""")
ONE_SQL = text(f"WITH stats AS ({ONE_STATS}) {_TARGET}")


def _window(today: date) -> dict:
    return {"today": today, "since": today - relativedelta(years=1), "tz": current_app.config["TIMEZONE"]}


def load_default_rules() -> int:
    """Insert the default rule of each tier that has none (never overwriting edited ones)."""
    rows = [dict(rank=rank, tier=tier, min_premium_12m=Decimal(premium), min_years=years, max_claims_12m=claims,
                 benefits=benefits) for rank, tier, premium, years, claims, benefits in DEFAULT_TIER_RULES]
    result = db.session.execute(pg_insert(TierRule).values(rows).on_conflict_do_nothing())
    db.session.commit()
    return result.rowcount


def rules() -> list[TierRule]:
    return list(db.session.scalars(select(TierRule).order_by(TierRule.rank)))


# ---- the nightly recompute ------------------------------------------------------------------------

@dataclass(frozen=True)
class RecomputeResult:
    changed: int
    upgraded: int
    notified: int


def recompute_all(today: date | None = None) -> RecomputeResult:
    """Set every customer's tier from the rules (one UPDATE), record the changes, and queue a
    subscribe message to each changed customer who agreed to receive one. Commits once."""
    today = today or business_today()
    # One run at a time: a second one waits, then finds nothing left to change.
    db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('baoyun.tiers.recompute'))"))
    changes = db.session.execute(RECOMPUTE_SQL, _window(today)).all()
    ranks = {r.tier: r.rank for r in rules()}
    upgraded = sum(1 for c in changes if ranks.get(VipTier(c.to_tier), 0) > ranks.get(VipTier(c.from_tier), 0))
    notified = _notify(changes, today) if changes else 0
    db.session.commit()
    if notified:
        messaging.kick_delivery()
    return RecomputeResult(changed=len(changes), upgraded=upgraded, notified=notified)


def _notify(changes, today: date) -> int:
    template = db.session.execute(
        select(MessageTemplate).where(MessageTemplate.code == TIER_CHANGE_TEMPLATE, MessageTemplate.enabled)
    ).scalar_one_or_none()
    if template is None or not template.provider_template_id:
        log.warning("tier changes not announced: template %s missing or disabled", TIER_CHANGE_TEMPLATE)
        return 0
    change_ids = [c.id for c in changes]
    # Only customers with a subscription left for this template: without one WeChat refuses (43101).
    reachable = db.session.execute(
        select(TierChange.id, TierChange.to_tier, Customer.id, Customer.openid)
        .join(Customer, Customer.id == TierChange.customer_id)
        .join(SubscriptionConsent, (SubscriptionConsent.openid == Customer.openid)
              & (SubscriptionConsent.template_id == template.provider_template_id))
        .where(TierChange.id.in_(change_ids), SubscriptionConsent.remaining > 0)
    ).all()
    # Never a phone buzzing at 03:30: held until the morning of the run's day.
    morning = datetime.combine(today, MESSAGE_HOUR, tzinfo=business_zone())
    for change_id, to_tier, customer_id, openid in reachable:
        messaging.enqueue(
            MessageChannel.wechat_subscribe, openid, TIER_CHANGE_TEMPLATE,
            {"tier": f"{VIP_TIER_LABELS[to_tier]}会员", "note": "会员等级已更新,点击查看专属权益",
             "changed_on": today.strftime("%Y年%-m月%-d日")},
            dedupe_key=f"tier-change:{change_id}", customer_id=customer_id, not_before=morning, commit=False)
    return len(reachable)


# ---- one customer's tier ----------------------------------------------------------------------------

def customer_tier(customer: Customer, today: date | None = None) -> dict:
    """The customer's tier (as the nightly job last set it), its benefits, the contribution as of
    today and what the next tier still needs."""
    today = today or business_today()
    stats = db.session.execute(ONE_SQL, {**_window(today), "customer_id": customer.id}).one()
    all_rules = rules()
    current = next((r for r in all_rules if r.tier == customer.vip_tier), None)
    higher = [r for r in all_rules if current is None or r.rank > current.rank]
    following = higher[0] if higher else None
    gap = None
    if following is not None:
        gap = {
            "premium_12m": max(Decimal("0"), following.min_premium_12m - stats.premium_12m),
            "years": max(0, following.min_years - stats.years),
            "claims_over": (max(0, stats.claims_12m - following.max_claims_12m)
                            if following.max_claims_12m is not None else 0),
        }
    return {
        "tier": customer.vip_tier.value, "tier_label": VIP_TIER_LABELS[customer.vip_tier],
        "benefits": current.benefits if current else [],
        "contribution": {"premium_12m": stats.premium_12m, "years": stats.years, "claims_12m": stats.claims_12m,
                         "since": _window(today)["since"], "until": today},
        "next_tier": rule_row(following) if following else None,
        "gap": gap,
        "tiers": [rule_row(r) for r in all_rules],
    }


def rule_row(rule: TierRule) -> dict:
    return {"tier": rule.tier.value, "label": VIP_TIER_LABELS[rule.tier], "rank": rule.rank,
            "min_premium_12m": rule.min_premium_12m, "min_years": rule.min_years,
            "max_claims_12m": rule.max_claims_12m, "benefits": rule.benefits}


# ---- editing the rules (admin panel) ------------------------------------------------------------------

EDITABLE = ("min_premium_12m", "min_years", "max_claims_12m", "benefits")


def get_rule(tier: str) -> TierRule:
    if tier not in VipTier.__members__:
        raise NotFound("会员等级不存在")
    rule = db.session.execute(select(TierRule).where(TierRule.tier == tier)).scalar_one_or_none()
    if rule is None:
        raise NotFound("会员等级不存在")
    return rule


def save_rule(viewer: Viewer, tier: str, changes: dict) -> TierRule:
    """Change a tier's thresholds or benefits. Thresholds must rise with the rank, so every
    customer's tier stays well defined; the lowest tier has none. Audited; commits."""
    rule = get_rule(tier)
    before = {name: getattr(rule, name) for name in EDITABLE}
    for name, value in changes.items():
        if name not in EDITABLE:
            raise DomainError(f"不能修改字段 {name}", "not_editable", status=422)
        setattr(rule, name, value)
    if rule.rank == 0 and (rule.min_premium_12m > 0 or rule.min_years > 0 or rule.max_claims_12m is not None):
        db.session.rollback()
        raise DomainError("最低等级不能设门槛:每位客户至少属于这一级", "lowest_tier_has_thresholds",
                          {"min_premium_12m": ["最低等级的门槛必须为 0"]}, status=422)
    ordered = rules()
    for lower, upper in zip(ordered, ordered[1:], strict=False):
        if upper.min_premium_12m < lower.min_premium_12m or upper.min_years < lower.min_years:
            db.session.rollback()
            raise DomainError(f"「{VIP_TIER_LABELS[upper.tier]}」的门槛不能低于「{VIP_TIER_LABELS[lower.tier]}」",
                              "thresholds_out_of_order", {"min_premium_12m": ["门槛应随等级递增"]}, status=422)
    rule.updated_by_id = viewer.staff_id
    changed = {name: [str(before[name]), str(getattr(rule, name))] for name in EDITABLE
               if before[name] != getattr(rule, name)}
    if changed:
        audit.record(viewer, "update", "tier_rule", rule.id, {"tier": rule.tier.value, "changes": changed})
    db.session.commit()
    return rule


def require_rule_admin(viewer: Viewer, edit: bool = False) -> None:
    """Admins read the rules; they apply to every customer, so only a company-level admin edits them."""
    if viewer.role != Role.admin:
        raise Forbidden("只有管理员可以查看会员等级规则")
    if edit and viewer.staff.org_unit.level != OrgLevel.company:
        raise Forbidden("会员等级规则对全体客户生效,只有总公司管理员可以修改")


def panel_summary(viewer: Viewer, recent: int = 20) -> dict:
    """Customers per tier (one GROUP BY) and the latest tier changes in the viewer's scope (names
    masked, the read audited), for the panel page."""
    counts = dict(db.session.execute(select(Customer.vip_tier, func.count(Customer.id)).group_by(Customer.vip_tier)).all())
    changes = db.session.execute(
        select(TierChange, Customer.name).join(Customer, Customer.id == TierChange.customer_id)
        .where(scope_filter(viewer, Customer))
        .order_by(TierChange.changed_at.desc(), TierChange.id.desc()).limit(recent)).all()
    audit.record_reads(viewer, "customer", sorted({change.customer_id for change, _ in changes}),
                       {"via": "tier_changes"})
    db.session.commit()
    return {"counts": {tier: counts.get(tier, 0) for tier in VipTier},
            "changes": [{"customer_id": change.customer_id, "customer_name": mask_name(name),
                         "from_label": VIP_TIER_LABELS[change.from_tier], "to_label": VIP_TIER_LABELS[change.to_tier],
                         "premium_12m": change.premium_12m, "years": change.years, "claims_12m": change.claims_12m,
                         "changed_at": change.changed_at} for change, name in changes]}
