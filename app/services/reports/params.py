"""Reading a report's parameters from a query string (JSON API, dashboards, CLI) with marshmallow:
dates, from <= to, a dimension the report has, each option's type; Chinese messages."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from app.errors import DomainError
from app.services.reports.base import ReportParams
from app.services.reports.common import DIMENSIONS
from app.services.reports.engine import ReportSpec

DATE_ERRORS = {"invalid": "日期格式应为 YYYY-MM-DD", "required": "请填写日期"}


class PeriodArgs(Schema):
    class Meta:
        unknown = RAISE

    date_from = fields.Date(data_key="from", required=True,
                            error_messages={**DATE_ERRORS, "required": "请填写开始日期"})
    date_to = fields.Date(data_key="to", required=True, error_messages={**DATE_ERRORS, "required": "请填写结束日期"})
    # Default: the end of the period.
    cutoff = fields.Date(load_default=None, error_messages=DATE_ERRORS)

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("结束日期不能早于开始日期", "to")

    def handle_error(self, error, data, **kwargs):
        # Messages are Chinese (app/schemas/messages.py sets marshmallow's defaults, ours are written in).
        raise DomainError("报表参数有误", "validation_error", error.normalized_messages(), status=422)


def _option_field(option):
    if option.type == "int":
        return fields.Integer(load_default=option.default, strict=False,
                              error_messages={"invalid": f"{option.label}应为整数"})
    if option.type == "decimal":
        return fields.Decimal(load_default=option.default, allow_nan=False,
                              error_messages={"invalid": f"{option.label}应为数字",
                                              "special": f"{option.label}应为数字"})
    values = [v for v, _ in option.choices]
    return fields.String(load_default=option.default,
                         validate=validate.OneOf(values, error=f"{option.label}应为:{'、'.join(values)}"))


_SCHEMAS: dict[tuple[str, bool], type[Schema]] = {}


def args_schema(spec: ReportSpec, drill: bool = False) -> type[Schema]:
    """The query-string schema of one report (and of its drill-down, which adds the number's
    column, the row's dimension value and paging); built once per report."""
    cached = _SCHEMAS.get((spec.key, drill))
    if cached is not None:
        return cached
    attrs = {o.key: _option_field(o) for o in spec.options}
    dims = list(spec.dimensions)
    attrs["dimension"] = fields.String(load_default=None, validate=validate.OneOf(
        dims, error=f"维度应为:{'、'.join(dims)}"))
    if drill:
        attrs["column"] = fields.String(required=True, error_messages={"required": "请指定要查看明细的数字"})
        attrs["page"] = fields.Integer(load_default=1, validate=validate.Range(min=1, error="页码必须大于0"),
                                       error_messages={"invalid": "页码应为整数"})
        attrs["page_size"] = fields.Integer(load_default=50, validate=validate.Range(
            min=1, max=500, error="每页条数应在1到500之间"), error_messages={"invalid": "每页条数应为整数"})
        for d in dims:
            attrs[DIMENSIONS[d].column] = fields.String(load_default=None, allow_none=True)
    schema = type(f"{spec.key.title().replace('_', '')}{'Drill' if drill else ''}Args", (PeriodArgs,), attrs)
    _SCHEMAS[(spec.key, drill)] = schema
    return schema


def load_params(spec: ReportSpec, args, drill: bool = False) -> tuple[ReportParams, dict]:
    """ReportParams from a query string; for a drill also {"column", "row_key", "page", "page_size"}."""
    data = args_schema(spec, drill)().load(args.to_dict() if hasattr(args, "to_dict") else dict(args))
    options = {o.key: data[o.key] for o in spec.options}
    params = ReportParams(data["date_from"], data["date_to"], data["cutoff"] or data["date_to"],
                          data["dimension"], options)
    extra = {}
    if drill:
        given = set(args.keys())
        # Only the report's own dimension may be given; the engine refuses another one.
        row_key = {DIMENSIONS[d].column: data[DIMENSIONS[d].column] for d in spec.dimensions
                   if DIMENSIONS[d].column in given}
        extra = {"column": data["column"], "row_key": row_key, "page": data["page"],
                 "page_size": data["page_size"]}
    return params, extra
