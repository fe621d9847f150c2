"""Fake Tencent Cloud SMS (API 3.0, SendSms 2021-01-11) that verifies each request's TC3-HMAC-SHA256 signature."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

from tests.fakes.base import FakeServer, Received

SECRET_ID = "AKIDfakesecretid0000000000000000"
SECRET_KEY = "fake-tencent-cloud-secret-key-0000"
SDK_APP_ID = "1400000000"

_AUTH = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<secret_id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[^/]+)/tc3_request,"
    r"\s*SignedHeaders=(?P<signed>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
_MOBILE = re.compile(r"^\+861\d{10}$")


def expected_signature(secret_key: str, req: Received, service: str, signed_headers: list[str]) -> str:
    """The TC3-HMAC-SHA256 signature of `req`, computed the way Tencent's API gateway does.

    Written separately from app.integrations.sms on purpose: a mistake shared by the client and
    the fake would otherwise pass unnoticed.
    """
    canonical_headers = "".join(
        f"{name}:{req.headers.get(name, '').strip().lower()}\n" for name in signed_headers
    )
    canonical_request = "\n".join([
        req.method,
        "/",
        "",  # POST: no query string
        canonical_headers,
        ";".join(signed_headers),
        hashlib.sha256(req.body).hexdigest(),
    ])
    timestamp = req.headers.get("x-tc-timestamp", "")
    date = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join([
        "TC3-HMAC-SHA256", timestamp, scope, hashlib.sha256(canonical_request.encode()).hexdigest(),
    ])
    key = ("TC3" + secret_key).encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


class FakeSms(FakeServer):
    """Speaks sms.tencentcloudapi.com's SendSms, version 2021-01-11.

    Every request is authenticated like the real service: a bad or missing signature answers
    Response.Error AuthFailure.SignatureFailure, an unknown SecretId AuthFailure.SecretIdNotFound,
    a timestamp more than 5 minutes off AuthFailure.SignatureExpire. Numbers in `blacklist` get the
    per-number code FailedOperation.PhoneNumberInBlacklist.

    Scripting: `fail_next(status=500)`; `fail_next(errcode="InternalError.Timeout")` answers a
    Response.Error; `fail_next(send_status="LimitExceeded.PhoneNumberDailyLimit")` answers a
    per-number failure in SendStatusSet; `stall_next(seconds)` holds a send before answering.
    """

    send_paths = ("/",)

    def __init__(self, secret_id: str = SECRET_ID, secret_key: str = SECRET_KEY,
                 sdk_app_id: str = SDK_APP_ID, **kwargs):
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.sdk_app_id = sdk_app_id
        super().__init__(**kwargs)

    def _reset_provider(self) -> None:
        self.blacklist: set[str] = set()
        self.signature_failures = 0
        # SessionContext (Baoyun puts the outbox dedupe key there) -> accepted sends; kept even
        # when keep_requests is off, so a benchmark can check "none twice, none lost".
        self.accepted_by_context: Counter[str] = Counter()

    def _on_accepted(self, received: Received) -> None:
        self.accepted_by_context[(received.json or {}).get("SessionContext", "")] += 1

    @property
    def sent(self) -> list[dict]:
        """The accepted SendSms bodies, in order."""
        return [r.json for r in self.delivered]

    def routes(self) -> dict:
        return {("POST", "/"): self._send_sms}

    def error_answer(self, errcode, received: Received) -> dict:
        return _error(str(errcode), f"scripted error {errcode}")

    def _send_sms(self, req: Received, script) -> tuple[int, dict]:
        auth_error = self._authenticate(req)
        if auth_error:
            return 200, auth_error
        if req.headers.get("x-tc-action") != "SendSms":
            return 200, _error("InvalidAction", "action not found")
        if req.headers.get("x-tc-version") != "2021-01-11":
            return 200, _error("NoSuchVersion", "version not found")
        if not req.headers.get("x-tc-region"):
            return 200, _error("MissingParameter", "X-TC-Region is missing")
        body = req.json or {}
        if body.get("SmsSdkAppId") != self.sdk_app_id:
            return 200, _error("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verify fail")
        if not body.get("SignName"):
            return 200, _error("MissingParameter", "SignName is missing")
        if not body.get("TemplateId"):
            return 200, _error("MissingParameter", "TemplateId is missing")
        params = body.get("TemplateParamSet", [])
        if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
            return 200, _error("InvalidParameterValue.TemplateParameterFormatError", "bad TemplateParamSet")
        numbers = body.get("PhoneNumberSet") or []
        if not numbers:
            return 200, _error("MissingParameter", "PhoneNumberSet is missing")
        forced = script.extra.get("send_status") if script else None
        statuses = [self._status(number, forced, body.get("SessionContext", "")) for number in numbers]
        answer = {"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}}
        answer["_ok"] = all(s["Code"] == "Ok" for s in statuses)
        return 200, answer

    def _status(self, number: str, forced: str | None, context: str) -> dict:
        code, message = "Ok", "send success"
        if forced:
            code, message = forced, f"scripted status {forced}"
        elif not _MOBILE.match(number):
            code, message = "InvalidParameterValue.IncorrectPhoneNumber", "incorrect phone number"
        elif number in self.blacklist:
            code, message = "FailedOperation.PhoneNumberInBlacklist", "phone number in blacklist"
        return {"SerialNo": f"2433:{uuid.uuid4().hex[:20]}" if code == "Ok" else "",
                "PhoneNumber": number, "Fee": 1 if code == "Ok" else 0, "SessionContext": context,
                "Code": code, "Message": message, "IsoCode": "CN"}

    def _authenticate(self, req: Received) -> dict | None:
        match = _AUTH.match(req.headers.get("authorization", ""))
        if not match:
            return self._signature_failure("Authorization header is malformed")
        if match["secret_id"] != self.secret_id:
            return _error("AuthFailure.SecretIdNotFound", "SecretId not found")
        timestamp = req.headers.get("x-tc-timestamp", "")
        if not timestamp.isdigit():
            return _error("MissingParameter", "X-TC-Timestamp is missing")
        if abs(int(timestamp) - time.time()) > 300:
            return _error("AuthFailure.SignatureExpire", "signature expired")
        if match["date"] != datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d"):
            return self._signature_failure("credential date does not match the timestamp")
        signed = match["signed"].split(";")
        if "content-type" not in signed or "host" not in signed:
            return self._signature_failure("content-type and host must be signed")
        want = expected_signature(self.secret_key, req, match["service"], signed)
        if not hmac.compare_digest(want, match["signature"]):
            return self._signature_failure("signature does not match")
        return None

    def _signature_failure(self, why: str) -> dict:
        with self._lock:
            self.signature_failures += 1
        return _error("AuthFailure.SignatureFailure", f"The provided credentials could not be validated: {why}")


def _error(code: str, message: str) -> dict:
    return {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}}


def start_fake_sms(**kwargs) -> FakeSms:
    """Start an SMS fake on an ephemeral local port (call .stop() when done); for bench/outbox.py."""
    return FakeSms(**kwargs).start()
