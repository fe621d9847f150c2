"""The messaging outbox: dedupe, rendering and channel limits, per-recipient rules, retries,
and at-most-once delivery, with a gateway the test hands in (wire-level tests through the
provider fakes are in test_outbox_wire.py)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from app.errors import DomainError
from app.extensions import db as _db
from app.integrations.base import PermanentError, SendResult, TransientError
from app.models.messaging import MessageStatus, MessageTemplate, OutboxMessage
from app.services import messaging
from app.services.messaging import outbox
from app.services.messaging.render import render, sms_parts
from app.services.messaging.templates import load_default_templates
from app.tasks import get_queue

SHANGHAI = ZoneInfo("Asia/Shanghai")
MOBILE = "13812345678"
OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
EXPIRY = {"name": "张先生", "plate": "冀A12345", "line": "商业险", "end_date": "2026年3月1日", "agent": "李经理"}
LOGIN = {"code": "482913", "minutes": "5"}
CLAIM = {"claim_number": "CL20260301001", "stage": "已结案", "at": "2026年3月1日 15:01", "note": "赔款已支付"}


def shanghai(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A moment `day_offset` days from today at hour:minute business time (in the future, so every
    row enqueued now is due by then)."""
    today = datetime.now(SHANGHAI).date()
    return datetime.combine(today + timedelta(days=day_offset), time(hour, minute), SHANGHAI)


@dataclass
class RecordingGateway:
    """Stands in for app.integrations.registry.gateway_for in these tests: records every send;
    `script` gives the outcome of successive calls (an exception to raise, or None = success)."""

    script: list = field(default_factory=list)
    sent: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, channel):
        return self

    def send(self, message):
        with self.lock:
            self.sent.append(message)
            outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        return SendResult(provider_message_id=f"p-{message.message_id}")

    def keys(self):
        return [m.dedupe_key for m in self.sent]


@pytest.fixture
def templates(db):
    load_default_templates()


@pytest.fixture
def gateway():
    return RecordingGateway()


def deliver(gateway, at: datetime, **kw):
    return messaging.deliver_due(gateway_for=gateway, clock=lambda: at.astimezone(UTC), **kw)


def row(message_id: int) -> OutboxMessage:
    _db.session.expire_all()
    return _db.session.get(OutboxMessage, message_id)


def sms(key: str, variables=EXPIRY, template="policy_expiry_sms", mobile=MOBILE, **kw):
    return messaging.enqueue("sms", mobile, template, variables, key, **kw)


