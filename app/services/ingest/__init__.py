"""Importing the core business system's exports: `run_import(kind, path, partial, actor, progress)`.

One file is one transaction. Read (readers.py) and validate every row in bulk (validate.py, with the
header mapping of columns.py), part by part for a big policy file; a loading thread COPYs each
validated part's good rows into a staging table and upserts them (load.py) while the next part is
read and validated -> write the error report of the bad rows (report.py) -> if the file is refused
(any bad row without `partial`) roll everything back, else the audit entry and the batch's counts,
committed with the data.

The ImportBatch row is committed before the work starts and its progress is written on a separate
short connection, so a page polling it sees the import move while the import's own transaction is
still open. The import transaction touches that row only at the end, after the last progress write.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, update

from app.auth.viewer import Viewer
from app.errors import DomainError
from app.extensions import db
from app.models import AuditChannel, Role
from app.models.ingest import IMPORT_KIND_LABELS, ImportBatch, ImportKind, ImportStatus
from app.services import audit
from app.services.ingest.load import Landed, Loader, ReferenceVanished
from app.services.ingest.readers import FileRefused, Table, TableReader, open_table
from app.services.ingest.report import write_report
from app.services.ingest.validate import Checked, Issue, Lookups, check, merge, missing_reason
from app.timeutil import business_zone

log = logging.getLogger(__name__)

__all__ = ["FileRefused", "ImportResult", "Issue", "create_batch", "fail_stalled_batches", "reports_dir", "run_import",
           "uploads_dir"]

Progress = Callable[[float, str], None]


@dataclass
class ImportResult:
    batch_id: int
    kind: ImportKind
    status: ImportStatus
    total: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    bad: int = 0
    pending: int = 0
    linked: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    report_path: str | None = None
    message: str = ""
    seconds: float = 0.0
    # Seconds per phase (read, validate, report, load, commit): where an import spends its time.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == ImportStatus.succeeded


def uploads_dir() -> Path:
    return Path(current_app.config["VAR_DIR"]) / "imports"


def reports_dir() -> Path:
    return uploads_dir() / "reports"


def parse_kind(kind: str) -> ImportKind:
    try:
        return ImportKind(kind)
    except ValueError:
        known = "、".join(f"{k.value}({label})" for k, label in IMPORT_KIND_LABELS.items())
        raise DomainError(f"未知的导入类型 {kind},可选:{known}", "import_unknown_kind", status=422) from None


def create_batch(kind: str, file_name: str, actor: Viewer, partial: bool = False,
                 stored_path: str | None = None) -> ImportBatch:
    """A queued batch, committed, so a job or a progress bar can refer to it by id."""
    batch = ImportBatch(kind=parse_kind(kind), file_name=file_name[:255], stored_path=stored_path,
                        staff_id=actor.staff_id, channel=actor.channel.value, partial=partial,
                        status=ImportStatus.queued, total_rows=0, inserted=0, updated=0, unchanged=0, bad=0,
                        pending=0, progress=0)
    db.session.add(batch)
    db.session.commit()
    return batch


def run_import(kind: str, path: str | Path, partial: bool = False, actor: Viewer | None = None,
               progress: Progress | None = None, report_path: str | Path | None = None,
               batch_id: int | None = None) -> ImportResult:
    """Import the `kind` export at `path`; see the module docstring. Does not raise for a bad file
    or a failed load: the result (and the batch row) says what happened."""
    started = time.perf_counter()
    path = Path(path)
    actor = actor or Viewer(channel=AuditChannel.cli)
    batch = db.session.get(ImportBatch, batch_id) if batch_id else create_batch(kind, path.name, actor, partial)
    kind = batch.kind
    batch_id = batch.id
    result = ImportResult(batch_id=batch_id, kind=kind, status=ImportStatus.running)
    _touch(batch_id, status=ImportStatus.running, started_at=datetime.now(UTC), progress=0)
    report = _Progress(batch_id, progress)
    try:
        report(0.0, "读取")
        clock = _Clock(result.timings)
        connection = db.session.connection().connection.driver_connection
        loader = Loader(kind, connection, partial)
        with open_table(path) as reader:
            clock("open")
            checked, landed, good = _check_and_load(reader, loader, report, _scope_path(actor), clock)
        result.total = checked.total
        result.issues = [issue for index in checked.bad_rows for issue in checked.issues[index]]
        result.bad = len(checked.bad_rows)
        if result.bad:
            target = Path(report_path) if report_path else reports_dir() / f"batch-{batch_id}-errors.csv"
            result.report_path = str(write_report(checked, target))
            clock("report")
        if result.bad and not partial:
            db.session.rollback()
            result.status = ImportStatus.failed
            result.message = (f"共 {result.total} 行,发现 {result.bad} 行错误,整个文件未导入。"
                              f"请按错误报告修改后重新导入,或使用部分导入(命令行加 --partial,页面勾选“部分导入”)只导入正确的行。")
            return _finish(batch_id, result, started)
        result.inserted, result.updated, result.pending = landed.inserted, landed.updated, landed.pending
        result.linked = landed.linked
        result.unchanged = good - landed.inserted - landed.updated - landed.pending
        result.status = ImportStatus.succeeded
        result.message = _summary(result)
        audit.record(actor, "import", "import_batch", batch_id,
                     {"kind": kind.value, "file": batch.file_name, "partial": partial, "total": result.total,
                      "inserted": result.inserted, "updated": result.updated, "unchanged": result.unchanged,
                      "bad": result.bad, "pending": result.pending, **result.linked},
                     channel=actor.channel)
        report(0.98, "提交")
        _finish(batch_id, result, started, commit_with_data=True)
        clock("commit")
        return result
    except FileRefused as err:
        db.session.rollback()
        result.status = ImportStatus.failed
        result.message = err.message
        return _finish(batch_id, result, started)
    except Exception as err:
        # Reported like a refused file (the batch says failed, the CLI exits 1), with the
        # traceback in the log: the transaction rolled back, so nothing was written.
        db.session.rollback()
        log.exception("import batch %s failed", batch_id)
        result.status = ImportStatus.failed
        result.message = f"导入失败,没有写入任何数据:{_db_reason(err)}"
        return _finish(batch_id, result, started)


def fail_stalled_batches() -> int:
    """Mark failed the batches still 'running' with no progress for longer than a job may run:
    their worker died. Nothing of theirs was written (rows and the final status commit together),
    so the message says so; their upload, which holds personal data, is deleted. Returns how many."""
    limit = timedelta(seconds=current_app.config["JOB_TIMEOUT_SECONDS"])
    stalled = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.status == ImportStatus.running, ImportBatch.updated_at < func.now() - limit)
        .values(status=ImportStatus.failed, finished_at=func.now(),
                message=f"导入任务意外中断(超过 {int(limit.total_seconds() // 60)} 分钟没有进展),"
                        "没有写入任何数据,请重新导入。")
        .returning(ImportBatch.id, ImportBatch.stored_path)).all()
    db.session.commit()
    for batch_id, stored_path in stalled:
        if stored_path:
            Path(stored_path).unlink(missing_ok=True)
        log.warning("import batch %s stalled (its worker died): marked failed", batch_id)
    return len(stalled)


def purge_old_reports() -> int:
    """Delete the error reports of batches finished more than IMPORT_REPORT_RETENTION_DAYS ago:
    they repeat the bad rows as uploaded, personal data in clear. Only reports this application
    wrote under reports_dir() go; a path chosen on the command line (`flask import --report`) is
    the operator's file. Returns how many were deleted."""
    days = current_app.config["IMPORT_REPORT_RETENTION_DAYS"]
    ours = reports_dir().resolve()
    old = db.session.execute(
        select(ImportBatch.id, ImportBatch.error_report_path)
        .where(ImportBatch.error_report_path.is_not(None), ImportBatch.finished_at < func.now() - timedelta(days=days))
    ).all()
    purged = []
    for batch_id, path in old:
        if Path(path).resolve().parent == ours:
            Path(path).unlink(missing_ok=True)
            purged.append(batch_id)
    if purged:
        db.session.execute(update(ImportBatch).where(ImportBatch.id.in_(purged)).values(error_report_path=None))
    db.session.commit()
    if purged:
        log.info("import error reports older than %d days deleted: %d", days, len(purged))
    return len(purged)


