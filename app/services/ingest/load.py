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
    # References resolved by joins on the staging table rather than fetched into Python: field ->
    # (staging column, its SQL type, referred table, referred column).
    joined_refs: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)


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
        ("number", "line", "status", "customer_key", "vin", "issued_on", "start_date", "end_date",
         "written_premium", "base_premium", "commission", "tax", "collected_premium", "collected_on", "channel_id",
         "customer_group_id", "branch_id", "team_id", "agent_id", "dealer_id", "previous_policy_number",
         "previous_insurer_id", "cancelled_at"),
        key=("number",),
        compare=("line", "status", "customer_id", "vehicle_id", "vin", "issued_on", "start_date", "end_date",
                 "written_premium", "base_premium", "commission", "tax", "collected_premium", "collected_on",
                 "channel_id", "customer_group_id", "branch_id", "team_id", "agent_id", "dealer_id",
                 "previous_policy_number", "previous_policy_id", "previous_insurer_id", "cancelled_at"),
        # 100,000 policies name up to 100,000 customers and vehicles: joined in SQL, not fetched.
        joined_refs={"customer": ("customer_key", "bytea", "customers", "id_number_hash"),
                     "vehicle": ("vin", "varchar(17)", "vehicles", "vin")},
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

    def __iadd__(self, other: Landed) -> Landed:
        self.inserted += other.inserted
        self.updated += other.updated
        self.pending += other.pending
        for name, count in other.linked.items():
            self.linked[name] = self.linked.get(name, 0) + count
        return self


# Policy files load in parts, each while the next is read and validated (run_import): a small
# first part, so that the database starts early, then growing ones (validating a part takes
# Python about two thirds of the time the database takes to write one as big, so the next part
# is ready in time), the last size repeating. Each part costs a dozen statements and two hash
# joins over customers and vehicles, so not too many of them.
PART_ROWS: dict[ImportKind, tuple[int, ...]] = {ImportKind.policies: (5_000, 15_000, 30_000)}


