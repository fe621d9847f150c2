"""Importing the core system's exports: the sample files, idempotence, updates, bad rows and their
report, encodings and XLSX, --partial, renewal chains and claims in either order, and the CLI."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import AuditLog, Claim, Complaint, Customer, Dealer, Plan, Policy, Staff, Vehicle
from app.models.ingest import ImportBatch, ImportKind, ImportStatus, PendingClaim
from app.services.ingest import run_import
from app.services.ingest.columns import COLUMNS, DEPENDENCY_ORDER, markdown_table
from tests.import_support import SAMPLES, digest, import_samples, read_csv, reference_frame, write_csv

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parent.parent
CUSTOMER_ID = "130102198503121212"  # 王建国 in docs/samples/customers.csv


@pytest.fixture
def frame(db):
    return reference_frame()


def sample(kind: str) -> list[list[str]]:
    return read_csv(SAMPLES / f"{kind}.csv")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def policy(number: str) -> Policy:
    return db.session.execute(select(Policy).where(Policy.number == number)).scalar_one()


def test_the_sample_files_import_in_dependency_order(frame):
    results = import_samples()

    assert {k: (r.status, r.inserted, r.bad) for k, r in results.items()} == {
        ImportKind.dealers: (ImportStatus.succeeded, 2, 0),
        ImportKind.staff: (ImportStatus.succeeded, 5, 0),
        ImportKind.customers: (ImportStatus.succeeded, 5, 0),
        ImportKind.vehicles: (ImportStatus.succeeded, 6, 0),
        ImportKind.policies: (ImportStatus.succeeded, 8, 0),
        ImportKind.claims: (ImportStatus.succeeded, 3, 0),
        ImportKind.complaints: (ImportStatus.succeeded, 2, 0),
        ImportKind.plans: (ImportStatus.succeeded, 6, 0),
    }
    assert [count(m) for m in (Dealer, Staff, Customer, Vehicle, Policy, Claim, Complaint, Plan)] == \
        [2, 5, 5, 6, 8, 3, 2, 6]

    wang = db.session.execute(select(Customer).where(Customer.name == "王建国")).scalar_one()
    assert wang.id_number == CUSTOMER_ID and wang.mobile == "13932100001"
    assert wang.birthday == date(1985, 3, 12) and wang.gender == "M"  # from the ID number
    agent = db.session.execute(select(Staff).where(Staff.code == "HB10002")).scalar_one()
    assert (wang.agent_id, wang.team_id, wang.branch_id) == (agent.id, frame["t1"].id, frame["b1"].id)
    company = db.session.execute(select(Customer).where(Customer.kind == "company")).scalar_one()
    assert company.id_number == "91130100MA0C8RK3X9"

    renewal = policy("PDAA202613010100000201")
    assert renewal.previous_policy_id == policy("PDAA202513010100000101").id
    assert renewal.written_premium == Decimal("3080.20") and renewal.base_premium == Decimal("4120.00")
    assert renewal.agent_id == agent.id and renewal.team_id == frame["t1"].id
    assert renewal.vin == renewal.vehicle.vin and renewal.customer_id == wang.id
    assert renewal.previous_insurer.code == "self" and renewal.channel.code == "dealer"
    cancelled = policy("PDZA202613010100000501")
    assert cancelled.status == "cancelled" and cancelled.cancelled_at.astimezone(SHANGHAI).date() == date(2026, 3, 1)

    claim = db.session.execute(select(Claim).where(Claim.number == "RDAA202613010200000012")).scalar_one()
    owner = policy("PDAA202613010200000301")
    assert (claim.policy_id, claim.customer_id, claim.vehicle_id, claim.branch_id, claim.agent_id) == \
        (owner.id, owner.customer_id, owner.vehicle_id, owner.branch_id, owner.agent_id)
    assert claim.injury and claim.status == "registered" and claim.reserve == Decimal("15600.00")
    assert claim.reported_at.isoformat() == "2026-03-09T11:25:00+00:00"  # 19:25 in Shanghai

    resident = db.session.execute(select(Staff).where(Staff.code == "HB10004")).scalar_one()
    assert resident.role == "resident_manager"
    assert resident.dealer_id == db.session.execute(select(Dealer.id).where(Dealer.code == "D010101")).scalar_one()
    dealer_plan = db.session.execute(select(Plan).where(Plan.dealer_id.is_not(None))).scalar_one()
    assert dealer_plan.month == date(2026, 4, 1) and dealer_plan.amount == Decimal("420000.00")
    complaint = db.session.execute(select(Complaint).where(Complaint.number == "TS2026030001")).scalar_one()
    assert complaint.claim_id == claim.id and complaint.policy_id == owner.id and complaint.valid


def test_importing_the_same_files_again_changes_nothing(frame):
    import_samples()
    before = digest()

    again = import_samples()

    assert digest() == before  # every row, updated_at included
    assert all(r.unchanged == r.total and r.inserted == r.updated == 0 for r in again.values())


def test_a_newer_export_updates_what_changed(frame, tmp_path):
    import_samples()
    rows = sample("policies")
    premium = rows[0].index("签单保费")
    changed = next(r for r in rows if r[0] == "PDAA202613010100000401")
    changed[premium] = "6300.00"
    untouched = policy("PDAA202613010100000201").updated_at
    changed_before = policy("PDAA202613010100000401").updated_at

    result = run_import("policies", write_csv(tmp_path / "policies.csv", rows))

    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 7)
    db.session.expire_all()
    assert policy("PDAA202613010100000401").written_premium == Decimal("6300.00")
    assert policy("PDAA202613010100000401").updated_at > changed_before
    assert policy("PDAA202613010100000201").updated_at == untouched


def test_bad_rows_are_each_reported_and_nothing_is_written(frame, tmp_path):
    import_samples(DEPENDENCY_ORDER[:4])  # everything a policy names
    rows = sample("policies")
    h = {name: i for i, name in enumerate(rows[0])}
    rows[2][h["机构代码"]] = "HB9999"  # row 3: unknown branch
    rows[3][h["签单保费"]] = "-12.00"  # row 4: negative premium
    rows[4][h["终保日期"]] = "2026/3/1"  # row 5: ends before it starts (2026-04-01)
    rows[6][h["投保人证件号码"]] = CUSTOMER_ID[:-1] + "3"  # row 7: checksum wrong
    rows.append(list(rows[1]))  # row 10: the key of row 2 again
    report = tmp_path / "errors.csv"

    result = run_import("policies", write_csv(tmp_path / "policies.csv", rows), report_path=report)

    assert result.status == ImportStatus.failed and result.bad == 5 and count(Policy) == 0
    assert "整个文件未导入" in result.message
    assert [(i.row, i.column, i.reason) for i in result.issues] == [
        (3, "机构代码", "机构代码 HB9999 不存在"),
        (4, "签单保费", "金额不能为负数"),
        (5, "终保日期", "终保日期早于起保日期(2026-04-01)"),
        (7, "投保人证件号码", "身份证号校验位不正确"),
        (10, "保单号", "与第2行重复:同一文件中保单号不能重复"),
    ]
    assert result.issues[3].value == "1301**********1213"  # masked in the report

    lines = read_csv(report)
    assert lines[0] == rows[0] + ["原行号", "错误列", "错误值", "错误说明"]
    assert [line[len(rows[0])] for line in lines[1:]] == ["3", "4", "5", "7", "10"]
    assert lines[1][:len(rows[0])] == rows[2]  # the original cells, to fix and import again
    assert lines[2][-1] == "签单保费:金额不能为负数"
    assert report.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel needs the BOM
    batch = db.session.get(ImportBatch, result.batch_id)
    assert (batch.status, batch.bad, batch.inserted, batch.error_report_path) == ("failed", 5, 0, str(report))


def test_bad_id_number_and_bad_plate_in_their_own_files(frame, tmp_path):
    import_samples(DEPENDENCY_ORDER[:2])
    customers = sample("customers")
    customers[1][2] = customers[1][2][:-1] + ("3" if customers[1][2][-1] != "3" else "4")
    result = run_import("customers", write_csv(tmp_path / "c.csv", customers))
    assert [(i.row, i.column, i.reason) for i in result.issues] == [(2, "证件号码", "身份证号校验位不正确")]
    assert count(Customer) == 0

    run_import("customers", SAMPLES / "customers.csv")
    vehicles = sample("vehicles")
    vehicles[2][1] = "冀AI2345"  # I is not a plate letter
    result = run_import("vehicles", write_csv(tmp_path / "v.csv", vehicles))
    assert [(i.row, i.column, i.value, i.reason) for i in result.issues] == [(3, "车牌号", "冀AI2345", "车牌号格式不正确")]
    assert count(Vehicle) == 0


def test_a_missing_required_column_refuses_the_file(frame, tmp_path):
    rows = [[c for i, c in enumerate(r) if i != 1] for r in sample("dealers")]  # no 车商名称
    result = run_import("dealers", write_csv(tmp_path / "d.csv", rows))
    assert result.status == ImportStatus.failed and "缺少必填列:车商名称" in result.message
    assert count(Dealer) == 0


def test_a_gbk_file_imports_the_same_as_utf8(frame, tmp_path):
    import_samples(DEPENDENCY_ORDER[:2])
    gbk = write_csv(tmp_path / "customers-gbk.csv", sample("customers"), encoding="gbk")
    assert "王建国".encode("gbk") in gbk.read_bytes()

    result = run_import("customers", gbk)
    assert (result.status, result.inserted) == (ImportStatus.succeeded, 5)
    names = set(db.session.scalars(select(Customer.name)))
    assert "石家庄顺达物流有限公司" in names and "王建国" in names
    before = digest()

    again = run_import("customers", SAMPLES / "customers.csv")  # the UTF-8 original: same rows
    bom = run_import("customers", write_csv(tmp_path / "bom.csv", sample("customers"), encoding="utf-8-sig"))
    assert again.unchanged == bom.unchanged == 5 and digest() == before


def test_an_xlsx_export_imports_with_date_and_number_cells(frame, tmp_path):
    import_samples(DEPENDENCY_ORDER[:5])
    before = digest()
    rows = sample("policies")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(rows[0])
    for row in rows[1:]:
        cells = list(row)
        for i, header in enumerate(rows[0]):
            if header in ("签单日期", "起保日期", "终保日期") and cells[i]:
                cells[i] = _as_date(cells[i])  # a real Excel date cell
            if header in ("签单保费", "手续费") and cells[i]:
                cells[i] = float(cells[i])  # Excel keeps money as numbers
        sheet.append(cells)
    path = tmp_path / "policies.xlsx"
    workbook.save(path)

    result = run_import("policies", path)

    assert result.ok and result.unchanged == 8  # the same policies as the CSV: nothing to change
    assert digest() == before


def _as_date(value: str) -> date:
    digits = re.findall(r"\d+", value)
    if len(digits) == 1:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    return date(*map(int, digits))


def test_partial_lands_the_good_rows_and_reports_the_bad(frame, tmp_path):
    import_samples(DEPENDENCY_ORDER[:4])
    rows = sample("policies")
    rows[3][rows[0].index("终保日期")] = "2020-01-01"

    result = run_import("policies", write_csv(tmp_path / "p.csv", rows), partial=True)

    assert (result.status, result.inserted, result.bad) == (ImportStatus.succeeded, 7, 1)
    assert count(Policy) == 7 and result.report_path
    assert [line[-4] for line in read_csv(result.report_path)[1:]] == ["4"]


@pytest.fixture
def small_parts(monkeypatch):
    """Policy files in parts of 2 rows, then 3, as a 100,000-row file is in parts of 5,000, 15,000,
    then 30,000: the sample's 8 policies load in three parts, each while the next is validated."""
    from app.services.ingest import load

    monkeypatch.setitem(load.PART_ROWS, ImportKind.policies, (2, 3))
    return load.PART_ROWS


