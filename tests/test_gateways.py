"""Each gateway against its provider fake: what the provider receives, and how failures are classified."""

from __future__ import annotations

import json
import logging
import time

import pytest
import requests

from app.integrations import sms as sms_module
from app.integrations.base import Channel, OutgoingMessage, PermanentError, TransientError
from app.integrations.registry import gateway_for, wechat_api, wecom_api
from tests.fakes.base import Received
from tests.fakes.plugin import messaging_config
from tests.fakes.sms import expected_signature


def message(channel: str, recipient: str, body: dict, key: str = "k1") -> OutgoingMessage:
    return OutgoingMessage(channel=channel, recipient=recipient, body=body, dedupe_key=key)


def sms_message(mobile: str = "13800138000", key: str = "renewal:1") -> OutgoingMessage:
    return message(Channel.SMS, mobile, {"template_id": "1234567", "params": ["张三", "粤B12345", "2026-12-01"]},
                   key)


def subscribe_message(openid: str = "oUser0000000000001") -> OutgoingMessage:
    return message(Channel.WECHAT_SUBSCRIBE, openid,
                   {"template_id": "tmpl-renewal", "page": "pages/policy/index?id=7",
                    "data": {"thing1": "交强险续保提醒", "date2": "2026-12-01"}})


# --- SMS -----------------------------------------------------------------------------------------

def test_sms_send_is_signed_and_the_fake_accepts_the_signature(live_messaging):
    result = gateway_for(Channel.SMS).send(sms_message())

    fake = live_messaging.sms
    assert len(fake.delivered) == 1 and fake.signature_failures == 0
    received = fake.delivered[0]
    assert received.headers["x-tc-action"] == "SendSms"
    assert received.headers["x-tc-version"] == "2021-01-11"
    assert received.headers["x-tc-region"] == "ap-guangzhou"
    assert received.headers["authorization"].startswith("TC3-HMAC-SHA256 Credential=" + fake.secret_id + "/")
    assert received.json == {
        "PhoneNumberSet": ["+8613800138000"], "SmsSdkAppId": fake.sdk_app_id, "SignName": "保运",
        "TemplateId": "1234567", "TemplateParamSet": ["张三", "粤B12345", "2026-12-01"],
        "SessionContext": "renewal:1",
    }
    assert result.provider_message_id == received.answer["Response"]["SendStatusSet"][0]["SerialNo"]
    assert result.raw["PhoneNumber"] == "138****8000"


def test_sms_with_a_wrong_secret_key_is_refused_by_the_signature_check(app, live_messaging):
    with messaging_config(app, SMS_SECRET_KEY="not-the-key"):
        with pytest.raises(PermanentError) as err:
            gateway_for(Channel.SMS).send(sms_message())
    assert err.value.code == "AuthFailure.SignatureFailure"
    assert live_messaging.sms.signature_failures == 1 and live_messaging.sms.delivered == []


def test_sms_body_tampered_after_signing_fails_the_signature(app, live_messaging):
    """The fake checks the signature over the exact bytes: a changed body must not pass."""
    settings = sms_module.SmsSettings.from_config(app.config)
    payload = json.dumps({"PhoneNumberSet": ["+8613800138000"]}).encode()
    timestamp = int(time.time())
    auth = sms_module.sign(settings.secret_id, settings.secret_key, live_messaging.sms.base_url.split("//")[1],
                           payload, timestamp)
    response = requests.post(live_messaging.sms.base_url + "/", data=payload.replace(b"138", b"139"), timeout=5,
                             headers={"Authorization": auth, "Content-Type": sms_module.CONTENT_TYPE,
                                      "X-TC-Action": "SendSms", "X-TC-Version": "2021-01-11",
                                      "X-TC-Timestamp": str(timestamp), "X-TC-Region": "ap-guangzhou"})
    assert response.json()["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"


def test_the_fakes_signature_check_reproduces_tencents_published_example():
    """Ties the fake's verifier (and so every SMS test through it) to Tencent's own worked example
    of TC3-HMAC-SHA256 (API 3.0 "Signature v3" page: DescribeInstances, timestamp 1551113065)."""
    body = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    request = Received(method="POST", path="/", query={}, body=body, json=None, at=0,
                       headers={"content-type": "application/json; charset=utf-8",
                                "host": "cvm.tencentcloudapi.com", "x-tc-timestamp": "1551113065"})
    assert expected_signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", request, "cvm", ["content-type", "host"]) == (
        "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168")


