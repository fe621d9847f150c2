"""VIP tiers: the nightly recompute (one set-based statement) puts each customer in the highest tier
whose thresholds their contribution meets, records each change once, announces it to customers who
agreed to the subscribe message, and changes nothing when run again; GET /api/mp/tier shows the
tier, its benefits, the contribution and the gap to the next tier."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import ClaimStatus, Customer, OrgLevel, PolicyStatus, Role, VipTier
from app.models.member import TierChange, TierRule
from app.models.messaging import OutboxMessage
from app.services import messaging, tiers
from app.services.messaging.templates import load_default_templates
from app.timeutil import business_today
from tests import factories as f

TODAY = date(2026, 6, 30)


def at(day: date, hour: int = 4) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def book(db):
    tiers.load_default_rules()
    load_default_templates()
    company = f.org_unit(OrgLevel.company)
    agent = f.staff(Role.agent, team=f.team(f.org_unit(OrgLevel.branch, company)))

    def customer(name, *policies, claims=0, tier=VipTier.standard, openid=None):
        c = f.customer(agent=agent, name=name, vip_tier=tier, openid=openid)
        car = f.vehicle(owner=c)
        made = [f.policy(customer=c, vehicle=car, agent=agent, start=start, written=written, **kw)
                for start, written, kw in policies]
        for i in range(claims):
            f.claim(made[-1], reported_at=at(TODAY - timedelta(days=10 + i)))
        return c

    people = {
        "silver": customer("银", (TODAY - timedelta(days=30), "3500.00", {})),
        "gold": customer("金", (date(2024, 3, 1), "2000.00", {}), (TODAY - timedelta(days=100), "7000.00", {}),
                         claims=1, openid="o-gold"),
        "too_many_claims": customer("多", (date(2024, 3, 1), "2000.00", {}),
                                    (TODAY - timedelta(days=100), "7000.00", {}), claims=4),
        "diamond": customer("钻", (date(2022, 1, 1), "5000.00", {}), (TODAY, "30000.00", {}), openid="o-diamond"),
        "cancelled_only": customer("注", (TODAY - timedelta(days=10), "10000.00", {"status": PolicyStatus.cancelled})),
        "outside_window": customer("旧", (TODAY - timedelta(days=366), "9000.00", {})),
        "starts_tomorrow": customer("明", (TODAY + timedelta(days=1), "9000.00", {})),
        "demoted": customer("降", tier=VipTier.gold, openid="o-demoted"),
    }
    # A cancelled claim does not count against the gold customer.
    late = f.policy(customer=people["gold"], agent=agent, start=TODAY - timedelta(days=5), written="0.00")
    f.claim(late, reported_at=at(TODAY - timedelta(days=3)), status=ClaimStatus.cancelled)
    _db.session.commit()
    people["agent"] = agent
    return people


def tier_of(customer) -> str:
    return _db.session.scalar(select(Customer.vip_tier).where(Customer.id == customer.id)).value


def test_each_customer_gets_the_highest_tier_they_qualify_for(book):
    result = tiers.recompute_all(TODAY)
    assert {name: tier_of(c) for name, c in book.items() if name != "agent"} == {
        "silver": "silver", "gold": "gold", "too_many_claims": "silver", "diamond": "diamond",
        "cancelled_only": "standard", "outside_window": "standard", "starts_tomorrow": "standard",
        "demoted": "standard"}
    assert result.changed == 5 and result.upgraded == 4


def test_changes_are_recorded_with_the_contribution_they_came_from(book):
    tiers.recompute_all(TODAY)
    rows = {r.customer_id: r for r in _db.session.scalars(select(TierChange))}
    assert len(rows) == 5
    gold = rows[book["gold"].id]
    assert (gold.from_tier, gold.to_tier) == (VipTier.standard, VipTier.gold)
    assert gold.premium_12m == Decimal("7000.00") and gold.years == 2 and gold.claims_12m == 1
    diamond = rows[book["diamond"].id]
    assert diamond.years == 4 and diamond.premium_12m == Decimal("30000.00")
    assert rows[book["demoted"].id].to_tier == VipTier.standard


def test_a_second_run_changes_nothing(book):
    first = tiers.recompute_all(TODAY)
    messages = _db.session.scalar(select(func.count(OutboxMessage.id)))
    second = tiers.recompute_all(TODAY)
    assert first.changed == 5 and second.changed == 0 and second.notified == 0
    assert _db.session.scalar(select(func.count(TierChange.id))) == 5
    assert _db.session.scalar(select(func.count(OutboxMessage.id))) == messages


def test_changed_customers_with_consent_get_one_subscribe_message_in_the_morning(book):
    messaging.grant_subscriptions("o-gold", ["TPL-TIER-CHANGE"])
    messaging.grant_subscriptions("o-demoted", ["TPL-OTHER"])  # consent to another template only
    result = tiers.recompute_all(TODAY)
    assert result.notified == 1
    [message] = _db.session.scalars(select(OutboxMessage)).all()
    change_id = _db.session.scalar(select(TierChange.id).where(TierChange.customer_id == book["gold"].id))
    assert message.channel == "wechat_subscribe" and message.recipient == "o-gold"
    assert message.dedupe_key == f"tier-change:{change_id}"
    assert message.payload["tier"] == "黄金会员" and message.body["template_id"] == "TPL-TIER-CHANGE"
    assert message.next_try_at == datetime(2026, 6, 30, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def test_the_job_runs_the_recompute(db):
    from jobs.tiers import recompute_tiers

    tiers.load_default_rules()
    company = f.org_unit(OrgLevel.company)
    agent = f.staff(Role.agent, team=f.team(f.org_unit(OrgLevel.branch, company)))
    buyer = f.customer(agent=agent)
    f.policy(customer=buyer, agent=agent, start=business_today(), written="5000.00")
    _db.session.commit()
    assert recompute_tiers() == {"changed": 1, "upgraded": 1, "notified": 0}
    assert tier_of(buyer) == "silver"
    assert recompute_tiers() == {"changed": 0, "upgraded": 0, "notified": 0}


def test_tiers_never_read_the_points_ledger():
    """The recompute's SQL reads policies, claims, customers and the rules: nothing about points."""
    sql = str(tiers.RECOMPUTE_SQL).lower()
    assert "point" not in sql and "ledger" not in sql
    assert {"policies", "claims", "tier_rules", "customers"} <= {w.strip("(),") for w in sql.split()}


