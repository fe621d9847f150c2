"""The callback as WeCom drives it: every message encrypted and signed by wechatpy's WeCom crypto as
WeCom's server does, every answer decrypted and checked the same way."""

from __future__ import annotations

import signal
import time

import pytest
import xmltodict
from sqlalchemy import func, select
from wechatpy.enterprise.crypto import WeChatCrypto

from app.extensions import db as _db
from app.models import AuditChannel, AuditLog, RenewalFollowUp
from app.models.bot import BotCommand, BotOutcome
from app.models.messaging import MessageStatus, OutboxMessage
from app.services import messaging
from config import Config, ConfigError
from jobs import bot as bot_jobs
from jobs.worker import InProcessWorker, make_worker
from tests.bot_support import AES_KEY, TOKEN, WeComServer, bot_config, next_msg_id, office
from tests.fakes.plugin import messaging_config
from tests.fakes.wecom import CORP_ID


@pytest.fixture
def wecom(app, client):
    with bot_config(app):
        yield WeComServer(client)


@pytest.fixture
def world(db):
    return office()


def count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_url_verification_echoes_the_decrypted_echostr(wecom, client):
    nonce, timestamp = "n0nce", str(int(time.time()))
    # WeCom sends echostr encrypted and signed exactly like a message body.
    envelope = xmltodict.parse(wecom.crypto.encrypt_message("hello-baoyun", nonce, timestamp))["xml"]
    query = {"msg_signature": envelope["MsgSignature"], "timestamp": timestamp, "nonce": nonce,
             "echostr": envelope["Encrypt"]}
    resp = client.get("/wecom/callback", query_string=query)
    assert resp.status_code == 200 and resp.get_data(as_text=True) == "hello-baoyun"
    bad = client.get("/wecom/callback", query_string={**query, "msg_signature": "0" * 40})
    assert bad.status_code == 403 and bad.get_data() == b""


def test_a_known_staff_member_gets_an_encrypted_answer(wecom, world):
    answer = wecom.say("a1", "帮助")
    assert answer.status == 200
    assert "查客户" in answer.content and "本月到期" in answer.content
    # The reply goes from the app to the member who wrote, as WeCom expects.
    assert answer.reply["ToUserName"] == "a1" and answer.reply["FromUserName"] == CORP_ID
    [row] = _db.session.scalars(select(BotCommand)).all()
    assert (row.intent, row.outcome, row.staff_id) == ("help", BotOutcome.answered, world.staff["a1"].id)
    assert row.latency_ms >= 0


def test_a_bad_signature_is_refused_without_detail_and_does_nothing(wecom, world):
    answer = wecom.post(wecom.text_xml("a1", "帮助", next_msg_id()), signature="f" * 40)
    assert answer.status == 403 and answer.raw == b""
    assert count(BotCommand) == 0


def test_a_message_for_another_corp_is_refused(wecom, world):
    other = WeChatCrypto(TOKEN, AES_KEY, "ww-some-other-corp")
    answer = wecom.post(wecom.text_xml("a1", "帮助", next_msg_id()), crypto=other)
    assert answer.status == 403 and answer.raw == b""
    assert count(BotCommand) == 0


def test_a_message_encrypted_with_another_key_is_refused(wecom, world):
    other = WeChatCrypto(TOKEN, "Z" * 43, CORP_ID)
    assert wecom.post(wecom.text_xml("a1", "帮助", next_msg_id()), crypto=other).status == 403


def test_the_timestamp_window_refuses_old_callbacks_when_set(app, wecom, world):
    old = int(time.time()) - 3600
    assert wecom.post(wecom.text_xml("a1", "帮助", next_msg_id()), timestamp=old).status == 200  # 0 = off
    with messaging_config(app, WECOM_MAX_SKEW_SECONDS=300):
        assert wecom.post(wecom.text_xml("a1", "帮助", next_msg_id()), timestamp=old).status == 403
        assert wecom.post(wecom.text_xml("a1", "帮助", next_msg_id())).status == 200


def test_the_callback_is_absent_while_the_bot_is_disabled(client, world):
    assert client.post("/wecom/callback?msg_signature=x&timestamp=1&nonce=n").status_code == 404