def test_a_policy_file_in_parts_lands_as_in_one(frame, small_parts, tmp_path):
    import_samples(DEPENDENCY_ORDER[:4])
    rows = sample("policies")
    # The renewals first: their previous policies come two parts later and still link up.
    renewals_first = [rows[0]] + rows[3:] + rows[1:3]

    result = run_import("policies", write_csv(tmp_path / "p.csv", renewals_first))

    assert (result.status, result.total, result.inserted, result.bad) == (ImportStatus.succeeded, 8, 8, 0)
    assert policy("PDAA202613010100000201").previous_policy_id == policy("PDAA202513010100000101").id
    assert policy("PDZA202613010100000202").previous_policy_id == policy("PDZA202513010100000102").id
    before = digest()
    assert run_import("policies", SAMPLES / "policies.csv").unchanged == 8
    small_parts[ImportKind.policies] = None  # the whole file as one part: the same data
    assert run_import("policies", write_csv(tmp_path / "p.csv", renewals_first)).unchanged == 8
    assert digest() == before


def test_a_bad_row_in_any_part_refuses_the_whole_file(frame, small_parts, tmp_path):
    from app.validators import with_vin_check

    import_samples(DEPENDENCY_ORDER[:4])
    rows = sample("policies")
    h = {name: i for i, name in enumerate(rows[0])}
    rows[2][h["车架号"]] = with_vin_check("LFV2A21K0M9999999")  # row 3, first part: only SQL finds it missing
    rows[8][h["签单保费"]] = "-1"  # row 9, last part
    rows.append(list(rows[1]))  # row 10: the key of row 2, two parts earlier

    result = run_import("policies", write_csv(tmp_path / "p.csv", rows))

    assert (result.status, result.bad, count(Policy)) == (ImportStatus.failed, 3, 0)
    assert [(i.row, i.column, i.reason) for i in result.issues] == [
        (3, "车架号", "该车架号的车辆尚未导入,请先导入车辆文件"),
        (9, "签单保费", "金额不能为负数"),
        (10, "保单号", "与第2行重复:同一文件中保单号不能重复"),
    ]
    assert [line[-4] for line in read_csv(result.report_path)[1:]] == ["3", "9", "10"]


