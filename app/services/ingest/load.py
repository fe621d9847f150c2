"""Landing validated rows: COPY into a TEMP staging table, then one INSERT ... SELECT ... ON CONFLICT
per target table, and the SQL that links renewal chains and waiting claims.

Idempotence lives in the upserts' `WHERE (t.cols) IS DISTINCT FROM (EXCLUDED.cols)`: a row whose
values did not change is not written at all, so its updated_at stays and a second import of the
same file changes nothing. Encrypted numbers are compared by their keyed hash (the ciphertext of
the same number differs every time) and re-encrypted only when the number changed.

All SQL here is built from the constant column lists below, never from file content; values
travel through COPY and bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.models.ingest import ImportKind

STAGE = "ingest_stage"


@dataclass(frozen=True)
class Target:
    table: str
    stage: tuple[str, ...]  # staging columns after row_no, in the order validate.py builds rows
    key: tuple[str, ...]  # the conflict target: the business key
    compare: tuple[str, ...]  # columns written and compared; a row is updated only if one differs
    secrets: tuple[tuple[str, str], ...] = ()  # (ciphertext, keyed hash): rewritten only when the hash changes
    template: str | None = None  # the table whose column types the staging table copies
    insert_only: dict[str, str] = field(default_factory=dict)  # column -> SQL expression on insert


TARGETS: dict[ImportKind, Target] = {
    ImportKind.customers: Target(
        "customers",
        ("kind", "name", "mobile_enc", "mobile_hash", "id_number_enc", "id_number_hash", "birthday", "gender",
         "customer_group_id", "vip_tier", "address", "agent_id", "team_id", "branch_id"),
        key=("id_number_hash",),
        compare=("kind", "name", "mobile_hash", "birthday", "gender", "customer_group_id", "vip_tier", "address",
                 "agent_id", "team_id", "branch_id"),
        # id_number_enc is written on insert only: the key is its hash, so the number never changes.
        secrets=(("mobile_enc", "mobile_hash"),),
    ),
    ImportKind.vehicles: Target(
        "vehicles",
        ("vin", "plate", "first_registration_date", "usage", "brand", "model", "new_car_price", "owner_id"),
        key=("vin",),
        compare=("plate", "first_registration_date", "usage", "brand", "model", "new_car_price", "owner_id"),
    ),
    ImportKind.dealers: Target(
        "dealers",
        ("code", "name", "brand", "city_id", "branch_id", "address", "repairs", "active"),
        key=("code",),
        compare=("name", "brand", "city_id", "branch_id", "address", "repairs", "active"),
    ),
    ImportKind.staff: Target(
        "staff",
        ("code", "name", "role", "org_unit_id", "team_id", "dealer_id", "mobile_enc", "mobile_hash",
         "wecom_userid", "username", "active"),
        key=("code",),
        # Never password, token version or openid: those are the platform's, not the core system's.
        compare=("name", "role", "org_unit_id", "team_id", "dealer_id", "mobile_hash", "wecom_userid", "username",
                 "active"),
        secrets=(("mobile_enc", "mobile_hash"),),
        insert_only={"token_version": "1"},
    ),
    ImportKind.policies: Target(
        "policies",
        ("number", "line", "status", "customer_id", "vehicle_id", "issued_on", "start_date", "end_date",
         "written_premium", "base_premium", "commission", "tax", "collected_premium", "collected_on", "channel_id",
         "customer_group_id", "branch_id", "team_id", "agent_id", "dealer_id", "previous_policy_number",
         "previous_insurer_id", "cancelled_at"),
        key=("number",),
        compare=("line", "status", "customer_id", "vehicle_id", "vin", "issued_on", "start_date", "end_date",
                 "written_premium", "base_premium", "commission", "tax", "collected_premium", "collected_on",
                 "channel_id", "customer_group_id", "branch_id", "team_id", "agent_id", "dealer_id",
                 "previous_policy_number", "previous_policy_id", "previous_insurer_id", "cancelled_at"),
    ),
    ImportKind.claims: Target(
        "claims",
        ("number", "policy_number", "status", "reported_at", "registered_at", "closed_at", "cancelled_at",
         "first_reserve", "reserve", "paid", "injury", "repair_dealer_id", "audit_reduction",
         "subrogation_recovered", "claim_type", "description", "handler_id"),
        key=("number",),
        compare=("status", "reported_at", "registered_at", "closed_at", "cancelled_at", "first_reserve", "reserve",
                 "paid", "injury", "repair_dealer_id", "audit_reduction", "subrogation_recovered", "claim_type",
                 "description", "handler_id", "policy_id", "customer_id", "vehicle_id", "branch_id", "agent_id",
                 "team_id"),
        template="pending_claims",
    ),
    ImportKind.complaints: Target(
        "complaints",
        ("number", "received_on", "branch_id", "customer_id", "policy_id", "claim_id", "valid", "category", "summary"),
        key=("number",),
        compare=("received_on", "branch_id", "customer_id", "policy_id", "claim_id", "valid", "category", "summary"),
    ),
    ImportKind.plans: Target(
        "plans",
        ("month", "line", "org_unit_id", "team_id", "agent_id", "dealer_id", "amount"),
        key=("org_unit_id", "team_id", "agent_id", "dealer_id", "month", "line"),
        compare=("amount",),
    ),
}

# Columns a claim takes from its policy: who it belongs to and who may see it.
CLAIM_FROM_POLICY = {"policy_id": "p.id", "customer_id": "p.customer_id", "vehicle_id": "p.vehicle_id",
                     "branch_id": "p.branch_id", "agent_id": "p.agent_id", "team_id": "p.team_id"}
CLAIM_OWN = ("number", "status", "reported_at", "registered_at", "closed_at", "cancelled_at", "first_reserve",
             "reserve", "paid", "injury", "repair_dealer_id", "audit_reduction", "subrogation_recovered", "claim_type",
             "description", "handler_id")


@dataclass
class Landed:
    inserted: int = 0
    updated: int = 0
    pending: int = 0  # claims waiting for their policy
    linked: dict[str, int] = field(default_factory=dict)  # renewal links, claims landed from pending


def load(kind: ImportKind, rows: list[tuple], connection) -> Landed:
    """Stage `rows` (row_no first) and upsert them into the kind's table, inside the caller's transaction."""
    target = TARGETS[kind]
    _stage(target, rows, connection)
    if kind == ImportKind.claims:
        return _load_claims(target, connection)
    if kind == ImportKind.policies:
        select = {**{c: f"s.{c}" for c in target.stage}, "vin": "v.vin", "previous_policy_id": "prev.id"}
        joins = ("JOIN vehicles v ON v.id = s.vehicle_id "
                 "LEFT JOIN policies prev ON prev.number = s.previous_policy_number")
        # The previous policy is looked up by number in the upsert itself; a SHARE lock on policies
        # keeps it there (and makes two policy imports take turns).
        bulk = _check_references_in_bulk(target, connection, extra=(("policies", "number", "previous_policy_number"),))
        landed = _upsert(target, select, joins, connection)
        if bulk:
            connection.execute("SET LOCAL session_replication_role = origin")
        landed.linked = _link_policies(connection)
        return landed
    return _upsert(target, {c: f"s.{c}" for c in target.stage}, "", connection)


def _stage(target: Target, rows: list[tuple], connection) -> None:
    columns = ", ".join(target.stage)
    connection.execute(f"DROP TABLE IF EXISTS {STAGE}")
    # Column types copied from the target table, so COPY parses each value as the table would.
    connection.execute(f"CREATE TEMP TABLE {STAGE} ON COMMIT DROP AS "
                       f"SELECT 0::integer AS row_no, {columns} FROM {target.template or target.table} WITH NO DATA")
    with connection.cursor() as cur, cur.copy(f"COPY {STAGE} (row_no, {columns}) FROM STDIN") as copy:
        for start in range(0, len(rows), _CHUNK):
            copy.write(copy_text(rows[start:start + _CHUNK]))
    connection.execute(f"ANALYZE {STAGE}")


_CHUNK = 20_000
_NULL = "\\N"


def copy_text(rows: list[tuple]) -> str:
    """Rows in COPY's text format, formatted column by column.

    psycopg's write_row adapts value by value (about 10 us a row of 24 columns); turning each
    column into text with one list comprehension and joining is several times faster, and the
    values are few kinds: text, Decimal, int, bool, date, datetime, bytes, None.
    """
    if not rows:
        return ""
    columns = []
    for column in zip(*rows, strict=True):
        sample = next((v for v in column if v is not None), None)
        if sample is None:
            columns.append([_NULL] * len(column))
        elif isinstance(sample, bool):
            columns.append([_NULL if v is None else ("t" if v else "f") for v in column])
        elif isinstance(sample, str):
            joined = "".join(v for v in column if v is not None)
            if any(ch in joined for ch in "\\\t\n\r"):
                columns.append([_NULL if v is None else _escape(v) for v in column])
            else:
                columns.append([_NULL if v is None else v for v in column])
        elif isinstance(sample, bytes):
            columns.append([_NULL if v is None else "\\\\x" + v.hex() for v in column])
        elif isinstance(sample, date):  # datetime too: isoformat keeps the zone
            columns.append([_NULL if v is None else v.isoformat() for v in column])
        else:  # int, Decimal
            columns.append([_NULL if v is None else str(v) for v in column])
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _upsert(target: Target, select: dict[str, str], joins: str, connection, source: str | None = None,
            table: str | None = None, where: str = "") -> Landed:
    table = table or target.table
    secret_hashes = {h for _e, h in target.secrets}
    secret_texts = {e: h for e, h in target.secrets}
    insert_cols = list(select) + list(target.insert_only)
    exprs = list(select.values()) + list(target.insert_only.values())
    sets = []
    for col in select:
        if col in target.key:
            continue
        if col in secret_texts:
            h = secret_texts[col]
            sets.append(f"{col} = CASE WHEN t.{h} IS DISTINCT FROM EXCLUDED.{h} THEN EXCLUDED.{col} ELSE t.{col} END")
        elif col in target.compare or col in secret_hashes or table != target.table:
            sets.append(f"{col} = EXCLUDED.{col}")
    compare = [c for c in (target.compare if table == target.table else select) if c not in target.key]
    sql = (
        f"WITH up AS (INSERT INTO {table} AS t ({', '.join(insert_cols)}) "
        f"SELECT {', '.join(exprs)} FROM {source or STAGE + ' s'} {joins} {where} ORDER BY s.row_no "
        f"ON CONFLICT ({', '.join(target.key if table == target.table else ('number',))}) DO UPDATE SET "
        f"{', '.join(sets)}, updated_at = now() "
        f"WHERE ({', '.join('t.' + c for c in compare)}) IS DISTINCT FROM "
        f"({', '.join('EXCLUDED.' + c for c in compare)}) "
        f"RETURNING (xmax = 0) AS inserted) "
        f"SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up"
    )
    inserted, updated = connection.execute(sql).fetchone()
    return Landed(inserted=inserted, updated=updated)


def _check_references_in_bulk(target: Target, connection, extra: tuple = ()) -> bool:
    """Check every reference of the staged rows with one query per foreign key, under table locks,
    then turn PostgreSQL's row-by-row foreign-key triggers off for this transaction's upsert.

    Why: a foreign-key trigger runs a `SELECT ... FOR KEY SHARE` per inserted row and key; for
    100,000 policies with ten keys that was two thirds of the import (and locking the referenced
    rows in bulk costs as much: each row lock rewrites the row). Instead this takes what
    `ALTER TABLE ... ADD FOREIGN KEY` takes to validate a whole table: SHARE locks on the referred
    tables (reads go on; writes to them wait until the import commits, a few seconds), so the
    anti-joins below stay true until commit.

    `session_replication_role = replica` (what pg_restore --disable-triggers and logical
    replication use) needs superuser or, on PostgreSQL 15+, `GRANT SET ON PARAMETER
    session_replication_role TO <app role>`; without it the import keeps the ordinary triggers and
    is only slower. It turns off every ordinary trigger in this transaction: a trigger added later
    that must fire for imports needs ENABLE ALWAYS. Returns whether the triggers are off.
    """
    allowed = connection.execute(
        "SELECT current_setting('server_version_num')::int >= 150000 "
        "AND has_parameter_privilege('session_replication_role', 'SET')").fetchone()[0]
    if not allowed:
        return False
    from app.extensions import db

    keys = [(fk.column.table.name, fk.column.name, fk.parent.name)
            for fk in db.metadata.tables[target.table].foreign_keys if fk.parent.name in target.stage]
    tables = sorted({referred for referred, _c, _p in (*keys, *extra)})
    connection.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE MODE")
    for referred, referred_column, column in keys:
        missing = connection.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT {column} AS key FROM {STAGE} WHERE {column} IS NOT NULL) w "
            f"WHERE NOT EXISTS (SELECT 1 FROM {referred} r WHERE r.{referred_column} = w.key)").fetchone()[0]
        if missing:
            raise ReferenceVanished(referred)
    connection.execute("SET LOCAL session_replication_role = replica")
    return True


class ReferenceVanished(RuntimeError):
    """A row the file refers to was deleted between validation and loading (a concurrent change)."""


def _load_claims(target: Target, connection) -> Landed:
    """Claims whose policy is here land in claims; the others wait in pending_claims."""
    select = {**{c: f"s.{c}" for c in CLAIM_OWN}, **CLAIM_FROM_POLICY}
    landed = _upsert(target, select, "JOIN policies p ON p.number = s.policy_number", connection)
    waiting = {c: f"s.{c}" for c in target.stage}
    _upsert(target, waiting, "", connection, table="pending_claims",
            where="WHERE NOT EXISTS (SELECT 1 FROM policies p WHERE p.number = s.policy_number)")
    connection.execute(
        f"DELETE FROM pending_claims pc USING {STAGE} s, policies p "
        f"WHERE pc.number = s.number AND p.number = s.policy_number")
    landed.pending = connection.execute(
        f"SELECT count(*) FROM {STAGE} s WHERE NOT EXISTS (SELECT 1 FROM policies p WHERE p.number = s.policy_number)"
    ).fetchone()[0]
    return landed


def _link_policies(connection) -> dict[str, int]:
    """Renewal chains both ways, and claims that were waiting for a policy of this file."""
    # This file's policies whose previous policy is (now) here; and older policies that named a
    # policy of this file as their previous one before it arrived.
    chained = connection.execute(
        f"UPDATE policies t SET previous_policy_id = p.id, updated_at = now() "
        f"FROM {STAGE} s JOIN policies p ON p.number = s.number "
        f"WHERE t.previous_policy_number = s.number AND t.previous_policy_id IS DISTINCT FROM p.id").rowcount
    chained += connection.execute(
        f"UPDATE policies t SET previous_policy_id = prev.id, updated_at = now() "
        f"FROM {STAGE} s JOIN policies prev ON prev.number = s.previous_policy_number "
        f"WHERE t.number = s.number AND t.previous_policy_id IS DISTINCT FROM prev.id").rowcount
    columns = (*CLAIM_OWN, *CLAIM_FROM_POLICY)
    exprs = [f"m.{c}" for c in CLAIM_OWN] + list(CLAIM_FROM_POLICY.values())
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "number")
    claims = connection.execute(
        f"WITH moved AS (DELETE FROM pending_claims pc USING {STAGE} s "
        f"WHERE pc.policy_number = s.number RETURNING pc.*) "
        f"INSERT INTO claims AS t ({', '.join(columns)}) "
        f"SELECT {', '.join(exprs)} FROM moved m JOIN policies p ON p.number = m.policy_number "
        f"ON CONFLICT (number) DO UPDATE SET {sets}, updated_at = now()").rowcount
    return {"renewal_links": chained, "claims_landed": claims}