class Loader:
    """The load of one file, part by part, inside the caller's transaction: stage a part's rows,
    resolve what only SQL resolves (references of `joined_refs`; rows that miss are returned to
    the caller as bad), upsert the rest. Once refused (the file is all or nothing and has a bad
    row) the parts are still staged and resolved, for the error report, but no longer written."""

    def __init__(self, kind: ImportKind, connection, partial: bool = False):
        self.kind = kind
        self.target = TARGETS[kind]
        self.connection = connection
        self.partial = partial
        self.part_rows = PART_ROWS.get(kind)
        self.bulk = False
        self.refused = False
        self._staged = False
        self._joined = 0  # rows of the last part the fast upsert found every reference for
        # Foreign keys of the staged rows -> the distinct values seen (fast path only: see finish).
        self._referenced: dict[str, set] = {}

    def begin(self) -> None:
        """Before validation: a policy file takes its SHARE locks now (see _lock_references), so
        every code validation looks up stays as it found it until the import commits."""
        # The staged rows with their joins, their sort by row number and the hash joins fit in
        # memory instead of spilling to temp files (the default is 4MB).
        self.connection.execute("SET LOCAL work_mem = '64MB'")
        if self.kind == ImportKind.policies:
            self.bulk = _lock_references(self.target, self.connection, extra=("policies",))
        if self.bulk:
            self._referenced = {fk.parent.name: set() for fk in _table(self.target.table).foreign_keys
                                if fk.parent.name in self.target.stage}

    def refuse(self) -> None:
        self.refused = True

    def text(self, rows: list[tuple] | None = None, columns: list[list] | None = None) -> str:
        """A part's rows (row_no first), or the same as columns, as staging text for load()."""
        if columns is None:
            columns = [list(column) for column in zip(*rows, strict=True)] if rows else []
        if self._referenced and columns:
            for name, seen in self._referenced.items():
                seen.update(columns[1 + self.target.stage.index(name)])
        return columns_text(columns)

    def load(self, text: str, count: int) -> tuple[Landed, list[tuple[int, str]]]:
        """Load one part of `count` rows, given as staging text (Loader.text): what landed, and the
        (row number, field) of its rows whose joined reference does not exist."""
        self.stage(text)
        if self.bulk and not self.refused:
            # The fast upsert joins the references, skipping rows whose reference is missing, and
            # says how many joined: only when some did not is it worth finding which.
            landed = self.upsert()
            misses = self.unresolved() if self._joined < count else []
            if misses and not self.partial:
                self.refuse()
            return landed, misses
        misses = self.unresolved()
        if misses and not self.partial:
            self.refuse()
        if self.refused:
            return Landed(), misses
        self.drop(sorted({row_no for row_no, _field in misses}))
        return self.upsert(), misses

    def stage(self, text: str) -> None:
        """COPY a part into a TEMP table typed like the target (emptied first, after the first part)."""
        target = self.target
        names = ", ".join(target.stage)
        if self._staged:
            self.connection.execute(f"TRUNCATE {STAGE}")
        else:
            extra = {col: sql_type for col, sql_type, _t, _c in target.joined_refs.values()}
            template_columns = {c.name for c in _table(target.template or target.table).columns}
            select = ", ".join(c if c in template_columns else f"NULL::{extra[c]} AS {c}" for c in target.stage)
            self.connection.execute(f"DROP TABLE IF EXISTS {STAGE}")
            # Column types copied from the target table, so COPY parses each value as the table would.
            self.connection.execute(f"CREATE TEMP TABLE {STAGE} ON COMMIT DROP AS "
                                    f"SELECT 0::integer AS row_no, {select} FROM {target.template or target.table} "
                                    f"WITH NO DATA")
        with self.connection.cursor() as cur, cur.copy(f"COPY {STAGE} (row_no, {names}) FROM STDIN") as copy:
            copy.write(text)
        if not self._staged:
            # The planner needs the staging table's key spread to join it well; a small sample of
            # the first part tells it that (the default samples 30,000 rows: a fifth of a second
            # here). Later parts are alike, and their size the planner reads off the table itself.
            self.connection.execute("SET LOCAL default_statistics_target = 10")
            self.connection.execute(f"ANALYZE {STAGE}")
            self.connection.execute("RESET default_statistics_target")
        self._staged = True

    def unresolved(self) -> list[tuple[int, str]]:
        """(row number, field) of staged rows whose joined reference does not exist."""
        misses = []
        for field_name, (column, _type, referred, referred_column) in self.target.joined_refs.items():
            rows = self.connection.execute(
                f"SELECT s.row_no FROM {STAGE} s WHERE s.{column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {referred} r WHERE r.{referred_column} = s.{column}) ORDER BY s.row_no").fetchall()
            misses.extend((row_no, field_name) for (row_no,) in rows)
        return misses

    def drop(self, row_numbers: list[int]) -> None:
        """Take rows found bad after staging out of the load (--partial)."""
        if row_numbers:
            self.connection.execute(f"DELETE FROM {STAGE} WHERE row_no = ANY(%s)", (row_numbers,))

    def upsert(self) -> Landed:
        target, connection = self.target, self.connection
        if self.kind == ImportKind.claims:
            return _load_claims(target, connection)
        if self.kind == ImportKind.policies:
            if self.bulk:
                connection.execute("SET LOCAL session_replication_role = replica")
            select = {**{c: f"s.{c}" for c in target.stage if c != "customer_key"},
                      "customer_id": "c.id", "vehicle_id": "v.id", "previous_policy_id": "prev.id"}
            joins = ("JOIN customers c ON c.id_number_hash = s.customer_key JOIN vehicles v ON v.vin = s.vin "
                     "LEFT JOIN policies prev ON prev.number = s.previous_policy_number")
            if self.bulk:
                landed, self._joined = _update_then_insert(target, select, joins, connection)
            else:
                landed = _upsert(target, select, joins, connection)
            if self.bulk:
                connection.execute("SET LOCAL session_replication_role = origin")
            landed.linked = _link_policies(connection)
            return landed
        return _upsert(target, {c: f"s.{c}" for c in target.stage}, "", connection)


    def finish(self) -> None:
        """After the last part, on the fast path: every foreign key value the parts carried exists.
        Validation looked each code up under the locks, so this is a safety net, and a cheap one:
        one anti-join per key over its distinct values. A miss rolls the whole file back."""
        for fk in _table(self.target.table).foreign_keys:
            values = [v for v in self._referenced.get(fk.parent.name, ()) if v is not None]
            if not values:
                continue
            missing = self.connection.execute(
                f"SELECT count(*) FROM unnest(%s::bigint[]) AS k(key) "
                f"WHERE NOT EXISTS (SELECT 1 FROM {fk.column.table.name} r WHERE r.{fk.column.name} = k.key)",
                (values,)).fetchone()[0]
            if missing:
                raise ReferenceVanished(fk.column.table.name)