def test_partial_in_parts_lands_the_good_rows_of_every_part(frame, small_parts, tmp_path):
    from app.validators import with_vin_check

    import_samples(DEPENDENCY_ORDER[:4])
    rows = sample("policies")
    h = {name: i for i, name in enumerate(rows[0])}
    rows[2][h["车架号"]] = with_vin_check("LFV2A21K0M9999999")
    rows[8][h["签单保费"]] = "-1"

    result = run_import("policies", write_csv(tmp_path / "p.csv", rows), partial=True)

    assert (result.status, result.inserted, result.unchanged, result.bad) == (ImportStatus.succeeded, 6, 0, 2)
    assert count(Policy) == 6
    assert [line[-4] for line in read_csv(result.report_path)[1:]] == ["3", "9"]


def test_a_part_that_fails_in_the_database_rolls_the_whole_file_back(frame, small_parts, tmp_path):
    """An error in the loading thread (here a constraint the validation does not know) reaches
    the import, which rolls back the parts already written."""
    import_samples(DEPENDENCY_ORDER[:4])
    db.session.execute(text("ALTER TABLE policies ADD CONSTRAINT ck_test_not_this_one "
                            "CHECK (number <> 'PDZA202613010100000202')"))
    db.session.commit()
    try:
        result = run_import("policies", SAMPLES / "policies.csv")  # that policy is in the second part
    finally:
        db.session.rollback()
        db.session.execute(text("ALTER TABLE policies DROP CONSTRAINT ck_test_not_this_one"))
        db.session.commit()

    assert (result.status, count(Policy)) == (ImportStatus.failed, 0)
    assert result.message == "导入失败,没有写入任何数据:违反数据约束 ck_test_not_this_one"