@pytest.mark.parametrize("mobile", ["13800138000", "+8613800138000", "86 138 0013 8000"])
def test_sms_accepts_mainland_mobiles_in_the_usual_forms(live_messaging, mobile):
    gateway_for(Channel.SMS).send(sms_message(mobile))
    assert live_messaging.sms.sent[0]["PhoneNumberSet"] == ["+8613800138000"]


def test_sms_bad_mobile_is_permanent_and_never_sent(live_messaging):
    with pytest.raises(PermanentError):
        gateway_for(Channel.SMS).send(sms_message("1380013800"))
    assert live_messaging.sms.requests == []


@pytest.mark.parametrize(("script", "error", "code"), [
    (dict(errcode="InternalError.Timeout"), TransientError, "InternalError.Timeout"),
    (dict(errcode="RequestLimitExceeded"), TransientError, "RequestLimitExceeded"),
    (dict(errcode="FailedOperation.TemplateIncorrectOrUnapproved"), PermanentError,
     "FailedOperation.TemplateIncorrectOrUnapproved"),
    (dict(errcode="UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber"), PermanentError,
     "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber"),
    (dict(send_status="LimitExceeded.PhoneNumberDailyLimit"), PermanentError, "LimitExceeded.PhoneNumberDailyLimit"),
    (dict(send_status="LimitExceeded.PhoneNumberOneHourLimit"), TransientError,
     "LimitExceeded.PhoneNumberOneHourLimit"),
    (dict(status=502), TransientError, "502"),
    (dict(status=403), TransientError, "403"),  # a proxy's or the network's answer, not Tencent's
])
def test_sms_errors_are_classified(live_messaging, script, error, code):
    live_messaging.sms.fail_next(**script)
    with pytest.raises(error) as err:
        gateway_for(Channel.SMS).send(sms_message())
    assert err.value.code == code
    assert type(err.value) is error


def test_sms_blacklisted_number_is_permanent(live_messaging):
    live_messaging.sms.blacklist.add("+8613800138000")
    with pytest.raises(PermanentError) as err:
        gateway_for(Channel.SMS).send(sms_message())
    assert err.value.code == "FailedOperation.PhoneNumberInBlacklist"
    assert "免打扰" in str(err.value)


# --- WeChat subscribe messages -------------------------------------------------------------------

def test_subscribe_message_reaches_wechat_with_the_subscribe_body(live_messaging):
    result = gateway_for(Channel.WECHAT_SUBSCRIBE).send(subscribe_message())

    fake = live_messaging.wechat
    assert fake.token_fetches == 1
    [received] = fake.delivered
    assert received.path == "/cgi-bin/message/subscribe/send"
    assert received.query["access_token"] == fake.current_token
    assert received.json == {
        "touser": "oUser0000000000001", "template_id": "tmpl-renewal", "page": "pages/policy/index?id=7",
        "data": {"thing1": {"value": "交强险续保提醒"}, "date2": {"value": "2026-12-01"}},
    }
    assert result.provider_message_id == str(received.answer["msgid"])


def test_second_send_reuses_the_cached_token(live_messaging):
    gateway = gateway_for(Channel.WECHAT_SUBSCRIBE)
    gateway.send(subscribe_message())
    gateway.send(subscribe_message())
    assert live_messaging.wechat.token_fetches == 1
    assert len(live_messaging.wechat.delivered) == 2


def test_43101_is_permanent(live_messaging):
    live_messaging.wechat.refused_openids.add("oUser0000000000001")
    with pytest.raises(PermanentError) as err:
        gateway_for(Channel.WECHAT_SUBSCRIBE).send(subscribe_message())
    assert err.value.code == "43101"
    assert err.value.permanent


def test_a_one_time_subscription_allows_one_message(live_messaging):
    fake = live_messaging.wechat
    fake.require_subscription = True
    fake.subscribe("oUser0000000000001", "tmpl-renewal", times=1)
    gateway = gateway_for(Channel.WECHAT_SUBSCRIBE)
    gateway.send(subscribe_message())
    with pytest.raises(PermanentError) as err:
        gateway.send(subscribe_message())
    assert err.value.code == "43101"
    assert len(fake.delivered) == 1


