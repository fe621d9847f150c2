"""Daily sign-in: once per business day (a unique row per customer and day), points every day and a
bonus on the streak days of POINTS_SIGN_IN_STREAK_BONUS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from app.errors import DomainError
from app.extensions import db
from app.models.points import PointsReason, SignIn
from app.services.points import ledger
from app.timeutil import business_today


class AlreadySignedIn(DomainError):
    status = 409

    def __init__(self):
        super().__init__("今天已经签到过了,明天再来吧", "already_signed_in")


@dataclass(frozen=True)
class SignInState:
    signed_today: bool
    streak: int
    next_bonus: dict | None  # {"day": streak day, "points": bonus, "in_days": days from today}


@dataclass(frozen=True)
class SignInResult:
    awarded: int
    bonus: int
    streak: int
    balance: int


def bonus_table() -> dict[int, int]:
    raw = current_app.config["POINTS_SIGN_IN_STREAK_BONUS"] or ""
    table = {}
    for part in raw.split(","):
        if part.strip():
            day, points = part.split(":")
            table[int(day)] = int(points)
    return table


def bonus_for(streak: int) -> int:
    table = bonus_table()
    if not table:
        return 0
    cycle = max(table)
    return table.get((streak - 1) % cycle + 1, 0)


def _row(customer_id: int, day: date) -> SignIn | None:
    return db.session.execute(select(SignIn).where(SignIn.customer_id == customer_id, SignIn.day == day)
                              ).scalar_one_or_none()


def state(customer_id: int) -> SignInState:
    today = business_today()
    current = _row(customer_id, today)
    yesterday = current or _row(customer_id, today - timedelta(days=1))
    streak = yesterday.streak if yesterday else 0
    # The next sign-in (tomorrow if done today, else today) reaches streak + 1, if kept up.
    offset = 1 if current else 0
    next_bonus = None
    for ahead in range(366):
        points = bonus_for(streak + 1 + ahead)
        if points:
            next_bonus = {"day": streak + 1 + ahead, "points": points, "in_days": offset + ahead}
            break
    return SignInState(signed_today=current is not None, streak=streak, next_bonus=next_bonus)


def sign_in(customer_id: int) -> SignInResult:
    """Sign in for today. A second sign-in the same day is refused (AlreadySignedIn), however many
    arrive at once: they queue on the account lock, and the (customer, day) row is unique."""
    today = business_today()
    account = ledger.lock_account(customer_id)
    if _row(customer_id, today) is not None:
        db.session.rollback()
        raise AlreadySignedIn()
    yesterday = _row(customer_id, today - timedelta(days=1))
    streak = yesterday.streak + 1 if yesterday else 1
    daily = current_app.config["POINTS_SIGN_IN_DAILY"]
    bonus = bonus_for(streak)
    row = SignIn(customer_id=customer_id, day=today, streak=streak, points=daily + bonus)
    db.session.add(row)
    db.session.flush()
    if daily:
        ledger.award(account, daily, PointsReason.sign_in, f"signin:{customer_id}:{today.isoformat()}",
                     ref_type="sign_in", ref_id=row.id)
    if bonus:
        ledger.award(account, bonus, PointsReason.sign_in_bonus, f"signin-bonus:{customer_id}:{today.isoformat()}",
                     ref_type="sign_in", ref_id=row.id, note=f"连续签到第 {streak} 天")
    balance = account.balance
    db.session.commit()
    return SignInResult(awarded=daily + bonus, bonus=bonus, streak=streak, balance=balance)
