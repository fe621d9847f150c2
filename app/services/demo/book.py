"""The demo's business: customers, vehicles and their policy years, renewal records, claims, complaints
and the plans set against what was written. One Book draws everything from the seeded generator, in
a fixed order, so the same seed gives the same rows."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date

from app.security.fields import cipher
from app.services.demo import catalog as cat
from app.services.demo.org import Agent, Branch, City, World
from app.services.demo.values import (
    AS_OF,
    AS_OF_DAY,
    AS_OF_END,
    DAY,
    MINUTES_PER_DAY,
    VIN_CHARS,
    WINDOW_START_DAY,
    Ids,
    Weighted,
    add_years,
    business_minute,
    credit_code,
    mobile_number,
    money,
    person_name,
    ts,
    vin_year_code,
)
from app.validators import make_id_number, with_vin_check

# Plans cover three calendar years; the last month of 2026 is a forward plan.
PLAN_FIRST_YEAR = 2024
PLAN_MONTHS = 36


class Year:
    """One vehicle-year with us: the terms both lines share, before rows are written."""

    __slots__ = ("start", "end", "issued", "ctpl", "commercial", "channel", "dealer", "agent", "kind",
                 "previous_insurer", "cancelled", "exit")

    def __init__(self, start, issued, kind, previous_insurer, channel, dealer, agent):
        self.start, self.end, self.issued = start, add_years(start, 1) - 1, issued
        self.kind, self.previous_insurer = kind, previous_insurer
        self.channel, self.dealer, self.agent = channel, dealer, agent
        self.ctpl = self.commercial = True
        self.cancelled: int | None = None  # day ordinal
        self.exit: tuple[int, int | None] | None = None  # lapse reason id, destination insurer id


# Entry channel by who the customer is and how the car came to us.
_ENTRY_CHANNELS = {
    "company": Weighted(["group", "direct", "agent"], [45, 35, 20]),
    "business": Weighted(["direct", "agent", "telesales"], [40, 40, 20]),
    "new_car": Weighted(["dealer", "agent", "online", "telesales"], [78, 10, 6, 6]),
    "other": Weighted(["dealer", "agent", "telesales", "online", "direct"], [22, 28, 22, 12, 16]),
}
_RENEWAL_DRIFT = Weighted(["telesales", "agent", "online"], [50, 35, 15])
_LAPSE_REASONS = Weighted(["price", "service", "sold", "scrapped", "dealer", "unreachable", "claims", "relation"],
                          [30, 8, 14, 4, 14, 12, 6, 12])
_CTPL_BASE = {"家庭自用": 89_623, "非营业企业": 89_623, "营业网约车": 169_811, "营业出租": 169_811,
              "营业货运": 240_566}  # fen, before the no-claim float, excluding VAT
_CTPL_FLOAT = Weighted([70, 80, 90, 100, 110, 130], [35, 20, 15, 20, 7, 3])  # percent
_THIRD_PARTY = Weighted([(50_000_000, 90_000), (100_000_000, 120_000), (150_000_000, 135_000),
                         (200_000_000, 145_000), (300_000_000, 160_000)], [8, 30, 12, 30, 20])
# Commission rate ranges (percent) by channel for the commercial line; CTPL is capped at 4%.
_COMMISSION = {"dealer": (15, 25), "agent": (12, 20), "group": (8, 15), "direct": (0, 5), "telesales": (3, 6),
               "online": (2, 5)}
_VAT_PERCENT = 6
# Hours at which people report accidents: mostly daytime, some at night.
_REPORT_HOURS = Weighted(range(24), [1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 10, 10, 10, 10, 11, 12, 13, 12, 9, 7,
                                     5, 3, 2])
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # 24 letters: no I or O
_CLAIM_TYPES = Weighted(["vehicle_damage", "third_party", "glass", "theft"], [70, 24, 5, 1])
_CLAIM_MEDIANS = {"vehicle_damage": 4_200, "third_party": 5_500, "injury": 32_000, "glass": 1_800,
                  "theft": 85_000}  # yuan


class Book:
    """Generates customers one by one, with their vehicles' whole histories, into row buffers."""

    def __init__(self, rng: random.Random, world: World, ids: Ids, policies: int):
        self.rng, self.world, self.ids = rng, world, ids
        self.remaining = policies
        self.out: dict[str, list] = defaultdict(list)
        self.cipher = cipher()
        # Uniqueness of ID numbers and credit codes is a database constraint; a set of ints stays small.
        self.used_ids: set[int] = set()
        self.used_credit_codes: set[str] = set()
        # Written premium by (agent, month, line) and (dealer, month, line): the basis of the plans.
        self.agent_written: dict[tuple, int] = defaultdict(int)
        self.dealer_written: dict[tuple, int] = defaultdict(int)
        code = world.code
        self.channel_ids = code["channel"]
        self.group_ids = code["customer_group"]
        self.reason_ids = code["lapse_reason"]
        self.month_of = MonthIndex()

    def take(self) -> dict[str, list]:
        out, self.out = self.out, defaultdict(list)
        return out

    # customers ---------------------------------------------------------------------------------

    def customer(self) -> None:
        rng, world = self.rng, self.world
        branch = world.branch_pick.pick(rng)
        agent = branch.agent_pick.pick(rng)
        customer_id = self.ids("customers")
        r = rng.random()
        if r < 0.03:
            kind, segment = "company", "company"
            industry, group = rng.choice(cat.COMPANY_INDUSTRIES)
            name = (branch.city.short + rng.choice(cat.COMPANY_TRADE_CHARS) + rng.choice(cat.COMPANY_TRADE_CHARS)
                    + industry + "有限公司")
            vehicle_count = min(8, 2 + int(rng.expovariate(0.6)))
        else:
            kind = "person"
            group = "ride_hailing" if r < 0.07 else "taxi" if r < 0.09 else "personal"
            segment = "business" if group != "personal" else "person"
            vehicle_count = 2 if rng.random() < 0.04 else 1
        written = 0
        years = 0
        for _ in range(vehicle_count):
            if self.remaining <= 0:
                break
            w, y = self.vehicle(customer_id, branch, agent, group, segment)
            written += w
            years += y
        male = rng.random() < 0.64
        if kind == "person":
            name = person_name(rng, male)
            region = branch.region if rng.random() < 0.85 else rng.choice(cat.OTHER_REGIONS)
            while True:
                born = AS_OF_DAY - int(rng.triangular(20, 70, 38) * 365.25)
                sequence = rng.randrange(500) * 2 + (1 if male else 0)
                number = make_id_number(region, date.fromordinal(born), sequence)
                key = int(number[:17])
                if key not in self.used_ids:
                    self.used_ids.add(key)
                    break
            birthday, gender, openid = DAY[born], "M" if male else "F", None
            if rng.random() < 0.25:  # bound to the mini-program
                openid = "o" + "".join(rng.choice(VIN_CHARS + "abcdefghijkmnpqrstuvwxyz_-") for _ in range(27))
        else:
            while (number := credit_code(rng, branch.region)) in self.used_credit_codes:
                pass
            self.used_credit_codes.add(number)
            birthday = gender = openid = None
        mobile = mobile_number(rng)
        yearly = written / max(1, years) / 100
        tier = ("diamond" if yearly >= 15_000 else "platinum" if yearly >= 8_000 else "gold" if yearly >= 5_000
                else "silver" if yearly >= 3_500 else "standard")
        street = rng.choice(cat.STREETS[branch.city.name])
        c = self.cipher
        self.out["customers"].append((
            customer_id, kind, name, c.encrypt(mobile), c.digest(mobile), c.encrypt(number), c.digest(number),
            birthday, gender, self.group_ids[group], tier, openid, None,
            f"{cat.PROVINCE}{branch.city.name}{branch.district}{street}{rng.randrange(1, 300)}号",
            agent.id, agent.team.id, branch.id))

    # vehicles and their years ------------------------------------------------------------------

    def vehicle(self, customer_id: int, branch: Branch, agent: Agent, group: str,
                segment: str) -> tuple[int, int]:
        """One car and its policy years; returns (written premium in fen, vehicle-years)."""
        rng, world = self.rng, self.world
        vehicle_id = self.ids("vehicles")
        offset = rng.randrange(365)
        u = rng.random()
        slot = 0 if u < 0.62 else 1 if u < 0.81 else 2
        entry = add_years(WINDOW_START_DAY + offset, slot)
        if slot == 0 and rng.random() < 0.7:
            prior = "ours"  # renewed from a policy older than the demo window
        else:
            prior = "new_car" if rng.random() < 0.42 else "transfer"
        if segment in ("company", "business"):
            channel = _ENTRY_CHANNELS[segment].pick(rng)
        else:
            channel = _ENTRY_CHANNELS["new_car" if prior == "new_car" else "other"].pick(rng)
        dealer = rng.choice(branch.dealers) if channel == "dealer" else None
        car = world.car_by_maker[dealer.maker] if dealer else world.car_pick.pick(rng)
        model, low, high, seats, ev, descriptor = rng.choice(car.models)
        price = int(rng.uniform(low, high) * 100) * 100  # yuan, to the hundred
        if prior == "new_car":
            registered = entry - rng.randrange(4)
        else:
            registered = entry - int(rng.triangular(1.05, 12, 3) * 365.25)
        usage = cat.VEHICLE_USAGE[group]
        city = branch.city
        vin = with_vin_check(car.wmi + descriptor + "0" + vin_year_code(date.fromordinal(registered).year)
                             + VIN_CHARS[vehicle_id // 1_000_000]
                             + f"{(vehicle_id * 387_653 + world.vin_offset) % 1_000_000:06d}")
        plate = self._plate(city, ev)
        self.out["vehicles"].append((vehicle_id, vin, plate, DAY[registered], usage, car.brand, model,
                                     money(price * 100), customer_id))

        if prior == "ours":
            previous_insurer = world.self_insurer
        elif prior == "transfer":
            previous_insurer = world.competitors.pick(rng)
        else:
            previous_insurer = None
        issued = entry if prior == "new_car" else entry - rng.randint(0, 10)
        years = [Year(entry, issued, prior, previous_insurer, channel, dealer, agent)]
        business = segment == "business"
        while True:
            year = years[-1]
            age = (year.start - registered) / 365.25
            self._lines(year, age, years[-2] if len(years) > 1 else None)
            if year.start <= AS_OF_DAY and year.start + 30 < min(year.end, AS_OF_DAY) and rng.random() < 0.012:
                year.cancelled = rng.randint(year.start + 30, min(year.end, AS_OF_DAY))
                break
            renew_p = (0.62 if year.kind == "new_car" else 0.77) - (0.1 if business else 0)
            if rng.random() < renew_p:
                late = rng.random() < 0.08
                start = year.end + 1 + (rng.randint(1, 29) if late else 0)
                issued = start - (rng.randint(0, 2) if late else rng.randint(1, 40))
                if issued > AS_OF_DAY:
                    break  # due soon, not renewed yet: the renewal record stays open
                channel, dealer, agent = year.channel, year.dealer, year.agent
                if rng.random() < (0.25 if channel == "dealer" else 0.06):
                    channel, dealer = _RENEWAL_DRIFT.pick(rng), None
                if rng.random() < 0.05:
                    agent = branch.agent_pick.pick(rng)
                years.append(Year(start, issued, "renewal", world.self_insurer, channel, dealer, agent))
                continue
            reason = _LAPSE_REASONS.pick(rng)
            if reason == "scrapped" and age < 6:
                reason = "sold"
            destination = None if reason in ("sold", "scrapped") or (
                reason == "unreachable" and rng.random() < 0.5) else world.competitors.pick(rng)
            year.exit = (self.reason_ids[reason], destination)
            if reason in ("sold", "scrapped") or rng.random() >= 0.22:
                break
            # Won back a year later from the company it went to.
            start = add_years(year.end + 1, 1)
            issued = start - rng.randint(0, 15)
            if issued > AS_OF_DAY:
                break
            came_from = destination or world.competitors.pick(rng)
            years.append(Year(start, issued, "win_back", came_from, year.channel, year.dealer, year.agent))
        self._trim(years)
        written = self._write_years(customer_id, vehicle_id, vin, branch, group, usage, price, seats, ev,
                                    registered, car.maker, years)
        return written, len(years)

    def _lines(self, year: Year, age: float, previous: Year | None) -> None:
        rng = self.rng
        p = 0.97 if age < 3 else 0.92 if age < 6 else 0.82 if age < 10 else 0.62
        if previous is not None and not previous.commercial:
            p = 0.25
        year.commercial = rng.random() < p
        # CTPL is compulsory; a commercial policy without our CTPL means CTPL was bought elsewhere.
        year.ctpl = not (year.commercial and rng.random() < 0.012)

    def _trim(self, years: list[Year]) -> None:
        """Cut the history so the policy count lands exactly on the requested number."""
        kept = 0
        for index, year in enumerate(years):
            count = year.ctpl + year.commercial
            if kept + count > self.remaining:
                if self.remaining - kept == 1:
                    year.commercial = False
                    year.ctpl = True
                    del years[index + 1:]
                else:
                    del years[index:]
                break
            kept += count
        self.remaining -= sum(y.ctpl + y.commercial for y in years)

    def _plate(self, city: City, ev: bool) -> str:
        """A plate unique in its city: an affine permutation of the city's counter over the plate space."""
        if ev:  # green plates: D (battery) or F (hybrid) and five digits
            n = (next(city.ev_plates) * 73_459 + city.ev_plate_offset) % 200_000
            return f"{city.plate}{'D' if n < 100_000 else 'F'}{n % 100_000:05d}"
        n = (next(city.plates) * 387_653 + city.plate_offset) % 580_000
        if n < 100_000:
            return f"{city.plate}{n:05d}"
        n -= 100_000
        letter, digits = _PLATE_LETTERS[n // 10_000 % 24], n % 10_000
        if n < 240_000:
            return f"{city.plate}{letter}{digits:04d}"
        return f"{city.plate}{digits // 1000}{letter}{digits % 1000:03d}"

    # policies, renewal records, claims ------------------------------------------------------------

    def _write_years(self, customer_id, vehicle_id, vin, branch, group, usage, price, seats, ev, registered,
                     maker, years: list[Year]) -> int:
        rng, world = self.rng, self.world
        written_total = 0
        previous_ids: dict[str, int] = {}
        policy_ids: list[dict[str, int]] = []
        premiums: list[dict[str, int]] = []
        for year in years:
            ids_this_year: dict[str, int] = {}
            premium_this_year: dict[str, int] = {}
            for line in ("ctpl", "commercial"):
                if not getattr(year, line):
                    continue
                policy_id = self.ids("policies")
                if year.kind == "renewal":
                    previous_policy = previous_ids.get(line)
                    previous_insurer = world.self_insurer if previous_policy else None
                else:
                    previous_policy, previous_insurer = None, year.previous_insurer
                written = self._policy(policy_id, line, year, customer_id, vehicle_id, vin, branch, group, usage,
                                       price, seats, ev, registered, previous_policy, previous_insurer)
                ids_this_year[line] = policy_id
                premium_this_year[line] = written
                if year.cancelled is None:
                    written_total += written
            policy_ids.append(ids_this_year)
            premiums.append(premium_this_year)
            previous_ids = ids_this_year
        for index, year in enumerate(years):
            following = years[index + 1] if index + 1 < len(years) else None
            for line, policy_id in policy_ids[index].items():
                renewed_by = None
                if following is not None and following.kind == "renewal":
                    renewed_by = policy_ids[index + 1].get(line)
                self._renewal(policy_id, line, year, following, renewed_by, vin,
                              premiums[index + 1].get(line) if renewed_by else premiums[index][line])
            if year.start <= AS_OF_DAY:
                self._claims(year, policy_ids[index], customer_id, vehicle_id, branch, group, maker)
                if rng.random() < 0.003:
                    policy_id = next(iter(policy_ids[index].values()))
                    self._complaint(branch, customer_id, policy_id, None, "policy", year.issued)
        return written_total

    def _policy(self, policy_id, line, year: Year, customer_id, vehicle_id, vin, branch: Branch, group, usage,
                price, seats, ev, registered, previous_policy, previous_insurer) -> int:
        rng, out = self.rng, self.out
        if line == "ctpl":
            base = _CTPL_BASE[usage]
            written = base * _CTPL_FLOAT.pick(rng) // 100
            commission_pct = 4 if year.channel in ("dealer", "agent") else rng.randint(0, 3)
            commission = written * commission_pct // 100
        else:
            base, written = self._coverages(policy_id, year, usage, price, seats, ev, registered)
            low, high = _COMMISSION[year.channel]
            commission = written * rng.randint(low * 10, high * 10) // 1000
        agent = year.agent
        status, cancelled_at, collected, collected_on = "valid", None, written, year.issued
        if year.cancelled is not None:
            status = "cancelled"
            cancelled_at = ts(business_minute(rng, year.cancelled))
            refund = -(written * (year.end - year.cancelled) // (year.end - year.start + 1))
            self.out["endorsements"].append((
                self.ids("endorsements"), f"EDAA{DAY[year.cancelled][:4]}{branch.city.region4}{policy_id:08d}",
                policy_id, DAY[year.cancelled], "退保", money(refund),
                rng.choice(["车辆已转让,申请退保", "重复投保,申请退保", "车辆报废注销,申请退保"])))
        else:
            # Receivables: mostly recent business not yet paid, a few old items never chased up.
            unpaid_p = 0.18 if AS_OF_DAY - year.issued < 45 else 0.008
            if rng.random() < unpaid_p:
                collected, collected_on = (written // 2 if rng.random() < 0.3 else 0), None
            else:
                collected_on = min(AS_OF_DAY, year.issued + rng.randint(0, 2))
            month = self.month_of[year.start]
            if month is not None:
                self.agent_written[(agent.id, month, line)] += written
                if year.dealer is not None:
                    self.dealer_written[(year.dealer.id, month, line)] += written
        prefix = "PDZA" if line == "ctpl" else "PDAA"
        out["policies"].append((
            policy_id, f"{prefix}{DAY[year.issued][:4]}{branch.city.region4}{policy_id:08d}", line, status,
            customer_id, vehicle_id, vin, DAY[year.issued], DAY[year.start], DAY[year.end], money(written),
            money(base), money(commission), money(written * _VAT_PERCENT // 100), money(collected),
            DAY[collected_on] if collected_on is not None else None, self.channel_ids[year.channel],
            self.group_ids[group], branch.id, agent.team.id, agent.id, year.dealer.id if year.dealer else None,
            previous_policy, previous_insurer, cancelled_at))
        return written

    def _coverages(self, policy_id, year: Year, usage, price, seats, ev, registered) -> tuple[int, int]:
        """Coverage items of a commercial policy; returns (base premium, written premium) in fen."""
        rng = self.rng
        months = max(0, (year.start - registered) // 30)
        value = price * max(20, 100 - months * 6 // 10) // 100  # yuan: 0.6% a month, floor 20%
        business = usage.startswith("营业")
        items: list[tuple[str, int | None, int]] = []  # coverage, sum insured (yuan), base premium (fen)
        if months < 96 or rng.random() < 0.5:
            own = 50_000 + value * (13 if ev else 11) // 10  # fen: 500 yuan + 1.1% of value (1.3% for EVs)
            items.append(("own_damage", value, own * (2 if business else 1)))
        limit, premium = _THIRD_PARTY.pick(rng)
        items.append(("third_party", limit // 100, premium * (2 if business else 1)))
        if rng.random() < 0.8:
            insured = 10_000 * seats
            items.append(("seat", insured, 4_000 + 2_000 * (seats - 1)))
        if months < 36 and rng.random() < 0.15:
            insured = rng.choice([2_000, 5_000])
            items.append(("scratch", insured, insured * 20))
        if rng.random() < 0.3:
            insured = rng.choice([10_000, 20_000, 50_000])
            items.append(("medical", insured, insured // 2 + 2_000))
        if rng.random() < 0.05:
            items.append(("other", None, rng.randint(2_000, 8_000)))
        base = sum(p for _, _, p in items)
        # No-claim discount times the company's own pricing factor: usually 0.55-0.95 of base.
        factor = min(1.5, max(0.45, rng.lognormvariate(-0.25, 0.18)))
        written = int(base * factor)
        allocated = 0
        coverage_rows = self.out["policy_coverages"]
        for index, (coverage, insured, item_base) in enumerate(items):
            # Item premiums share the discount pro rata; the last takes the rounding so they sum exactly.
            premium = written - allocated if index == len(items) - 1 else item_base * written // base
            allocated += premium
            coverage_rows.append((self.ids("policy_coverages"), policy_id, coverage,
                                  money(insured * 100) if insured is not None else None, money(premium)))
        return base, written

    def _renewal(self, policy_id, line, year: Year, following: Year | None, renewed_by: int | None, vin,
                 quote: int) -> None:
        """The renewal record of a policy falling due by 90 days after the as-of date."""
        rng, out = self.rng, self.out
        if year.cancelled is not None or year.end > AS_OF_DAY + 90:
            return
        agent = year.agent
        owner = agent.id if rng.random() < 0.9 else rng.choice(agent.team.agents).id
        reason = destination = closed_at = None
        follow_ups: list[tuple] = []
        if renewed_by is not None:
            status = "renewed"
            closed = business_minute(rng, following.issued)
            closed_at = ts(closed)
            if rng.random() < 0.5:
                follow_ups.append((closed, "renewed", quote, None, None, "客户确认续保,已出单"))
        elif year.end >= AS_OF_DAY - 15:
            # Still being worked: renewal is possible up to 30 days after expiry.
            status = "open"
            # Follow-ups start 60 days before expiry; none yet for cars due further out.
            first = max(year.end - 60, AS_OF_DAY - 20)
            for _ in range(rng.randint(0, 2) if first <= AS_OF_DAY else 0):
                day = rng.randint(first, AS_OF_DAY)
                result = rng.choice(["quoted", "callback", "unreachable"])
                note = {"quoted": "已发送续保报价", "callback": "客户要求下周再联系",
                        "unreachable": "电话无人接听"}[result]
                follow_ups.append((business_minute(rng, day), result, quote if result == "quoted" else None,
                                   None, None, note))
        else:
            status = "lapsed"
            # The car left us (its reason was drawn with its history), or only this line did.
            reason, destination = year.exit or self._line_lapse()
            closed = business_minute(rng, min(AS_OF_DAY, year.end + rng.randint(1, 20)))
            closed_at = ts(closed)
            unreachable = reason == self.reason_ids["unreachable"]
            follow_ups.append((closed - rng.randint(1, 20) * MINUTES_PER_DAY, "quoted", quote, None, None,
                               "已发送续保报价"))
            follow_ups.append((closed, "unreachable" if unreachable else "refused", None, reason, destination,
                               "多次联系未果" if unreachable else "客户明确表示不再续保"))
        renewal_id = self.ids("renewal_records")
        out["renewal_records"].append((
            renewal_id, policy_id, vin, line, DAY[year.end], status, renewed_by, reason, destination, closed_at,
            owner, agent.id, agent.team.id, agent.branch.id))
        for at, result, amount, why, where, note in follow_ups:
            out["renewal_follow_ups"].append((
                self.ids("renewal_follow_ups"), renewal_id, owner, ts(at), result,
                money(amount) if amount is not None else None, why, where, note))

    def _line_lapse(self) -> tuple[int, int | None]:
        """One line not renewed while the car stayed (or a history cut short): mostly price."""
        rng = self.rng
        reason = "price" if rng.random() < 0.6 else "relation"
        destination = self.world.competitors.pick(rng) if rng.random() < 0.7 else None
        return self.reason_ids[reason], destination

    def _claims(self, year: Year, policy_ids: dict[str, int], customer_id, vehicle_id, branch: Branch,
                group: str, maker: str) -> None:
        rng = self.rng
        p = 0.26 if group in ("ride_hailing", "taxi", "logistics") else 0.11
        if rng.random() >= p:
            return
        count = 1 + (rng.random() < 0.15) + (rng.random() < 0.04)
        last_day = min(year.end, AS_OF_DAY, year.cancelled if year.cancelled is not None else year.end)
        for _ in range(count):
            injury = rng.random() < 0.08
            if "commercial" in policy_ids and ("ctpl" not in policy_ids or rng.random() < (0.5 if injury else 0.88)):
                line = "commercial"
            else:
                line = "ctpl"
            kind = "injury" if injury else ("third_party" if line == "ctpl" else _CLAIM_TYPES.pick(rng))
            reported = rng.randint(year.start, last_day) * MINUTES_PER_DAY + _REPORT_HOURS.pick(rng) * 60 \
                + rng.randrange(60)
            self._claim(policy_ids[line], year, customer_id, vehicle_id, branch, maker, kind,
                        min(reported, AS_OF_END))

    def _claim(self, policy_id, year: Year, customer_id, vehicle_id, branch: Branch, maker, kind,
               reported: int) -> None:
        rng, world, out = self.rng, self.world, self.out
        claim_id = self.ids("claims")
        events: list[tuple[str, int, str | None]] = [("reported", reported, "客户电话报案")]
        reserves: list[tuple[int, int]] = []
        # Registration delay in minutes: most within hours, some after the 72-hour line, a few never.
        r = rng.random()
        if r < 0.85:
            registered = reported + int(rng.lognormvariate(4.8, 0.8))
        elif r < 0.93:
            registered = reported + rng.randint(8 * 60, 72 * 60)
        elif r < 0.98:
            registered = reported + rng.randint(72 * 60 + 1, 20 * MINUTES_PER_DAY)
        else:
            registered = None
        surveyed = reported + rng.randint(20, 240)
        if surveyed <= AS_OF_END:
            events.append(("surveyed", surveyed, "查勘员到达现场"))
        if registered is not None and registered > AS_OF_END:
            registered = None
        median = _CLAIM_MEDIANS[kind]
        first_reserve = int(min(800_000, max(300, median * rng.lognormvariate(0, 0.9)))) * 100  # fen
        status, closed, cancelled, paid, reserve = "reported", None, None, 0, 0
        audit = subrogation = 0
        repair_dealer = None
        if registered is None:
            first_reserve = 0
            # A report never registered is eventually cancelled (withdrawn, not covered).
            if reported < AS_OF_END - 30 * MINUTES_PER_DAY:
                cancelled = reported + rng.randint(1, 20) * MINUTES_PER_DAY
                status = "cancelled"
        else:
            status = "registered"
            events.append(("registered", registered, None))
            reserves.append((registered, first_reserve))
            if kind in ("vehicle_damage", "third_party") and rng.random() < 0.55:
                candidates = world.repairers.get((maker, branch.city.id)) or branch.dealers
                repair_dealer = rng.choice(candidates).id
            if rng.random() < 0.05:
                cancelled = registered + rng.randint(3, 60) * MINUTES_PER_DAY
                if cancelled <= AS_OF_END:
                    status = "cancelled"
                else:
                    cancelled = None
            if status == "registered":
                if kind == "injury":
                    days = rng.lognormvariate(4.9, 0.6)
                elif first_reserve >= 1_000_000:
                    days = rng.lognormvariate(3.9, 0.6)
                else:
                    days = rng.lognormvariate(2.5, 0.6)
                closed = registered + int(days * MINUTES_PER_DAY)
                zero = rng.random() < 0.07
                # First estimates run a little high: paid is typically ~90% of the first reserve.
                paid = 0 if zero else int(first_reserve * min(3.0, rng.lognormvariate(-0.12, 0.35))) // 100 * 100
                # Reserve reviews between registration and close: the estimate drifts towards the payment.
                estimate, at = first_reserve, registered
                for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
                    at += int((closed - at) * rng.uniform(0.2, 0.6))
                    if at > AS_OF_END:
                        break
                    estimate = (estimate + paid) // 2 // 100 * 100 if paid else estimate * 8 // 10 // 100 * 100
                    reserves.append((at, estimate))
                if repair_dealer is not None and registered + 1440 <= min(closed, AS_OF_END):
                    events.append(("repairing", registered + 1440, "车辆已送修"))
                if closed <= AS_OF_END:
                    status = "closed"
                    documents = max(registered, closed - rng.randint(1, 5) * MINUTES_PER_DAY)
                    events.append(("documents_complete", documents, None))
                    if paid:
                        events.append(("paid", closed - rng.randint(0, 120), None))
                        if rng.random() < 0.04:
                            audit = first_reserve * rng.randint(5, 30) // 100 // 100 * 100
                        if kind in ("vehicle_damage", "third_party") and rng.random() < 0.02:
                            subrogation = paid * rng.randint(20, 100) // 100 // 100 * 100
                    events.append(("closed", closed, "零结案" if not paid else None))
                    reserves.append((closed, 0))
                else:
                    closed, paid = None, 0
                    reserve = reserves[-1][1]
        if status == "cancelled":
            events.append(("cancelled", cancelled, "客户撤案" if registered is None else "不属于保险责任,注销"))
            if registered is not None:
                reserves.append((cancelled, 0))
            paid = 0
        agent = year.agent
        out["claims"].append((
            claim_id, f"RDAA{DAY[reported // MINUTES_PER_DAY][:4]}{branch.city.region4}{claim_id:08d}",
            policy_id, customer_id, vehicle_id, status, ts(reported),
            ts(registered) if registered is not None else None, ts(closed) if closed is not None else None,
            ts(cancelled) if cancelled is not None else None, money(first_reserve), money(reserve), money(paid),
            kind == "injury", repair_dealer, money(audit), money(subrogation), kind,
            rng.choice(cat.CLAIM_DESCRIPTIONS[kind]), rng.choice(branch.city.handlers), branch.id, agent.id,
            agent.team.id))
        for stage, at, note in sorted(events, key=lambda e: e[1]):
            out["claim_events"].append((self.ids("claim_events"), claim_id, stage, ts(at), note))
        for at, amount in reserves:
            out["claim_reserves"].append((self.ids("claim_reserves"), claim_id, ts(at), money(amount)))
        if rng.random() < 0.012:
            self._complaint(branch, customer_id, policy_id, claim_id, "claim", reported // MINUTES_PER_DAY)

    def _complaint(self, branch: Branch, customer_id, policy_id, claim_id, about: str, since: int) -> None:
        rng = self.rng
        day = since + rng.randint(3, 60)
        if day > AS_OF_DAY:
            return
        complaint_id = self.ids("complaints")
        category = rng.choice(cat.COMPLAINT_CATEGORIES[about])
        self.out["complaints"].append((
            complaint_id, f"TS{DAY[day].replace('-', '')}{complaint_id:06d}", DAY[day], branch.id, customer_id,
            policy_id, claim_id, rng.random() < (0.55 if about == "claim" else 0.3), category,
            cat.COMPLAINT_SUMMARIES[category]))

    # plans ---------------------------------------------------------------------------------------

    def plans(self) -> list[tuple]:
        """Monthly plans per agent, team, branch and dealer and line, set near each one's actual pace.

        An agent's plan is their average month over the window, grown by year and with a year-end
        push, times a draw of 0.92-1.18; teams and branches are the sums of their agents' plans, so
        the levels agree with each other the way a plan allocated top-down does.
        """
        rng, world = self.rng, self.world
        rows: list[tuple] = []
        months = [date(PLAN_FIRST_YEAR + m // 12, m % 12 + 1, 1) for m in range(PLAN_MONTHS)]
        # Months fully before the as-of month: the basis of the average pace.
        basis = (AS_OF.year - PLAN_FIRST_YEAR) * 12 + AS_OF.month - 1

        def owner_plans(written: dict[tuple, int], owner) -> dict[tuple[int, str], int]:
            plan = {}
            for line in ("ctpl", "commercial"):
                pace = sum(written.get((owner, m, line), 0) for m in range(basis)) / basis
                for m, month in enumerate(months):
                    growth = (0.96, 1.0, 1.05)[m // 12]
                    season = 1.08 if month.month in (1, 12) else 0.94 if month.month == 2 else 1.0
                    plan[(m, line)] = int(pace * growth * season * rng.uniform(0.92, 1.18)) // 10_000 * 10_000
            return plan

        def emit(plan: dict[tuple[int, str], int], column: str, owner_id: int) -> None:
            position = ("org_unit_id", "team_id", "agent_id", "dealer_id").index(column)
            for (m, line), amount in plan.items():
                owners = [None, None, None, None]
                owners[position] = owner_id
                rows.append((self.ids("plans"), DAY[months[m].toordinal()], line, *owners, money(amount)))

        for branch in world.branches:
            branch_plan: dict[tuple[int, str], int] = defaultdict(int)
            for team in branch.teams:
                team_plan: dict[tuple[int, str], int] = defaultdict(int)
                for agent in team.agents:
                    agent_plan = owner_plans(self.agent_written, agent.id)
                    emit(agent_plan, "agent_id", agent.id)
                    for key, amount in agent_plan.items():
                        team_plan[key] += amount
                emit(team_plan, "team_id", team.id)
                for key, amount in team_plan.items():
                    branch_plan[key] += amount
            emit(branch_plan, "org_unit_id", branch.id)
        for dealer in world.dealers:
            emit(owner_plans(self.dealer_written, dealer.id), "dealer_id", dealer.id)
        return rows


class MonthIndex(dict):
    """Plan-month index (0..35) of a day ordinal, or None outside the plan years; memoised."""

    def __missing__(self, ordinal: int) -> int | None:
        d = date.fromordinal(ordinal)
        m = (d.year - PLAN_FIRST_YEAR) * 12 + d.month - 1
        value = self[ordinal] = m if 0 <= m < PLAN_MONTHS else None
        return value