def test_a_subscribe_field_over_its_length_is_a_permanent_template_error(live_messaging):
    too_long = message(Channel.WECHAT_SUBSCRIBE, "oUser0000000000001",
                       {"template_id": "tmpl-renewal", "data": {"thing1": "续" * 21}})
    with pytest.raises(PermanentError) as err:
        gateway_for(Channel.WECHAT_SUBSCRIBE).send(too_long)
    assert err.value.code == "47003"


@pytest.mark.parametrize("errcode", [47003, 40003, 40037])
def test_template_and_openid_errors_are_permanent(live_messaging, errcode):
    live_messaging.wechat.fail_next(errcode=errcode)
    with pytest.raises(PermanentError) as err:
        gateway_for(Channel.WECHAT_SUBSCRIBE).send(subscribe_message())
    assert err.value.code == str(errcode)


@pytest.mark.parametrize(("script", "code"), [
    (dict(errcode=-1), "-1"), (dict(errcode=45009), "45009"), (dict(status=500), "500"),
    (dict(status=503), "503"),
])
def test_busy_rate_limited_or_5xx_wechat_is_transient(live_messaging, script, code):
    live_messaging.wechat.fail_next(**script)
    with pytest.raises(TransientError) as err:
        gateway_for(Channel.WECHAT_SUBSCRIBE).send(subscribe_message())
    assert err.value.code == code
    # The next attempt (the outbox's retry) goes through.
    gateway_for(Channel.WECHAT_SUBSCRIBE).send(subscribe_message())
    assert len(live_messaging.wechat.delivered) == 1


def test_code_to_session_logs_in_without_an_access_token(live_messaging):
    live_messaging.wechat.add_login("code-abc", "oCustomer000000000001", unionid="uUnion1")
    session = wechat_api().code_to_session("code-abc")
    assert session == {"openid": "oCustomer000000000001", "session_key": "session-key-code-abc",
                       "unionid": "uUnion1"}
    [received] = live_messaging.wechat.requests
    assert received.path == "/sns/jscode2session"
    assert received.query["js_code"] == "code-abc" and "access_token" not in received.query
    assert live_messaging.wechat.token_fetches == 0


def test_code_to_session_with_a_used_code_is_permanent(live_messaging):
    live_messaging.wechat.add_login("code-abc", "oCustomer000000000001")
    wechat_api().code_to_session("code-abc")
    with pytest.raises(PermanentError) as err:
        wechat_api().code_to_session("code-abc")
    assert err.value.code == "40163"


# --- WeCom app messages and OAuth ----------------------------------------------------------------

@pytest.mark.parametrize("msgtype", ["text", "markdown"])
def test_wecom_app_message_carries_the_agentid(live_messaging, msgtype):
    content = "**续保提醒**:今日到期 3 单" if msgtype == "markdown" else "今日到期 3 单"
    result = gateway_for(Channel.WECOM_APP).send(
        message(Channel.WECOM_APP, "zhangsan|lisi", {"msgtype": msgtype, "content": content}))

    fake = live_messaging.wecom
    [received] = fake.app_messages
    assert received.query["access_token"] == fake.current_token
    assert received.json == {"touser": "zhangsan|lisi", "msgtype": msgtype, "agentid": int(fake.agent_id),
                             msgtype: {"content": content}}
    assert result.provider_message_id == received.answer["msgid"]
    assert fake.token_fetches == 1


def test_wecom_partly_unknown_recipients_still_send_and_are_reported(live_messaging):
    live_messaging.wecom.unknown_users.add("gone")
    result = gateway_for(Channel.WECOM_APP).send(
        message(Channel.WECOM_APP, "zhangsan|gone", {"msgtype": "text", "content": "你好"}))
    assert result.raw["invaliduser"] == "gone"


@pytest.mark.parametrize(("script", "error", "code"), [
    (dict(errcode=60020), PermanentError, "60020"),
    (dict(errcode=81013), PermanentError, "81013"),
    (dict(errcode=-1), TransientError, "-1"),
    (dict(errcode=45009), TransientError, "45009"),
    (dict(status=502), TransientError, "502"),
])
def test_wecom_errors_are_classified(live_messaging, script, error, code):
    live_messaging.wecom.fail_next(path="/cgi-bin/message/send", **script)
    with pytest.raises(error) as err:
        gateway_for(Channel.WECOM_APP).send(
            message(Channel.WECOM_APP, "zhangsan", {"msgtype": "text", "content": "你好"}))
    assert err.value.code == code and type(err.value) is error


