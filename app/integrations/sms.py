"""Tencent Cloud SMS (API 3.0, SendSms 2021-01-11) over requests, signed with TC3-HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from app.integrations.base import Channel, OutgoingMessage, PermanentError, SendResult, TransientError
from app.integrations.transport import decode, mask_recipient, network_errors, new_session

PROVIDER = "腾讯云短信"
ACTION = "SendSms"
VERSION = "2021-01-11"
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"

# Codes (exact, or prefix ending in ".") whose failure another try cannot fix.
PERMANENT_CODES = (
    "AuthFailure.",
    "InvalidParameter",
    "InvalidParameter.",
    "InvalidParameterValue.",
    "MissingParameter",
    "UnknownParameter",
    "UnsupportedOperation.",
    "UnauthorizedOperation.",
    "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.TemplateIncorrectOrUnapproved",
    "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.ContainSensitiveWord",
    "FailedOperation.PhoneNumberParseFail",
    "FailedOperation.MissingTemplateToModify",
    # Daily caps: another try today fails the same way, and tomorrow the reminder is stale.
    "LimitExceeded.PhoneNumberDailyLimit",
    "LimitExceeded.PhoneNumberSameContentDailyLimit",
    "LimitExceeded.AppDailyLimit",
)
# Everything else (InternalError.*, RequestLimitExceeded*, LimitExceeded.PhoneNumberThirtySecondLimit,
# LimitExceeded.PhoneNumberOneHourLimit, FailedOperation.InsufficientBalanceInSmsPackage, unknown
# codes) is transient: later may work, and the outbox bounds the number of tries.

MESSAGES = {
    "AuthFailure.SignatureFailure": "签名校验失败,请检查 SMS_SECRET_ID / SMS_SECRET_KEY",
    "AuthFailure.SecretIdNotFound": "SecretId 不存在,请检查 SMS_SECRET_ID",
    "AuthFailure.SignatureExpire": "签名已过期,请检查服务器时间",
    "FailedOperation.PhoneNumberInBlacklist": "手机号在免打扰名单中",
    "FailedOperation.TemplateIncorrectOrUnapproved": "短信模板不存在或未审核通过",
    "FailedOperation.SignatureIncorrectOrUnapproved": "短信签名不存在或未审核通过",
    "FailedOperation.ContainSensitiveWord": "短信内容含敏感词",
    "FailedOperation.InsufficientBalanceInSmsPackage": "短信套餐包余量不足",
    "InvalidParameterValue.IncorrectPhoneNumber": "手机号格式不正确",
    "LimitExceeded.PhoneNumberDailyLimit": "该手机号今日接收短信已达上限,今日不再重试",
    "LimitExceeded.PhoneNumberSameContentDailyLimit": "该手机号今日已收到相同内容的短信",
    "LimitExceeded.PhoneNumberThirtySecondLimit": "该手机号 30 秒内发送过于频繁",
    "LimitExceeded.PhoneNumberOneHourLimit": "该手机号 1 小时内发送过于频繁",
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": "SmsSdkAppId 校验失败,请检查 SMS_SDK_APP_ID",
}

_MAINLAND = re.compile(r"^(?:\+?86)?(1\d{10})$")


@dataclass(frozen=True)
class SmsSettings:
    base_url: str
    secret_id: str
    secret_key: str
    sdk_app_id: str
    sign_name: str
    region: str
    timeout: float

    @classmethod
    def from_config(cls, config) -> SmsSettings:
        return cls(base_url=config["SMS_API_BASE_URL"].rstrip("/"), secret_id=config["SMS_SECRET_ID"],
                   secret_key=config["SMS_SECRET_KEY"], sdk_app_id=str(config["SMS_SDK_APP_ID"]),
                   sign_name=config["SMS_SIGN_NAME"], region=config["SMS_REGION"],
                   timeout=float(config["HTTP_TIMEOUT_SECONDS"]))


def sign(secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int,
         action: str = ACTION, service: str = SERVICE) -> str:
    """The Authorization header of a TC3-HMAC-SHA256 signed POST with a JSON body."""
    signed_headers = "content-type;host;x-tc-action"
    # Canonical header values are lower-cased, the action included.
    canonical_headers = f"content-type:{CONTENT_TYPE}\nhost:{host.lower()}\nx-tc-action:{action.lower()}\n"
    canonical_request = (
        f"POST\n/\n\n{canonical_headers}\n{signed_headers}\n{hashlib.sha256(payload).hexdigest()}"
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    credential_scope = f"{date}/{service}/tc3_request"
    string_to_sign = (
        f"{ALGORITHM}\n{timestamp}\n{credential_scope}\n"
        f"{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"
    )

    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    secret_signing = _hmac(_hmac(_hmac(("TC3" + secret_key).encode("utf-8"), date), service), "tc3_request")
    signature = hmac.new(secret_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return (f"{ALGORITHM} Credential={secret_id}/{credential_scope}, "
            f"SignedHeaders={signed_headers}, Signature={signature}")


def e164(mobile: str) -> str:
    """A mainland mobile in the +86 form SendSms wants; PermanentError if it is not one."""
    match = _MAINLAND.match((mobile or "").replace(" ", "").replace("-", ""))
    if not match:
        raise PermanentError("手机号格式不正确", code="InvalidParameterValue.IncorrectPhoneNumber")
    return "+86" + match.group(1)


def is_permanent(code: str) -> bool:
    return any(code.startswith(p) if p.endswith(".") else code == p for p in PERMANENT_CODES)


def error_for(code: str, message: str) -> PermanentError | TransientError:
    text = f"{PROVIDER}:{MESSAGES.get(code, '发送失败')}({code} {message})".strip()
    return PermanentError(text, code=code) if is_permanent(code) else TransientError(text, code=code)


class SmsGateway:
    """Gateway for the `sms` channel; body = {template_id, params}, recipient = mobile."""

    channel = Channel.SMS

    def __init__(self, settings: SmsSettings):
        self.settings = settings
        self.url = settings.base_url + "/"
        self.host = urlsplit(settings.base_url).netloc
        self.session = new_session()

    def send(self, message: OutgoingMessage) -> SendResult:
        phone = e164(message.recipient)
        body = {
            "PhoneNumberSet": [phone],
            "SmsSdkAppId": self.settings.sdk_app_id,
            "SignName": self.settings.sign_name,
            "TemplateId": str(message.body["template_id"]),
            "TemplateParamSet": [str(p) for p in message.body.get("params", [])],
            # Echoed back by Tencent in delivery receipts: ties a receipt to our outbox row.
            "SessionContext": message.dedupe_key[:512],
        }
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timestamp = int(time.time())
        headers = {
            "Authorization": sign(self.settings.secret_id, self.settings.secret_key, self.host, payload,
                                  timestamp),
            "Content-Type": CONTENT_TYPE,
            "Host": self.host,  # the value signed above, whatever requests would have written
            "X-TC-Action": ACTION,
            "X-TC-Version": VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": self.settings.region,
        }
        with network_errors(PROVIDER):
            response = self.session.post(self.url, data=payload, headers=headers,
                                         timeout=self.settings.timeout)
        answer = decode(PROVIDER, response).get("Response") or {}
        error = answer.get("Error")
        if error:
            raise error_for(str(error.get("Code")), str(error.get("Message") or ""))
        statuses = answer.get("SendStatusSet") or []
        if not statuses:
            raise TransientError(f"{PROVIDER}返回的内容缺少发送状态", code="bad_response")
        status = statuses[0]
        if status.get("Code") != "Ok":
            raise error_for(str(status.get("Code")), str(status.get("Message") or ""))
        return SendResult(
            provider_message_id=status.get("SerialNo"),
            raw={"RequestId": answer.get("RequestId"), "SerialNo": status.get("SerialNo"),
                 "Fee": status.get("Fee"), "PhoneNumber": mask_recipient(Channel.SMS, phone)},
        )