@pytest.mark.parametrize("userid", ["stranger", "gone"])
def test_unknown_and_inactive_users_get_a_polite_refusal_and_nothing_else(wecom, world, userid):
    answer = wecom.say(userid, "13900000001")
    assert answer.status == 200 and "尚未开通" in answer.content
    assert "赵一鸣" not in answer.content and count(AuditLog) == 0
    [row] = _db.session.scalars(select(BotCommand)).all()
    assert row.outcome == BotOutcome.refused and row.staff_id is None
    assert row.text == "139****0001"  # the log masks the number


def test_the_same_msgid_three_times_records_one_follow_up_and_answers_alike(wecom, world):
    msg_id = next_msg_id()
    xml = wecom.text_xml("a1", "跟进 冀A10001 已报价 3500", msg_id)
    answers = [wecom.post(xml) for _ in range(3)]
    assert all(a.status == 200 for a in answers)
    assert "已记录" in answers[0].content and "3,500.00" in answers[0].content
    assert [a.content for a in answers] == [answers[0].content] * 3
    assert count(RenewalFollowUp) == 1
    assert count(BotCommand) == 1
    [follow_up] = _db.session.scalars(select(RenewalFollowUp)).all()
    assert follow_up.renewal_id == world.renewals["a1"].id and str(follow_up.quote_amount) == "3500.00"


def test_a_retry_while_the_first_is_still_working_never_starts_it_again(app, wecom, world):
    from app.services import bot_inbox

    key = str(next_msg_id())
    assert bot_inbox.claim(key)  # the first delivery is busy with this message
    started = time.monotonic()
    answer = wecom.post(wecom.text_xml("a1", "跟进 冀A10001 已续保", int(key)))
    assert answer.status == 200 and answer.content is None  # empty: WeCom takes it as answered
    assert time.monotonic() - started >= bot_inbox.RETRY_WAIT_SECONDS - 0.5
    assert count(RenewalFollowUp) == 0 and count(BotCommand) == 0


def test_a_customer_lookup_by_plate_answers_a_card_and_is_audited_on_channel_bot(wecom, world):
    answer = wecom.say("a1", "冀A10001 的保单")
    text = answer.content
    assert "赵一鸣" in text and "139****0001" in text and "13900000001" not in text
    assert "商业险" in text and "即将到期" in text and "交强险" in text
    assert "已立案" in text  # the open claim
    customer_id = world.customers["a1"].id
    assert f'href="https://ops.example.com/staff/customers/{customer_id}"' in text
    assert f"/staff/customers/{customer_id}/policies" in text
    reads = _db.session.scalars(select(AuditLog).where(AuditLog.entity == "customer")).all()
    assert {(r.action, r.channel) for r in reads} == {("search", AuditChannel.bot), ("read", AuditChannel.bot)}
    assert all(r.staff_id == world.staff["a1"].id for r in reads)


def test_a_slow_command_answers_at_once_then_the_job_sends_it_through_the_outbox(app, wecom, world, live_messaging):
    msg_id = next_msg_id()
    xml = wecom.text_xml("m1", "团队业绩", msg_id)
    answers = [wecom.post(xml) for _ in range(3)]
    assert all("正在查询" in a.content for a in answers)
    [command] = _db.session.scalars(select(BotCommand)).all()
    assert command.outcome == BotOutcome.deferred and command.intent == "team_performance"

    # The job the callback queued (once, whatever the retries), run by an RQ worker in this process.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        make_worker(app, ["default"], InProcessWorker).work(burst=True)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    _db.session.expire_all()
    assert count(OutboxMessage) == 1
    assert bot_jobs.answer_deferred(command.id) == "skipped"  # idempotent: run again, nothing more
    [message] = _db.session.scalars(select(OutboxMessage)).all()
    assert message.channel == "wecom_app" and message.recipient == "m1"
    assert message.dedupe_key == f"bot-reply:{msg_id}" and message.staff_id == world.staff["m1"].id
    assert "团队业绩" in message.body_text and "业务一" in message.body_text
    _db.session.refresh(command)
    assert command.outcome == BotOutcome.delivered and command.job_latency_ms is not None

    report = messaging.deliver_due()
    assert report.sent == 1, report
    _db.session.expire_all()
    assert _db.session.get(OutboxMessage, message.id).status == MessageStatus.sent
    [sent] = live_messaging.wecom.app_messages
    assert sent.json["touser"] == "m1" and "团队业绩" in sent.json["text"]["content"]