def test_edited_rules_take_effect_on_the_next_run(book):
    tiers.recompute_all(TODAY)
    rule = _db.session.scalar(select(TierRule).where(TierRule.tier == VipTier.silver))
    rule.min_premium_12m = Decimal("4000.00")
    _db.session.commit()
    tiers.recompute_all(TODAY)
    assert tier_of(book["silver"]) == "standard"


def test_the_tier_endpoint_shows_contribution_and_the_gap(client, book):
    today = business_today()
    customer = f.customer(agent=book["agent"], vip_tier=VipTier.silver)
    car = f.vehicle(owner=customer)
    f.policy(customer=customer, vehicle=car, agent=book["agent"], start=today - timedelta(days=30), written="3500.00")
    f.claim(f.policy(customer=customer, vehicle=car, agent=book["agent"], start=today - timedelta(days=400),
                     written="1000.00"), reported_at=datetime.now(UTC) - timedelta(days=2))
    _db.session.commit()
    resp = client.get("/api/mp/tier", headers=f.customer_token(customer))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["tier"] == "silver" and body["tier_label"] == "白银"
    assert body["benefits"] == ["免费洗车 2 次/年", "续保专属提醒"]
    assert body["contribution"] == {"premium_12m": "3500.00", "years": 1, "claims_12m": 1,
                                    "since": (today - relativedelta(years=1)).isoformat(),
                                    "until": today.isoformat()}
    assert body["next_tier"]["tier"] == "gold" and body["next_tier"]["label"] == "黄金"
    assert body["gap"] == {"premium_12m": "2500.00", "years": 0, "claims_over": 0}
    assert [t["tier"] for t in body["tiers"]] == ["standard", "silver", "gold", "platinum", "diamond"]


def test_the_top_tier_has_no_next(client, book):
    customer = _db.session.get(Customer, book["diamond"].id)
    customer.vip_tier = VipTier.diamond
    _db.session.commit()
    body = client.get("/api/mp/tier", headers=f.customer_token(customer)).get_json()
    assert body["tier_label"] == "钻石" and body["next_tier"] is None and body["gap"] is None
    assert client.get("/api/mp/tier").status_code == 401