def _table(name: str):
    from app.extensions import db

    return db.metadata.tables[name]


_NULL = "\\N"


def copy_text(rows: list[tuple]) -> str:
    """Rows in COPY's text format (see columns_text)."""
    return columns_text([list(column) for column in zip(*rows, strict=True)]) if rows else ""


def columns_text(data: list[list]) -> str:
    """Columns (equal lengths) in COPY's text format, formatted column by column.

    psycopg's write_row adapts value by value (about 10 us a row of 24 columns); turning each
    column into text with one list comprehension and joining is several times faster, and the
    values are few kinds: text, Decimal, int, bool, date, datetime, bytes, None.
    """
    if not data or not data[0]:
        return ""
    columns = []
    for column in data:
        sample = next((v for v in column if v is not None), None)
        if sample is None:
            columns.append([_NULL] * len(column))
        elif isinstance(sample, bool):
            columns.append([_NULL if v is None else ("t" if v else "f") for v in column])
        elif isinstance(sample, str):
            joined = "".join(filter(None, column))
            if any(ch in joined for ch in "\\\t\n\r"):
                columns.append([_NULL if v is None else _escape(v) for v in column])
            elif None in column:
                columns.append([_NULL if v is None else v for v in column])
            else:
                columns.append(column)
        elif isinstance(sample, bytes):
            columns.append([_NULL if v is None else "\\\\x" + v.hex() for v in column])
        else:  # int, Decimal, date, datetime (isoformat keeps the zone)
            text = _isoformat if isinstance(sample, date) else str
            distinct = set(column)
            if len(distinct) * 4 < len(column):  # ids, dates: format each distinct value once
                formatted = {v: _NULL if v is None else text(v) for v in distinct}
                columns.append(list(map(formatted.__getitem__, column)))
            else:
                columns.append([_NULL if v is None else text(v) for v in column])
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


def _isoformat(value: date) -> str:
    return value.isoformat()


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


def _update_then_insert(target: Target, select: dict[str, str], joins: str, connection) -> tuple[Landed, int]:
    """The upsert as an UPDATE of the changed rows and a plain INSERT of the new ones, for a
    transaction that holds a SHARE lock on the target (no one else can insert a key meanwhile).
    A plain INSERT skips ON CONFLICT's speculative insertion: a third less time for new rows.
    Also returns how many staged rows the joins kept."""
    cols = [c for c in select if c not in target.insert_only]
    key_match = " AND ".join(f"t.{k} = n.{k}" for k in target.key)
    compare = [c for c in target.compare if c not in target.key]
    # The staged rows with their joins, computed once for both the UPDATE and the INSERT.
    sql = (
        f"WITH n AS MATERIALIZED (SELECT s.row_no, {', '.join(f'{e} AS {c}' for c, e in select.items())} "
        f"FROM {STAGE} s {joins}), "
        f"changed AS (UPDATE {target.table} t SET "
        f"{', '.join(f'{c} = n.{c}' for c in compare)}, updated_at = now() FROM n "
        f"WHERE {key_match} AND ({', '.join('t.' + c for c in compare)}) IS DISTINCT FROM "
        f"({', '.join('n.' + c for c in compare)}) RETURNING 1), "
        f"added AS (INSERT INTO {target.table} ({', '.join(cols)}) SELECT {', '.join('n.' + c for c in cols)} "
        f"FROM n WHERE NOT EXISTS (SELECT 1 FROM {target.table} t WHERE {key_match}) "
        f"ORDER BY n.row_no RETURNING 1) "
        f"SELECT (SELECT count(*) FROM added), (SELECT count(*) FROM changed), (SELECT count(*) FROM n)"
    )
    inserted, updated, joined = connection.execute(sql).fetchone()
    return Landed(inserted=inserted, updated=updated), joined