def test_renewal_chain_links_when_the_previous_policy_arrives_later(frame, tmp_path):
    import_samples(DEPENDENCY_ORDER[:4])
    rows = sample("policies")
    this_year = [rows[0]] + [r for r in rows[1:] if "2026" in r[0][4:8]]
    last_year = [rows[0]] + [r for r in rows[1:] if "2025" in r[0][4:8]]

    run_import("policies", write_csv(tmp_path / "2026.csv", this_year))
    assert policy("PDAA202613010100000201").previous_policy_id is None
    assert policy("PDAA202613010100000201").previous_policy_number == "PDAA202513010100000101"
    result = run_import("policies", write_csv(tmp_path / "2025.csv", last_year))

    db.session.expire_all()
    assert result.linked["renewal_links"] == 2
    assert policy("PDAA202613010100000201").previous_policy_id == policy("PDAA202513010100000101").id
    assert policy("PDZA202613010100000202").previous_policy_id == policy("PDZA202513010100000102").id
    assert run_import("policies", SAMPLES / "policies.csv").unchanged == 8  # and then nothing to do


def test_claims_that_arrive_before_their_policy_wait_and_land_with_it(frame, tmp_path):
    import_samples(DEPENDENCY_ORDER[:4])

    early = run_import("claims", SAMPLES / "claims.csv")
    assert (early.status, early.pending, early.inserted, count(Claim), count(PendingClaim)) == \
        (ImportStatus.succeeded, 3, 0, 0, 3)
    assert run_import("claims", SAMPLES / "claims.csv").pending == 3 and count(PendingClaim) == 3

    policies = run_import("policies", SAMPLES / "policies.csv")

    assert policies.linked["claims_landed"] == 3 and count(Claim) == 3 and count(PendingClaim) == 0
    claim = db.session.execute(select(Claim).where(Claim.number == "RDAA202613010100000011")).scalar_one()
    owner = policy("PDAA202513010100000101")
    assert (claim.policy_id, claim.customer_id, claim.branch_id, claim.agent_id, claim.team_id) == \
        (owner.id, owner.customer_id, owner.branch_id, owner.agent_id, owner.team_id)
    assert claim.paid == Decimal("4380.00") and claim.repair_dealer_id is not None
    again = run_import("claims", SAMPLES / "claims.csv")
    assert (again.unchanged, again.pending) == (3, 0)


