"""The panel's 数据导入 page: upload, the RQ job, progress and result, the error report, refusals
of files that are not CSV/XLSX or too large, and who may use it."""

from __future__ import annotations

import functools
import io
import signal
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy import update as sa_update

from app.auth.passwords import hash_password
from app.extensions import db
from app.models import AuditLog, Dealer, Role, Staff
from app.models.ingest import ImportBatch
from app.services.ingest import uploads_dir
from jobs.worker import InProcessWorker, make_worker
from tests import factories as f
from tests.import_support import SAMPLES, reference_frame

PASSWORD = "correct-horse-battery"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(40)


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)


def account(role: Role, username: str, org) -> Staff:
    s = f.staff(role, org=org, username=username)
    s.password_hash = password_hash()
    return s


@pytest.fixture
def people(db):
    frame = reference_frame()
    made = {
        "admin": account(Role.admin, "admin", frame["company"]),
        "bm1": account(Role.branch_manager, "bm1", frame["b1"]),
        "bm2": account(Role.branch_manager, "bm2", frame["b2"]),
        "tm": account(Role.team_manager, "tm", frame["b1"]),
    }
    db.session.commit()
    return made


@pytest.fixture
def run_jobs(app):
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def run() -> None:
        make_worker(app, ["default"], InProcessWorker).work(burst=True)

    yield run
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def login(client, username: str) -> None:
    resp = client.post("/admin/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)


def upload(client, kind: str, content: bytes, name: str, partial: bool = False):
    data = {"kind": kind, "file": (io.BytesIO(content), name)}
    if partial:
        data["partial"] = "on"
    return client.post("/admin/imports", data=data, content_type="multipart/form-data")


def batches() -> int:
    return db.session.scalar(select(func.count()).select_from(ImportBatch))


def test_upload_runs_as_a_job_and_the_page_shows_the_result(client, people, run_jobs):
    login(client, "admin")
    assert "数据导入" in client.get("/admin/").get_data(as_text=True)  # in the sidebar

    resp = upload(client, "dealers", (SAMPLES / "dealers.csv").read_bytes(), "车商.csv")

    assert resp.status_code == 302
    page = client.get(resp.headers["Location"])
    assert "排队中" in page.get_data(as_text=True) and page.headers["Refresh"] == "2"
    batch_id = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert client.get(f"/admin/imports/{batch_id}/status").get_json()["status"] == "queued"

    run_jobs()

    page = client.get(f"/admin/imports/{batch_id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Refresh" not in page.headers
    assert "已完成" in body and "新增 2" in body and "车商.csv" in body
    status = client.get(f"/admin/imports/{batch_id}/status").get_json()
    assert (status["status"], status["progress"], status["inserted"]) == ("succeeded", 100, 2)
    assert db.session.scalar(select(func.count()).select_from(Dealer)) == 2
    entry = db.session.execute(select(AuditLog).where(AuditLog.action == "import")).scalar_one()
    assert entry.channel == "admin" and entry.staff_id == people["admin"].id
    assert f"#{batch_id}" in client.get("/admin/imports").get_data(as_text=True)
    stored = db.session.get(ImportBatch, batch_id).stored_path
    assert stored.startswith(str(uploads_dir())) and not Path(stored).exists()  # imported, then removed


def test_a_file_with_bad_rows_fails_and_offers_its_error_report(client, people, run_jobs):
    login(client, "bm1")
    content = (SAMPLES / "dealers.csv").read_text(encoding="utf-8").replace("HB01,HB0102", "ZZ01,HB0102")

    resp = upload(client, "dealers", content.encode("gbk"), "dealers.csv")
    run_jobs()

    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "失败" in body and "整个文件未导入" in body and "下载错误报告" in body
    batch = db.session.scalars(select(ImportBatch)).one()
    report = client.get(f"/admin/imports/{batch.id}/report")
    assert report.status_code == 200 and "attachment" in report.headers["Content-Disposition"]
    text = report.get_data().decode("utf-8-sig")
    assert "所属地市代码:机构代码 ZZ01 不存在" in text and text.splitlines()[1].startswith("D010201,")
    assert db.session.scalar(select(func.count()).select_from(Dealer)) == 0

    resp = upload(client, "dealers", content.encode("gbk"), "dealers.csv", partial=True)
    run_jobs()
    assert "新增 1" in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_error_reports_are_deleted_after_the_retention_period(app, client, people, run_jobs, tmp_path):
    """They repeat the bad rows as uploaded (personal data in clear): kept IMPORT_REPORT_RETENTION_DAYS."""
    from app.models.ingest import ImportKind, ImportStatus
    from jobs.imports import purge_reports
    from jobs.schedule import SCHEDULE

    login(client, "admin")
    content = (SAMPLES / "dealers.csv").read_text(encoding="utf-8").replace("HB01,HB0102", "ZZ01,HB0102")
    old_id, new_id = (int(upload(client, "dealers", content.encode(), "dealers.csv").headers["Location"]
                          .rstrip("/").rsplit("/", 1)[1]) for _ in range(2))
    run_jobs()
    old, new = db.session.get(ImportBatch, old_id), db.session.get(ImportBatch, new_id)
    old_report, new_report = Path(old.error_report_path), Path(new.error_report_path)
    assert old_report.is_file() and new_report.is_file()
    operators = tmp_path / "my-report.csv"  # `flask import --report`: the operator's own file
    operators.write_text("keep me")
    db.session.add(ImportBatch(kind=ImportKind.dealers, file_name="dealers.csv", channel="cli", bad=1,
                               status=ImportStatus.failed, error_report_path=str(operators)))
    days = app.config["IMPORT_REPORT_RETENTION_DAYS"]
    db.session.execute(sa_update(ImportBatch).where(ImportBatch.id != new_id)
                       .values(finished_at=func.now() - timedelta(days=days, hours=1)))
    db.session.commit()

    assert purge_reports() == 1
    assert not old_report.exists() and new_report.is_file() and operators.read_text() == "keep me"
    db.session.expire_all()
    assert db.session.get(ImportBatch, old_id).error_report_path is None
    page = client.get(f"/admin/imports/{old_id}").get_data(as_text=True)
    assert "下载错误报告" not in page and f"错误报告只保留 {days} 天,已删除" in page
    gone = client.get(f"/admin/imports/{old_id}/report")
    assert gone.status_code == 404 and f"只保留 {days} 天" in gone.get_data(as_text=True)
    assert client.get(f"/admin/imports/{new_id}/report").status_code == 200
    assert purge_reports() == 0
    assert any(job.func == "jobs.imports.purge_reports" for job in SCHEDULE)


def test_a_png_named_csv_is_refused_in_chinese_and_not_kept(client, people, app):
    login(client, "admin")
    stored_before = set(uploads_dir().glob("*"))

    resp = upload(client, "policies", PNG, "policies.csv")

    assert resp.status_code == 422
    assert "文件不是 CSV 或 Excel(.xlsx)文件" in resp.get_data(as_text=True)
    assert batches() == 0
    assert set(uploads_dir().glob("*")) == stored_before


def test_a_zip_that_is_not_a_workbook_and_a_too_large_file_are_refused(client, people, app, monkeypatch):
    login(client, "admin")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    resp = upload(client, "policies", buffer.getvalue(), "policies.xlsx")
    assert resp.status_code == 422 and "不是 Excel 工作簿" in resp.get_data(as_text=True)

    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 100)
    resp = upload(client, "dealers", (SAMPLES / "dealers.csv").read_bytes(), "dealers.csv")
    assert resp.status_code == 413 and "文件超过" in resp.get_data(as_text=True)
    resp = upload(client, "nonsense", b"a,b\n1,2\n", "x.csv")
    assert resp.status_code == 422
    assert batches() == 0


def test_only_admins_and_branch_managers_may_import(client, people, run_jobs):
    login(client, "tm")
    assert client.get("/admin/imports").status_code == 403
    assert upload(client, "dealers", (SAMPLES / "dealers.csv").read_bytes(), "d.csv").status_code == 403
    assert batches() == 0

    client.post("/admin/logout")
    login(client, "bm1")
    resp = upload(client, "dealers", (SAMPLES / "dealers.csv").read_bytes(), "d.csv")
    own = resp.headers["Location"]
    client.post("/admin/logout")

    login(client, "bm2")  # another branch's manager does not see it
    assert client.get(own).status_code == 404
    assert client.get(own + "/status").status_code == 404
    assert "d.csv" not in client.get("/admin/imports").get_data(as_text=True)
    client.post("/admin/logout")
    login(client, "admin")  # the administrator sees every batch
    assert client.get(own).status_code == 200


def test_the_upload_form_carries_a_csrf_token(app, client, people):
    login(client, "admin")
    body = client.get("/admin/imports").get_data(as_text=True)
    assert 'name="csrf_token"' in body and 'enctype="multipart/form-data"' in body
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = upload(client, "dealers", (SAMPLES / "dealers.csv").read_bytes(), "d.csv")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert resp.status_code == 400 and batches() == 0



def test_a_branch_manager_imports_only_for_their_own_branch(client, people, run_jobs):
    login(client, "bm2")  # 桥西支公司 (HB0102); the dealers sample has one dealer of each branch

    resp = upload(client, "dealers", (SAMPLES / "dealers.csv").read_bytes(), "dealers.csv", partial=True)
    run_jobs()

    body = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "新增 1" in body and "错误 1" in body
    assert db.session.scalars(select(Dealer.code)).all() == ["D010201"]  # their own; the city is theirs too
    batch_id = resp.headers["Location"].rsplit("/", 1)[1]
    report = client.get(f"/admin/imports/{batch_id}/report").get_data().decode("utf-8-sig")
    assert "管理机构代码:机构代码 HB0101 不在您的管辖范围内" in report


def test_a_batch_whose_worker_died_is_marked_failed_and_its_upload_deleted(app, people, tmp_path):
    """A worker killed mid-import leaves its batch 'running' (the import's transaction rolled
    back); the scheduled sweep tells the user, and only for batches past the job time limit."""
    from app.auth.viewer import Viewer
    from app.models import AuditChannel
    from app.models.ingest import ImportStatus
    from app.services.ingest import create_batch
    from jobs.imports import fail_stalled

    actor = Viewer(channel=AuditChannel.admin, staff=people["admin"])
    upload_file = tmp_path / "upload.csv"
    upload_file.write_text("保单号\n")
    dead = create_batch("policies", "dead.csv", actor, stored_path=str(upload_file))
    alive = create_batch("policies", "alive.csv", actor)
    limit = app.config["JOB_TIMEOUT_SECONDS"]
    with db.engine.begin() as conn:
        conn.execute(sa_update(ImportBatch).where(ImportBatch.id == dead.id).values(
            status=ImportStatus.running, updated_at=func.now() - timedelta(seconds=limit + 60)))
        conn.execute(sa_update(ImportBatch).where(ImportBatch.id == alive.id).values(
            status=ImportStatus.running, updated_at=func.now() - timedelta(seconds=limit - 60)))

    assert fail_stalled() == 1
    db.session.expire_all()
    dead, alive = db.session.get(ImportBatch, dead.id), db.session.get(ImportBatch, alive.id)
    assert dead.status == ImportStatus.failed and "没有写入任何数据" in dead.message
    assert not upload_file.exists()
    assert alive.status == ImportStatus.running
    assert fail_stalled() == 0
