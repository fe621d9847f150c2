"""Validating a whole file in bulk: column by column, then one look-up query per kind of code,
then the rules that span columns. The result is the staging rows of the good rows and an Issue for
every problem of every bad row.

Why column by column: most columns repeat few distinct values (dates, codes, lines), so each
column parses every distinct value once (a dict per column) and 100,000 rows cost little more than
their distinct values. Look-ups take the distinct codes of a file in one `= ANY(%s)` query per
kind of code, never a query per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from operator import itemgetter
from zoneinfo import ZoneInfo

from app.models.ingest import ImportKind
from app.security.fields import cipher, mask_id_number, mask_mobile, normalise
from app.services.ingest import parsers
from app.services.ingest.columns import COLUMNS, KEYS, REPORT_COLUMNS, Column
from app.services.ingest.load import TARGETS, copy_text
from app.services.ingest.readers import FileRefused, Table
from app.validators import (
    birthday_from_id_number,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
    validate_plate,
    validate_vin,
)

Progress = Callable[[float, str], None]

_ABSENT = object()  # a code looked up and not found

REF_LABELS = {
    "org": "机构代码", "team": "团队代码", "staff": "工号", "dealer": "车商代码", "channel": "渠道代码",
    "customer_group": "客户群代码", "insurer": "保险公司代码",
}


@dataclass
class Issue:
    row: int  # as Excel shows it: the header is row 1
    column: str  # the Chinese header
    value: str  # masked when it is an ID number or a mobile
    reason: str


@dataclass
class Checked:
    kind: ImportKind
    table: Table
    columns: list[Column]  # the kind's columns present in the file
    values: dict[str, list]  # field -> one value per data row
    zone: ZoneInfo  # business time: dates that become moments (注销日期) start there
    scope_path: str | None = None  # a non-admin importer's org subtree (see check)
    issues: dict[int, list[Issue]] = field(default_factory=lambda: defaultdict(list))
    stage_rows: list[tuple] = field(default_factory=list)  # one per good row, in file order
    # Or the same as columns (row_no first): the policy builder's form, for 100,000-row files.
    stage_columns: list[list] | None = None

    @property
    def good_count(self) -> int:
        return len(self.stage_columns[0]) if self.stage_columns else len(self.stage_rows)

    @property
    def total(self) -> int:
        return len(self.table.rows)

    @property
    def bad_rows(self) -> list[int]:
        return sorted(self.issues)

    def fail(self, index: int, column: Column | str, raw, reason: str, masked: str | None = None) -> None:
        header = column if isinstance(column, str) else column.header
        if masked is None and isinstance(column, Column):
            masked = column.masked
        self.issues[index].append(Issue(self.table.rows[index][0], header, _show(raw, masked), reason))


def merge(parts: list[tuple[int, Checked]], table: Table) -> Checked:
    """The parts of a file validated one after the other (`(offset, part)`, offsets into `table`),
    as one: their issues, indexed by row in the whole file (what the error report reads)."""
    first = parts[0][1]
    whole = Checked(first.kind, table, first.columns, {}, first.zone, first.scope_path)
    for offset, part in parts:
        for index, issues in part.issues.items():
            whole.issues[offset + index].extend(issues)
    return whole


def _show(raw, masked: str | None) -> str:
    text = "" if raw is None else (raw.isoformat() if hasattr(raw, "isoformat") else str(raw))
    if masked == "id_number":
        return mask_id_number(text) or ""
    if masked == "mobile":
        return mask_mobile(text) or ""
    return text


def check(kind: ImportKind, table: Table, lookups: Lookups, zone: ZoneInfo, progress: Progress,
          scope_path: str | None = None, seen: dict | None = None) -> Checked:
    """Validate every row of `table` as a `kind` file (or one part of a file: then `seen`, the
    business keys of the parts before, is shared between the parts and grows).
    scope_path: the org-unit path of a non-admin importer; org units, teams and staff a row names
    must sit in that subtree."""
    columns, positions = _map_headers(kind, table.headers)
    checked = Checked(kind, table, columns, {}, zone, scope_path)
    rows = table.rows
    steps = len(columns) + 3
    cells = [cells for _row_no, cells in rows]
    for step, column in enumerate(columns):
        raw = list(map(itemgetter(positions[column.field]), cells))
        checked.values[column.field] = _parse_column(checked, column, raw, zone)
        progress((step + 1) / steps, "校验")
    for column in COLUMNS[kind]:
        if column.field not in checked.values:
            checked.values[column.field] = [column.default] * len(rows)
    _resolve_refs(checked, lookups, scope_path)
    progress((len(columns) + 1) / steps, "校验")
    _check_duplicates(checked, {} if seen is None else seen)
    RULES[kind](checked, lookups, zone)
    progress((len(columns) + 2) / steps, "校验")
    BUILDERS[kind](checked)
    progress(1.0, "校验")
    return checked


def _map_headers(kind: ImportKind, headers: list[str]) -> tuple[list[Column], dict[str, int]]:
    index = {}
    for pos, header in enumerate(headers):
        name = header.replace("*", "").strip()  # templates often star the required columns
        if name and name not in index and name not in REPORT_COLUMNS:
            index[name] = pos
    columns, positions, missing = [], {}, []
    for column in COLUMNS[kind]:
        pos = next((index[h] for h in (column.header, *column.aliases) if h in index), None)
        if pos is None:
            if column.required:
                missing.append(column.header)
            continue
        columns.append(column)
        positions[column.field] = pos
    if missing:
        raise FileRefused(f"缺少必填列:{'、'.join(missing)}。请检查第1行表头(列名)")
    return columns, positions


# ---- parsing, column by column ------------------------------------------------------------------

def _parse_column(checked: Checked, column: Column, raw: list, zone: ZoneInfo) -> list:
    """Parse each distinct value once, then map the column through the results (C-speed `map`)."""
    if column.type in ("text", "ref"):
        fast = _text_column(checked, column, raw)
        if fast is not None:
            return fast
    parse = _parser(column, zone)
    results: dict = {}
    failed: dict = {}
    empty = set()
    distinct = set(raw)
    default = column.default
    if column.type == "money":
        # Amounts stay text: the exact decimal that COPY turns into NUMERIC. Plain ones ("3215.40":
        # not negative, at most 12 digits and 2 decimals) are most of a file and stay as they are;
        # one regex over all of a column's distinct values at once tells whether every one is.
        default = None if default is None else str(default)
        texts = [v for v in distinct if type(v) is str]
        joined = "\n".join(texts)
        if (len(texts) == len(distinct) and joined.count("\n") == len(texts) - 1  # no line break in a value
                and parsers.PLAIN_MONEY_COLUMN_RE.fullmatch(joined + "\n")):
            return list(raw)
        plain = [v for v in texts if parsers.PLAIN_MONEY_RE.fullmatch(v)]
        results.update(zip(plain, plain, strict=True))
        distinct.difference_update(plain)
    for value in distinct:
        if value is None or (isinstance(value, str) and not value.strip()):
            empty.add(value)
            results[value] = default
            continue
        try:
            results[value] = parse(value)
        except (ValueError, TypeError) as err:
            failed[value] = str(err) if isinstance(err, ValueError) else "格式不正确"
            results[value] = None
    out = list(map(results.__getitem__, raw))
    if failed or (empty and column.required):
        for i, value in enumerate(raw):
            if value in failed:
                checked.fail(i, column, value, failed[value])
            elif value in empty and column.required:
                checked.fail(i, column, "", f"{column.header}不能为空")
    return out


def _text_column(checked: Checked, column: Column, raw: list) -> list | None:
    """Text and codes: stripped in one pass over the column, lengths checked on its maximum.
    None when a cell is not text (an XLSX date in a text column): the general path handles it."""
    try:
        out = list(map(str.strip, raw))
    except TypeError:
        return None
    if column.ref in ("customer", "vehicle"):
        out = list(map(str.upper, out))
        if " " in "".join(out):
            out = [normalise(v) for v in out]
    limit = column.max_length
    if limit and out and max(map(len, out)) > limit:
        for i, value in enumerate(out):
            if len(value) > limit:
                checked.fail(i, column, value, f"{column.header}不能超过{limit}个字")
                out[i] = None
    if "" in out:
        for i, value in enumerate(out):
            if value == "":
                if column.required:
                    checked.fail(i, column, "", f"{column.header}不能为空")
                out[i] = column.default
    return out


def _parser(column: Column, zone: ZoneInfo) -> Callable:
    kind = column.type
    if kind == "text":
        limit = column.max_length

        def text(value):
            value = str(value).strip()
            if limit and len(value) > limit:
                raise ValueError(f"{column.header}不能超过{limit}个字")
            return value
        return text
    if kind == "choice":
        choices = column.choices
        allowed = " / ".join(k for k in choices if not k.isascii()) or " / ".join(choices)

        def choice(value):
            key = str(value).strip()
            if key in choices:
                return choices[key]
            raise ValueError(f"{column.header}应为 {allowed}")
        return choice
    if kind == "ref":
        if column.ref in ("customer", "vehicle"):
            return lambda value: normalise(str(value))
        return lambda value: str(value).strip()
    return {
        "date": parsers.parse_date,
        "datetime": lambda value: parsers.parse_datetime(value, zone),
        "month": parsers.parse_month,
        "money": lambda value: str(parsers.parse_money(value)),
        "id_number": lambda value: normalise(str(value)),
        "mobile": lambda value: validate_mobile(str(value)),
        "plate": lambda value: validate_plate(str(value)),
        "vin": lambda value: validate_vin(str(value)),
    }[kind]


# ---- look-ups: one query per kind of code -------------------------------------------------------

class Lookups:
    """Bulk look-ups on the import's own connection (so they see rows this transaction wrote).

    The codes of the reference tables (org units, teams, staff, dealers, code items) are few and
    repeat in every part of a file: each is fetched once per import, so that after the first part
    validation needs the connection only for codes it has not met yet (the loading of the parts
    before holds the connection meanwhile; see run_import).
    """

    def __init__(self, connection):
        self.connection = connection
        self._known: dict[str, dict] = defaultdict(dict)

    def _rows(self, sql: str, keys) -> list[tuple]:
        keys = list(keys)
        if not keys:
            return []
        return self.connection.execute(sql, (keys,)).fetchall()

    def _cached(self, name: str, codes, fetch: Callable[[list], dict]) -> dict:
        known = self._known[name]
        codes = set(codes)
        new = [c for c in codes if c not in known]
        if new:
            found = fetch(new)
            known.update((c, found.get(c, _ABSENT)) for c in new)
        return {c: known[c] for c in codes if known[c] is not _ABSENT}

    def org(self, codes) -> dict:
        return self._cached("org", codes, lambda new: {r[0]: r[1:] for r in self._rows(
            "SELECT code, id, level, path FROM org_units WHERE code = ANY(%s) AND active", new)})

    def team(self, codes) -> dict:
        return self._cached("team", codes, lambda new: {r[0]: r[1:] for r in self._rows(
            "SELECT t.code, t.id, t.branch_id, o.path FROM teams t JOIN org_units o ON o.id = t.branch_id "
            "WHERE t.code = ANY(%s) AND t.active", new)})

    def staff(self, codes) -> dict:
        return self._cached("staff", codes, lambda new: {r[0]: r[1:] for r in self._rows(
            "SELECT s.code, s.id, s.team_id, s.org_unit_id, s.role, o.path FROM staff s "
            "JOIN org_units o ON o.id = s.org_unit_id WHERE s.code = ANY(%s)", new)})

    def dealer(self, codes) -> dict:
        return self._cached("dealer", codes, lambda new: {r[0]: r[1] for r in self._rows(
            "SELECT code, id FROM dealers WHERE code = ANY(%s)", new)})

    def code_items(self, kind: str, codes) -> dict:
        return self._cached(f"code_items:{kind}", codes, lambda new: dict(self.connection.execute(
            "SELECT code, id FROM code_items WHERE kind = %s AND code = ANY(%s) AND active", (kind, new)).fetchall()))

    def customers_by_number(self, numbers) -> dict:
        """ID numbers / credit codes -> customer id, through the keyed hash the table stores."""
        digest = cipher().digest
        by_hash = {digest(n): n for n in numbers}
        found = self._joined("bytea", by_hash, "SELECT c.id_number_hash, c.id FROM ingest_keys k "
                                               "JOIN customers c ON c.id_number_hash = k.key")
        return {by_hash[bytes(h)]: customer_id for h, customer_id in found}

    def vehicles(self, vins) -> dict:
        return dict(self._joined("text", vins, "SELECT v.vin, v.id FROM ingest_keys k JOIN vehicles v ON v.vin = k.key"))

    def _joined(self, key_type: str, keys, sql: str) -> list[tuple]:
        """Look many keys up at once: COPY them into a temp table and join. A 100,000-element
        `= ANY(array)` parameter costs more to build in Python than the whole join."""
        if not keys:
            return []
        self.connection.execute("DROP TABLE IF EXISTS ingest_keys")
        self.connection.execute(f"CREATE TEMP TABLE ingest_keys (key {key_type}) ON COMMIT DROP")
        with self.connection.cursor() as cur:
            with cur.copy("COPY ingest_keys (key) FROM STDIN") as copy:
                copy.write(copy_text([(k,) for k in keys]))
            cur.execute("ANALYZE ingest_keys")
            return cur.execute(sql).fetchall()

    def policies(self, numbers) -> dict:
        return dict(self._rows("SELECT number, id FROM policies WHERE number = ANY(%s)", numbers))

    def claims(self, numbers) -> dict:
        return dict(self._rows("SELECT number, id FROM claims WHERE number = ANY(%s)", numbers))


def _resolve_refs(checked: Checked, lookups: Lookups, scope_path: str | None = None) -> None:
    """Replace each reference column's codes by what they name (an id, or a tuple of facts whose
    last item, for org units, teams and staff, is the org path)."""
    by_ref: dict[str, list[Column]] = defaultdict(list)
    joined = TARGETS[checked.kind].joined_refs
    for column in checked.columns:
        if column.type == "ref" and column.field not in joined:
            by_ref[column.ref].append(column)
    for ref, columns in by_ref.items():
        wanted = {v for c in columns for v in set(checked.values[c.field])} - {None}
        if ref == "customer":
            found = lookups.customers_by_number(wanted)
        elif ref == "vehicle":
            found = lookups.vehicles(wanted)
        elif ref in ("channel", "customer_group", "insurer"):
            found = lookups.code_items(ref, wanted)
        else:
            found = getattr(lookups, {"policy": "policies", "claim": "claims"}.get(ref, ref))(wanted)
        for column in columns:
            values = checked.values[column.field]
            resolved = list(map(found.get, values))  # None is never a key of found
            if len(found) < len(wanted):
                for i, value in enumerate(values):
                    if value is not None and resolved[i] is None:
                        checked.fail(i, column, value, _missing_reason(column, value))
            if scope_path and ref in ("org", "team", "staff"):
                _check_scope(checked, column, values, resolved, scope_path)
            checked.values[column.field] = resolved


def _check_scope(checked: Checked, column: Column, values: list, resolved: list, scope_path: str) -> None:
    """A branch manager imports for their own subtree only; a dealer may sit in their city."""
    ancestor_ok = checked.kind == ImportKind.dealers and column.field == "city"
    for i, hit in enumerate(resolved):
        if hit is None:
            continue
        path = hit[-1]
        if not path.startswith(scope_path) and not (ancestor_ok and scope_path.startswith(path)):
            checked.fail(i, column, values[i], f"{REF_LABELS[column.ref]} {values[i]} 不在您的管辖范围内")
            resolved[i] = None


def _missing_reason(column: Column, value) -> str:
    """Why a reference was not found. Numbers are checked only here, on a miss: one that matches a
    stored customer or vehicle was validated when that row was imported."""
    if column.ref == "customer":
        try:
            _person_or_company(value)
        except ValueError as err:
            return str(err)
        return "该证件号码的客户尚未导入,请先导入客户文件"
    if column.ref == "vehicle":
        try:
            validate_vin(value)
        except ValueError as err:
            return str(err)
        return "该车架号的车辆尚未导入,请先导入车辆文件"
    if column.ref == "policy":
        return f"保单号 {value} 不存在,请先导入保单文件"
    if column.ref == "claim":
        return f"赔案号 {value} 不存在,请先导入赔案文件"
    label = REF_LABELS.get(column.ref, column.header)
    return f"{label} {value} 不存在"


def _person_or_company(value: str) -> str:
    if len(value) == 18 and not value[:17].isdigit():
        return validate_credit_code(value)
    return validate_id_number(value)


def _check_duplicates(checked: Checked, seen: dict) -> None:
    """A business key seen before in the same file: the later row is the bad one. `seen` maps the
    keys met so far (in this part and the parts before) to their row number."""
    key_fields = KEYS[checked.kind]
    key_columns = [next(c for c in checked.columns if c.field == f) for f in key_fields]
    columns = [checked.values[f] for f in key_fields]
    # One field: the key is the value; several: a tuple. A key missing a part is no key.
    keys = columns[0] if len(columns) == 1 else [None if None in k else k for k in zip(*columns, strict=True)]
    row_numbers = [row_no for row_no, _cells in checked.table.rows]
    if None not in keys and len(set(keys)) == len(keys) and seen.keys().isdisjoint(keys):
        seen.update(zip(keys, row_numbers, strict=True))  # the usual case, checked in C
        return
    for i, (row_no, key) in enumerate(zip(row_numbers, keys, strict=True)):
        if key is None:
            continue
        first = seen.setdefault(key, row_no)
        if first != row_no:
            shown = " / ".join(map(str, key)) if isinstance(key, tuple) else str(key)
            checked.fail(i, key_columns[0], shown,
                         f"与第{first}行重复:同一文件中{'、'.join(c.header for c in key_columns)}不能重复")


# ---- rules across columns, and the staging rows -------------------------------------------------

def _good(checked: Checked) -> range:
    return range(checked.total)


def _rules_customers(checked: Checked, lookups: Lookups, zone) -> None:
    v = checked.values
    id_col = next(c for c in checked.columns if c.field == "id_number")
    for i in _good(checked):
        number, kind = v["id_number"][i], v["kind"][i]
        if number is None or kind is None:
            continue
        try:
            v["id_number"][i] = validate_credit_code(number) if kind == "company" else validate_id_number(number)
        except ValueError as err:
            checked.fail(i, id_col, number, str(err))
            v["id_number"][i] = None
            continue
        if kind == "person":
            if v["birthday"][i] is None:
                v["birthday"][i] = birthday_from_id_number(number)
            if v["gender"][i] is None:
                v["gender"][i] = "M" if int(number[16]) % 2 else "F"


def _build_customers(checked: Checked) -> None:
    v, c = checked.values, cipher()
    for i in _good_rows(checked):
        agent = v["agent"][i]
        branch = v["branch"][i]
        number, mobile = v["id_number"][i], v["mobile"][i]
        checked.stage_rows.append((
            checked.table.rows[i][0], v["kind"][i], v["name"][i], c.encrypt(mobile), c.digest(mobile),
            c.encrypt(number), c.digest(number), v["birthday"][i], v["gender"][i], v["customer_group"][i],
            v["vip_tier"][i], v["address"][i] or None, agent[0] if agent else None, agent[1] if agent else None,
            agent[2] if agent else (branch[0] if branch else None),
        ))


def _good_rows(checked: Checked):
    issues = checked.issues
    return (i for i in range(checked.total) if i not in issues)


def _rules_none(checked, lookups, zone) -> None:
    return None


def _build_vehicles(checked: Checked) -> None:
    v = checked.values
    for i in _good_rows(checked):
        checked.stage_rows.append((
            checked.table.rows[i][0], v["vin"][i], v["plate"][i], v["first_registration_date"][i],
            v["usage"][i] or None, v["brand"][i] or None, v["model"][i] or None, v["new_car_price"][i], v["owner"][i],
        ))


def _rules_dealers(checked: Checked, lookups, zone) -> None:
    v = checked.values
    city_col = next(c for c in checked.columns if c.field == "city")
    for i in _good(checked):
        city = v["city"][i]
        if city is not None and city[1] != "city":
            checked.fail(i, city_col, _raw(checked, city_col, i), "所属地市代码应为地市级机构的代码")


def _raw(checked: Checked, column: Column, i: int) -> str:
    """The cell as the user wrote it (for reasons reported after the value was resolved)."""
    headers = checked.table.headers
    names = (column.header, *column.aliases)
    pos = next((p for p, h in enumerate(headers) if h.replace("*", "").strip() in names), None)
    cells = checked.table.rows[i][1]
    return "" if pos is None or pos >= len(cells) else cells[pos]


def _build_dealers(checked: Checked) -> None:
    v = checked.values
    for i in _good_rows(checked):
        branch = v["branch"][i]
        checked.stage_rows.append((
            checked.table.rows[i][0], v["code"][i], v["name"][i], v["brand"][i] or None, v["city"][i][0],
            branch[0] if branch else None, v["address"][i] or None, v["repairs"][i], v["active"][i],
        ))


def _rules_staff(checked: Checked, lookups: Lookups, zone) -> None:
    v = checked.values
    col = {c.field: c for c in checked.columns}
    existing = lookups.staff({code for code in v["code"] if code})
    for i in _good(checked):
        role, code = v["role"][i], v["code"][i]
        if code in existing and existing[code][3] == "admin":
            checked.fail(i, col["code"], code, "该工号是管理员账号,不能通过导入修改")
        if role == "resident_manager" and v["dealer"][i] is None and "dealer" not in _failed_fields(checked, i):
            checked.fail(i, col.get("dealer", col["role"]), "", "驻店经理必须填写驻店车商代码")
    # Usernames and WeCom accounts are unique across staff: taken by another 工号 is an error here,
    # not a failed statement that would abort the whole file.
    for name in ("username", "wecom_userid"):
        if name not in col:
            continue
        wanted = {x for x in v[name] if x}
        taken = dict(lookups.connection.execute(
            f"SELECT {name}, code FROM staff WHERE {name} = ANY(%s)", (list(wanted),)).fetchall()) if wanted else {}
        seen: dict[str, int] = {}
        for i, value in enumerate(v[name]):
            if not value:
                v[name][i] = None
                continue
            owner = taken.get(value)
            if owner is not None and owner != v["code"][i]:
                checked.fail(i, col[name], value, f"{col[name].header}已被工号 {owner} 使用")
            first = seen.setdefault(value, i)
            if first != i:
                checked.fail(i, col[name], value, f"与第{checked.table.rows[first][0]}行重复:"
                             f"{col[name].header}不能重复")


def _failed_fields(checked: Checked, i: int) -> set[str]:
    headers = {x.column for x in checked.issues.get(i, [])}
    return {c.field for c in checked.columns if c.header in headers}


def _build_staff(checked: Checked) -> None:
    v, c = checked.values, cipher()
    for i in _good_rows(checked):
        team = v["team"][i]
        mobile = v["mobile"][i]
        checked.stage_rows.append((
            checked.table.rows[i][0], v["code"][i], v["name"][i], v["role"][i], v["org_unit"][i][0],
            team[0] if team else None, v["dealer"][i], c.encrypt(mobile), c.digest(mobile), v["wecom_userid"][i],
            v["username"][i], v["active"][i],
        ))


def _rules_policies(checked: Checked, lookups, zone) -> None:
    v = checked.values
    col = {c.field: c for c in checked.columns}
    for i in _good(checked):
        start, end = v["start_date"][i], v["end_date"][i]
        if start is not None and end is not None and end < start:
            checked.fail(i, col["end_date"], end, f"终保日期早于起保日期({start.isoformat()})")
        cancelled_on = v["cancelled_on"][i]
        if cancelled_on is not None and v["status"][i] == "valid":
            checked.fail(i, col["cancelled_on"], cancelled_on, "保单状态为有效时不能填写注销日期")
        previous = v["previous_policy_number"][i]
        if not previous:
            v["previous_policy_number"][i] = None
        elif previous == v["number"][i]:
            checked.fail(i, col["previous_policy_number"], previous, "上年保单号不能是本保单号")
        if v["base_premium"][i] is None:
            v["base_premium"][i] = v["written_premium"][i]


def _build_policies(checked: Checked) -> None:
    """Column by column: no tuple per row, and COPY formats columns anyway."""
    v = checked.values
    zone = checked.zone
    ids = _first  # (id, ...) facts -> id
    agent = v["agent"]
    cancelled = {c: datetime.combine(c, time(), zone) if c else None for c in set(v["cancelled_on"])}
    digest = cipher().digest
    digests = {n: digest(n) for n in set(v["customer"]) if n is not None}
    columns = [
        [row_no for row_no, _cells in checked.table.rows], v["number"], v["line"], v["status"],
        # Customer and vehicle are named by ID number and VIN; the upsert joins them (load.TARGETS).
        list(map(digests.get, v["customer"])), v["vehicle"], v["issued_on"], v["start_date"], v["end_date"],
        v["written_premium"], v["base_premium"], v["commission"], v["tax"], v["collected_premium"],
        v["collected_on"], v["channel"], v["customer_group"], list(map(ids, v["branch"])),
        [a[1] if a else None for a in agent], list(map(ids, agent)), v["dealer"], v["previous_policy_number"],
        v["previous_insurer"], list(map(cancelled.__getitem__, v["cancelled_on"])),
    ]
    if checked.issues:
        good = list(_good_rows(checked))
        columns = [[column[i] for i in good] for column in columns]
    checked.stage_columns = columns


def _first(facts):
    return facts[0] if facts else None


def missing_reason(kind: ImportKind, field_name: str, value) -> str:
    """Why a reference resolved in SQL (load.Target.joined_refs) was not found."""
    return _missing_reason(next(c for c in COLUMNS[kind] if c.field == field_name), value)


def _rules_claims(checked: Checked, lookups: Lookups, zone) -> None:
    v = checked.values
    col = {c.field: c for c in checked.columns}
    for i in _good(checked):
        reported = v["reported_at"][i]
        for name in ("registered_at", "closed_at"):
            moment = v[name][i]
            if reported is not None and moment is not None and moment < reported:
                checked.fail(i, col[name], moment.strftime("%Y-%m-%d %H:%M"),
                             f"{col[name].header}早于报案时间")
        if v["status"][i] == "closed" and v["closed_at"][i] is None and "closed_at" not in _failed_fields(checked, i):
            checked.fail(i, col.get("closed_at", col["status"]), "", "已结案的赔案应填写结案时间")
    # A claim whose policy has not arrived waits in pending_claims, unless it already landed on
    # another policy: then the file contradicts what we hold.
    numbers = {n for n in v["policy_number"] if n}
    known = lookups.policies(numbers)
    unknown = {v["number"][i] for i in range(checked.total) if v["policy_number"][i] not in known}
    landed = lookups.claims(unknown)
    for i in range(checked.total):
        if v["number"][i] in landed and v["policy_number"][i] not in known:
            checked.fail(i, col["policy_number"], v["policy_number"][i],
                         "保单号不存在,而该赔案已关联其他保单,请核对保单号")


def _build_claims(checked: Checked) -> None:
    v = checked.values
    for i in _good_rows(checked):
        checked.stage_rows.append((
            checked.table.rows[i][0], v["number"][i], v["policy_number"][i], v["status"][i], v["reported_at"][i],
            v["registered_at"][i], v["closed_at"][i], v["cancelled_at"][i], v["first_reserve"][i], v["reserve"][i],
            v["paid"][i], v["injury"][i], v["repair_dealer"][i], v["audit_reduction"][i],
            v["subrogation_recovered"][i], v["claim_type"][i], v["description"][i] or None,
            v["handler"][i][0] if v["handler"][i] else None,
        ))


def _build_complaints(checked: Checked) -> None:
    v = checked.values
    for i in _good_rows(checked):
        checked.stage_rows.append((
            checked.table.rows[i][0], v["number"][i], v["received_on"][i], v["branch"][i][0], v["customer"][i],
            v["policy"][i], v["claim"][i], v["valid"][i], v["category"][i] or None, v["summary"][i] or None,
        ))


def _rules_plans(checked: Checked, lookups: Lookups, zone) -> None:
    v = checked.values
    col = {c.field: c for c in checked.columns}
    by_type: dict[str, set] = defaultdict(set)
    for i in range(checked.total):
        if v["owner_type"][i] and v["owner_code"][i]:
            by_type[v["owner_type"][i]].add(v["owner_code"][i])
    found = {
        "org": {k: (x[0], x[-1]) for k, x in lookups.org(by_type["org"]).items()},
        "team": {k: (x[0], x[-1]) for k, x in lookups.team(by_type["team"]).items()},
        "agent": {k: (x[0], x[-1]) for k, x in lookups.staff(by_type["agent"]).items()},
        "dealer": {k: (x, None) for k, x in lookups.dealer(by_type["dealer"]).items()},
    }
    labels = {"org": "机构代码", "team": "团队代码", "agent": "工号", "dealer": "车商代码"}
    v["owner_id"] = [None] * checked.total
    for i in range(checked.total):
        kind, code = v["owner_type"][i], v["owner_code"][i]
        if kind and code:
            owner, path = found[kind].get(code, (None, None))
            if owner is None:
                checked.fail(i, col["owner_code"], code, f"{labels[kind]} {code} 不存在")
            elif checked.scope_path and path is not None and not path.startswith(checked.scope_path):
                checked.fail(i, col["owner_code"], code, f"{labels[kind]} {code} 不在您的管辖范围内")
                owner = None
            v["owner_id"][i] = owner


def _build_plans(checked: Checked) -> None:
    v = checked.values
    slots = ("org", "team", "agent", "dealer")
    for i in _good_rows(checked):
        owner = [v["owner_id"][i] if v["owner_type"][i] == s else None for s in slots]
        checked.stage_rows.append((checked.table.rows[i][0], v["month"][i], v["line"][i], *owner, v["amount"][i]))


RULES = {
    ImportKind.customers: _rules_customers,
    ImportKind.vehicles: _rules_none,
    ImportKind.dealers: _rules_dealers,
    ImportKind.staff: _rules_staff,
    ImportKind.policies: _rules_policies,
    ImportKind.claims: _rules_claims,
    ImportKind.complaints: _rules_none,
    ImportKind.plans: _rules_plans,
}
BUILDERS = {
    ImportKind.customers: _build_customers,
    ImportKind.vehicles: _build_vehicles,
    ImportKind.dealers: _build_dealers,
    ImportKind.staff: _build_staff,
    ImportKind.policies: _build_policies,
    ImportKind.claims: _build_claims,
    ImportKind.complaints: _build_complaints,
    ImportKind.plans: _build_plans,
}