def test_wecom_all_recipients_unknown_is_permanent(live_messaging):
    live_messaging.wecom.unknown_users.add("gone")
    with pytest.raises(PermanentError) as err:
        gateway_for(Channel.WECOM_APP).send(message(Channel.WECOM_APP, "gone", {"msgtype": "text", "content": "你好"}))
    assert err.value.code == "81013"


def test_wecom_oauth_uses_the_current_getuserinfo_endpoint(live_messaging):
    live_messaging.wecom.add_oauth_code("oauth-code-1", "zhangsan")
    assert wecom_api().get_user_info("oauth-code-1") == {"userid": "zhangsan"}
    [received] = live_messaging.wecom.requests
    assert received.path == "/cgi-bin/auth/getuserinfo"
    with pytest.raises(PermanentError) as err:
        wecom_api().get_user_info("oauth-code-1")  # codes are single-use
    assert err.value.code == "40029"


# --- WeCom group robot ---------------------------------------------------------------------------

def test_robot_markdown_reaches_the_webhook(live_messaging):
    content = "## 今日续保\n> 到期 **12** 单,已续 <font color=\"info\">8</font> 单"
    gateway_for(Channel.WECOM_ROBOT).send(
        message(Channel.WECOM_ROBOT, "robot-key-1", {"msgtype": "markdown", "content": content}))
    [received] = live_messaging.wecom.robot_messages
    assert received.query == {"key": "robot-key-1"}
    assert received.json == {"msgtype": "markdown", "markdown": {"content": content}}
    assert live_messaging.wecom.token_fetches == 0  # the webhook needs no access token


@pytest.mark.parametrize(("msgtype", "limit"), [("text", 2048), ("markdown", 4096)])
def test_robot_content_at_the_limit_sends_and_one_byte_more_is_refused(live_messaging, msgtype, limit):
    gateway = gateway_for(Channel.WECOM_ROBOT)
    fits = "续" * (limit // 3) + "x" * (limit % 3)  # a Chinese character is 3 bytes in UTF-8
    assert len(fits.encode()) == limit
    gateway.send(message(Channel.WECOM_ROBOT, "robot-key-1", {"msgtype": msgtype, "content": fits}))
    with pytest.raises(PermanentError) as err:
        gateway.send(message(Channel.WECOM_ROBOT, "robot-key-1", {"msgtype": msgtype, "content": fits + "x"}))
    assert err.value.code == "too_long"
    assert f"上限 {limit} 字节" in str(err.value)
    assert len(live_messaging.wecom.robot_messages) == 1


@pytest.mark.parametrize(("script", "error", "code"), [
    (dict(errcode=45009), TransientError, "45009"),
    (dict(status=500), TransientError, "500"),
    (dict(errcode=93000), PermanentError, "93000"),
])
def test_robot_errors_are_classified(live_messaging, script, error, code):
    live_messaging.wecom.fail_next(path="/cgi-bin/webhook/send", **script)
    with pytest.raises(error) as err:
        gateway_for(Channel.WECOM_ROBOT).send(
            message(Channel.WECOM_ROBOT, "robot-key-1", {"msgtype": "text", "content": "早报"}))
    assert err.value.code == code and type(err.value) is error


def test_robot_over_20_messages_a_minute_is_transient(live_messaging):
    live_messaging.wecom.robot_rate_limit = 20
    gateway = gateway_for(Channel.WECOM_ROBOT)
    early = message(Channel.WECOM_ROBOT, "robot-key-1", {"msgtype": "text", "content": "早报"})
    for _ in range(20):
        gateway.send(early)
    with pytest.raises(TransientError) as err:
        gateway.send(early)
    assert err.value.code == "45009"
    gateway.send(message(Channel.WECOM_ROBOT, "robot-key-2", {"msgtype": "text", "content": "早报"}))


def test_robot_with_an_invalid_key_is_permanent(live_messaging):
    live_messaging.wecom.invalid_robot_keys.add("revoked")
    with pytest.raises(PermanentError) as err:
        gateway_for(Channel.WECOM_ROBOT).send(
            message(Channel.WECOM_ROBOT, "revoked", {"msgtype": "text", "content": "早报"}))
    assert err.value.code == "93000"


# --- Timeouts and unreachable providers ----------------------------------------------------------

@pytest.mark.parametrize("channel", [Channel.SMS, Channel.WECHAT_SUBSCRIBE, Channel.WECOM_APP, Channel.WECOM_ROBOT])
def test_a_stalled_provider_fails_after_the_configured_timeout(app, live_messaging, channel):
    fakes = {Channel.SMS: live_messaging.sms, Channel.WECHAT_SUBSCRIBE: live_messaging.wechat,
             Channel.WECOM_APP: live_messaging.wecom, Channel.WECOM_ROBOT: live_messaging.wecom}
    outgoing = {
        Channel.SMS: sms_message(),
        Channel.WECHAT_SUBSCRIBE: subscribe_message(),
        Channel.WECOM_APP: message(Channel.WECOM_APP, "zhangsan", {"msgtype": "text", "content": "你好"}),
        Channel.WECOM_ROBOT: message(Channel.WECOM_ROBOT, "robot-key-1", {"msgtype": "text", "content": "早报"}),
    }[channel]
    with messaging_config(app, HTTP_TIMEOUT_SECONDS=1):
        gateway = gateway_for(channel)
        if channel in (Channel.WECHAT_SUBSCRIBE, Channel.WECOM_APP):
            gateway.api.tokens.get()  # time the send, not the token fetch
        fakes[channel].stall_next(10)
        started = time.monotonic()
        with pytest.raises(TransientError) as err:
            gateway.send(outgoing)
        elapsed = time.monotonic() - started
    assert err.value.code == "timeout"
    assert 0.9 <= elapsed < 3
    assert len(fakes[channel].requests) >= 1  # it did reach the provider: a timeout is ambiguous


def test_unreachable_provider_is_transient(app, live_messaging):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]  # nothing listens once the socket is closed
    with messaging_config(app, SMS_API_BASE_URL=f"http://127.0.0.1:{closed_port}"):
        with pytest.raises(TransientError) as err:
            gateway_for(Channel.SMS).send(sms_message())
    assert err.value.code == "connection"