def test_each_import_is_audited(frame):
    results = import_samples(DEPENDENCY_ORDER[:1])
    entry = db.session.execute(select(AuditLog).where(AuditLog.action == "import")).scalar_one()
    assert entry.channel == "cli" and entry.entity_id == str(results[ImportKind.dealers].batch_id)
    assert entry.detail["inserted"] == 2 and entry.detail["kind"] == "dealers"


def test_cli_exit_codes_and_report_file(app, frame, tmp_path):
    runner = app.test_cli_runner()
    for kind in DEPENDENCY_ORDER[:4]:
        ok = runner.invoke(args=["import", kind.value, str(SAMPLES / f"{kind.value}.csv")])
        assert ok.exit_code == 0, ok.output
    assert "未变 2" in runner.invoke(args=["import", "dealers", str(SAMPLES / "dealers.csv")]).output
    rows = sample("policies")
    rows[2][rows[0].index("签单保费")] = "abc"
    bad = write_csv(tmp_path / "bad.csv", rows)
    report = tmp_path / "report.xlsx"

    refused = runner.invoke(args=["import", "policies", str(bad), "--report", str(report)])
    assert refused.exit_code == 1 and "整个文件未导入" in refused.output and str(report) in refused.output
    sheet = openpyxl.load_workbook(report).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][-4:] == ("原行号", "错误列", "错误值", "错误说明")
    assert values[1][-4:] == (3, "签单保费", "abc", "签单保费:金额应为数字")
    assert count(Policy) == 0

    partial = runner.invoke(args=["import", "policies", str(bad), "--partial"])
    assert partial.exit_code == 2 and "新增 7" in partial.output and "错误报告" in partial.output
    assert runner.invoke(args=["import", "policies", str(SAMPLES / "policies.csv")]).exit_code == 0


def test_unknown_columns_and_a_reimported_error_report_are_accepted(frame, tmp_path):
    """The user fixes the cells in the error report and imports the report itself."""
    rows = sample("dealers")
    rows[1][3] = "XX01"
    result = run_import("dealers", write_csv(tmp_path / "d.csv", rows), report_path=tmp_path / "r.csv")
    assert result.bad == 1
    fixed = read_csv(tmp_path / "r.csv")
    fixed[1][3] = "HB01"
    fixed[0].append("备注")  # a column of the user's own: ignored
    fixed[1].append("已改")
    assert run_import("dealers", write_csv(tmp_path / "fixed.csv", fixed)).inserted == 1


def test_docs_show_the_mapping_of_every_kind():
    """docs/import.md mirrors columns.py: one table per kind, generated from the same data."""
    doc = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    for kind in COLUMNS:
        assert markdown_table(kind) in doc, kind
        assert (SAMPLES / f"{kind.value}.csv").exists()


def test_staging_uses_no_row_by_row_queries(frame, tmp_path):
    """Look-ups are one query per kind of code, whatever the row count."""
    import_samples(DEPENDENCY_ORDER[:4])
    rows = sample("policies")
    many = [rows[0]] + [[f"PX{n:08d}" if i == 0 else c for i, c in enumerate(rows[1 + n % 8])] for n in range(400)]
    for r in many[1:]:
        r[rows[0].index("上年保单号")] = ""
    statements = []
    raw = db.session.connection().connection.driver_connection
    original = raw.execute

    def counting(query, params=None, **kw):
        statements.append(str(query))
        return original(query, params, **kw)

    raw.execute = counting
    try:
        result = run_import("policies", write_csv(tmp_path / "many.csv", many))
    finally:
        raw.execute = original
    assert result.inserted == 400
    assert len(statements) < 40
    assert db.session.execute(text("SELECT count(*) FROM policies")).scalar() == 400


