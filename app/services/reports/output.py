"""Plain-JSON shapes of a ReportResult and a DrillResult (decimals as strings, dates ISO), with a
drill link per drillable cell when a link builder is given."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.services.reports.base import Column, DrillResult, ReportResult


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _columns(columns: list[Column]) -> list[dict]:
    return [{"key": c.key, "label": c.label, "kind": c.kind, "drill": c.drill} for c in columns]


def row_key_of(result: ReportResult, row: dict) -> dict:
    """The dimension value(s) that identify a row for a drill: {"branch_id": 5}."""
    from app.services.reports.common import DIMENSIONS

    if result.params.dimension is None:
        return {}
    column = DIMENSIONS[result.params.dimension].column
    return {column: row.get(column)}


def result_dict(result: ReportResult, drill_link: Callable[[str, dict], str] | None = None) -> dict:
    """drill_link(column_key, row_key) -> URL; the totals row drills with an empty row key."""
    drillable = [c.key for c in result.columns if c.drill]

    def row_out(row: dict, row_key: dict) -> dict:
        out = {k: plain(v) for k, v in row.items()}
        if drill_link:
            out["drill"] = {k: drill_link(k, row_key) for k in drillable if row.get(k) is not None}
        return out

    p = result.params
    return {
        "key": result.key,
        "title": result.title,
        "params": {"from": p.date_from.isoformat(), "to": p.date_to.isoformat(), "cutoff": p.cutoff.isoformat(),
                   "dimension": p.dimension, "options": {k: plain(v) for k, v in p.options.items()}},
        "columns": _columns(result.columns),
        "rows": [row_out(r, row_key_of(result, r)) for r in result.rows],
        "totals": row_out(result.totals, {}) if result.totals is not None else None,
        "definition": result.definition,
        "chart": result.chart,
        "alerts": [{"label": a.label, "value": plain(a.value), "threshold": plain(a.threshold), "message": a.message}
                   for a in result.alerts],
    }


def drill_dict(result: DrillResult) -> dict:
    return {
        "kind": result.kind, "report": result.report, "column": result.column, "label": result.label,
        "total": result.total, "sums": {k: plain(v) for k, v in result.sums.items()},
        "page": result.page, "page_size": result.page_size,
        "columns": _columns(result.columns),
        "rows": [{k: plain(v) for k, v in r.items()} for r in result.rows],
    }