# --- Log mode ------------------------------------------------------------------------------------

def test_log_mode_sends_nothing_over_the_network(app, live_messaging, caplog):
    outgoing = [
        sms_message(),
        subscribe_message(),
        message(Channel.WECOM_APP, "zhangsan", {"msgtype": "text", "content": "你好"}),
        message(Channel.WECOM_ROBOT, "robot-secret-key", {"msgtype": "markdown", "content": "早报"}),
    ]
    # migrations/env.py runs logging.config.fileConfig, which disables loggers created before it.
    logging.getLogger("baoyun.messages").disabled = False
    with messaging_config(app, MESSAGING_MODE="log"), caplog.at_level(logging.INFO, "baoyun.messages"):
        results = [gateway_for(m.channel).send(m) for m in outgoing]

    assert all(r.provider_message_id.startswith("log-") for r in results)
    assert len({r.provider_message_id for r in results}) == 4
    for fake in (live_messaging.sms, live_messaging.wechat, live_messaging.wecom):
        assert fake.requests == [] and fake.token_fetches == 0
    logged = caplog.text
    assert "138****8000" in logged and "13800138000" not in logged
    assert "robot-secret-key" not in logged
    assert "交强险续保提醒" in logged


def test_unknown_channel_or_mode_is_refused(app):
    with pytest.raises(ValueError):
        gateway_for("fax")
    with messaging_config(app, MESSAGING_MODE="carrier-pigeon"), pytest.raises(ValueError):
        gateway_for(Channel.SMS)


# --- The fake's contract for the outbox: a send killed mid-flight still reached the provider ---------

def _send_one_sms(settings):
    from app.integrations.sms import SmsGateway

    SmsGateway(settings).send(sms_message(key="killed-mid-send"))


def test_a_worker_killed_mid_send_leaves_a_send_the_provider_received(app, live_messaging):
    import multiprocessing

    fake = live_messaging.sms
    fake.stall_next(30)
    worker = multiprocessing.get_context("spawn").Process(
        target=_send_one_sms, args=(sms_module.SmsSettings.from_config(app.config),))
    worker.start()
    try:
        assert fake.wait_for_requests(1, timeout=30)
    finally:
        worker.kill()
        worker.join(timeout=10)
    fake.release_stalls()
    deadline = time.monotonic() + 5
    while not fake.delivered and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.accepted_by_context == {"killed-mid-send": 1}
    assert fake.accepted_count == 1
