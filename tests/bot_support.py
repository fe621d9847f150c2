"""Shared by the bot tests: a WeCom server that encrypts callbacks with wechatpy as WeCom does and
decrypts our answers, and a small office with staff who have WeCom accounts."""

from __future__ import annotations

import itertools
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import xmltodict
from wechatpy.enterprise.crypto import WeChatCrypto

from app.extensions import db
from app.models import Line, OrgLevel, Role
from app.timeutil import business_today
from tests import factories as f
from tests.fakes.plugin import messaging_config
from tests.fakes.wecom import AGENT_ID, CORP_ID

TOKEN = "baoyun-bot-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
_msg_ids = itertools.count(7_000_000_000_000_000_001)


def next_msg_id() -> int:
    return next(_msg_ids)


@dataclass
class Answer:
    status: int
    raw: bytes
    content: str | None  # the decrypted reply's Content; None for an empty 200
    reply: dict | None = None


class WeComServer:
    """What WeCom's server does with a member's message: wrap, encrypt, sign, POST; then check and
    decrypt our answer with the same keys."""

    def __init__(self, client, token: str = TOKEN, aes_key: str = AES_KEY, corp_id: str = CORP_ID):
        self.client = client
        self.crypto = WeChatCrypto(token, aes_key, corp_id)
        self.corp_id = corp_id

    def text_xml(self, userid: str, content: str, msg_id: int, create_time: int | None = None) -> str:
        return (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>"
                f"<FromUserName><![CDATA[{userid}]]></FromUserName><CreateTime>{create_time or int(time.time())}"
                f"</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
                f"<MsgId>{msg_id}</MsgId><AgentID>{AGENT_ID}</AgentID></xml>")

    def event_xml(self, userid: str, event: str, create_time: int) -> str:
        return (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>"
                f"<FromUserName><![CDATA[{userid}]]></FromUserName><CreateTime>{create_time}</CreateTime>"
                f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
                f"<AgentID>{AGENT_ID}</AgentID></xml>")

    def post(self, xml: str, *, timestamp: int | None = None, signature: str | None = None,
             crypto: WeChatCrypto | None = None) -> Answer:
        crypto = crypto or self.crypto
        nonce = uuid.uuid4().hex[:10]
        timestamp = str(timestamp or int(time.time()))
        envelope = xmltodict.parse(crypto.encrypt_message(xml, nonce, timestamp))["xml"]
        body = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]>"
                f"</Encrypt><AgentID><![CDATA[{AGENT_ID}]]></AgentID></xml>")
        resp = self.client.post("/wecom/callback", data=body.encode(), content_type="text/xml",
                                query_string={"msg_signature": signature or envelope["MsgSignature"],
                                              "timestamp": timestamp, "nonce": nonce})
        return self.read(resp)

    def read(self, resp) -> Answer:
        raw = resp.get_data()
        if resp.status_code != 200 or not raw:
            return Answer(resp.status_code, raw, None)
        outer = xmltodict.parse(raw)["xml"]
        plain = self.crypto.decrypt_message(raw, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
        reply = xmltodict.parse(plain)["xml"]
        return Answer(resp.status_code, raw, reply.get("Content"), reply)

    def say(self, userid: str, content: str, msg_id: int | None = None) -> Answer:
        return self.post(self.text_xml(userid, content, msg_id or next_msg_id()))


@contextmanager
def bot_config(app, **extra):
    with messaging_config(app, WECOM_BOT_ENABLED=True, WECOM_TOKEN=TOKEN, WECOM_ENCODING_AES_KEY=AES_KEY,
                          WECOM_CORP_ID=CORP_ID, WECOM_AGENT_ID=AGENT_ID, ADMIN_BASE_URL="https://ops.example.com",
                          **extra):
        yield


@dataclass
class Office:
    """Two branches; team t1 (manager m1, agents a1, a1b) and t2 (manager m2, agent a2) in b1 under
    supervisor s1; team t3 (agent a3) in b2. Each agent has one customer with a car, a commercial
    policy ending in 20 days (with an open renewal task) and a ctpl one in force; a1's has an open claim."""

    staff: dict = field(default_factory=dict)
    customers: dict = field(default_factory=dict)
    plates: dict = field(default_factory=dict)
    policies: dict = field(default_factory=dict)
    renewals: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)


NAMES = {"a1": "赵一鸣", "a1b": "钱二丫", "a2": "孙三省", "a3": "李四海"}
PLATES = {"a1": "冀A10001", "a1b": "冀A10002", "a2": "冀A10003", "a3": "冀A10004"}
MOBILES = {"a1": "13900000001", "a1b": "13900000002", "a2": "13900000003", "a3": "13900000004"}


def office(today: date | None = None) -> Office:
    today = today or business_today()
    o = Office()
    company = f.org_unit(OrgLevel.company, name="总公司")
    city = f.org_unit(OrgLevel.city, company, name="石家庄")
    b1 = f.org_unit(OrgLevel.branch, city, name="长安支公司")
    b2 = f.org_unit(OrgLevel.branch, city, name="桥西支公司")
    o.units = {"company": company, "b1": b1, "b2": b2}
    s1 = f.staff(Role.supervisor, org=b1, name="分管甲", wecom_userid="s1")
    m1 = f.staff(Role.team_manager, org=b1, name="经理一", wecom_userid="m1")
    m2 = f.staff(Role.team_manager, org=b1, name="经理二", wecom_userid="m2")
    t1, t2 = f.team(b1, manager=m1, supervisor=s1), f.team(b1, manager=m2, supervisor=s1)
    t3 = f.team(b2)
    m1.team_id, m2.team_id = t1.id, t2.id
    dealer = f.dealer(city, b1)
    o.staff = {
        "admin": f.staff(Role.admin, org=company, name="管理员", wecom_userid="admin"),
        "branch_manager": f.staff(Role.branch_manager, org=b1, name="支经理", wecom_userid="bm1"),
        "s1": s1, "m1": m1, "m2": m2,
        "a1": f.staff(Role.agent, team=t1, name="业务一", wecom_userid="a1"),
        "a1b": f.staff(Role.agent, team=t1, name="业务一乙", wecom_userid="a1b"),
        "a2": f.staff(Role.agent, team=t2, name="业务二", wecom_userid="a2"),
        "a3": f.staff(Role.agent, team=t3, name="业务三", wecom_userid="a3"),
        "resident": f.staff(Role.resident_manager, org=b1, dealer=dealer, name="驻店甲", wecom_userid="r1"),
        "leaver": f.staff(Role.agent, team=t1, name="已离职", wecom_userid="gone", active=False),
    }
    for label in ("a1", "a1b", "a2", "a3"):
        agent = o.staff[label]
        customer = f.customer(agent=agent, name=NAMES[label], mobile=MOBILES[label])
        vehicle = f.vehicle(owner=customer, plate=PLATES[label])
        end = today + timedelta(days=20)
        commercial = f.policy(customer=customer, vehicle=vehicle, agent=agent, start=end - timedelta(days=364),
                              written="3000.00", dealer=dealer if label == "a1b" else None)
        f.policy(customer=customer, vehicle=vehicle, agent=agent, line=Line.ctpl, start=today - timedelta(days=100),
                 written="950.00")
        o.customers[label] = customer
        o.plates[label] = vehicle.plate
        o.policies[label] = commercial
        o.renewals[label] = f.renewal(commercial)
    f.claim(o.policies["a1"], reserve=Decimal("4200.00"), first_reserve=Decimal("4200.00"))
    db.session.commit()
    return o