def _scope_path(actor: Viewer) -> str | None:
    """Administrators and the command line import for the whole company; a branch manager for
    their own org subtree."""
    if actor.staff is None or actor.role == Role.admin:
        return None
    return actor.staff.org_unit.path


def _check_and_load(reader: TableReader, loader: Loader, report: _Progress, scope_path: str | None,
                    clock: _Clock) -> tuple[Checked, Landed, int]:
    """Read and validate the file part by part in this thread while a second thread loads each
    part that has been validated (Loader.load): PostgreSQL writes one part while Python reads and
    checks the next. Most files are one part; a policy file is parts of load.PART_ROWS.

    The loading thread has the connection to itself while it works on a part: validation uses it
    only for reference codes it has not met in an earlier part (Lookups keeps them), and then
    waits its turn (psycopg serialises a connection's statements). Returns the whole file's
    Checked (with the rows only SQL found bad), what landed, and how many rows were good.
    """
    lookups, seen = Lookups(loader.connection), {}
    rows: list = []
    parts: list[tuple[int, Checked]] = []
    loads: list[tuple[Checked, Future]] = []
    error: Exception | None = None
    expected = max(reader.size_hint, 1)
    loader.begin()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-load") as loading:
        try:
            for part in reader.parts(loader.part_rows):
                offset = len(rows)
                rows.extend(part.rows)
                progress = partial(_part_progress, report, min(offset / expected, 1.0), len(part.rows) / expected)
                checked = check(loader.kind, part, lookups, business_zone(), progress, scope_path, seen)
                parts.append((offset, checked))
                if checked.bad_rows and not loader.partial:
                    loader.refuse()
                text = loader.text(checked.stage_rows, checked.stage_columns)
                loads.append((checked, loading.submit(loader.load, text, checked.good_count)))
        except Exception as err:  # let the loading thread finish before the caller rolls back
            error = err
        clock("validate")
        wait([future for _checked, future in loads])
        clock("load")
    failed = next((f.exception() for _c, f in loads if f.exception() is not None), None)
    if failed is not None or error is not None:
        raise failed or error
    if not loader.refused:
        loader.finish()
    landed, good = Landed(), 0
    for checked, future in loads:
        part_landed, misses = future.result()
        landed += part_landed
        good += checked.good_count - len(_add_unresolved(checked, misses))
    return merge(parts, Table(reader.headers, rows, reader.format, reader.encoding)), landed, good


