"""Deterministic demo data: a Hebei branch office with three years of motor business, loaded by COPY.

`run(policies, seed)` builds the organisation, code tables, customers, vehicles, policies with their
renewal chains, renewal records, claims, complaints and plans from one `random.Random(seed)`, so the
same seed and policy count give the same rows and the same ids on any machine. The demo's "today" is
AS_OF, never the clock. Only two things are not derived from the seed: the admin password (a
credential, from `secrets`) and the ciphertext of mobile and ID numbers (AES-GCM uses random nonces;
their keyed hashes, and the numbers themselves, are deterministic).

Speed: rows are built as tuples with ids assigned here and streamed to PostgreSQL with COPY, chunk by
chunk (memory stays bounded), on the session's own connection and transaction, with secondary
indexes and foreign keys rebuilt once at the end. Money is handled as integer fen (exact) and written
as decimal strings.
"""

from __future__ import annotations

import bisect
import itertools
import os
import random
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import click
from flask import current_app
from tqdm import tqdm

from app.auth.passwords import hash_password
from app.errors import DomainError
from app.extensions import db
from app.security.fields import cipher
from app.services import demo_catalog as cat
from app.validators import make_id_number, with_vin_check

AS_OF = date(2026, 11, 25)
# Three policy years end on the as-of date: the first starts the day after the same date in 2023.
WINDOW_START = date(2023, 11, 26)
# Plans cover three calendar years; the last month of 2026 is a forward plan.
PLAN_FIRST_YEAR = 2024
PLAN_MONTHS = 36
ADMIN_USERNAME = "admin"
CREDENTIALS_FILE = "demo-credentials.txt"
# Plates are unique per city by construction up to 580,000 cars a city; this keeps well below.
MAX_POLICIES = 5_000_000
# Customers per chunk: the unit of memory and of one round of COPY.
CHUNK_CUSTOMERS = 5_000

_AS_OF_O = AS_OF.toordinal()
_WINDOW_O = WINDOW_START.toordinal()
# Timestamps are minutes since 0001-01-01 00:00 Beijing time; this is the last minute of the demo.
_AS_OF_END = _AS_OF_O * 1440 + 1439
_MINUTES_PER_DAY = 1440

# Column order of every table the seed writes, in foreign-key order. Generated columns
# (policies.discount_rate / commission_rate) and created_at / updated_at are left to the server.
COLUMNS: dict[str, tuple[str, ...]] = {
    "code_items": ("id", "kind", "code", "name", "sort", "active", "is_self"),
    "org_units": ("id", "code", "name", "level", "parent_id", "path", "active"),
    "dealers": ("id", "code", "name", "brand", "city_id", "branch_id", "address", "repairs", "active"),
    "teams": ("id", "code", "name", "branch_id", "active"),
    "staff": ("id", "code", "name", "role", "org_unit_id", "team_id", "dealer_id", "wecom_userid", "openid",
              "mobile_enc", "mobile_hash", "username", "password_hash", "active", "token_version"),
    "customers": ("id", "kind", "name", "mobile_enc", "mobile_hash", "id_number_enc", "id_number_hash",
                  "birthday", "gender", "customer_group_id", "vip_tier", "openid", "unionid", "address",
                  "agent_id", "team_id", "branch_id"),
    "vehicles": ("id", "vin", "plate", "first_registration_date", "usage", "brand", "model", "new_car_price",
                 "owner_id"),
    "policies": ("id", "number", "line", "status", "customer_id", "vehicle_id", "vin", "issued_on",
                 "start_date", "end_date", "written_premium", "base_premium", "commission", "tax",
                 "collected_premium", "collected_on", "channel_id", "customer_group_id", "branch_id", "team_id",
                 "agent_id", "dealer_id", "previous_policy_id", "previous_insurer_id", "cancelled_at"),
    "policy_coverages": ("id", "policy_id", "coverage", "sum_insured", "premium"),
    "endorsements": ("id", "number", "policy_id", "effective_date", "kind", "premium_change", "description"),
    "renewal_records": ("id", "policy_id", "vin", "line", "due_date", "status", "renewed_by_policy_id",
                        "lapse_reason_id", "destination_insurer_id", "closed_at", "owner_id", "agent_id",
                        "team_id", "branch_id"),
    "renewal_follow_ups": ("id", "renewal_id", "staff_id", "at", "result", "quote_amount", "lapse_reason_id",
                           "destination_insurer_id", "note"),
    "claims": ("id", "number", "policy_id", "customer_id", "vehicle_id", "status", "reported_at",
               "registered_at", "closed_at", "cancelled_at", "first_reserve", "reserve", "paid", "injury",
               "repair_dealer_id", "audit_reduction", "subrogation_recovered", "claim_type", "description",
               "handler_id", "branch_id", "agent_id", "team_id"),
    "claim_reserves": ("id", "claim_id", "at", "amount"),
    "claim_events": ("id", "claim_id", "stage", "at", "note"),
    "complaints": ("id", "number", "received_on", "branch_id", "customer_id", "policy_id", "claim_id", "valid",
                   "category", "summary"),
    "plans": ("id", "month", "line", "org_unit_id", "team_id", "agent_id", "dealer_id", "amount"),
}
TABLES = tuple(COLUMNS)


