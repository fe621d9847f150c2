"""Import jobs: run an uploaded file's import batch (queued by the admin panel's 数据导入 page)."""

from __future__ import annotations

import logging
from pathlib import Path

from app.auth.viewer import Viewer
from app.extensions import db
from app.models import AuditChannel, Staff
from app.models.ingest import ImportBatch, ImportStatus
from app.services.ingest import fail_stalled_batches, purge_old_reports, run_import

log = logging.getLogger(__name__)


def run_batch(batch_id: int) -> dict:
    """Import the stored file of batch `batch_id`. A batch that already finished is left alone, so
    running the job twice imports once (and the import itself is idempotent anyway)."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        log.warning("import batch %s does not exist", batch_id)
        return {"status": "missing"}
    if batch.status in (ImportStatus.succeeded, ImportStatus.failed):
        return {"status": batch.status.value}
    staff = db.session.get(Staff, batch.staff_id) if batch.staff_id else None
    actor = Viewer(channel=AuditChannel(batch.channel), staff=staff)
    try:
        result = run_import(batch.kind.value, batch.stored_path, partial=batch.partial, actor=actor,
                            batch_id=batch_id)
    finally:
        # The upload holds personal data in clear: it goes once imported. The error report (bad
        # rows only) stays for the user to download.
        Path(batch.stored_path).unlink(missing_ok=True)
    log.info("import batch %s (%s): %s", batch_id, batch.kind.value, result.message)
    return {"status": result.status.value, "inserted": result.inserted, "updated": result.updated,
            "unchanged": result.unchanged, "bad": result.bad, "pending": result.pending}


def fail_stalled() -> int:
    """Scheduled: batches whose worker died mid-import say so instead of '导入中' forever."""
    return fail_stalled_batches()


def purge_reports() -> int:
    """Scheduled: error reports past IMPORT_REPORT_RETENTION_DAYS are deleted (they hold the bad
    rows' personal data in clear)."""
    return purge_old_reports()
