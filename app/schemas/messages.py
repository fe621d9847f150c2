"""marshmallow's built-in error messages in Simplified Chinese.

Installed once by create_app, so every schema (and webargs' parsing of query strings) reports
field errors in Chinese without each field repeating its own messages.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

FIELD_MESSAGES = {
    fields.Field: {"required": "必填项", "null": "不能为空", "validator_failed": "值无效"},
    fields.Boolean: {"invalid": "应为是或否"},
    fields.Date: {"invalid": "日期格式不正确,应为 YYYY-MM-DD", "format": "无法格式化为日期"},
    fields.DateTime: {"invalid": "时间格式不正确", "invalid_awareness": "时间需带时区",
                      "format": "无法格式化为时间"},
    fields.Time: {"invalid": "时间格式不正确"},
    fields.Decimal: {"special": "不允许 NaN 或无穷大"},
    fields.Float: {"special": "不允许 NaN 或无穷大"},
    fields.Number: {"invalid": "应为数字", "too_large": "数字过大"},
    fields.Integer: {"invalid": "应为整数"},
    fields.String: {"invalid": "应为文本", "invalid_utf8": "文本编码应为 UTF-8"},
    fields.Email: {"invalid": "邮箱格式不正确"},
    fields.Enum: {"unknown": "取值应为以下之一:{choices}"},
    fields.List: {"invalid": "应为列表"},
    fields.Mapping: {"invalid": "应为对象"},
    fields.Nested: {"type": "类型不正确"},
    fields.URL: {"invalid": "网址格式不正确"},
    fields.UUID: {"invalid_uuid": "UUID 格式不正确"},
}


def install() -> None:
    for field_cls, messages in FIELD_MESSAGES.items():
        # Copy, don't mutate the parent's dict in place: subclasses merge along the MRO.
        field_cls.default_error_messages = {**field_cls.__dict__.get("default_error_messages", {}),
                                            **messages}
    Schema._default_error_messages = {"type": "数据类型不正确", "unknown": "不支持的字段"}
    validate.Range.message_min = "应{min_op} {{min}}"
    validate.Range.message_max = "应{max_op} {{max}}"
    validate.Range.message_all = "应{min_op} {{min}} 且{max_op} {{max}}"
    validate.Range.message_gte = "大于或等于"
    validate.Range.message_gt = "大于"
    validate.Range.message_lte = "小于或等于"
    validate.Range.message_lt = "小于"
    validate.Length.message_min = "长度不能少于 {min}"
    validate.Length.message_max = "长度不能超过 {max}"
    validate.Length.message_all = "长度应在 {min} 到 {max} 之间"
    validate.Length.message_equal = "长度应为 {equal}"
    validate.OneOf.default_message = "取值应为以下之一:{choices}"
    validate.Regexp.default_message = "格式不正确"
    validate.Email.default_message = "邮箱格式不正确"
    validate.Equal.default_message = "应等于 {other}"
