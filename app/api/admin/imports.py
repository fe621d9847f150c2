"""The panel's 数据导入 pages: upload a core-system export, watch its import job, fetch the error report."""

from __future__ import annotations

from flask import jsonify, make_response, redirect, render_template, request, send_file, url_for
from marshmallow import Schema, fields, validate

from app.api.admin.panel import bp, load_args
from app.auth.viewer import current_viewer
from app.errors import DomainError
from app.models.ingest import IMPORT_KIND_LABELS, IMPORT_STATUS_LABELS, ImportBatch, ImportStatus
from app.services.ingest import uploads
from app.services.ingest.columns import DEPENDENCY_ORDER
from app.timeutil import business_zone

KIND_CHOICES = [(kind.value, IMPORT_KIND_LABELS[kind]) for kind in DEPENDENCY_ORDER]


class ImportUploadArgs(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k for k, _ in KIND_CHOICES]),
                         error_messages={"required": "请选择数据类型"})
    partial = fields.Boolean(load_default=False, truthy={"on", "1", "true", "y"}, falsy={"", "0", "false", "n"})

    class Meta:
        unknown = "exclude"  # the CSRF token travels in the same form


@bp.get("/imports")
def imports():
    viewer = current_viewer()
    return _page(batches=uploads.visible_batches(viewer))


@bp.post("/imports")
def imports_upload():
    viewer = current_viewer()
    uploads.require_importer(viewer)
    file = request.files.get("file")
    try:
        args = load_args(ImportUploadArgs(), request.form)
        if file is None or not file.filename:
            raise DomainError("请选择要上传的文件", "import_no_file", status=422)
        batch = uploads.submit_upload(viewer, args["kind"], file.filename, file.stream, args["partial"])
    except DomainError as err:
        return _page(batches=uploads.visible_batches(viewer), error=err.message,
                     chosen=request.form.get("kind")), err.status
    return redirect(url_for("admin.import_detail", batch_id=batch.id))


@bp.get("/imports/<int:batch_id>")
def import_detail(batch_id: int):
    batch = _dump(uploads.get_batch(current_viewer(), batch_id))
    response = make_response(render_template("admin/import_detail.html", batch=batch))
    if batch["running"]:
        # The panel allows no inline script (CSP): the browser reloads the page until the job ends.
        response.headers["Refresh"] = "2"
    return response


@bp.get("/imports/<int:batch_id>/status")
def import_status(batch_id: int):
    """The batch as JSON, for a page or a script that polls the import's progress."""
    return jsonify(_dump(uploads.get_batch(current_viewer(), batch_id)))


@bp.get("/imports/<int:batch_id>/report")
def import_report(batch_id: int):
    path = uploads.report_file(current_viewer(), batch_id)
    return send_file(path, as_attachment=True, download_name=f"导入错误报告-{batch_id}{path.suffix}")


def _page(**context):
    return render_template("admin/imports.html", kind_choices=KIND_CHOICES,
                           batches=[_dump(b) for b in context.pop("batches")], **context)


def _dump(batch: ImportBatch) -> dict:
    running = batch.status in (ImportStatus.queued, ImportStatus.running)
    return {
        "id": batch.id, "kind": batch.kind.value, "kind_label": IMPORT_KIND_LABELS[batch.kind],
        "file_name": batch.file_name, "status": batch.status.value, "status_label": IMPORT_STATUS_LABELS[batch.status],
        "running": running, "partial": batch.partial, "progress": batch.progress, "total": batch.total_rows,
        "inserted": batch.inserted, "updated": batch.updated, "unchanged": batch.unchanged, "bad": batch.bad,
        "pending": batch.pending, "message": batch.message or "", "has_report": bool(batch.error_report_path),
        "staff_name": batch.staff.name if batch.staff else "命令行",
        "created_at": _local(batch.created_at), "finished_at": _local(batch.finished_at),
    }


def _local(moment) -> str | None:
    return moment.astimezone(business_zone()).isoformat() if moment else None
