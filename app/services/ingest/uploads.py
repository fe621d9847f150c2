"""Imports uploaded through the admin panel: store the file, check what it is, queue the job; and
the batches a viewer may see."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from app import tasks
from app.auth.viewer import Viewer
from app.errors import DomainError, Forbidden, NotFound
from app.extensions import db
from app.models import Role
from app.models.ingest import ImportBatch
from app.services.ingest import create_batch, parse_kind, uploads_dir
from app.services.ingest.readers import FileRefused, detect_format

IMPORT_ROLES = (Role.admin, Role.branch_manager)
JOB = "jobs.imports.run_batch"
_CHUNK = 1 << 16


def require_importer(viewer: Viewer) -> None:
    if viewer.role not in IMPORT_ROLES:
        raise Forbidden("只有管理员和支公司经理可以导入数据")


def submit_upload(viewer: Viewer, kind: str, file_name: str, stream: BinaryIO, partial: bool) -> ImportBatch:
    """Store the upload under a generated name, refuse what is not a CSV/XLSX (by content) or too
    large, and queue its import on the default queue. Returns the queued batch."""
    require_importer(viewer)
    parse_kind(kind)
    limit = current_app.config["IMPORT_MAX_BYTES"]
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{secrets.token_hex(16)}.upload"
    try:
        size = _save(stream, stored, limit)
        if size == 0:
            raise FileRefused("请选择要上传的文件")
        fmt = detect_format(stored)
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    final = stored.with_suffix(f".{fmt}")
    stored.rename(final)
    batch = create_batch(kind, Path(file_name or f"upload.{fmt}").name, viewer, partial, stored_path=str(final))
    # No automatic retry: an import that failed says why on its page; the user decides.
    tasks.launch(JOB, batch.id, job_id=f"import-batch-{batch.id}", retry=False)
    return batch


def _save(stream: BinaryIO, path: Path, limit: int) -> int:
    size = 0
    with open(path, "wb") as out:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise DomainError(f"文件超过 {limit // (1024 * 1024)} MB 上限,请分成几个文件导入",
                                  "import_file_too_large", status=413)
            out.write(chunk)
    return size


def visible_batches(viewer: Viewer, limit: int = 20) -> list[ImportBatch]:
    """Recent batches: all of them for an admin, a branch manager's own otherwise."""
    require_importer(viewer)
    stmt = select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)
    if viewer.role != Role.admin:
        stmt = stmt.where(ImportBatch.staff_id == viewer.staff_id)
    return list(db.session.scalars(stmt))


def get_batch(viewer: Viewer, batch_id: int) -> ImportBatch:
    require_importer(viewer)
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or (viewer.role != Role.admin and batch.staff_id != viewer.staff_id):
        raise NotFound("没有这个导入批次")
    return batch


def report_file(viewer: Viewer, batch_id: int) -> Path:
    batch = get_batch(viewer, batch_id)
    path = Path(batch.error_report_path) if batch.error_report_path else None
    if path is None or not path.is_file():
        if batch.bad and batch.finished_at is not None:
            days = current_app.config["IMPORT_REPORT_RETENTION_DAYS"]
            raise NotFound(f"错误报告只保留 {days} 天,这个批次的报告已删除;如需核对请重新导入原文件")
        raise NotFound("这个批次没有错误报告")
    return path