class SeedRefused(DomainError):
    """The database is not in a state the seed can write into."""

    def __init__(self, message: str):
        super().__init__(message, "demo_seed_refused", status=409)


@dataclass
class SeedResult:
    policies: int
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    admin_password: str = ""
    credentials_path: str = ""
    skipped: bool = False

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def run(policies: int, seed: int, if_empty: bool = False, progress: bool = True) -> SeedResult:
    """Seed the demo database with `policies` policies generated from `seed`; see the module docstring."""
    started = time.perf_counter()
    if not 1 <= policies <= MAX_POLICIES:
        raise SeedRefused(f"保单数量应在 1 到 {MAX_POLICIES:,} 之间")
    driver = db.session.connection().connection.driver_connection
    non_empty = [t for t in TABLES if driver.execute(f'SELECT EXISTS (SELECT 1 FROM "{t}")').fetchone()[0]]
    if non_empty:
        db.session.rollback()
        if if_empty and "policies" in non_empty:
            click.echo("数据库中已有保单数据,跳过演示数据生成。")
            return SeedResult(policies=0, seconds=time.perf_counter() - started, skipped=True)
        raise SeedRefused("数据库中已有数据(" + "、".join(non_empty) + "),演示数据只能写入空库;"
                          "请先清空数据库,或使用 --if-empty 跳过")

    credentials = Path(current_app.config["VAR_DIR"]) / CREDENTIALS_FILE
    password = _read_password(credentials) or secrets.token_urlsafe(12)
    try:
        rows = _seed(driver, policies, seed, password, progress)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    _write_password(credentials, password)

    result = SeedResult(policies=policies, seconds=time.perf_counter() - started, rows=rows,
                        admin_password=password, credentials_path=str(credentials))
    click.echo(f"演示数据已生成:保单 {rows['policies']:,} 张,客户 {rows['customers']:,} 个,"
               f"车辆 {rows['vehicles']:,} 辆,赔案 {rows['claims']:,} 件,"
               f"共 {result.total_rows:,} 行,用时 {result.seconds:.1f} 秒。")
    click.echo(f"管理员账号:{ADMIN_USERNAME}  密码:{password}(已保存到 {credentials})")
    return result


def _seed(driver, policies: int, seed: int, password: str, progress: bool) -> dict[str, int]:
    """Generate and load everything inside the session's transaction; return rows written per table."""
    say = tqdm.write if progress else (lambda _msg: None)
    rng = random.Random(seed)
    ids = _Ids()
    rows: dict[str, int] = defaultdict(int)
    # Bulk-load the way pg_restore does: secondary indexes and foreign keys are dropped inside this
    # transaction and rebuilt after the data is in. Checking a foreign key row by row cost more than
    # the COPY itself; one validating join per key at the end is far cheaper. A failure rolls it all back.
    driver.execute("SET LOCAL maintenance_work_mem = '256MB'")
    rebuild = _drop_secondary_structures(driver)

    say("生成机构、人员、车商与码表…")
    world = _World(rng, ids, hash_password(password))
    _copy(driver, world.rows)
    with driver.cursor() as cur:
        # Teams and staff point at each other: teams went in without their heads, who exist now.
        cur.executemany("UPDATE teams SET manager_id = %s, supervisor_id = %s WHERE id = %s", world.team_heads)
    _count(rows, world.rows)

    say(f"生成客户、车辆、保单、续保、理赔与投诉(目标 {policies:,} 张保单)…")
    book = _Book(rng, world, ids, policies)
    with tqdm(total=policies, unit="张", desc="保单", disable=not progress, mininterval=0.5) as bar:
        customers_in_chunk = 0
        while book.remaining > 0:
            before = book.remaining
            book.customer()
            bar.update(before - book.remaining)
            customers_in_chunk += 1
            if customers_in_chunk >= CHUNK_CUSTOMERS:
                _count(rows, book.out)
                _copy(driver, book.take())
                customers_in_chunk = 0
        _count(rows, book.out)
        _copy(driver, book.take())

    say("生成月度计划…")
    plan_rows = {"plans": book.plans()}
    _copy(driver, plan_rows)
    _count(rows, plan_rows)

    say("重建索引与外键约束…")
    for statement in rebuild:
        driver.execute(statement)
    say("更新序列与统计信息并提交…")
    for table in TABLES:
        driver.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT COALESCE(max(id), 0) + 1 FROM \"{table}\"), false)")
        # Fresh statistics, so the demo's first reports do not plan against empty-table estimates.
        driver.execute(f'ANALYZE "{table}"')
    return dict(rows)


