"""The shapes every report shares: its parameters in, its table out, and the drill-down behind a number.

The JSON API, the admin dashboards, the Excel export, `flask kpi export` and the morning digest
all read a ReportResult and nothing else, so a report is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

# How a column's values are formatted (JSON keeps them as numbers or strings; Excel and the
# dashboards format by kind).
COLUMN_KINDS = ("text", "count", "money", "rate", "days", "number")


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # Chinese header
    kind: str = "text"
    # The drill-down list behind this number ("policies" or "claims"); None when the number is
    # not a count or sum over rows (e.g. a rank).
    drill: str | None = None


@dataclass(frozen=True)
class ReportParams:
    """What every report is parameterised by. `options` carries the definition parameters of
    DOMAIN.md (renewal window, minimum term, stale days, thresholds ...), each with a default in
    the report's definition; unknown keys are refused by the schema that builds this."""

    date_from: date
    date_to: date
    cutoff: date
    dimension: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Alert:
    """An indicator outside its threshold, listed first in the digest."""

    label: str
    value: Decimal | None
    threshold: Decimal | None
    message: str  # Chinese, one line


@dataclass
class ReportResult:
    key: str  # "renewal_rate"
    title: str  # "续保率"
    params: ReportParams
    columns: list[Column]
    rows: list[dict[str, Any]]  # keys are column keys; money and rates as Decimal
    totals: dict[str, Any] | None = None
    definition: str = ""  # Chinese: formula, time basis and the parameters used
    # How a dashboard draws it: {"type": "bar" | "line" | "pie", "x": column key, "y": [column keys]}
    chart: dict[str, Any] | None = None
    alerts: list[Alert] = field(default_factory=list)


@dataclass
class DrillResult:
    """The rows behind one number of a report: `total` and `sums["amount"]` reproduce the number
    (a count is `total`; a sum is `sums["amount"]`), `rows` is one page of them."""

    kind: str  # "policies" | "claims" | "complaints"
    report: str
    column: str
    label: str  # the number's Chinese label
    total: int
    sums: dict[str, Decimal]
    columns: list[Column]
    rows: list[dict[str, Any]]
    page: int = 1
    page_size: int = 50
