"""Deterministic demo data: a Hebei branch office with three years of motor business, loaded by COPY.

`run(policies, seed)` builds the organisation, code tables, customers, vehicles, policies with their
renewal chains, renewal records, claims, complaints and plans from one `random.Random(seed)`, so the
same seed and policy count give the same rows and the same ids on any machine. The demo's "today" is
AS_OF, never the clock. Only two things are not derived from the seed: the admin password (a
credential, from `secrets`) and the ciphertext of mobile and ID numbers (AES-GCM uses random nonces;
their keyed hashes, and the numbers themselves, are deterministic).

This module runs the seed and loads the rows; app.services.demo builds them (org.py the fixed frame,
book.py the business, catalog.py the reference data). Speed: rows are tuples with ids assigned in
Python, streamed to PostgreSQL with COPY chunk by chunk (memory stays bounded) on the session's own
connection and transaction, with secondary indexes and foreign keys rebuilt once at the end. Money is
integer fen (exact) written as decimal text.
"""

from __future__ import annotations

import os
import random
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import current_app
from tqdm import tqdm

from app.auth.passwords import hash_password
from app.errors import DomainError
from app.extensions import db
from app.services.demo.book import Book
from app.services.demo.org import World
from app.services.demo.values import AS_OF, WINDOW_START, Ids

__all__ = ["AS_OF", "COLUMNS", "CREDENTIALS_FILE", "TABLES", "WINDOW_START", "SeedRefused", "SeedResult", "run"]

ADMIN_USERNAME = "admin"
CREDENTIALS_FILE = "demo-credentials.txt"
# Lines of the credentials file, which people read: "用户名:admin" and "密码:...".
_USERNAME_LABEL, _PASSWORD_LABEL = "用户名:", "密码:"
# Plates are unique per city by construction up to 580,000 cars a city; this keeps well below.
MAX_POLICIES = 5_000_000
# Customers per chunk: the unit of memory and of one round of COPY.
CHUNK_CUSTOMERS = 5_000

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
            click.echo("演示数据已存在(数据库中已有保单),跳过生成。")
            _load_message_templates()
            _load_knowledge_base(only_if_empty=True)
            return SeedResult(policies=0, seconds=time.perf_counter() - started, skipped=True)
        raise SeedRefused(f"数据库中已有数据(如表 {non_empty[0]}),演示数据只能写入空库;"
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
    _load_message_templates()
    _load_knowledge_base()
    _load_points(seed, progress)

    result = SeedResult(policies=policies, seconds=time.perf_counter() - started, rows=rows,
                        admin_password=password, credentials_path=str(credentials))
    click.echo(f"演示数据已生成:保单 {rows['policies']:,} 张,客户 {rows['customers']:,} 个,"
               f"车辆 {rows['vehicles']:,} 辆,赔案 {rows['claims']:,} 件,"
               f"共 {result.total_rows:,} 行,用时 {result.seconds:.1f} 秒。")
    click.echo(f"管理员账号:{ADMIN_USERNAME}  密码:{password}  (已保存到 {credentials})")
    return result


def _load_message_templates() -> None:
    """The default message templates (reminders, greetings, the digest): created once, never
    overwriting ones an admin has edited."""
    from app.services.messaging.templates import load_default_templates

    created, _existing = load_default_templates()
    if created:
        click.echo(f"已载入默认消息模板 {created} 个。")


def _load_knowledge_base(only_if_empty: bool = False) -> None:
    """The sample clause / regulation / FAQ articles and two announcements (knowledge.samples)."""
    from app.services.knowledge.samples import load_samples

    counts = load_samples(only_if_empty=only_if_empty)
    if any(counts.values()):
        click.echo(f"已载入知识库文章 {counts['articles_created']} 篇、公告 {counts['announcements']} 条。")


def _load_points(seed: int, progress: bool) -> None:
    """The points programme (mall, campaigns, awards, redemptions, tiers) through its own services,
    after the bulk load is committed; its generator is derived from the seed but separate from the
    bulk load's, so adding to it never changes the policies."""
    from app.services.demo import points

    points.load(random.Random(f"{seed}:points"), ADMIN_USERNAME, tqdm.write if progress else (lambda _msg: None))


def _seed(driver, policies: int, seed: int, password: str, progress: bool) -> dict[str, int]:
    """Generate and load everything inside the session's transaction; return rows written per table."""
    say = tqdm.write if progress else (lambda _msg: None)
    rng = random.Random(seed)
    ids = Ids()
    rows: dict[str, int] = defaultdict(int)
    # Bulk-load the way pg_restore does: secondary indexes and foreign keys are dropped inside this
    # transaction and rebuilt after the data is in. Checking a foreign key row by row cost more than
    # the COPY itself; one validating join per key at the end is far cheaper. A failure rolls it all back.
    driver.execute("SET LOCAL maintenance_work_mem = '256MB'")
    rebuild = _drop_secondary_structures(driver)

    say("生成机构、人员、车商与码表…")
    world = World(rng, ids, ADMIN_USERNAME, hash_password(password))
    _copy(driver, world.rows)
    with driver.cursor() as cur:
        # Teams and staff point at each other: teams went in without their heads, who exist now.
        cur.executemany("UPDATE teams SET manager_id = %s, supervisor_id = %s WHERE id = %s", world.team_heads)
    _count(rows, world.rows)

    say(f"生成客户、车辆、保单、续保、理赔与投诉(目标 {policies:,} 张保单)…")
    book = Book(rng, world, ids, policies)
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
        if line.startswith(_PASSWORD_LABEL):
            return line[len(_PASSWORD_LABEL):].strip() or None
    return None


def _write_password(path: Path, password: str) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with 0600 from the start: a credential must never be readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("# 保运演示环境管理员账号,由 flask demo seed 生成;请妥善保管,不要提交到代码库\n")
        fh.write(f"{_USERNAME_LABEL}{ADMIN_USERNAME}\n{_PASSWORD_LABEL}{password}\n")


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
