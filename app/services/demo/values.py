"""Building blocks of the demo data: the demo calendar, text formats for COPY, weighted choice, and
generators of names and identity numbers. Everything takes the seeded generator as an argument.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import defaultdict
from datetime import date

from app.services.demo import catalog as cat
from app.validators import make_credit_code

AS_OF = date(2026, 11, 25)
# Three policy years end on the as-of date: the first starts the day after the same date in 2023.
WINDOW_START = date(2023, 11, 26)
AS_OF_DAY = AS_OF.toordinal()
WINDOW_START_DAY = WINDOW_START.toordinal()
# Timestamps are minutes since 0001-01-01 00:00 Beijing time; this is the last minute of the demo.
MINUTES_PER_DAY = 1440
AS_OF_END = AS_OF_DAY * MINUTES_PER_DAY + MINUTES_PER_DAY - 1


class Ids:
    """Primary keys assigned here, per table, from 1: the same seed gives the same ids."""

    def __init__(self):
        self._next: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1))

    def __call__(self, table: str) -> int:
        return next(self._next[table])


# COPY takes text: dates, timestamps and money are formatted once, cheaply.


class DayText(dict):
    """ISO text of a day ordinal, memoised: a few thousand distinct days serve millions of rows."""

    def __missing__(self, ordinal: int) -> str:
        text = self[ordinal] = date.fromordinal(ordinal).isoformat()
        return text


DAY = DayText()


def ts(minute: int) -> str:
    """A Beijing-time minute count as timestamptz text with an explicit +08 offset."""
    day, minute_of_day = divmod(minute, MINUTES_PER_DAY)
    hour, minute = divmod(minute_of_day, 60)
    return f"{DAY[day]} {hour:02d}:{minute:02d}:00+08"


def money(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def add_years(ordinal: int, years: int) -> int:
    d = date.fromordinal(ordinal)
    try:
        return d.replace(year=d.year + years).toordinal()
    except ValueError:  # 29 February
        return date(d.year + years, 3, 1).toordinal()


class Weighted:
    """Weighted choice by bisection over cumulative weights: much cheaper than random.choices per call."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


_SURNAMES = Weighted(cat.SURNAMES, [1 / (i + 4) for i in range(len(cat.SURNAMES))])
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def vin_year_code(year: int) -> str:
    return str(year - 2000) if year < 2010 else "ABCDEFGHJKLMNPRSTVWXY"[year - 2010]


def credit_code(rng: random.Random, region: str) -> str:
    """A unified social credit code (GB 32100) with valid organisation-code and overall check characters."""
    body = "".join(rng.choice(_CREDIT_CODE_CHARS) for _ in range(8))
    # The organisation code (GB 11714) values letters A=10 .. Z=35, unlike the credit code's own alphabet.
    org_sum = sum(int(ch, 36) * w for ch, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    org_check = 11 - org_sum % 11
    body += "X" if org_check == 10 else "0" if org_check == 11 else str(org_check)
    return make_credit_code("1" + region + body)  # 9 (market regulator) + 1 (enterprise) + region + org code


def mobile_number(rng: random.Random) -> str:
    return rng.choice(cat.MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def person_name(rng: random.Random, male: bool) -> str:
    given = cat.GIVEN_MALE if male else cat.GIVEN_FEMALE
    name = _SURNAMES.pick(rng) + rng.choice(given)
    if rng.random() < 0.7:
        name += rng.choice(given)
    return name


def business_minute(rng: random.Random, day: int, first_hour: int = 9, last_hour: int = 18) -> int:
    return day * MINUTES_PER_DAY + rng.randrange(first_hour * 60, last_hour * 60)