def _drop_secondary_structures(connection) -> list[str]:
    """Drop the non-unique indexes and the foreign keys of the seeded tables; return the statements
    that recreate them exactly, read from the catalog so later migrations are covered too.

    Primary keys and unique indexes stay: they are what keeps the generated data honest while loading.
    """
    tables = list(TABLES)
    indexes = connection.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
             FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
              AND NOT i.indisunique AND NOT i.indisprimary
            ORDER BY 1""", (tables,)).fetchall()
    foreign_keys = connection.execute(
        """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
             FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
            WHERE c.contype = 'f' AND t.relname = ANY(%s)
              AND t.relnamespace = current_schema()::regnamespace
            ORDER BY 1, 2""", (tables,)).fetchall()
    for table, name, _definition in foreign_keys:
        connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        connection.execute(f"DROP INDEX {name}")
    return ([definition for _name, definition in indexes]
            + [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition in foreign_keys])


def _count(totals: dict[str, int], out: dict[str, list]) -> None:
    for table, table_rows in out.items():
        totals[table] += len(table_rows)


def _read_password(path: Path) -> str | None:
    """The admin password of an earlier seed, so reseeding keeps the login people already know."""
    if not path.exists():
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("password="):
            return line.split("=", 1)[1].strip() or None
    return None


def _write_password(path: Path, password: str) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with 0600 from the start: a credential must never be readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("# 保运演示环境管理员账号(由 flask demo seed 生成,请妥善保管)\n")
        fh.write(f"username={ADMIN_USERNAME}\npassword={password}\n")


# --- loading --------------------------------------------------------------------------------------


def _copy(connection, out: dict[str, list]) -> None:
    """COPY buffered rows into their tables, in foreign-key order, on the session's psycopg connection."""
    with connection.cursor() as cur:
        for table in TABLES:
            table_rows = out.get(table)
            if not table_rows:
                continue
            with cur.copy(f'COPY "{table}" ({", ".join(COLUMNS[table])}) FROM STDIN') as copy:
                write = copy.write_row
                for row in table_rows:
                    write(row)


class _Ids:
    """Primary keys assigned here, per table, from 1: the same seed gives the same ids."""

    def __init__(self):
        self._next = {table: itertools.count(1) for table in TABLES}

    def __call__(self, table: str) -> int:
        return next(self._next[table])


# --- formatting: COPY takes text, so values are formatted once, cheaply -----------------------------


class _DayText(dict):
    """ISO text of a day ordinal, memoised: a few thousand distinct days serve millions of rows."""

    def __missing__(self, ordinal: int) -> str:
        text = self[ordinal] = date.fromordinal(ordinal).isoformat()
        return text


_DAY = _DayText()


def _ts(minute: int) -> str:
    """A Beijing-time minute count as timestamptz text with an explicit +08 offset."""
    day, minute_of_day = divmod(minute, _MINUTES_PER_DAY)
    hour, minute = divmod(minute_of_day, 60)
    return f"{_DAY[day]} {hour:02d}:{minute:02d}:00+08"