def _lock_references(target: Target, connection, extra: tuple[str, ...] = ()) -> bool:
    """Take SHARE locks on every table the staged rows refer to, if this transaction may then turn
    PostgreSQL's row-by-row foreign-key triggers off for its upserts.

    Why: a foreign-key trigger runs a `SELECT ... FOR KEY SHARE` per inserted row and key; for
    100,000 policies with ten keys that was two thirds of the import (and locking the referenced
    rows in bulk costs as much: each row lock rewrites the row). Instead this takes what
    `ALTER TABLE ... ADD FOREIGN KEY` takes to validate a whole table: SHARE locks on the referred
    tables (reads go on; writes to them wait until the import commits, a few seconds), taken before
    validation, so every code it resolves stays valid until commit, and Loader.finish checks the
    keys once more (one anti-join per key) before the commit.

    `session_replication_role = replica` (what pg_restore --disable-triggers and logical
    replication use) needs superuser or, on PostgreSQL 15+, `GRANT SET ON PARAMETER
    session_replication_role TO <app role>`; without it the import keeps the ordinary triggers and
    is only slower. It turns off every ordinary trigger for the upsert statement: a trigger added
    later that must fire for imports needs ENABLE ALWAYS. Returns whether the fast path is on.
    """
    allowed = connection.execute(
        "SELECT current_setting('server_version_num')::int >= 150000 "
        "AND has_parameter_privilege('session_replication_role', 'SET')").fetchone()[0]
    if not allowed:
        return False
    tables = {fk.column.table.name for fk in _table(target.table).foreign_keys}
    tables |= {referred for _c, _t, referred, _rc in target.joined_refs.values()} | set(extra)
    tables.discard(target.table)
    # The target itself in a mode that conflicts with itself: two imports of the same kind take
    # turns instead of both holding SHARE and deadlocking on their inserts.
    connection.execute(f"LOCK TABLE {target.table} IN SHARE ROW EXCLUSIVE MODE")
    connection.execute(f"LOCK TABLE {', '.join(sorted(tables))} IN SHARE MODE")
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
    # The upsert linked each staged policy to a previous policy that was already here. What is
    # left: policies (older ones, or staged ones whose previous policy came in the same statement)
    # naming a policy of this part as their previous one before it arrived.
    chained = connection.execute(
        f"UPDATE policies t SET previous_policy_id = p.id, updated_at = now() "
        f"FROM {STAGE} s JOIN policies p ON p.number = s.number "
        f"WHERE t.previous_policy_number = s.number AND t.previous_policy_id IS DISTINCT FROM p.id").rowcount
    # Claims carry their policy's customer, vehicle, branch, agent and team (scoping reads them
    # there): a newer export that moves a policy moves its claims.
    follow = [c for c in CLAIM_FROM_POLICY if c != "policy_id"]
    claims_moved = connection.execute(
        f"UPDATE claims c SET {', '.join(f'{col} = {CLAIM_FROM_POLICY[col]}' for col in follow)}, updated_at = now() "
        f"FROM {STAGE} s JOIN policies p ON p.number = s.number WHERE c.policy_id = p.id "
        f"AND ({', '.join('c.' + col for col in follow)}) IS DISTINCT FROM "
        f"({', '.join(CLAIM_FROM_POLICY[col] for col in follow)})").rowcount
    columns = (*CLAIM_OWN, *CLAIM_FROM_POLICY)
    exprs = [f"m.{c}" for c in CLAIM_OWN] + list(CLAIM_FROM_POLICY.values())
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "number")
    claims = connection.execute(
        f"WITH moved AS (DELETE FROM pending_claims pc USING {STAGE} s "
        f"WHERE pc.policy_number = s.number RETURNING pc.*) "
        f"INSERT INTO claims AS t ({', '.join(columns)}) "
        f"SELECT {', '.join(exprs)} FROM moved m JOIN policies p ON p.number = m.policy_number "
        f"ON CONFLICT (number) DO UPDATE SET {sets}, updated_at = now()").rowcount
    return {"renewal_links": chained, "claims_landed": claims, "claims_moved": claims_moved}
