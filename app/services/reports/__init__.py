"""The report engine: every management report by key, run for a viewer, and the drill-down behind
each of its numbers.

`REPORTS` is the catalogue (key -> ReportSpec: Chinese title, group, dimensions, options with
defaults, build function); `run_report` and `drill` are what the API, dashboards, Excel export,
CLI and digest call.
"""

from __future__ import annotations

from app.auth.viewer import Viewer
from app.errors import NotFound
from app.services.reports import city, claims, dealer, renewal, team
from app.services.reports.base import DrillResult, ReportParams, ReportResult
from app.services.reports.engine import GROUPS, ReportSpec
from app.services.reports.engine import drill as _drill
from app.services.reports.engine import run_report as _run

REPORTS: dict[str, ReportSpec] = {spec.key: spec for module in (renewal, claims, city, dealer, team) for spec in module.REPORTS}

__all__ = ["GROUPS", "REPORTS", "DrillResult", "ReportParams", "ReportResult", "ReportSpec", "drill", "get_spec", "run_reports",
           "run_report"]


def get_spec(key: str) -> ReportSpec:
    spec = REPORTS.get(key)
    if spec is None:
        raise NotFound("没有这个报表")
    return spec


def run_report(key: str, params: ReportParams, viewer: Viewer) -> ReportResult:
    return _run(get_spec(key), params, viewer)


def drill(key: str, column_key: str, row_key: dict, params: ReportParams, viewer: Viewer, page: int = 1,
          page_size: int = 50) -> DrillResult:
    return _drill(get_spec(key), column_key, row_key, params, viewer, page, page_size)


def run_reports(keys: list[str], params: ReportParams, viewer: Viewer) -> list[ReportResult]:
    """Several reports of the same parameters for one viewer (Excel pack, digest, CLI): what they
    share (the renewal units) is computed once. Each report's options are its defaults unless
    params.options names them."""
    from app.services.reports.common import report_set

    results = []
    with report_set():
        for key in keys:
            spec = get_spec(key)
            own = {k: v for k, v in params.options.items() if k in {o.key for o in spec.options}}
            results.append(run_report(key, ReportParams(params.date_from, params.date_to, params.cutoff,
                                                        params.dimension if params.dimension in spec.dimensions
                                                        else None, own), viewer))
    return results
