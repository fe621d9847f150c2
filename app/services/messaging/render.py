"""Rendering a template with variables, and each channel's limits on what may be sent.

A template body holds {variable} placeholders. The same checks run when an admin saves a template
(with its sample variables) and when a message is enqueued (with the real ones), so a message
that breaks a provider's rule is refused here, in Chinese, not by the provider at 3 a.m.

Limits (checked against the providers' documentation):
- WeChat subscribe messages: each field's value by its type (thing <= 20 characters, number /
  letter / character_string <= 32, phrase <= 5 Chinese characters, name <= 10 Chinese characters
  or 20 letters, symbol <= 5, amount = currency sign + up to 10 digits, time / date formats,
  phone_number <= 17, car_number <= 8); no empty value.
- WeCom group robot: text <= 2048 bytes, markdown <= 4096 bytes (UTF-8). WeCom app: <= 2048 bytes.
- SMS (Tencent Cloud): a signature must be configured; each variable <= SMS_PARAM_MAX_CHARS
  characters, a verification code ({code}) 6 digits at most; the whole message, signature
  included, <= SMS_MAX_CHARS characters. 70 characters make one SMS; a longer one is billed as
  parts of 67.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app

from app.errors import DomainError
from app.models.messaging import MessageChannel, MessageFormat

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
SUBSCRIBE_LINE = re.compile(r"^\s*([a-z_]+?)(\d+)\s*[:：]\s*(.*?)\s*$")

ROBOT_TEXT_BYTES = 2048
ROBOT_MARKDOWN_BYTES = 4096
WECOM_APP_BYTES = 2048
SMS_SINGLE_CHARS = 70
SMS_PART_CHARS = 67
SMS_CODE_VARIABLE = "code"
SMS_CODE_MAX_DIGITS = 6

_CHINESE = r"\u4e00-\u9fff"
_DATE = r"\d{4}(年\d{1,2}月\d{1,2}日|[-/]\d{1,2}[-/]\d{1,2})"
_CLOCK = r"\d{1,2}:\d{2}(:\d{2})?"


def _range(pattern: str) -> re.Pattern:
    """A value or a period 'a~b' of the pattern."""
    return re.compile(rf"^{pattern}(\s*~\s*{pattern})?$")


@dataclass(frozen=True)
class FieldRule:
    label: str
    max_chars: int | None
    pattern: re.Pattern | None
    hint: str


# WeChat subscribe-message field types (the prefix of the field name, thing1 -> thing).
SUBSCRIBE_RULES: dict[str, FieldRule] = {
    "thing": FieldRule("事物", 20, None, "20个以内字符"),
    "number": FieldRule("数字", 32, re.compile(r"^\d+(\.\d+)?$"), "32位以内数字,可带小数"),
    "letter": FieldRule("字母", 32, re.compile(r"^[A-Za-z]+$"), "32位以内字母"),
    "symbol": FieldRule("符号", 5, re.compile(rf"^[^A-Za-z0-9{_CHINESE}]+$"), "5位以内符号"),
    "character_string": FieldRule("字符串", 32, re.compile(rf"^[^{_CHINESE}\s]+$"),
                                  "32位以内数字、字母或符号"),
    "phrase": FieldRule("汉字", 5, re.compile(rf"^[{_CHINESE}]+$"), "5个以内纯汉字"),
    "name": FieldRule("姓名", None, None, "10个以内纯汉字或20个以内纯字母"),
    "amount": FieldRule("金额", None, re.compile(r"^[¥￥$]?\d{1,10}(\.\d{1,2})?元?$"),
                        "1个币种符号+10位以内纯数字,可带小数,结尾可带“元”"),
    "time": FieldRule("时间", None, _range(rf"({_DATE}\s+)?{_CLOCK}"), "24小时制时间,如 15:01 或 2026年3月1日 15:01"),
    "date": FieldRule("日期", None, _range(rf"{_DATE}(\s+{_CLOCK})?"), "年月日格式,如 2026年3月1日 或 2026-03-01"),
    "phone_number": FieldRule("电话", 17, re.compile(r"^[\d+\-() ]+$"), "17位以内数字、符号"),
    "car_number": FieldRule("车牌", 8, None, "8位以内车牌号"),
}


@dataclass(frozen=True)
class Rendered:
    """A template rendered for one message: the gateway body and the text a person reads."""

    body: dict
    text: str
    # SMS only: characters (signature included) and billed parts.
    sms_chars: int | None = None
    sms_parts: int | None = None


class TemplateError(DomainError):
    """The template or its variables break a rule; `errors` maps a field to its messages."""

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message, "template_invalid", errors or {"body": [message]}, status=422)


def variables_of(text: str) -> list[str]:
    """Placeholder names in order of first appearance."""
    seen: list[str] = []
    for name in PLACEHOLDER.findall(text):
        if name not in seen:
            seen.append(name)
    return seen


def format_value(value: object) -> str:
    """A variable as text: dates the Chinese way, money with two decimals."""
    if isinstance(value, datetime):
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if value is None:
        return ""
    return str(value)


def fill(text: str, variables: dict, template_name: str = "") -> str:
    missing = [name for name in variables_of(text) if name not in variables]
    if missing:
        where = f"模板「{template_name}」" if template_name else "模板"
        raise TemplateError(f"{where}缺少变量:{'、'.join(missing)}",
                            {"variables": [f"缺少变量 {name}" for name in missing]})
    return PLACEHOLDER.sub(lambda m: format_value(variables[m.group(1)]), text)


def parse_subscribe_body(body: str) -> list[tuple[str, str, str]]:
    """'thing1: {plate}即将到期' lines -> [(field name, type, text)]; blank lines are ignored."""
    fields: list[tuple[str, str, str]] = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        match = SUBSCRIBE_LINE.match(line)
        if not match:
            raise TemplateError(f"第 {number} 行格式应为“字段名: 内容”,如 thing1: {{plate}}的保单即将到期")
        kind, digits, value = match.groups()
        if kind not in SUBSCRIBE_RULES:
            raise TemplateError(f"第 {number} 行:不支持的订阅消息字段类型 {kind}"
                                f"(可用:{'、'.join(SUBSCRIBE_RULES)})")
        name = f"{kind}{digits}"
        if any(name == existing for existing, _, _ in fields):
            raise TemplateError(f"字段 {name} 重复出现")
        fields.append((name, kind, value))
    if not fields:
        raise TemplateError("订阅消息至少需要一个字段")
    return fields


def check_subscribe_value(name: str, kind: str, value: str) -> None:
    rule = SUBSCRIBE_RULES[kind]
    where = f"字段 {name}({rule.label})"
    if not value.strip():
        raise TemplateError(f"{where}不能为空")
    length = len(value)
    if kind == "name":
        chinese = bool(re.search(f"[{_CHINESE}]", value))
        limit = 10 if chinese else 20
        if length > limit:
            raise TemplateError(f"{where}不能超过 {limit} 个{'汉字' if chinese else '字母'},当前 {length} 个:{value}")
        return
    if rule.max_chars is not None and length > rule.max_chars:
        raise TemplateError(f"{where}不能超过 {rule.max_chars} 个字符,当前 {length} 个:{value}")
    if rule.pattern is not None and not rule.pattern.match(value):
        raise TemplateError(f"{where}格式不符,应为{rule.hint}:{value}")


def _check_bytes(text: str, limit: int, what: str) -> None:
    size = len(text.encode("utf-8"))
    if size > limit:
        raise TemplateError(f"{what}不能超过 {limit} 字节(UTF-8),当前 {size} 字节")


def sms_parts(chars: int) -> int:
    return 1 if chars <= SMS_SINGLE_CHARS else math.ceil(chars / SMS_PART_CHARS)


def render(template, variables: dict) -> Rendered:
    """Render `template` (a MessageTemplate or anything with its fields) and check the channel's limits."""
    channel = MessageChannel(template.channel)
    variables = dict(variables or {})
    if channel == MessageChannel.wechat_subscribe:
        if not template.provider_template_id:
            raise TemplateError("订阅消息需要填写微信模板 ID", {"provider_template_id": ["请填写微信模板 ID"]})
        data: dict[str, str] = {}
        lines = []
        for name, kind, text in parse_subscribe_body(template.body):
            value = fill(text, variables, template.name)
            check_subscribe_value(name, kind, value)
            data[name] = value
            lines.append(f"{name}: {value}")
        body = {"template_id": template.provider_template_id, "page": template.page or None, "data": data}
        return Rendered(body=body, text="\n".join(lines))

    if channel == MessageChannel.sms:
        sign = current_app.config.get("SMS_SIGN_NAME") or ""
        if not sign.strip():
            raise TemplateError("未配置短信签名(SMS_SIGN_NAME),不能发送短信")
        if not template.provider_template_id:
            raise TemplateError("短信需要填写服务商模板 ID", {"provider_template_id": ["请填写短信服务商的模板 ID"]})
        text = fill(template.body, variables, template.name)
        params = []
        limit = current_app.config["SMS_PARAM_MAX_CHARS"]
        for name in variables_of(template.body):
            value = format_value(variables[name])
            if name == SMS_CODE_VARIABLE:
                if not re.fullmatch(rf"\d{{1,{SMS_CODE_MAX_DIGITS}}}", value):
                    raise TemplateError(f"验证码变量 {name} 只能是 {SMS_CODE_MAX_DIGITS} 位以内的数字:{value}")
            elif len(value) > limit:
                raise TemplateError(f"短信变量 {name} 不能超过 {limit} 个字符,当前 {len(value)} 个:{value}")
            params.append(value)
        full = f"【{sign}】{text}"
        max_chars = current_app.config["SMS_MAX_CHARS"]
        if len(full) > max_chars:
            raise TemplateError(f"短信(含签名)不能超过 {max_chars} 个字符,当前 {len(full)} 个")
        return Rendered(body={"template_id": template.provider_template_id, "params": params}, text=full,
                        sms_chars=len(full), sms_parts=sms_parts(len(full)))

    text = fill(template.body, variables, template.name)
    if not text.strip():
        raise TemplateError("消息内容不能为空")
    msg_format = MessageFormat(template.msg_format or MessageFormat.text)
    if channel == MessageChannel.wecom_robot:
        if msg_format == MessageFormat.markdown:
            _check_bytes(text, ROBOT_MARKDOWN_BYTES, "群机器人 Markdown 消息")
        else:
            _check_bytes(text, ROBOT_TEXT_BYTES, "群机器人文本消息")
    else:
        _check_bytes(text, WECOM_APP_BYTES, "企业微信应用消息")
    return Rendered(body={"msgtype": msg_format.value, "content": text}, text=text)