def test_an_answer_too_late_for_the_callback_goes_through_the_outbox(app, wecom, world):
    with messaging_config(app, WECOM_REPLY_BUDGET_MS=-1):
        msg_id = next_msg_id()
        answer = wecom.post(wecom.text_xml("a1", "未来30天到期", msg_id))
    assert answer.status == 200 and answer.content is None
    [message] = _db.session.scalars(select(OutboxMessage)).all()
    assert message.dedupe_key == f"bot-reply:{msg_id}" and "冀A10001" in message.body_text
    assert _db.session.scalars(select(BotCommand.outcome)).all() == [BotOutcome.delivered]


def test_events_are_answered_empty_except_a_new_follower_gets_the_help(wecom, world):
    now = int(time.time())
    assert wecom.post(wecom.event_xml("a1", "enter_agent", now)).content is None
    welcome = wecom.post(wecom.event_xml("a1", "subscribe", now + 1))
    assert "查客户" in welcome.content
    # The same event again (a retry: same user and CreateTime) is answered alike.
    assert wecom.post(wecom.event_xml("a1", "subscribe", now + 1)).content == welcome.content


def test_production_refuses_to_start_the_bot_without_its_keys():
    base = dict(ENV="production", SECRET_KEY="x" * 40, DATABASE_URL="postgresql://db/x", REDIS_URL="redis://r",
                FIELD_ENCRYPTION_KEY="k", FIELD_HASH_KEY="h", WECOM_BOT_ENABLED=True, WECOM_CORP_ID=CORP_ID)
    with pytest.raises(ConfigError, match="WECOM_TOKEN, WECOM_ENCODING_AES_KEY"):
        Config(**base).check()
    Config(**base, WECOM_TOKEN=TOKEN, WECOM_ENCODING_AES_KEY=AES_KEY).check()
    Config(**{**base, "WECOM_BOT_ENABLED": False}).check()
    with pytest.raises(ConfigError, match="43"):
        Config(**base, WECOM_TOKEN=TOKEN, WECOM_ENCODING_AES_KEY="short").check()


def test_garbage_bodies_and_missing_arguments_are_refused_alike(wecom, client, world):
    assert client.post("/wecom/callback?msg_signature=a&timestamp=1&nonce=n", data=b"<xml><Encrypt>!!</Encrypt></xml>",
                       content_type="text/xml").status_code == 403
    assert client.post("/wecom/callback", data=b"<xml/>", content_type="text/xml").status_code == 403
    assert client.post("/wecom/callback?msg_signature=a&timestamp=1&nonce=n", data=b"not xml at all").status_code == 403
    assert client.get("/wecom/callback?msg_signature=a&timestamp=1&nonce=n&echostr=abc").status_code == 403
    assert count(BotCommand) == 0


def test_url_verification_for_another_corp_is_refused(wecom, client):
    other = WeChatCrypto(TOKEN, AES_KEY, "ww-some-other-corp")
    nonce, timestamp = "n0nce", str(int(time.time()))
    envelope = xmltodict.parse(other.encrypt_message("hello", nonce, timestamp))["xml"]
    resp = client.get("/wecom/callback", query_string={"msg_signature": envelope["MsgSignature"],
                                                       "timestamp": timestamp, "nonce": nonce,
                                                       "echostr": envelope["Encrypt"]})
    assert resp.status_code == 403 and resp.get_data() == b""


def test_a_long_knowledge_question_is_answered_by_the_job(app, wecom, world):
    from pathlib import Path

    from app.services.knowledge import articles

    articles.load_directory(Path(__file__).resolve().parent.parent / "docs" / "samples" / "kb")
    question = "车辆在暴雨中涉水行驶导致发动机进水损坏了保险公司到底赔不赔"
    assert "正在查询" in wecom.say("a1", question).content
    command = _db.session.scalars(select(BotCommand)).one()
    assert command.intent == "kb_search" and command.outcome == BotOutcome.deferred
    bot_jobs.answer_deferred(command.id)
    body = _db.session.scalars(select(OutboxMessage.body_text)).one()
    assert body.startswith("【知识库】") and "/staff/kb/" in body


def test_a_deferred_command_of_someone_who_left_meanwhile_sends_nothing(app, wecom, world):
    wecom.say("m1", "团队业绩")
    command = _db.session.scalars(select(BotCommand)).one()
    world.staff["m1"].active = False
    _db.session.commit()
    assert bot_jobs.answer_deferred(command.id) == "refused"
    assert count(OutboxMessage) == 0
    _db.session.refresh(command)
    assert command.outcome == BotOutcome.refused
