"""Cell parsers: text from an export -> a typed value, or ValueError with a Chinese reason.

Dates accept 2026-01-05, 2026/1/5, 2026.1.5, 20260105, Excel serial numbers (46027) and the date
cells of an XLSX file. Money is Decimal with at most two decimals, never negative.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_DATETIME_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})(?:[-/.年](\d{1,2})月?|(\d{2}))$")
_SERIAL_RE = re.compile(r"^\d{5}(?:\.\d+)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
PLAIN_MONEY_RE = re.compile(r"\d{1,12}(?:\.\d{1,2})?")
PLAIN_MONEY_COLUMN_RE = re.compile(r"(?:\d{1,12}(?:\.\d{1,2})?\n)*")  # values joined by line breaks
_CENT = Decimal("0.01")
_MONEY_LIMIT = Decimal("1000000000000")  # NUMERIC(14,2)

DATE_REASON = "日期格式不正确,应为 2026-01-05、2026/1/5 或 20260105"


def parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    m = _DATE_RE.match(text) or _COMPACT_RE.match(text)
    if m is None:
        if " " in text or "T" in text:  # a date written with a midnight time
            m2 = _DATETIME_RE.match(text)
            if m2 is not None:
                return _date(m2.group(1), m2.group(2), m2.group(3))
        if _SERIAL_RE.match(text):
            return _from_serial(text).date()
        raise ValueError(DATE_REASON)
    return _date(*m.groups())


def parse_datetime(value, zone: ZoneInfo) -> datetime:
    """A moment; times without a zone are business time (Asia/Shanghai)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(), zone)
    text = str(value).strip()
    m = _DATETIME_RE.match(text)
    if m is not None:
        y, mo, d, h, mi, s = m.groups()
        try:
            return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), tzinfo=zone)
        except ValueError:
            raise ValueError("时间无效,应为 2026-01-05 14:30 这样的格式") from None
    if _SERIAL_RE.match(text) and "." in text:
        return _from_serial(text).replace(tzinfo=zone)
    try:
        return datetime.combine(parse_date(text), time(), zone)
    except ValueError:
        raise ValueError("时间格式不正确,应为 2026-01-05 14:30 或 2026/1/5 14:30") from None


def parse_month(value) -> date:
    """The first day of a month: 2026-01, 2026/1, 202601, 2026年1月, or any date in it."""
    if isinstance(value, date | datetime):
        return date(value.year, value.month, 1)
    text = str(value).strip()
    m = _MONTH_RE.match(text)
    if m is not None and not _COMPACT_RE.match(text):
        year, month = int(m.group(1)), int(m.group(2) or m.group(3))
        if 1 <= month <= 12:
            return date(year, month, 1)
        raise ValueError("月份无效")
    try:
        day = parse_date(text)
    except ValueError:
        raise ValueError("月份格式不正确,应为 2026-01 或 202601") from None
    return date(day.year, day.month, 1)


def parse_money(value) -> Decimal:
    text = str(value).strip()
    if PLAIN_MONEY_RE.fullmatch(text):  # the common case, already exact
        return Decimal(text)
    text = text.replace(",", "").replace("¥", "").replace("￥", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError("金额应为数字") from None
    if not amount.is_finite():
        raise ValueError("金额应为数字")
    if amount < 0:
        raise ValueError("金额不能为负数")
    rounded = amount.quantize(_CENT)
    if rounded != amount and abs(rounded - amount) > Decimal("0.000001"):
        raise ValueError("金额最多两位小数")
    if rounded >= _MONEY_LIMIT:
        raise ValueError("金额过大")
    return rounded


def _date(year: str, month: str, day: str) -> date:
    try:
        parsed = date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError("日期无效(没有这一天)") from None
    if not 1900 <= parsed.year <= 2100:
        raise ValueError("日期超出合理范围(1900-2100年)")
    return parsed


def _from_serial(text: str) -> datetime:
    """An Excel serial date (days since 1899-12-30; the fraction is the time of day)."""
    days = float(text)
    if not 1 <= days <= 73050:  # up to 2100
        raise ValueError(DATE_REASON)
    return datetime.combine(_EXCEL_EPOCH, time()) + timedelta(days=days)
