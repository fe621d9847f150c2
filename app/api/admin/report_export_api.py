"""The whole report set (or some of it) as one Excel download for scripts holding a staff token:
GET /api/admin/reports/export.xlsx?from=...&to=...&cutoff=...&report=KEY&report=KEY."""

from __future__ import annotations

import io

from flask import send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields, validates_schema

from app.auth.viewer import current_viewer, staff_required
from app.models import Role
from app.services import report_export
from app.services.reports.base import ReportParams
from app.services.reports.params import PeriodArgs

blp = Blueprint("admin_report_export_api", __name__, url_prefix="/api/admin/reports",
                description="管理报表 Excel 导出")

REPORT_ROLES = (Role.admin, Role.branch_manager, Role.supervisor, Role.team_manager)


class ExportArgs(PeriodArgs):
    """The reports' own period schema (from, to, cutoff; unknown keys refused) plus the reports wanted."""

    reports = fields.List(fields.String(), data_key="report", load_default=None)

    @validates_schema
    def _cutoff(self, data, **kwargs):
        if data.get("date_from") and data.get("cutoff") and data["cutoff"] < data["date_from"]:
            raise ValidationError("截止日期不能早于开始日期", "cutoff")


@blp.route("/export.xlsx")
class Export(MethodView):
    decorators = [staff_required(*REPORT_ROLES)]

    @blp.arguments(ExportArgs, location="query")
    @blp.response(200, content_type=report_export.XLSX_MIMETYPE)
    def get(self, args):
        """导出报表(Excel):from、to、cutoff(默认为 to),report 可重复指定报表键,默认全部"""
        viewer = current_viewer()
        params = ReportParams(args["date_from"], args["date_to"], args["cutoff"] or args["date_to"])
        results = report_export.run_report_set(viewer, params.date_from, params.date_to, params.cutoff,
                                               args["reports"])
        report_export.record_export(viewer, [r.key for r in results], params)
        data = report_export.workbook_bytes(results, subtitle=viewer.staff.org_unit.name)
        return send_file(io.BytesIO(data), mimetype=report_export.XLSX_MIMETYPE, as_attachment=True,
                         download_name=f"保运经营报表_{params.date_from}_{params.date_to}.xlsx")