def test_without_the_privilege_to_skip_triggers_the_ordinary_foreign_keys_check(frame, small_parts, monkeypatch):
    """A database role that may not set session_replication_role gets the same result, slower
    (here in parts, as a big file would be)."""
    from app.services.ingest import load

    monkeypatch.setattr(load, "_lock_references", lambda *args, **kw: False)
    results = import_samples()

    assert all(r.ok and r.bad == 0 for r in results.values())
    assert policy("PDAA202613010100000201").previous_policy_id == policy("PDAA202513010100000101").id
    assert count(Claim) == 3
    before = digest()
    assert all(r.unchanged == r.total for r in import_samples().values())  # ON CONFLICT ... WHERE
    assert digest() == before


def test_text_with_tabs_line_breaks_and_backslashes_lands_unchanged(frame, tmp_path):
    import_samples(DEPENDENCY_ORDER[:5])
    rows = sample("claims")
    description = "倒车时碰撞\t后保险杠受损\n另:左后视镜\\支架断裂"
    rows[1][rows[0].index("出险经过")] = description

    assert run_import("claims", write_csv(tmp_path / "c.csv", rows)).inserted == 3
    stored = db.session.scalar(select(Claim.description).where(Claim.number == rows[1][0]))
    assert stored == description


def test_two_policy_imports_at_once_take_turns(app, frame, tmp_path):
    """Two workers importing policies at the same time: both land, neither deadlocks."""
    import threading

    import_samples(DEPENDENCY_ORDER[:4])
    rows = sample("policies")
    files = [write_csv(tmp_path / "a.csv", [rows[0], *rows[1:5]]), write_csv(tmp_path / "b.csv", [rows[0], *rows[5:]])]
    results, start = [], threading.Barrier(2)

    def work(path):
        with app.app_context():
            start.wait()
            results.append(run_import("policies", path))
            db.session.remove()

    threads = [threading.Thread(target=work, args=(path,)) for path in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted((r.status, r.inserted) for r in results) == [(ImportStatus.succeeded, 4)] * 2
    assert count(Policy) == 8


def test_a_policy_that_moves_to_another_agent_takes_its_claims_along(frame, tmp_path):
    import_samples()
    rows = sample("policies")
    h = {name: i for i, name in enumerate(rows[0])}
    moved = next(r for r in rows if r[0] == "PDAA202613010200000301")  # has claim ...0012
    moved[h["机构代码"]], moved[h["业务员工号"]] = "HB0101", "HB10002"

    result = run_import("policies", write_csv(tmp_path / "p.csv", rows))

    assert result.updated == 1 and result.linked["claims_moved"] == 1
    claim = db.session.execute(select(Claim).where(Claim.number == "RDAA202613010200000012")).scalar_one()
    agent = db.session.execute(select(Staff).where(Staff.code == "HB10002")).scalar_one()
    assert (claim.branch_id, claim.agent_id, claim.team_id) == (frame["b1"].id, agent.id, frame["t1"].id)


def test_a_csv_without_quotes_reads_as_the_csv_module_reads_it(tmp_path):
    """Unquoted files take a faster path (split on lines and delimiters); quoted ones the csv
    module. Both give the same rows: CRLF or LF, blank and all-empty lines skipped, short rows padded."""
    import csv

    from app.services.ingest.readers import read_table

    rows = [["保单号", "险种", "备注"], ["PD1", "商业险", " 有空格 "], [], ["", "", ""], ["PD2", "交强险"], ["PD3", "", "x"]]
    plain, quoted = tmp_path / "plain.csv", tmp_path / "quoted.csv"
    with open(plain, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    with open(quoted, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(rows)
    assert b'"' not in plain.read_bytes()

    a, b = read_table(plain), read_table(quoted)
    assert (a.headers, a.rows) == (b.headers, b.rows)
    assert a.rows == [(2, ["PD1", "商业险", " 有空格 "]), (5, ["PD2", "交强险", ""]), (6, ["PD3", "", "x"])]