def _money(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def _add_years(ordinal: int, years: int) -> int:
    d = date.fromordinal(ordinal)
    try:
        return d.replace(year=d.year + years).toordinal()
    except ValueError:  # 29 February
        return date(d.year + years, 3, 1).toordinal()


class _Weighted:
    """Weighted choice by bisection over cumulative weights: much cheaper than random.choices per call."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


_SURNAMES = _Weighted(cat.SURNAMES, [1 / (i + 4) for i in range(len(cat.SURNAMES))])
# Hours at which people report accidents: mostly daytime, some at night.
_REPORT_HOURS = _Weighted(range(24), [1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 10, 10, 10, 10, 11, 12, 13, 12, 9, 7,
                                      5, 3, 2])
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # 24 letters: no I or O
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _vin_year_code(year: int) -> str:
    return str(year - 2000) if year < 2010 else "ABCDEFGHJKLMNPRSTVWXY"[year - 2010]


def _uscc(rng: random.Random, region: str) -> str:
    """A unified social credit code (GB 32100) with valid organisation-code and overall check characters."""
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    # The organisation code (GB 11714) values letters A=10 .. Z=35, unlike the credit code's own alphabet.
    org_sum = sum(int(ch, 36) * w for ch, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    org_check = 11 - org_sum % 11
    body += "X" if org_check == 10 else "0" if org_check == 11 else str(org_check)
    first17 = "91" + region + body
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return first17 + _USCC_CHARS[(31 - total % 31) % 31]


def _mobile(rng: random.Random) -> str:
    return rng.choice(cat.MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def _person_name(rng: random.Random, male: bool) -> str:
    given = cat.GIVEN_MALE if male else cat.GIVEN_FEMALE
    name = _SURNAMES.pick(rng) + rng.choice(given)
    if rng.random() < 0.7:
        name += rng.choice(given)
    return name


def _business_minute(rng: random.Random, day: int, first_hour: int = 9, last_hour: int = 18) -> int:
    return day * _MINUTES_PER_DAY + rng.randrange(first_hour * 60, last_hour * 60)


# --- the organisation, code tables and dealers -------------------------------------------------------


class _City:
    __slots__ = ("id", "name", "short", "plate", "region4", "branches", "handlers", "plates", "ev_plates",
                 "plate_offset", "ev_plate_offset")


class _Branch:
    __slots__ = ("id", "code", "name", "district", "region", "weight", "city", "agents", "agent_pick",
                 "dealers", "teams")


class _Team:
    __slots__ = ("id", "branch", "agents")


class _Agent:
    __slots__ = ("id", "team", "branch")


class _Dealer:
    __slots__ = ("id", "maker", "city", "branch")


class _Car:
    __slots__ = ("brand", "maker", "wmi", "models")


class _World:
    """Everything that is not per customer: codes, org tree, dealers, teams and staff."""

    def __init__(self, rng: random.Random, ids: _Ids, admin_password_hash: str):
        self.rng = rng
        self.ids = ids
        self.rows: dict[str, list] = defaultdict(list)
        self.team_heads: list[tuple[int, int, int]] = []
        self._codes()
        self._orgs()
        self._cars()
        self._dealers()
        self._staff(admin_password_hash)

    def _codes(self) -> None:
        self.code: dict[str, dict[str, int]] = {}
        tables = [("channel", cat.CHANNELS), ("customer_group", cat.CUSTOMER_GROUPS),
                  ("insurer", [cat.SELF_INSURER, *cat.COMPETITORS]), ("lapse_reason", cat.LAPSE_REASONS)]
        for kind, items in tables:
            self.code[kind] = {}
            for sort, (code, name) in enumerate(items, start=1):
                item_id = self.ids("code_items")
                self.code[kind][code] = item_id
                self.rows["code_items"].append((item_id, kind, code, name, sort, True,
                                                kind == "insurer" and code == cat.SELF_INSURER[0]))
        self.self_insurer = self.code["insurer"][cat.SELF_INSURER[0]]
        self.competitors = _Weighted([self.code["insurer"][c] for c, _ in cat.COMPETITORS],
                                     cat.COMPETITOR_WEIGHTS)

    def _orgs(self) -> None:
        company_id = self.ids("org_units")
        self.company_id = company_id
        self.rows["org_units"].append((company_id, cat.COMPANY[0], cat.COMPANY[1], "company", None,
                                       f"/{company_id}/", True))
        self.cities: list[_City] = []
        self.branches: list[_Branch] = []
        for code, org_name, city_name, plate, branches in cat.CITIES:
            city = _City()
            city.id, city.name, city.short, city.plate = self.ids("org_units"), city_name, city_name[:-1], plate
            city.region4, city.branches, city.handlers = branches[0][3][:4], [], []
            # Per-city counters: plates are a permutation of the counter, so unique without a lookup set.
            city.plates, city.ev_plates = itertools.count(), itertools.count()
            city.plate_offset, city.ev_plate_offset = self.rng.randrange(580_000), self.rng.randrange(200_000)
            city_path = f"/{company_id}/{city.id}/"
            self.rows["org_units"].append((city.id, code, org_name, "city", company_id, city_path, True))
            self.cities.append(city)
            for b_code, b_name, district, region, weight in branches:
                branch = _Branch()
                branch.id, branch.code, branch.name, branch.district = self.ids("org_units"), b_code, b_name, district
                branch.region, branch.weight, branch.city = region, weight, city
                branch.agents, branch.dealers, branch.teams = [], [], []
                self.rows["org_units"].append((branch.id, b_code, b_name, "branch", city.id,
                                               f"{city_path}{branch.id}/", True))
                city.branches.append(branch)
                self.branches.append(branch)
        self.branch_pick = _Weighted(self.branches, [b.weight for b in self.branches])

    def _cars(self) -> None:
        rng = self.rng
        self.cars: list[_Car] = []
        for brand, maker, wmi, models, _weight in cat.CARS:
            car = _Car()
            car.brand, car.maker, car.wmi = brand, maker, wmi
            # Positions 4-8 of a VIN describe the model: one fixed descriptor per model looks real.
            car.models = [(name, lo, hi, seats, ev,
                           "".join(rng.choice(_VIN_CHARS) for _ in range(4)) + str(rng.randrange(10)))
                          for name, lo, hi, seats, ev in models]
            self.cars.append(car)
        self.car_pick = _Weighted(self.cars, [c[4] for c in cat.CARS])
        # VIN serials are an affine permutation of the vehicle id (unique without a lookup set);
        # the seeded offset makes each seed's serials its own.
        self.vin_offset = rng.randrange(1_000_000)
        self.car_by_maker = {car.maker: car for car in self.cars}

    def _dealers(self) -> None:
        rng = self.rng
        self.dealers: list[_Dealer] = []
        total_weight = sum(b.weight for b in self.branches)
        for branch in self.branches:
            count = max(2, round(40 * branch.weight / total_weight))
            makers = rng.sample(cat.DEALER_MAKERS, count)
            groups = rng.sample(cat.DEALER_GROUPS, count)
            for maker, group in zip(makers, groups, strict=True):
                dealer = _Dealer()
                dealer.id, dealer.maker, dealer.city, dealer.branch = self.ids("dealers"), maker, branch.city, branch
                street = rng.choice(cat.STREETS[branch.city.name])
                self.rows["dealers"].append((
                    dealer.id, f"D{branch.code[2:]}{len(branch.dealers) + 1:02d}",
                    f"{branch.city.short}{group}{maker}4S店", maker, branch.city.id, branch.id,
                    f"{cat.PROVINCE}{branch.city.name}{branch.district}{street}{rng.randrange(1, 400)}号",
                    rng.random() < 0.9, True))
                branch.dealers.append(dealer)
                self.dealers.append(dealer)
        # Repairs go to a dealer of the car's maker in the car's city, when there is one.
        self.repairers: dict[tuple[str, int], list[_Dealer]] = defaultdict(list)
        for dealer in self.dealers:
            self.repairers[(dealer.maker, dealer.city.id)].append(dealer)

    def _staff(self, admin_password_hash: str) -> None:
        rng = self.rng
        self._person("admin", self.company_id, username=ADMIN_USERNAME, password_hash=admin_password_hash)
        for city in self.cities:
            for _ in range(2):
                city.handlers.append(self._person("claims_handler", city.id))
        numerals = "一二三四五六七八九十"
        self.teams: list[_Team] = []
        for branch in self.branches:
            self._person("branch_manager", branch.id)
            team_count = 3 + rng.randrange(3)
            supervisors = [self._person("supervisor", branch.id) for _ in range(1 if team_count <= 3 else 2)]
            weights = []
            for k in range(team_count):
                team = _Team()
                team.id, team.branch, team.agents = self.ids("teams"), branch, []
                self.rows["teams"].append((team.id, f"{branch.code}T{k + 1}", f"{branch.name[:-3]}营业{numerals[k]}部",
                                           branch.id, True))
                manager = self._person("team_manager", branch.id, team.id)
                self.team_heads.append((manager, supervisors[k * len(supervisors) // team_count], team.id))
                for _ in range(4 + rng.randrange(3)):
                    agent = _Agent()
                    agent.id, agent.team, agent.branch = self._person("agent", branch.id, team.id), team, branch
                    team.agents.append(agent)
                    branch.agents.append(agent)
                    # A few strong sellers and a long tail, as in any sales force.
                    weights.append(rng.lognormvariate(0, 0.6))
                branch.teams.append(team)
                self.teams.append(team)
            branch.agent_pick = _Weighted(branch.agents, weights)
        for dealer in self.dealers:
            self._person("resident_manager", dealer.branch.id, dealer_id=dealer.id)

    def _person(self, role: str, org_unit_id: int, team_id: int | None = None, dealer_id: int | None = None,
                username: str | None = None, password_hash: str | None = None) -> int:
        rng = self.rng
        staff_id = self.ids("staff")
        mobile = _mobile(rng)
        code = f"HB{staff_id:05d}"
        self.rows["staff"].append((
            staff_id, code, _person_name(rng, rng.random() < 0.6), role, org_unit_id, team_id, dealer_id,
            code.lower(), None, cipher().encrypt(mobile), cipher().digest(mobile), username, password_hash,
            True, 1))
        return staff_id


# --- customers, vehicles, policies and everything that hangs off them ---------------------------


class _Year:
    """One vehicle-year with us: the terms both lines share, before rows are written."""

    __slots__ = ("start", "end", "issued", "ctpl", "commercial", "channel", "dealer", "agent", "kind",
                 "previous_insurer", "cancelled", "exit")

    def __init__(self, start, issued, kind, previous_insurer, channel, dealer, agent):
        self.start, self.end, self.issued = start, _add_years(start, 1) - 1, issued
        self.kind, self.previous_insurer = kind, previous_insurer
        self.channel, self.dealer, self.agent = channel, dealer, agent
        self.ctpl = self.commercial = True
        self.cancelled: int | None = None  # day ordinal
        self.exit: tuple[int, int | None] | None = None  # lapse reason id, destination insurer id


# Entry channel by who the customer is and how the car came to us.
_ENTRY_CHANNELS = {
    "company": _Weighted(["group", "direct", "agent"], [45, 35, 20]),
    "business": _Weighted(["direct", "agent", "telesales"], [40, 40, 20]),
    "new_car": _Weighted(["dealer", "agent", "online", "telesales"], [78, 10, 6, 6]),
    "other": _Weighted(["dealer", "agent", "telesales", "online", "direct"], [22, 28, 22, 12, 16]),
}
_RENEWAL_DRIFT = _Weighted(["telesales", "agent", "online"], [50, 35, 15])
_LAPSE_REASONS = _Weighted(["price", "service", "sold", "scrapped", "dealer", "unreachable", "claims", "relation"],
                           [30, 8, 14, 4, 14, 12, 6, 12])
_CTPL_BASE = {"家庭自用": 89_623, "非营业企业": 89_623, "营业网约车": 169_811, "营业出租": 169_811,
              "营业货运": 240_566}  # fen, before the no-claim float, excluding VAT
_CTPL_FLOAT = _Weighted([70, 80, 90, 100, 110, 130], [35, 20, 15, 20, 7, 3])  # percent
_THIRD_PARTY = _Weighted([(50_000_000, 90_000), (100_000_000, 120_000), (150_000_000, 135_000),
                          (200_000_000, 145_000), (300_000_000, 160_000)], [8, 30, 12, 30, 20])
# Commission rate ranges (percent) by channel for the commercial line; CTPL is capped at 4%.
_COMMISSION = {"dealer": (15, 25), "agent": (12, 20), "group": (8, 15), "direct": (0, 5), "telesales": (3, 6),
               "online": (2, 5)}
_VAT_PERCENT = 6
_CLAIM_TYPES = _Weighted(["vehicle_damage", "third_party", "glass", "theft"], [70, 24, 5, 1])
_CLAIM_MEDIANS = {"vehicle_damage": 4_200, "third_party": 5_500, "injury": 32_000, "glass": 1_800,
                  "theft": 85_000}  # yuan


class _Book:
    """Generates customers one by one, with their vehicles' whole histories, into row buffers."""

    def __init__(self, rng: random.Random, world: _World, ids: _Ids, policies: int):
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
        self.month_of = _MonthIndex()

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
            name = _person_name(rng, male)
            region = branch.region if rng.random() < 0.85 else rng.choice(cat.OTHER_REGIONS)
            while True:
                born = _AS_OF_O - int(rng.triangular(20, 70, 38) * 365.25)
                sequence = rng.randrange(500) * 2 + (1 if male else 0)
                number = make_id_number(region, date.fromordinal(born), sequence)
                key = int(number[:17])
                if key not in self.used_ids:
                    self.used_ids.add(key)
                    break
            birthday, gender, openid = _DAY[born], "M" if male else "F", None
            if rng.random() < 0.25:  # bound to the mini-program
                openid = "o" + "".join(rng.choice(_VIN_CHARS + "abcdefghijkmnpqrstuvwxyz_-") for _ in range(27))
        else:
            while (number := _uscc(rng, branch.region)) in self.used_credit_codes:
                pass
            self.used_credit_codes.add(number)
            birthday = gender = openid = None
        mobile = _mobile(rng)
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

    def vehicle(self, customer_id: int, branch: _Branch, agent: _Agent, group: str,
                segment: str) -> tuple[int, int]:
        """One car and its policy years; returns (written premium in fen, vehicle-years)."""
        rng, world = self.rng, self.world
        vehicle_id = self.ids("vehicles")
        offset = rng.randrange(365)
        u = rng.random()
        slot = 0 if u < 0.62 else 1 if u < 0.81 else 2
        entry = _add_years(_WINDOW_O + offset, slot)
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
        vin = with_vin_check(car.wmi + descriptor + "0" + _vin_year_code(date.fromordinal(registered).year)
                             + _VIN_CHARS[vehicle_id // 1_000_000]
                             + f"{(vehicle_id * 387_653 + world.vin_offset) % 1_000_000:06d}")
        plate = self._plate(city, ev)
        self.out["vehicles"].append((vehicle_id, vin, plate, _DAY[registered], usage, car.brand, model,
                                     _money(price * 100), customer_id))

        if prior == "ours":
            previous_insurer = world.self_insurer
        elif prior == "transfer":
            previous_insurer = world.competitors.pick(rng)
        else:
            previous_insurer = None
        issued = entry if prior == "new_car" else entry - rng.randint(0, 10)
        years = [_Year(entry, issued, prior, previous_insurer, channel, dealer, agent)]
        business = segment == "business"
        while True:
            year = years[-1]
            age = (year.start - registered) / 365.25
            self._lines(year, age, years[-2] if len(years) > 1 else None)
            if year.start <= _AS_OF_O and year.start + 30 < min(year.end, _AS_OF_O) and rng.random() < 0.012:
                year.cancelled = rng.randint(year.start + 30, min(year.end, _AS_OF_O))
                break
            renew_p = (0.62 if year.kind == "new_car" else 0.77) - (0.1 if business else 0)
            if rng.random() < renew_p:
                late = rng.random() < 0.08
                start = year.end + 1 + (rng.randint(1, 29) if late else 0)
                issued = start - (rng.randint(0, 2) if late else rng.randint(1, 40))
                if issued > _AS_OF_O:
                    break  # due soon, not renewed yet: the renewal record stays open
                channel, dealer, agent = year.channel, year.dealer, year.agent
                if rng.random() < (0.25 if channel == "dealer" else 0.06):
                    channel, dealer = _RENEWAL_DRIFT.pick(rng), None
                if rng.random() < 0.05:
                    agent = branch.agent_pick.pick(rng)
                years.append(_Year(start, issued, "renewal", world.self_insurer, channel, dealer, agent))
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
            start = _add_years(year.end + 1, 1)
            issued = start - rng.randint(0, 15)
            if issued > _AS_OF_O:
                break
            came_from = destination or world.competitors.pick(rng)
            years.append(_Year(start, issued, "win_back", came_from, year.channel, year.dealer, year.agent))
        self._trim(years)
        written = self._write_years(customer_id, vehicle_id, vin, branch, group, usage, price, seats, ev,
                                    registered, car.maker, years)
        return written, len(years)

    def _lines(self, year: _Year, age: float, previous: _Year | None) -> None:
        rng = self.rng
        p = 0.97 if age < 3 else 0.92 if age < 6 else 0.82 if age < 10 else 0.62
        if previous is not None and not previous.commercial:
            p = 0.25
        year.commercial = rng.random() < p
        # CTPL is compulsory; a commercial policy without our CTPL means CTPL was bought elsewhere.
        year.ctpl = not (year.commercial and rng.random() < 0.012)

    def _trim(self, years: list[_Year]) -> None:
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

    def _plate(self, city: _City, ev: bool) -> str:
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
                     maker, years: list[_Year]) -> int:
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
            if year.start <= _AS_OF_O:
                self._claims(year, policy_ids[index], customer_id, vehicle_id, branch, group, maker)
                if rng.random() < 0.003:
                    policy_id = next(iter(policy_ids[index].values()))
                    self._complaint(branch, customer_id, policy_id, None, "policy", year.issued)
        return written_total

    def _policy(self, policy_id, line, year: _Year, customer_id, vehicle_id, vin, branch: _Branch, group, usage,
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
            cancelled_at = _ts(_business_minute(rng, year.cancelled))
            refund = -(written * (year.end - year.cancelled) // (year.end - year.start + 1))
            self.out["endorsements"].append((
                self.ids("endorsements"), f"EDAA{_DAY[year.cancelled][:4]}{branch.city.region4}{policy_id:08d}",
                policy_id, _DAY[year.cancelled], "退保", _money(refund),
                rng.choice(["车辆已转让,申请退保", "重复投保,申请退保", "车辆报废注销,申请退保"])))
        else:
            # Receivables: mostly recent business not yet paid, a few old items never chased up.
            unpaid_p = 0.18 if _AS_OF_O - year.issued < 45 else 0.008
            if rng.random() < unpaid_p:
                collected, collected_on = (written // 2 if rng.random() < 0.3 else 0), None
            else:
                collected_on = min(_AS_OF_O, year.issued + rng.randint(0, 2))
            month = self.month_of[year.start]
            if month is not None:
                self.agent_written[(agent.id, month, line)] += written
                if year.dealer is not None:
                    self.dealer_written[(year.dealer.id, month, line)] += written
        prefix = "PDZA" if line == "ctpl" else "PDAA"
        out["policies"].append((
            policy_id, f"{prefix}{_DAY[year.issued][:4]}{branch.city.region4}{policy_id:08d}", line, status,
            customer_id, vehicle_id, vin, _DAY[year.issued], _DAY[year.start], _DAY[year.end], _money(written),
            _money(base), _money(commission), _money(written * _VAT_PERCENT // 100), _money(collected),
            _DAY[collected_on] if collected_on is not None else None, self.channel_ids[year.channel],
            self.group_ids[group], branch.id, agent.team.id, agent.id, year.dealer.id if year.dealer else None,
            previous_policy, previous_insurer, cancelled_at))
        return written

    def _coverages(self, policy_id, year: _Year, usage, price, seats, ev, registered) -> tuple[int, int]:
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
                                  _money(insured * 100) if insured is not None else None, _money(premium)))
        return base, written

    def _renewal(self, policy_id, line, year: _Year, following: _Year | None, renewed_by: int | None, vin,
                 quote: int) -> None:
        """The renewal record of a policy falling due by 90 days after the as-of date."""
        rng, out = self.rng, self.out
        if year.cancelled is not None or year.end > _AS_OF_O + 90:
            return
        agent = year.agent
        owner = agent.id if rng.random() < 0.9 else rng.choice(agent.team.agents).id
        reason = destination = closed_at = None
        follow_ups: list[tuple] = []
        if renewed_by is not None:
            status = "renewed"
            closed = _business_minute(rng, following.issued)
            closed_at = _ts(closed)
            if rng.random() < 0.5:
                follow_ups.append((closed, "renewed", quote, None, None, "客户确认续保,已出单"))
        elif year.end >= _AS_OF_O - 15:
            # Still being worked: renewal is possible up to 30 days after expiry.
            status = "open"
            # Follow-ups start 60 days before expiry; none yet for cars due further out.
            first = max(year.end - 60, _AS_OF_O - 20)
            for _ in range(rng.randint(0, 2) if first <= _AS_OF_O else 0):
                day = rng.randint(first, _AS_OF_O)
                result = rng.choice(["quoted", "callback", "unreachable"])
                note = {"quoted": "已发送续保报价", "callback": "客户要求下周再联系",
                        "unreachable": "电话无人接听"}[result]
                follow_ups.append((_business_minute(rng, day), result, quote if result == "quoted" else None,
                                   None, None, note))
        else:
            status = "lapsed"
            # The car left us (its reason was drawn with its history), or only this line did.
            reason, destination = year.exit or self._line_lapse()
            closed = _business_minute(rng, min(_AS_OF_O, year.end + rng.randint(1, 20)))
            closed_at = _ts(closed)
            unreachable = reason == self.reason_ids["unreachable"]
            follow_ups.append((closed - rng.randint(1, 20) * _MINUTES_PER_DAY, "quoted", quote, None, None,
                               "已发送续保报价"))
            follow_ups.append((closed, "unreachable" if unreachable else "refused", None, reason, destination,
                               "多次联系未果" if unreachable else "客户明确表示不再续保"))
        renewal_id = self.ids("renewal_records")
        out["renewal_records"].append((
            renewal_id, policy_id, vin, line, _DAY[year.end], status, renewed_by, reason, destination, closed_at,
            owner, agent.id, agent.team.id, agent.branch.id))
        for at, result, amount, why, where, note in follow_ups:
            out["renewal_follow_ups"].append((
                self.ids("renewal_follow_ups"), renewal_id, owner, _ts(at), result,
                _money(amount) if amount is not None else None, why, where, note))

    def _line_lapse(self) -> tuple[int, int | None]:
        """One line not renewed while the car stayed (or a history cut short): mostly price."""
        rng = self.rng
        reason = "price" if rng.random() < 0.6 else "relation"
        destination = self.world.competitors.pick(rng) if rng.random() < 0.7 else None
        return self.reason_ids[reason], destination

    def _claims(self, year: _Year, policy_ids: dict[str, int], customer_id, vehicle_id, branch: _Branch,
                group: str, maker: str) -> None:
        rng = self.rng
        p = 0.26 if group in ("ride_hailing", "taxi", "logistics") else 0.11
        if rng.random() >= p:
            return
        count = 1 + (rng.random() < 0.15) + (rng.random() < 0.04)
        last_day = min(year.end, _AS_OF_O, year.cancelled if year.cancelled is not None else year.end)
        for _ in range(count):
            injury = rng.random() < 0.08
            if "commercial" in policy_ids and ("ctpl" not in policy_ids or rng.random() < (0.5 if injury else 0.88)):
                line = "commercial"
            else:
                line = "ctpl"
            kind = "injury" if injury else ("third_party" if line == "ctpl" else _CLAIM_TYPES.pick(rng))
            reported = rng.randint(year.start, last_day) * _MINUTES_PER_DAY + _REPORT_HOURS.pick(rng) * 60 \
                + rng.randrange(60)
            self._claim(policy_ids[line], year, customer_id, vehicle_id, branch, maker, kind,
                        min(reported, _AS_OF_END))

    def _claim(self, policy_id, year: _Year, customer_id, vehicle_id, branch: _Branch, maker, kind,
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
            registered = reported + rng.randint(72 * 60 + 1, 20 * _MINUTES_PER_DAY)
        else:
            registered = None
        surveyed = reported + rng.randint(20, 240)
        if surveyed <= _AS_OF_END:
            events.append(("surveyed", surveyed, "查勘员到达现场"))
        if registered is not None and registered > _AS_OF_END:
            registered = None
        median = _CLAIM_MEDIANS[kind]
        first_reserve = int(min(800_000, max(300, median * rng.lognormvariate(0, 0.9)))) * 100  # fen
        status, closed, cancelled, paid, reserve = "reported", None, None, 0, 0
        audit = subrogation = 0
        repair_dealer = None
        if registered is None:
            first_reserve = 0
            # A report never registered is eventually cancelled (withdrawn, not covered).
            if reported < _AS_OF_END - 30 * _MINUTES_PER_DAY:
                cancelled = reported + rng.randint(1, 20) * _MINUTES_PER_DAY
                status = "cancelled"
        else:
            status = "registered"
            events.append(("registered", registered, None))
            reserves.append((registered, first_reserve))
            if kind in ("vehicle_damage", "third_party") and rng.random() < 0.55:
                candidates = world.repairers.get((maker, branch.city.id)) or branch.dealers
                repair_dealer = rng.choice(candidates).id
            if rng.random() < 0.05:
                cancelled = registered + rng.randint(3, 60) * _MINUTES_PER_DAY
                if cancelled <= _AS_OF_END:
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
                closed = registered + int(days * _MINUTES_PER_DAY)
                zero = rng.random() < 0.07
                # First estimates run a little high: paid is typically ~90% of the first reserve.
                paid = 0 if zero else int(first_reserve * min(3.0, rng.lognormvariate(-0.12, 0.35))) // 100 * 100
                # Reserve reviews between registration and close: the estimate drifts towards the payment.
                estimate, at = first_reserve, registered
                for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
                    at += int((closed - at) * rng.uniform(0.2, 0.6))
                    if at > _AS_OF_END:
                        break
                    estimate = (estimate + paid) // 2 // 100 * 100 if paid else estimate * 8 // 10 // 100 * 100
                    reserves.append((at, estimate))
                if repair_dealer is not None and registered + 1440 <= min(closed, _AS_OF_END):
                    events.append(("repairing", registered + 1440, "车辆已送修"))
                if closed <= _AS_OF_END:
                    status = "closed"
                    documents = max(registered, closed - rng.randint(1, 5) * _MINUTES_PER_DAY)
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
            claim_id, f"RDAA{_DAY[reported // _MINUTES_PER_DAY][:4]}{branch.city.region4}{claim_id:08d}",
            policy_id, customer_id, vehicle_id, status, _ts(reported),
            _ts(registered) if registered is not None else None, _ts(closed) if closed is not None else None,
            _ts(cancelled) if cancelled is not None else None, _money(first_reserve), _money(reserve), _money(paid),
            kind == "injury", repair_dealer, _money(audit), _money(subrogation), kind,
            rng.choice(cat.CLAIM_DESCRIPTIONS[kind]), rng.choice(branch.city.handlers), branch.id, agent.id,
            agent.team.id))
        for stage, at, note in sorted(events, key=lambda e: e[1]):
            out["claim_events"].append((self.ids("claim_events"), claim_id, stage, _ts(at), note))
        for at, amount in reserves:
            out["claim_reserves"].append((self.ids("claim_reserves"), claim_id, _ts(at), _money(amount)))
        if rng.random() < 0.012:
            self._complaint(branch, customer_id, policy_id, claim_id, "claim", reported // _MINUTES_PER_DAY)

    def _complaint(self, branch: _Branch, customer_id, policy_id, claim_id, about: str, since: int) -> None:
        rng = self.rng
        day = since + rng.randint(3, 60)
        if day > _AS_OF_O:
            return
        complaint_id = self.ids("complaints")
        category = rng.choice(cat.COMPLAINT_CATEGORIES[about])
        self.out["complaints"].append((
            complaint_id, f"TS{_DAY[day].replace('-', '')}{complaint_id:06d}", _DAY[day], branch.id, customer_id,
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
                rows.append((self.ids("plans"), _DAY[months[m].toordinal()], line, *owners, _money(amount)))

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


class _MonthIndex(dict):
    """Plan-month index (0..35) of a day ordinal, or None outside the plan years; memoised."""

    def __missing__(self, ordinal: int) -> int | None:
        d = date.fromordinal(ordinal)
        m = (d.year - PLAN_FIRST_YEAR) * 12 + d.month - 1
        value = self[ordinal] = m if 0 <= m < PLAN_MONTHS else None
        return value
