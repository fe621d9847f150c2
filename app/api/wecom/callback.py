"""The WeCom self-built app's callback: URL verification (GET) and encrypted messages (POST).

Everything WeCom sends is checked by wechatpy's WeCom crypto (signature over token, timestamp,
nonce and ciphertext; AES with the EncodingAESKey; the corp id inside the plaintext). Anything that
fails is refused with a bare 403: a forger learns nothing about why. The answer goes back
encrypted the same way, or as an empty 200 (which WeCom accepts as "no reply").

The bot itself lives in bots/, which app/ never imports: the view names its entry point by dotted
path, as app.tasks.launch names jobs, and resolves it when the first message arrives.
"""

from __future__ import annotations

import time
from functools import lru_cache

from flask import Response, abort, current_app, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from wechatpy.enterprise import create_reply, parse_message
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidSignatureException
from werkzeug.utils import import_string

from app.api.wecom import bp
from app.services import bot_inbox

BOT_HANDLER = "bots.dispatch:handle_message"
# The largest encrypted message WeCom sends is a few KiB; anything bigger is not WeCom.
MAX_BODY_BYTES = 64 * 1024


class SignedArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    msg_signature = fields.String(required=True, validate=validate.Length(min=1, max=128))
    timestamp = fields.String(required=True, validate=validate.Regexp(r"^\d{1,12}$"))
    nonce = fields.String(required=True, validate=validate.Length(min=1, max=64))


class VerifyArgs(SignedArgs):
    echostr = fields.String(required=True, validate=validate.Length(min=1, max=1024))


# One instance each: a marshmallow Schema is cheap to reuse and costly to build per request.
_SIGNED_ARGS = SignedArgs()
_VERIFY_ARGS = VerifyArgs()


def _refuse() -> Response:
    return Response(b"", status=403)


@lru_cache(maxsize=4)
def _crypto(token: str, aes_key: str, corp_id: str) -> WeChatCrypto:
    return WeChatCrypto(token, aes_key, corp_id)


def _checked_args(schema: Schema) -> dict | None:
    """The signed query arguments, or None when they are missing, malformed or too old."""
    if not current_app.config["WECOM_BOT_ENABLED"]:
        abort(404)
    try:
        args = schema.load(request.args)
    except ValidationError:
        return None
    skew = current_app.config["WECOM_MAX_SKEW_SECONDS"]
    if skew and abs(time.time() - int(args["timestamp"])) > skew:
        return None
    return args


def crypto() -> WeChatCrypto:
    config = current_app.config
    return _crypto(config["WECOM_TOKEN"], config["WECOM_ENCODING_AES_KEY"], config["WECOM_CORP_ID"])


@bp.get("/callback")
def verify():
    """WeCom's URL check when the callback is configured: decrypt echostr and send it back."""
    args = _checked_args(_VERIFY_ARGS)
    if args is None:
        return _refuse()
    try:
        echo = crypto().check_signature(args["msg_signature"], args["timestamp"], args["nonce"], args["echostr"])
    except (InvalidSignatureException, InvalidCorpIdException, ValueError, TypeError, KeyError):
        return _refuse()
    return Response(echo, mimetype="text/plain")


@lru_cache(maxsize=1)
def _handler():
    return import_string(BOT_HANDLER)


def message_key(message) -> str:
    """MsgId for messages; FromUserName + CreateTime for events (which have no MsgId)."""
    msg_id = getattr(message, "id", None)
    if msg_id:
        return str(msg_id)
    return f"{message.source}:{int(message.create_time.timestamp())}"


@bp.post("/callback")
def receive():
    started = time.perf_counter()
    args = _checked_args(_SIGNED_ARGS)
    if args is None or (request.content_length or 0) > MAX_BODY_BYTES:
        return _refuse()
    body = request.get_data(cache=False)
    if len(body) > MAX_BODY_BYTES:
        return _refuse()
    codec = crypto()
    try:
        plain = codec.decrypt_message(body, args["msg_signature"], args["timestamp"], args["nonce"])
        message = parse_message(plain)
    except (InvalidSignatureException, InvalidCorpIdException):
        return _refuse()
    except Exception:  # malformed XML, base64 or padding: not from WeCom either
        return _refuse()
    if message is None:
        return _refuse()

    key = message_key(message)
    if bot_inbox.claim(key):
        handler = _handler()
        try:
            answer = handler(userid=message.source, msg_type=message.type, content=getattr(message, "content", ""),
                             msg_key=key, event=getattr(message, "event", None), started=started)
        except Exception:
            bot_inbox.release(key)
            raise
        bot_inbox.finish(key, answer)
    else:
        answer = bot_inbox.answer_of_retry(key)
    if not answer:
        return Response(b"", status=200)
    reply = create_reply(answer, message).render()
    encrypted = codec.encrypt_message(reply, args["nonce"], args["timestamp"])
    return Response(encrypted, mimetype="application/xml")
