"""The bot's answers as WeCom text: short lines a phone shows well, links as <a href>, at most 2,048 bytes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from html import escape

from flask import current_app

from app.models.claim import CLAIM_STATUS_LABELS, ClaimStatus
from app.security.fields import mask_mobile, mask_name
from app.timeutil import business_zone

BULLET = "· "


def money(value) -> str:
    return f"{Decimal(value or 0):,.2f}"


def percent(value: Decimal | None) -> str:
    return "无计划" if value is None else f"{value * 100:.1f}%"


def day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def when(value: datetime | None) -> str:
    return value.astimezone(business_zone()).strftime("%m-%d %H:%M") if value else "—"


def link(path: str, text: str) -> str:
    """A link to a staff page; without ADMIN_BASE_URL there is no address to give, so none."""
    base = (current_app.config.get("ADMIN_BASE_URL") or "").rstrip("/")
    if not base:
        return ""
    return f'<a href="{escape(base + path)}">{escape(text)}</a>'


def lines(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


def customer_card(card) -> str:
    head = f"【客户】{card.name}({card.tier}客户)"
    contact = "  ".join(p for p in (f"手机:{card.mobile}" if card.mobile else None,
                                    f"证件:{card.id_number}" if card.id_number else None) if p)
    birthday = None
    if card.birthday:
        soon = card.days_to_birthday
        birthday = f"生日:{card.birthday.month}月{card.birthday.day}日" + (
            "(今天)" if soon == 0 else f"(还有{soon}天)" if soon is not None and soon <= 30 else "")
    vehicles = "车辆:" + ";".join(
        " ".join(p for p in (v["plate"], v["brand"], v["model"]) if p) for v in card.vehicles) if card.vehicles else None
    policies = ["保单:"] + [
        BULLET + f"{p['line']} {p['number']} {p['plate'] or ''} "
        + (f"至{day(p['end_date'])}" if p["in_force"] else f"{day(p['start_date'])}起保")
        + (f"(剩{p['days_left']}天,即将到期)" if p["in_force"] and p["expiring"] else "")
        for p in card.policies] if card.policies else ["保单:暂无有效保单"]
    claims = ["未结赔案:"] + [
        BULLET + f"{c['number']} {CLAIM_STATUS_LABELS[ClaimStatus(c['status'])]} 报案{when(c['reported_at'])} "
                 f"估损{money(c['reserve'])}" for c in card.open_claims] if card.open_claims else None
    follow_ups = ["最近跟进:"] + [
        BULLET + f"{when(f['at'])} {f['result']}"
        + (f" {money(f['quote_amount'])}" if f["quote_amount"] else "")
        + (f"({f['staff']})" if f["staff"] else "") + (f" {f['note']}" if f["note"] else "")
        for f in card.follow_ups] if card.follow_ups else None
    links = " ".join(p for p in (link(f"/staff/customers/{card.id}", "客户详情"),
                                 link(f"/staff/customers/{card.id}/policies", "全部保单")) if p)
    return lines(head, contact, birthday, f"业务员:{card.agent}" if card.agent else None, vehicles,
                 "\n".join(policies), "\n".join(claims) if claims else None,
                 "\n".join(follow_ups) if follow_ups else None, links)


def customer_choices(customers, shown: int, mask_names: bool = False) -> str:
    more = len(customers) > shown
    rows = [f"找到{'超过' if more else ''}{min(len(customers), shown)}位客户,请补充手机号或车牌号:"]
    for number, customer in enumerate(customers[:shown], 1):
        plate = next((v.plate for v in customer.vehicles if v.plate), "")
        name = mask_name(customer.name) if mask_names else customer.name
        rows.append(f"{number}. {name} {mask_mobile(customer.mobile) or ''} {plate} "
                    + link(f"/staff/customers/{customer.id}", "详情"))
    return "\n".join(r.rstrip() for r in rows)
