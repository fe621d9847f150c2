"""Builders and checks shared by the points, mall and campaign tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models.points import (
    Campaign,
    CampaignKind,
    CampaignPrize,
    MallCategory,
    MallItem,
    Partner,
    PartnerKind,
    PointsAccount,
    PointsAllocation,
    PointsEntry,
    PointsReason,
    PrizeKind,
)
from app.services.points import ledger
from app.services.points.partners import issue_key
from tests import factories as f


def give_points(customer, points: int, key: str | None = None, expires_on: date | None = None,
                reason: PointsReason = PointsReason.adjustment, policy_id: int | None = None) -> PointsEntry:
    account = ledger.lock_account(customer.id)
    posting = ledger.award(account, points, reason, key or f"test-award:{customer.id}:{_n()}",
                           expires_on=expires_on, policy_id=policy_id)
    db.session.commit()
    return posting.entry


_counter = iter(range(1, 10**9))


def _n() -> int:
    return next(_counter)


def balance(customer_id: int) -> int:
    db.session.expire_all()
    return db.session.execute(select(PointsAccount.balance).where(PointsAccount.customer_id == customer_id)
                              ).scalar_one_or_none() or 0


def assert_books_balance(customer_id: int) -> int:
    """The account balance = the sum of the ledger = what the awards have left; every award's
    remaining = its amount less what debits drew from it and refunds did not put back."""
    db.session.expire_all()
    account_balance = balance(customer_id)
    ledger_sum = db.session.execute(select(func.coalesce(func.sum(PointsEntry.amount), 0))
                                    .where(PointsEntry.customer_id == customer_id)).scalar_one()
    remaining = db.session.execute(select(func.coalesce(func.sum(PointsEntry.remaining), 0))
                                   .where(PointsEntry.customer_id == customer_id)).scalar_one()
    assert account_balance == ledger_sum == remaining, (account_balance, ledger_sum, remaining)
    assert account_balance >= 0
    # Every debit's allocations add up to the debit.
    debits = db.session.execute(
        select(PointsEntry.id, PointsEntry.amount, func.coalesce(func.sum(PointsAllocation.points), 0))
        .outerjoin(PointsAllocation, PointsAllocation.debit_id == PointsEntry.id)
        .where(PointsEntry.customer_id == customer_id, PointsEntry.amount < 0).group_by(PointsEntry.id)).all()
    for entry_id, amount, allocated in debits:
        assert -amount == allocated, (entry_id, amount, allocated)
    return account_balance


def partner(name: str = "洁车坊", dealer=None) -> tuple[Partner, str]:
    p = Partner(name=name, kind=PartnerKind.dealer if dealer else PartnerKind.merchant,
                dealer_id=dealer.id if dealer else None)
    key = issue_key(p)
    db.session.add(p)
    db.session.commit()
    return p, key


def item(name: str = "精致洗车", price: int = 100, stock: int | None = 10, category=MallCategory.car_wash,
         partner: Partner | None = None, **kw) -> MallItem:
    i = MallItem(name=name, category=category, price_points=price, stock=stock,
                 partner_id=partner.id if partner else None, **kw)
    db.session.add(i)
    db.session.commit()
    return i


def campaign(kind: CampaignKind = CampaignKind.lottery, budget: int = 1000, prizes=(), **kw) -> Campaign:
    now = datetime.now(UTC)
    c = Campaign(kind=kind, name=kw.pop("name", "新春抽奖"), starts_at=kw.pop("starts_at", now - timedelta(days=1)),
                 ends_at=kw.pop("ends_at", now + timedelta(days=30)), budget_points=budget, **kw)
    db.session.add(c)
    db.session.flush()
    for spec in prizes:
        spec = dict(spec)
        kind_ = spec.pop("kind", PrizeKind.points)
        db.session.add(CampaignPrize(campaign_id=c.id, kind=kind_, name=spec.pop("name", "奖品"), **spec))
    db.session.commit()
    return c


def bound_customer(**kw):
    c = f.customer(**kw)
    c.openid = f"openid-{c.id}"
    db.session.commit()
    return c


def agent():
    """An agent in a branch of a city of a company (what a policy needs)."""
    from app.models import OrgLevel

    company = f.org_unit(OrgLevel.company)
    branch = f.org_unit(OrgLevel.branch, f.org_unit(OrgLevel.city, company))
    return f.staff(team=f.team(branch))