def _part_progress(report: _Progress, start: float, share: float, fraction: float, stage: str) -> None:
    report(0.05 + 0.9 * min(start + fraction * share, 1.0), stage)


def _add_unresolved(checked, misses: list[tuple[int, str]]) -> list[int]:
    """Record references that only SQL could resolve as issues of their rows; return those rows."""
    if not misses:
        return []
    index_of = {row_no: i for i, (row_no, _cells) in enumerate(checked.table.rows)}
    for row_no, field_name in misses:
        i = index_of[row_no]
        column = next(c for c in checked.columns if c.field == field_name)
        value = checked.values[field_name][i]
        checked.fail(i, column, value, missing_reason(checked.kind, field_name, value))
    return sorted({row_no for row_no, _f in misses})


def _summary(result: ImportResult) -> str:
    text = (f"共 {result.total} 行:新增 {result.inserted},更新 {result.updated},未变 {result.unchanged}"
            f",错误 {result.bad}")
    if result.pending:
        text += f",等待保单 {result.pending}"
    return text + "。"


def _db_reason(err: Exception) -> str:
    if isinstance(err, ReferenceVanished):
        return f"导入期间有被引用的数据被删除({err}),请重新导入"
    diag = getattr(getattr(err, "orig", err), "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    return f"违反数据约束 {constraint}" if constraint else "服务器内部错误"


def _finish(batch_id: int, result: ImportResult, started: float, commit_with_data: bool = False) -> ImportResult:
    """Write the outcome to the batch row: in the import's own transaction when data was written
    (the counts commit with the rows they count), else in a fresh one."""
    result.seconds = time.perf_counter() - started
    values = dict(status=result.status, total_rows=result.total, inserted=result.inserted, updated=result.updated,
                  unchanged=result.unchanged, bad=result.bad, pending=result.pending, progress=100,
                  error_report_path=result.report_path, message=result.message, finished_at=datetime.now(UTC))
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(**values))
    db.session.commit()
    if not commit_with_data:
        log.info("import batch %s: %s", batch_id, result.message)
    return result


def _touch(batch_id: int, **values) -> None:
    """Update the batch row on a connection of its own, committed at once (see the module docstring)."""
    with db.engine.begin() as conn:
        conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(**values))


class _Clock:
    def __init__(self, timings: dict[str, float]):
        self.timings = timings
        self.last = time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        self.timings[phase] = round(now - self.last, 3)
        self.last = now


class _Progress:
    """Forwards progress to the caller (the CLI's bar) and, every 5%, to the batch row."""

    def __init__(self, batch_id: int, forward: Progress | None):
        self.batch_id = batch_id
        self.forward = forward
        self.written = 0

    def __call__(self, fraction: float, stage: str) -> None:
        if self.forward is not None:
            self.forward(fraction, stage)
        percent = min(99, int(fraction * 100))
        if percent - self.written >= 5:
            self.written = percent
            _touch(self.batch_id, progress=percent)
