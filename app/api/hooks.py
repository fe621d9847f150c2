"""Inbound callbacks from providers (/api/hooks): the SMS provider's reply callback.

No cookie and no bearer token: the provider cannot log in. When SMS_REPLY_CALLBACK_TOKEN is set,
the callback URL configured at the provider carries it (?token=...), so nobody else can
unsubscribe a customer by posting a forged reply.
"""

from __future__ import annotations

import hmac

from flask import current_app, request
from flask_smorest import Blueprint, abort
from marshmallow import EXCLUDE, Schema, fields, validate

from app.services import messaging

blp = Blueprint("hooks", __name__, url_prefix="/api/hooks", description="服务商回调")


class SmsReplySchema(Schema):
    """Tencent Cloud SMS reply callback (短信回复回调): one customer reply."""

    class Meta:
        unknown = EXCLUDE  # the provider may add fields; they must not break the callback

    mobile = fields.String(required=True, validate=validate.Length(min=5, max=32))
    nationcode = fields.String(required=True, validate=validate.Length(max=8))
    text = fields.String(required=True, validate=validate.Length(max=500))
    sign = fields.String(required=True, validate=validate.Length(max=64))
    time = fields.Integer(required=True, strict=False)
    extend = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))


class SmsReplyResultSchema(Schema):
    result = fields.Integer()
    errmsg = fields.String()


@blp.post("/sms/reply")
@blp.arguments(SmsReplySchema)
@blp.response(200, SmsReplyResultSchema)
def sms_reply(reply):
    """A customer replied to an SMS; 'TD' / 'T' / '退订' unsubscribes that mobile from SMS."""
    expected = current_app.config.get("SMS_REPLY_CALLBACK_TOKEN") or ""
    if expected and not hmac.compare_digest(request.args.get("token", ""), expected):
        abort(403, message="回调令牌无效")
    if reply["nationcode"].lstrip("+") == "86":
        messaging.handle_sms_reply(reply["mobile"], reply["text"])
    return {"result": 0, "errmsg": "OK"}