# ---- the panel page 会员等级规则 ---------------------------------------------------------------------

def panel_login(client, staff):
    with client.session_transaction() as sess:
        sess["staff_id"] = staff.id
        sess["token_version"] = staff.token_version


@pytest.fixture
def admins(db, book):
    company = f.org_unit(OrgLevel.company, name="总公司")
    city = f.org_unit(OrgLevel.city, company)
    admins = {"company": f.staff(Role.admin, org=company), "city": f.staff(Role.admin, org=city),
              "manager": f.staff(Role.branch_manager, org=f.org_unit(OrgLevel.branch, city))}
    _db.session.commit()
    return admins


def test_the_panel_lists_rules_counts_and_recent_changes(client, book, admins):
    tiers.recompute_all(TODAY)
    panel_login(client, admins["company"])
    resp = client.get("/admin/tiers")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "会员等级规则" in html and "白银" in html and "3,000.00" in html and "免费洗车 2 次/年" in html
    assert "普通 → 黄金" in html and "金" in html
    assert "张三丰" not in html  # names masked
    from app.models import AuditLog

    assert _db.session.scalars(select(AuditLog).where(AuditLog.entity == "customer")).first() is not None


def test_a_company_admin_edits_a_rule_and_it_is_audited(client, book, admins):
    panel_login(client, admins["company"])
    page = client.get("/admin/tiers/silver")
    assert page.status_code == 200 and 'value="3000.00"' in page.get_data(as_text=True)
    resp = client.post("/admin/tiers/silver", data={"min_premium_12m": "4000", "min_years": "0", "max_claims_12m": "",
                                                    "benefits": "免费洗车 3 次/年\n续保专属提醒\n"})
    assert resp.status_code == 302
    rule = _db.session.scalar(select(TierRule).where(TierRule.tier == VipTier.silver))
    assert rule.min_premium_12m == Decimal("4000.00") and rule.benefits == ["免费洗车 3 次/年", "续保专属提醒"]
    assert rule.max_claims_12m is None and rule.updated_by_id == admins["company"].id
    from app.models import AuditLog

    [entry] = _db.session.scalars(select(AuditLog).where(AuditLog.entity == "tier_rule")).all()
    assert entry.detail["changes"]["min_premium_12m"] == ["3000.00", "4000.00"]
    tiers.recompute_all(TODAY)
    assert tier_of(book["silver"]) == "standard"


@pytest.mark.parametrize("form, message", [
    ({"min_premium_12m": "-1", "min_years": "0"}, "近12个月保费门槛应在 0 到 1 亿元之间"),
    ({"min_premium_12m": "abc", "min_years": "0"}, "保费门槛应为金额"),
    ({"min_premium_12m": "100", "min_years": "0"}, "「黄金」的门槛不能低于「白银」"),
    ({"min_premium_12m": "7000", "min_years": "0", "max_claims_12m": "x"}, "出险次数上限应为整数"),
])
def test_bad_rule_edits_are_refused_in_chinese(client, book, admins, form, message):
    panel_login(client, admins["company"])
    resp = client.post("/admin/tiers/gold", data=form)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    rule = _db.session.scalar(select(TierRule).where(TierRule.tier == VipTier.gold))
    assert rule.min_premium_12m == Decimal("6000.00")


def test_the_lowest_tier_keeps_no_thresholds(client, book, admins):
    panel_login(client, admins["company"])
    resp = client.post("/admin/tiers/standard", data={"min_premium_12m": "10", "min_years": "0"})
    assert resp.status_code == 422 and "最低等级不能设门槛" in resp.get_data(as_text=True)


def test_only_company_admins_edit_and_only_admins_read(client, book, admins):
    panel_login(client, admins["city"])
    assert client.get("/admin/tiers").status_code == 200
    assert client.get("/admin/tiers/silver").status_code == 403
    assert client.post("/admin/tiers/silver", data={"min_premium_12m": "1", "min_years": "0"}).status_code == 403
    panel_login(client, admins["manager"])
    assert client.get("/admin/tiers").status_code == 403
    panel_login(client, admins["company"])
    assert client.get("/admin/tiers/nonexistent").status_code == 404
