"""Management reports as JSON (/api/admin/reports): the catalogue, one report with a drill link per
number, and the policies / claims behind a number.

Bearer token only, like json_api.py (so CSRF-exempt); roles from branch manager down to team
manager, each seeing the numbers of their own scope. Drill lists carry customer data: names are
masked and every page read is audited (by the service).
"""

from __future__ import annotations

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.viewer import current_viewer, staff_required
from app.models import Role
from app.services import reports
from app.services.reports.output import drill_dict, plain, result_dict
from app.services.reports.params import load_params

blp = Blueprint("admin_reports_api", __name__, url_prefix="/api/admin/reports", description="管理报表接口")

REPORT_ROLES = (Role.admin, Role.branch_manager, Role.supervisor, Role.team_manager)


class ReportView(MethodView):
    decorators = [staff_required(*REPORT_ROLES)]


@blp.route("")
class Catalogue(ReportView):
    @blp.response(200)
    def get(self):
        """报表目录:各报表的键、名称、分组、可选维度和参数(含默认值)"""
        return {"groups": reports.GROUPS, "reports": [spec.catalogue() for spec in reports.REPORTS.values()]}


@blp.route("/<key>")
class Report(ReportView):
    @blp.response(200)
    def get(self, key):
        """运行报表:参数 from、to、cutoff(默认为 to)、dimension 及报表自身参数;每个可下钻的数字带明细链接"""
        spec = reports.get_spec(key)
        params, _ = load_params(spec, request.args)
        result = reports.run_report(key, params, current_viewer())
        base = {"from": params.date_from.isoformat(), "to": params.date_to.isoformat(),
                "cutoff": params.cutoff.isoformat(), "dimension": result.params.dimension,
                **{k: plain(v) for k, v in result.params.options.items()}}

        def link(column, row_key):
            row = {k: "" if v is None else v for k, v in row_key.items()}
            return url_for("admin_reports_api.ReportDrill", key=key, column=column, **base, **row)

        return result_dict(result, link)


@blp.route("/<key>/drill")
class ReportDrill(ReportView):
    @blp.response(200)
    def get(self, key):
        """数字明细:column 指定数字,行维度值(如 branch_id)指定行,不带则为合计;分页返回保单或赔案清单及件数、金额合计"""
        spec = reports.get_spec(key)
        params, extra = load_params(spec, request.args, drill=True)
        result = reports.drill(key, extra["column"], extra["row_key"], params, current_viewer(),
                               extra["page"], extra["page_size"])
        return drill_dict(result)