def run_concurrently(app, work, times: int = 2) -> list:
    """Run `work()` in `times` threads at once, each in its own app context (own DB session)."""
    barrier = threading.Barrier(times)
    results = []

    def thread():
        with app.app_context():
            barrier.wait()
            results.append(work())
            _db.session.remove()

    threads = [threading.Thread(target=thread) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


NOON = shanghai(1, 12)


# ---- enqueue --------------------------------------------------------------------------------------

def test_the_same_dedupe_key_twice_gives_one_row_and_one_send(templates, gateway):
    first = sms("expiry:1:30d")
    second = sms("expiry:1:30d", variables={**EXPIRY, "name": "王女士"})

    assert second.id == first.id
    assert second.body_text == first.body_text and "张先生" in first.body_text
    assert _db.session.execute(select(OutboxMessage)).scalars().all() == [first]

    report = deliver(gateway, NOON)
    assert report.sent == 1 and gateway.keys() == ["expiry:1:30d"]
    assert gateway.sent[0].recipient == MOBILE
    assert gateway.sent[0].body == {"template_id": "1000001", "params": list(EXPIRY.values())}
    assert row(first.id).status == MessageStatus.sent and row(first.id).provider_message_id == f"p-{first.id}"
    # Queued again after it was sent: still the one row, nothing new goes out.
    sms("expiry:1:30d")
    assert deliver(gateway, NOON).claimed == 0 and len(gateway.sent) == 1


def test_two_callers_racing_on_one_dedupe_key_get_one_row(app, templates):
    ids = run_concurrently(app, lambda: sms("race:1", kick=False).id)
    assert len(ids) == 2 and ids[0] == ids[1]
    assert _db.session.execute(text("SELECT count(*) FROM outbox_messages")).scalar_one() == 1


def test_mobile_is_stored_encrypted_and_the_raw_row_does_not_contain_it(templates):
    message = sms("enc:1")
    raw = _db.session.execute(text("SELECT recipient, recipient_enc, body_text FROM outbox_messages")).one()
    assert raw.recipient is None
    assert MOBILE.encode() not in bytes(raw.recipient_enc)
    assert outbox.mobile_of(row(message.id)) == MOBILE


def test_enqueue_kicks_one_delivery_job_for_many_messages(templates):
    sms("kick:1")
    sms("kick:2", mobile="13900000001")
    queue = get_queue("messages")
    assert queue.count == 1
    assert queue.jobs[0].func_name == "jobs.messages.deliver_due"


def test_not_before_holds_a_message_back(templates, gateway):
    later = shanghai(2, 10)
    message = sms("later:1", not_before=later)
    assert deliver(gateway, NOON).claimed == 0
    assert deliver(gateway, later).sent == 1
    assert row(message.id).status == MessageStatus.sent


@pytest.mark.parametrize("call, message", [
    (lambda: sms("x", variables={"name": "张先生"}), "缺少变量:plate、line、end_date、agent"),
    (lambda: sms("x", template="no_such_template"), "消息模板不存在"),
    (lambda: sms("x", mobile="12345"), "手机号"),
    (lambda: messaging.enqueue("wecom_app", "zhangsan", "policy_expiry_sms", EXPIRY, "x"), "不能用于"),
    (lambda: messaging.enqueue("fax", "zhangsan", "policy_expiry_sms", EXPIRY, "x"), "未知的消息渠道:fax"),
    (lambda: sms(""), "去重键不能为空"),
])
def test_bad_calls_are_refused_in_chinese_and_queue_nothing(templates, call, message):
    with pytest.raises(DomainError, match=re.escape(message)):
        call()
    assert _db.session.execute(text("SELECT count(*) FROM outbox_messages")).scalar_one() == 0


def test_a_disabled_template_sends_nothing(templates):
    template = _db.session.execute(select(MessageTemplate).where(MessageTemplate.code == "birthday_sms")).scalar_one()
    template.enabled = False
    _db.session.commit()
    with pytest.raises(DomainError, match=re.escape("已停用")):
        sms("bday:1", variables={"name": "张先生"}, template="birthday_sms")


# ---- rendering and channel limits -----------------------------------------------------------------

def _template(channel, body, **kw):
    return MessageTemplate(code="t", channel=channel, name="测试模板", body=body,
                           provider_template_id=kw.pop("provider_template_id", "TPL1"),
                           msg_format=kw.pop("msg_format", "text"), **kw)


@pytest.mark.parametrize("body, variables, message", [
    ("thing1: {x}", {"x": "一" * 21}, "字段 thing1(事物)不能超过 20 个字符,当前 21 个"),
    ("number1: {x}", {"x": "12a"}, "字段 number1(数字)格式不符"),
    ("number1: {x}", {"x": "1" * 33}, "不能超过 32 个字符"),
    ("letter1: {x}", {"x": "abc1"}, "字段 letter1(字母)格式不符"),
    ("phrase1: {x}", {"x": "正在处理中啊"}, "字段 phrase1(汉字)不能超过 5 个字符"),
    ("phrase1: {x}", {"x": "ok"}, "字段 phrase1(汉字)格式不符"),
    ("character_string1: {x}", {"x": "含中文"}, "字段 character_string1(字符串)格式不符"),
    ("name1: {x}", {"x": "欧阳一二三四五六七八九"}, "不能超过 10 个汉字"),
    ("name1: {x}", {"x": "a" * 21}, "不能超过 20 个字母"),
    ("amount1: {x}", {"x": "12345678901元"}, "字段 amount1(金额)格式不符"),
    ("date1: {x}", {"x": "明天"}, "字段 date1(日期)格式不符"),
    ("time1: {x}", {"x": "下午三点"}, "字段 time1(时间)格式不符"),
    ("car_number1: {x}", {"x": "冀A123456789"}, "不能超过 8 个字符"),
    ("thing1: {x}", {"x": ""}, "不能为空"),
    ("thing1 {x}", {"x": "a"}, "格式应为"),
    ("colour1: {x}", {"x": "a"}, "不支持的订阅消息字段类型 colour"),
])
def test_subscribe_message_fields_follow_wechat_limits(app, body, variables, message):
    with pytest.raises(DomainError, match=re.escape(message)):
        render(_template("wechat_subscribe", body), variables)


def test_subscribe_message_values_within_limits_render_to_wechat_data(app):
    body = ("thing1: {x}\nnumber2: 12.50\nphrase3: 已结案\namount4: ¥1234.50\ndate5: 2026年3月1日\n"
            "time6: 2026-03-01 15:01~16:00\nname7: 欧阳娜娜\ncharacter_string8: CL-2026/001")
    rendered = render(_template("wechat_subscribe", body, page="pages/index"), {"x": "一" * 20})
    assert rendered.body["template_id"] == "TPL1" and rendered.body["page"] == "pages/index"
    assert rendered.body["data"]["thing1"] == "一" * 20
    assert list(rendered.body["data"]) == ["thing1", "number2", "phrase3", "amount4", "date5", "time6", "name7",
                                           "character_string8"]


@pytest.mark.parametrize("channel, msg_format, limit", [
    ("wecom_robot", "markdown", 4096), ("wecom_robot", "text", 2048), ("wecom_app", "text", 2048),
])
def test_wecom_messages_are_limited_in_utf8_bytes(app, channel, msg_format, limit):
    template = _template(channel, "{x}", msg_format=msg_format)
    # Three bytes per Chinese character: the byte limit, not the character count, decides.
    at_limit = "中" * (limit // 3) + "a" * (limit % 3)
    assert render(template, {"x": at_limit}).body == {"msgtype": msg_format, "content": at_limit}
    with pytest.raises(DomainError, match=re.escape(f"不能超过 {limit} 字节(UTF-8),当前 {limit + 1} 字节")):
        render(template, {"x": at_limit + "a"})


def test_sms_checks_signature_variables_and_length(app, monkeypatch):
    template = _template("sms", "您的验证码为{code},{minutes}分钟内有效。客户{name}")
    rendered = render(template, {"code": "482913", "minutes": 5, "name": "张先生"})
    assert rendered.body == {"template_id": "TPL1", "params": ["482913", "5", "张先生"]}
    assert rendered.text == "【保运】您的验证码为482913,5分钟内有效。客户张先生"
    assert (rendered.sms_chars, rendered.sms_parts) == (len(rendered.text), 1)

    with pytest.raises(DomainError, match=re.escape("验证码变量 code 只能是 6 位以内的数字")):
        render(template, {"code": "48291a", "minutes": 5, "name": "张"})
    with pytest.raises(DomainError, match=re.escape("验证码变量 code 只能是 6 位以内的数字")):
        render(template, {"code": "4829133", "minutes": 5, "name": "张"})
    with pytest.raises(DomainError, match=re.escape("短信变量 name 不能超过 12 个字符,当前 13 个")):
        render(template, {"code": "1", "minutes": 5, "name": "张" * 13})

    long_body = _template("sms", "通知" * 250 + "{x}")
    with pytest.raises(DomainError, match=re.escape("短信(含签名)不能超过 500 个字符,当前 505 个")):
        render(long_body, {"x": "一"})

    monkeypatch.setitem(app.config, "SMS_SIGN_NAME", "")
    with pytest.raises(DomainError, match=re.escape("未配置短信签名")):
        render(template, {"code": "1", "minutes": 5, "name": "张"})


def test_sms_parts_are_counted_70_then_67():
    assert [sms_parts(n) for n in (1, 70, 71, 134, 135)] == [1, 1, 2, 2, 3]


def test_every_default_template_renders_with_its_samples(templates):
    for template in _db.session.execute(select(MessageTemplate)).scalars():
        assert render(template, template.sample_variables).text


# ---- quiet hours, caps, opt-out, consent ----------------------------------------------------------

def test_quiet_hours_defer_sms_to_eight_but_not_wecom_or_login_codes(templates, gateway):
    late = shanghai(1, 22, 30)
    notice = sms("quiet:sms")
    code = sms("quiet:code", variables=LOGIN, template="sms_login_code")
    staff_note = messaging.enqueue("wecom_app", "lijingli", "renewal_task_wecom",
                                   {"name": "李经理", "count": 3, "days": 30, "new_count": 1}, "quiet:wecom")

    report = deliver(gateway, late)

    assert sorted(gateway.keys()) == ["quiet:code", "quiet:wecom"]
    assert (report.sent, report.deferred) == (2, 1)
    deferred = row(notice.id)
    assert deferred.status == MessageStatus.queued and deferred.attempts == 0
    assert deferred.next_try_at == shanghai(2, 8)
    assert deferred.error_code == "quiet_hours" and "推迟到" in deferred.last_error
    assert row(staff_note.id).status == row(code.id).status == MessageStatus.sent

    # Still night at 07:59; out at 08:00.
    assert deliver(gateway, shanghai(2, 7, 59)).claimed == 0
    assert deliver(gateway, shanghai(2, 8)).sent == 1
    assert gateway.keys()[-1] == "quiet:sms" and row(notice.id).status == MessageStatus.sent


def test_quiet_hours_are_configurable(app, templates, gateway, monkeypatch):
    monkeypatch.setitem(app.config, "MESSAGE_QUIET_HOURS", "12:00-13:00")
    message = sms("quiet:noon")
    deliver(gateway, NOON)
    assert row(message.id).next_try_at == shanghai(1, 13)
    monkeypatch.setitem(app.config, "MESSAGE_QUIET_HOURS", "")
    assert deliver(gateway, NOON + timedelta(minutes=1)).claimed == 0  # deferred rows wait their turn
    assert deliver(gateway, shanghai(1, 13)).sent == 1


def test_daily_cap_skips_the_fourth_sms_to_one_mobile_and_resets_next_day(app, templates, gateway):
    assert app.config["MESSAGE_DAILY_CAPS"].startswith("sms:3")
    first_four = [sms(f"cap:{n}") for n in range(4)]
    other_mobile = sms("cap:other", mobile="13900000002")

    report = deliver(gateway, NOON)

    assert report.sent == 4 and report.skipped == 1
    statuses = [row(m.id).status for m in first_four]
    assert statuses == [MessageStatus.sent] * 3 + [MessageStatus.skipped]
    skipped = row(first_four[3].id)
    assert skipped.error_code == "daily_cap" and "每天最多 3 条" in skipped.last_error
    assert row(other_mobile.id).status == MessageStatus.sent
    # Urgent messages (login codes) are not capped; tomorrow is a new day.
    assert deliver(gateway, NOON, ).claimed == 0
    sms("cap:code", variables=LOGIN, template="sms_login_code")
    sms("cap:tomorrow", not_before=shanghai(2, 9))
    assert deliver(gateway, NOON).sent == 1
    assert deliver(gateway, shanghai(2, 9)).sent == 1
    assert gateway.keys()[-2:] == ["cap:code", "cap:tomorrow"]


def test_cap_holds_across_two_workers_delivering_at_once(app, templates):
    gateway = RecordingGateway()
    for n in range(10):
        sms(f"capr:{n}")
    _db.session.remove()
    run_concurrently(app, lambda: deliver(gateway, NOON, batch_size=2))
    assert len(gateway.sent) == 3
    counts = dict(_db.session.execute(text("SELECT status, count(*) FROM outbox_messages GROUP BY status")).all())
    assert counts == {"sent": 3, "skipped": 7}


def test_a_td_reply_through_the_callback_stops_sms_to_that_mobile(client, templates, gateway):
    resp = client.post("/api/hooks/sms/reply", json={
        "extend": "", "mobile": MOBILE, "nationcode": "86", "sign": "保运", "text": " td ", "time": 1457336869})
    assert resp.status_code == 200 and resp.get_json() == {"result": 0, "errmsg": "OK"}
    assert messaging.is_opted_out("sms", "+86 138-1234-5678")

    message = sms("optout:1")
    other = sms("optout:2", mobile="13900000003")
    deliver(gateway, NOON)

    assert gateway.keys() == ["optout:2"]
    skipped = row(message.id)
    assert skipped.status == MessageStatus.skipped and skipped.error_code == "opted_out"
    assert row(other.id).status == MessageStatus.sent


def test_a_login_code_is_kept_masked_and_encrypted_and_dropped_once_sent(templates, gateway):
    message = sms("secret:1", variables=LOGIN, template="sms_login_code", secret=("code",))
    raw = _db.session.execute(text("SELECT payload::text, body::text, body_text, body_enc FROM outbox_messages "
                                   "WHERE id = :id"), {"id": message.id}).one()
    assert "482913" not in raw.payload + raw.body + raw.body_text and bytes(raw.body_enc).find(b"482913") == -1
    shown = row(message.id)
    assert shown.secret and shown.payload == {"code": "******", "minutes": "5"}
    assert shown.body["params"] == ["******", "5"] and "验证码为******," in shown.body_text

    deliver(gateway, NOON)

    assert gateway.sent[0].body["params"] == ["482913", "5"]  # the provider gets the real code
    sent = row(message.id)
    assert sent.status == MessageStatus.sent and sent.body_enc is None and sent.body["params"] == ["******", "5"]


def test_a_login_code_reaches_a_mobile_that_unsubscribed_and_is_never_resent(client, templates):
    messaging.record_opt_out("sms", MOBILE, "sms_reply", "回复:TD")
    _db.session.commit()
    notice = sms("secret-optout:notice")
    code = sms("secret-optout:code", variables=LOGIN, template="sms_login_code", secret=("code",))
    gateway = RecordingGateway(script=[PermanentError("号码停机", code="1016")])

    deliver(gateway, NOON)

    assert gateway.keys() == ["secret-optout:code"]  # the notice is skipped; the code is what they asked for
    assert row(notice.id).error_code == "opted_out"
    failed = row(code.id)
    assert failed.status == MessageStatus.failed and failed.body_enc is None
    with pytest.raises(DomainError, match="验证码消息不能重新发送"):
        outbox.requeue(code.id)


def test_an_ordinary_reply_is_not_an_opt_out_and_bad_callbacks_are_refused(client, templates):
    ok = client.post("/api/hooks/sms/reply", json={"mobile": MOBILE, "nationcode": "86", "sign": "保运",
                                                   "text": "好的,谢谢", "time": 1457336869})
    assert ok.status_code == 200 and not messaging.is_opted_out("sms", MOBILE)
    bad = client.post("/api/hooks/sms/reply", json={"mobile": MOBILE, "text": "TD"})
    assert bad.status_code == 422
    body = bad.get_json()
    assert set(body) == {"code", "message", "errors"} and "time" in body["errors"]
    assert not messaging.is_opted_out("sms", MOBILE)


def test_with_a_callback_token_a_forged_reply_cannot_unsubscribe(app, client, templates, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_REPLY_CALLBACK_TOKEN", "callback-secret")
    reply = {"mobile": MOBILE, "nationcode": "86", "sign": "保运", "text": "TD", "time": 1457336869}
    for url in ("/api/hooks/sms/reply", "/api/hooks/sms/reply?token=guess"):
        forged = client.post(url, json=reply)
        assert forged.status_code == 403 and forged.get_json()["message"] == "回调令牌无效"
    assert not messaging.is_opted_out("sms", MOBILE)

    real = client.post("/api/hooks/sms/reply?token=callback-secret", json=reply)
    assert real.status_code == 200 and messaging.is_opted_out("sms", MOBILE)


def test_one_subscription_allows_one_message_and_the_second_is_skipped(templates, gateway):
    messaging.grant_subscriptions(OPENID, ["TPL-CLAIM-PROGRESS"])
    first = messaging.enqueue("wechat_subscribe", OPENID, "claim_progress_wechat", CLAIM, "claim:1:closed")
    second = messaging.enqueue("wechat_subscribe", OPENID, "claim_progress_wechat", CLAIM, "claim:1:paid")

    deliver(gateway, NOON)

    assert gateway.keys() == ["claim:1:closed"]
    assert gateway.sent[0].body["data"]["phrase2"] == "已结案"
    assert row(first.id).status == MessageStatus.sent
    skipped = row(second.id)
    assert skipped.status == MessageStatus.skipped and skipped.error_code == "no_consent"
    assert messaging.subscriptions_left(OPENID, "TPL-CLAIM-PROGRESS") == 0

    # Two more acceptances: two more messages.
    messaging.grant_subscriptions(OPENID, ["TPL-CLAIM-PROGRESS"])
    messaging.grant_subscriptions(OPENID, ["TPL-CLAIM-PROGRESS"])
    assert messaging.subscriptions_left(OPENID, "TPL-CLAIM-PROGRESS") == 2


def test_robot_sends_at_most_twenty_a_minute_and_defers_the_rest(templates, gateway):
    variables = {"title": "日报", "cutoff": "今天", "content": "内容"}
    for n in range(23):
        messaging.enqueue("wecom_robot", "robot-key-1", "daily_digest_robot", variables, f"robot:{n}")

    report = deliver(gateway, NOON)

    assert (report.sent, report.deferred) == (20, 3)
    waiting = _db.session.execute(select(OutboxMessage).where(OutboxMessage.status == MessageStatus.queued)).scalars()
    assert {m.next_try_at for m in waiting} == {NOON + timedelta(minutes=1)}
    assert deliver(gateway, NOON + timedelta(seconds=59)).sent == 0
    assert deliver(gateway, NOON + timedelta(minutes=1)).sent == 3


# ---- retries and failures -------------------------------------------------------------------------

def test_a_transient_error_is_retried_with_backoff_then_sent(templates):
    gateway = RecordingGateway(script=[TransientError("服务繁忙", code="502"), TransientError("超时")])
    message = sms("retry:1")

    deliver(gateway, NOON)
    first = row(message.id)
    assert first.status == MessageStatus.queued and first.attempts == 1
    assert first.next_try_at == NOON + timedelta(seconds=30)
    assert first.error_code == "502" and "30 秒后重试" in first.last_error

    assert deliver(gateway, NOON + timedelta(seconds=29)).claimed == 0
    deliver(gateway, NOON + timedelta(seconds=30))
    assert row(message.id).next_try_at == NOON + timedelta(seconds=150)  # then 2 minutes

    deliver(gateway, NOON + timedelta(seconds=150))
    done = row(message.id)
    assert done.status == MessageStatus.sent and done.attempts == 3 and done.last_error is None
    assert gateway.keys() == ["retry:1"] * 3


def test_transient_errors_past_max_attempts_fail_the_message(app, templates, monkeypatch):
    monkeypatch.setitem(app.config, "MESSAGE_MAX_ATTEMPTS", 2)
    gateway = RecordingGateway(script=[TransientError("忙")] * 5)
    message = sms("retry:max")
    deliver(gateway, NOON)
    deliver(gateway, NOON + timedelta(hours=1))
    failed = row(message.id)
    assert failed.status == MessageStatus.failed and failed.attempts == 2 and "已尝试 2 次" in failed.last_error
    assert deliver(gateway, NOON + timedelta(days=1)).claimed == 0 and len(gateway.sent) == 2


def test_43101_fails_without_retry_and_zeroes_the_consent(templates):
    messaging.grant_subscriptions(OPENID, ["TPL-CLAIM-PROGRESS"])
    messaging.grant_subscriptions(OPENID, ["TPL-CLAIM-PROGRESS"])
    gateway = RecordingGateway(script=[PermanentError("user refuse to accept the msg", code="43101")])
    message = messaging.enqueue("wechat_subscribe", OPENID, "claim_progress_wechat", CLAIM, "claim:2:closed")

    deliver(gateway, NOON)

    failed = row(message.id)
    assert failed.status == MessageStatus.failed and failed.error_code == "43101" and failed.attempts == 1
    assert messaging.subscriptions_left(OPENID, "TPL-CLAIM-PROGRESS") == 0
    assert deliver(gateway, NOON + timedelta(days=1)).claimed == 0 and len(gateway.sent) == 1


def test_a_transient_subscribe_failure_gives_the_subscription_back(templates):
    messaging.grant_subscriptions(OPENID, ["TPL-CLAIM-PROGRESS"])
    gateway = RecordingGateway(script=[TransientError("system busy", code="-1")])
    messaging.enqueue("wechat_subscribe", OPENID, "claim_progress_wechat", CLAIM, "claim:3")
    deliver(gateway, NOON)
    assert messaging.subscriptions_left(OPENID, "TPL-CLAIM-PROGRESS") == 1
    assert deliver(gateway, NOON + timedelta(minutes=1)).sent == 1
    assert messaging.subscriptions_left(OPENID, "TPL-CLAIM-PROGRESS") == 0


# ---- at most once ---------------------------------------------------------------------------------

def test_a_worker_dying_mid_send_leaves_the_row_uncertain_and_it_is_never_resent(app, templates, gateway):
    message = sms("crash:1")
    crashed = "dead-worker"
    [claimed] = outbox.claim(10, crashed, clock=lambda: NOON)
    assert outbox.start(claimed, crashed, clock=lambda: NOON)
    gateway.send(outbox.OutgoingMessage("sms", claimed.recipient, claimed.body, claimed.dedupe_key, claimed.id))
    # ... and the worker is killed here, before it records the result.

    lease = app.config["MESSAGE_SEND_LEASE_SECONDS"]
    assert deliver(gateway, NOON + timedelta(seconds=lease - 1)).claimed == 0  # still within the lease
    assert row(message.id).status == MessageStatus.sending
    report = deliver(gateway, NOON + timedelta(seconds=lease + 1))

    assert report.uncertain == 1 and report.claimed == 0
    stuck = row(message.id)
    assert stuck.status == MessageStatus.uncertain and stuck.error_code == "lease_expired"
    assert deliver(gateway, NOON + timedelta(days=1)).claimed == 0
    assert gateway.keys() == ["crash:1"]


def test_rows_claimed_but_never_started_go_back_to_the_queue(app, templates, gateway):
    messages = [sms(f"claimed:{n}", mobile=f"1390000000{n}") for n in range(3)]
    outbox.claim(10, "dead-worker", clock=lambda: NOON)
    lease = app.config["MESSAGE_SEND_LEASE_SECONDS"]

    report = deliver(gateway, NOON + timedelta(seconds=lease + 1))

    assert report.requeued == 3 and report.sent == 3
    assert [row(m.id).attempts for m in messages] == [1, 1, 1]
    assert sorted(gateway.keys()) == ["claimed:0", "claimed:1", "claimed:2"]


def test_a_gateway_raising_something_unexpected_leaves_the_row_uncertain(templates):
    gateway = RecordingGateway(script=[RuntimeError("connection reset after request was written")])
    message = sms("weird:1")
    deliver(gateway, NOON)
    assert row(message.id).status == MessageStatus.uncertain and row(message.id).error_code == "unexpected"
    assert deliver(gateway, NOON + timedelta(days=1)).claimed == 0


def test_two_workers_delivering_at_once_send_each_message_once(app, templates):
    gateway = RecordingGateway()
    total = 120
    for n in range(total):
        messaging.enqueue("wecom_app", f"user{n}", "renewal_task_wecom",
                          {"name": "李", "count": n, "days": 30, "new_count": 0}, f"pair:{n}", kick=False)
    _db.session.remove()
    reports = run_concurrently(app, lambda: deliver(gateway, NOON, batch_size=7))

    keys = gateway.keys()
    assert len(keys) == total and len(set(keys)) == total
    assert all(r.sent > 0 for r in reports) and sum(r.sent for r in reports) == total
    assert _db.session.execute(text("SELECT count(*) FROM outbox_messages WHERE status = 'sent'")).scalar_one() == total


def test_an_admin_resend_queues_an_uncertain_message_again(templates):
    gateway = RecordingGateway(script=[RuntimeError("?")])
    message = sms("resend:1")
    deliver(gateway, NOON)
    outbox.requeue(message.id)
    _db.session.commit()
    assert deliver(gateway, NOON).sent == 1
    assert row(message.id).status == MessageStatus.sent and len(gateway.sent) == 2
    with pytest.raises(DomainError, match=re.escape("只有发送失败或结果未知")):
        outbox.requeue(message.id)


# ---- the CLI ----------------------------------------------------------------------------------------

def test_cli_loads_templates_once_and_delivers_in_log_mode(app, db):
    from app.services.messaging.defaults import DEFAULT_TEMPLATES

    runner = app.test_cli_runner()
    count = len(DEFAULT_TEMPLATES)
    assert f"新建模板 {count} 个,已存在 0 个" in runner.invoke(args=["messages", "templates-load"]).output
    assert f"新建模板 0 个,已存在 {count} 个" in runner.invoke(args=["messages", "templates-load"]).output
    message = messaging.enqueue("wecom_app", "lijingli", "renewal_task_wecom",
                                {"name": "李", "count": 1, "days": 30, "new_count": 0}, "cli:1", kick=False)

    result = runner.invoke(args=["messages", "deliver"])

    assert result.exit_code == 0, result.output
    assert "认领 1 条,已发送 1 条" in result.output
    assert row(message.id).status == MessageStatus.sent  # MESSAGING_MODE=log: written to the log only


def test_cli_send_test_uses_the_sample_variables_and_reports_errors_in_chinese(app, templates):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["messages", "send-test", "wecom_robot", "robot-key", "daily_digest_robot"])
    assert result.exit_code == 0, result.output
    assert "已发送" in result.output and "保运经营日报" in result.output
    bad = runner.invoke(args=["messages", "send-test", "sms", "12345", "birthday_sms"])
    assert bad.exit_code == 1 and "手机号" in bad.output
