"""Mini-program sign-in and binding: login through the fake WeChat server, SMS codes through the
outbox (and to the fake SMS provider), no answer that tells a customer's number from a stranger's,
rate limits, conflicting bindings, /me and subscribe-message consents."""

from __future__ import annotations

import itertools
import json

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import Customer, OrgLevel, Role, Staff
from app.models.messaging import OutboxMessage
from app.services import messaging
from app.services.messaging.templates import load_default_templates
from tests import factories as f
from tests.fakes.plugin import messaging_config

_codes = itertools.count(1)
STRANGER = "13700001111"


@pytest.fixture
def wechat(app, fake_wechat):
    """The app's WeChat client pointed at the fake (messages stay in log mode)."""
    with messaging_config(app, WECHAT_API_BASE_URL=fake_wechat.base_url, WECHAT_APP_ID=fake_wechat.app_id,
                          WECHAT_APP_SECRET=fake_wechat.secret):
        yield fake_wechat


@pytest.fixture
def book(db):
    load_default_templates()
    company = f.org_unit(OrgLevel.company)
    branch = f.org_unit(OrgLevel.branch, company)
    agent = f.staff(Role.agent, team=f.team(branch))
    customer = f.customer(agent=agent, name="张三丰", mobile="13911112222")
    vehicle = f.vehicle(owner=customer, plate="冀A12345")
    f.policy(customer=customer, vehicle=vehicle, agent=agent)
    dealer = f.dealer(company, branch, name="石家庄大众4S店")
    resident = f.staff(Role.resident_manager, org=branch, dealer=dealer, name="王驻店", mobile="13622223333")
    _db.session.commit()
    return {"customer": customer, "resident": resident, "agent": agent, "dealer": dealer, "vehicle": vehicle}


def wx_login(client, wechat, openid: str) -> dict:
    code = f"code-{next(_codes)}"
    wechat.add_login(code, openid)
    resp = client.post("/api/mp/auth/login", json={"code": code})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def last_code(mobile: str) -> str:
    """The code the last login SMS to `mobile` carries: the body the gateway gets (the row keeps
    the code only encrypted; its payload and text show it masked)."""
    from app.security.fields import cipher

    rows = _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).all()
    for row in rows:
        if row.secret and _recipient(row) == mobile:
            assert row.payload["code"] == "******" and "******" in row.body_text
            return json.loads(cipher().decrypt(row.body_enc))["params"][0]
    raise AssertionError(f"no login code sent to {mobile}")


def _recipient(row: OutboxMessage) -> str:
    from app.security.fields import cipher

    return cipher().decrypt(row.recipient_enc)


def ask_code(client, token: str, mobile: str, ip: str = "10.0.0.1"):
    return client.post("/api/mp/auth/sms-code", json={"mobile": mobile}, headers=bearer(token),
                       environ_base={"REMOTE_ADDR": ip})


def bind(client, token: str, ip: str = "10.0.0.1", **body):
    return client.post("/api/mp/auth/bind", json=body, headers=bearer(token), environ_base={"REMOTE_ADDR": ip})


# ---- login --------------------------------------------------------------------------------------

def test_an_unknown_wechat_user_gets_a_bind_only_token(client, wechat, book):
    answer = wx_login(client, wechat, "o-new-user")
    assert answer["bound"] is False and answer["role"] is None
    assert answer["expires_in"] == 600
    # The bind-only token opens nothing else.
    resp = client.get("/api/mp/me", headers=bearer(answer["token"]))
    assert resp.status_code == 401 and resp.get_json()["code"] == "invalid_token"
    assert client.get("/api/mp/policies", headers=bearer(answer["token"])).status_code == 401
    # And the code went through the real client to the fake's jscode2session.
    [req] = [r for r in wechat.requests if r.path == "/sns/jscode2session"]
    assert req.query["appid"] == wechat.app_id and req.query["grant_type"] == "authorization_code"


def test_a_bound_customer_logs_straight_in_and_sees_themselves_masked(client, wechat, book):
    customer = book["customer"]
    customer.openid = "o-customer"
    _db.session.commit()
    answer = wx_login(client, wechat, "o-customer")
    assert answer["bound"] is True and answer["role"] == "customer"
    me = client.get("/api/mp/me", headers=bearer(answer["token"])).get_json()
    assert me["role"] == "customer" and me["name"] == "张三丰"
    assert me["mobile_masked"] == "139****2222"
    assert me["vip_tier"] == "standard" and me["vip_tier_label"] == "普通"
    assert "*" in me["id_number_masked"] and customer.id_number not in str(me)


def test_a_bound_resident_manager_logs_in_with_their_role(client, wechat, book):
    book["resident"].openid = "o-resident"
    _db.session.commit()
    answer = wx_login(client, wechat, "o-resident")
    assert answer["role"] == "resident_manager" and answer["bound"] is True
    me = client.get("/api/mp/me", headers=bearer(answer["token"])).get_json()
    assert me["role"] == "resident_manager" and me["dealer_name"] == "石家庄大众4S店"
    assert me["mobile_masked"] == "136****3333"


def test_bad_and_reused_login_codes_are_refused_in_chinese(client, wechat, book):
    resp = client.post("/api/mp/auth/login", json={"code": "never-issued"})
    assert resp.status_code == 400 and resp.get_json()["code"] == "wechat_code_invalid"
    assert "重新进入小程序" in resp.get_json()["message"]
    wechat.add_login("once", "o-once")
    assert client.post("/api/mp/auth/login", json={"code": "once"}).status_code == 200
    assert client.post("/api/mp/auth/login", json={"code": "once"}).status_code == 400
    resp = client.post("/api/mp/auth/login", json={})
    assert resp.status_code == 422 and resp.get_json()["errors"] == {"code": ["必填项"]}


def test_wechat_down_is_a_503_not_a_crash(client, wechat, book):
    wechat.fail_next(status=502, path="/sns/jscode2session")
    wechat.add_login("c-down", "o-down")
    resp = client.post("/api/mp/auth/login", json={"code": "c-down"})
    assert resp.status_code == 503 and resp.get_json()["code"] == "wechat_unavailable"


# ---- SMS codes and binding ----------------------------------------------------------------------

def test_the_sms_code_answer_is_the_same_for_a_customer_and_a_stranger(client, wechat, book):
    first = wx_login(client, wechat, "o-a")["token"]
    second = wx_login(client, wechat, "o-b")["token"]
    known = ask_code(client, first, "13911112222", ip="10.0.0.1")
    unknown = ask_code(client, second, STRANGER, ip="10.0.0.2")
    assert known.status_code == unknown.status_code == 200
    assert known.get_json() == unknown.get_json()
    assert known.get_json()["message"] == "验证码已发送,请注意查收短信"
    # Both numbers got a code through the outbox (the urgent login template).
    assert last_code("13911112222") and last_code(STRANGER)


def test_a_wrong_code_and_a_strangers_right_code_fail_identically(client, wechat, book):
    token = wx_login(client, wechat, "o-c")["token"]
    ask_code(client, token, STRANGER)
    stranger = bind(client, token, mobile=STRANGER, sms_code=last_code(STRANGER))
    ask_code(client, token, "13911112222", ip="10.0.0.9")
    wrong_code = "000000" if last_code("13911112222") != "000000" else "111111"
    wrong = bind(client, token, mobile="13911112222", sms_code=wrong_code)
    assert stranger.status_code == wrong.status_code == 400
    assert stranger.get_json() == wrong.get_json()
    assert stranger.get_json()["code"] == "bind_failed"
    assert _db.session.get(Customer, book["customer"].id).openid is None


def test_the_code_reaches_the_fake_sms_provider_and_binds_the_customer(client, app, live_messaging, book):
    wechat, sms = live_messaging.wechat, live_messaging.sms
    token = wx_login(client, wechat, "o-sms")["token"]
    assert ask_code(client, token, "13911112222").status_code == 200
    report = messaging.deliver_due()
    assert report.sent == 1
    [sent] = sms.sent
    assert sent["PhoneNumberSet"] == ["+8613911112222"]
    code = sent["TemplateParamSet"][0]
    assert len(code) == 6 and code.isdigit()

    resp = bind(client, token, mobile="13911112222", sms_code=code)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["role"] == "customer" and body["bound"] is True
    assert body["customer"]["name"] == "张三丰" and body["customer"]["mobile_masked"] == "139****2222"
    assert _db.session.get(Customer, book["customer"].id).openid == "o-sms"
    # The real token now works, and the code is used up.
    assert client.get("/api/mp/me", headers=bearer(body["token"])).status_code == 200
    again = bind(client, token, mobile="13911112222", sms_code=code)
    assert again.status_code == 409 or again.get_json()["code"] == "bind_failed"
    # Next login goes straight in.
    assert wx_login(client, wechat, "o-sms")["role"] == "customer"


def test_a_code_dies_after_too_many_wrong_tries(client, wechat, book):
    token = wx_login(client, wechat, "o-tries")["token"]
    ask_code(client, token, "13911112222")
    code = last_code("13911112222")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert bind(client, token, mobile="13911112222", sms_code=wrong).status_code == 400
    assert bind(client, token, mobile="13911112222", sms_code=code).status_code == 400
    assert _db.session.get(Customer, book["customer"].id).openid is None


def test_sms_codes_are_rate_limited_per_mobile_openid_and_ip(client, app, wechat, book):
    token = wx_login(client, wechat, "o-rl")["token"]
    assert ask_code(client, token, "13911112222").status_code == 200
    again = ask_code(client, token, "13911112222")
    assert again.status_code == 429 and "60秒" in again.get_json()["message"]
    with messaging_config(app, MP_SMS_CODE_COOLDOWN_SECONDS=0, MP_SMS_CODES_PER_OPENID_HOUR=3,
                          MP_SMS_CODES_PER_IP_HOUR=4):
        # Per WeChat user: 3 an hour (the one above counted), whatever the numbers.
        assert ask_code(client, token, "13800000001").status_code == 200
        assert ask_code(client, token, "13800000002").status_code == 200
        assert ask_code(client, token, "13800000003").status_code == 429
        # Per IP: another WeChat user behind the same address hits the IP's limit.
        other = wx_login(client, wechat, "o-rl-2")["token"]
        statuses = [ask_code(client, other, f"1380000001{i}").status_code for i in range(3)]
        assert statuses.count(429) >= 1
        # Elsewhere the same user is still refused: the limit is on the openid.
        assert ask_code(client, token, "13800000009", ip="10.9.9.9").status_code == 429


def test_binding_attempts_are_rate_limited(client, app, wechat, book):
    token = wx_login(client, wechat, "o-brute")["token"]
    with messaging_config(app, MP_BIND_MAX_ATTEMPTS=3):
        statuses = [bind(client, token, id_number=book["customer"].id_number, plate="冀B99999").status_code
                    for _ in range(4)]
        # Refused even with the right answer now: guessing stops here.
        resp = bind(client, token, id_number=book["customer"].id_number, plate="冀A12345")
    assert statuses == [400, 400, 400, 429]
    assert resp.status_code == 429 and resp.get_json()["code"] == "rate_limited"
    assert _db.session.get(Customer, book["customer"].id).openid is None


def test_sms_code_needs_the_bind_token_and_a_valid_mobile(client, wechat, book):
    assert client.post("/api/mp/auth/sms-code", json={"mobile": "13911112222"}).status_code == 401
    customer_token = f.customer_token(book["customer"])
    assert client.post("/api/mp/auth/sms-code", json={"mobile": "13911112222"},
                       headers=customer_token).status_code == 401
    token = wx_login(client, wechat, "o-v")["token"]
    resp = ask_code(client, token, "12345")
    assert resp.status_code == 422 and resp.get_json()["errors"] == {"mobile": ["手机号应为11位数字,以1开头"]}


def test_bind_by_id_number_and_plate(client, wechat, book):
    token = wx_login(client, wechat, "o-id")["token"]
    customer = book["customer"]
    wrong_plate = bind(client, token, id_number=customer.id_number, plate="冀A54321")
    stranger_id = bind(client, token, id_number="11010519491231002X", plate="冀A12345")
    assert wrong_plate.status_code == stranger_id.status_code == 400
    assert wrong_plate.get_json() == stranger_id.get_json()
    bad = bind(client, token, id_number="123", plate="冀A12345")
    assert bad.status_code == 422 and "id_number" in bad.get_json()["errors"]
    mixed = bind(client, token, id_number=customer.id_number, plate="冀A12345", mobile="13911112222")
    assert mixed.status_code == 422
    ok = bind(client, token, id_number=customer.id_number.lower(), plate="冀a 12345")
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["role"] == "customer"
    assert _db.session.get(Customer, customer.id).openid == "o-id"


def test_a_wechat_user_bound_elsewhere_and_a_customer_bound_to_another_wechat(client, wechat, book):
    customer = book["customer"]
    other = f.customer(agent=book["agent"], name="李四")
    f.policy(customer=other, vehicle=f.vehicle(owner=other, plate="冀A77777"), agent=book["agent"])
    other.openid = "o-taken"
    customer.openid = "o-first"
    _db.session.commit()
    # A bind token for o-taken (issued before it was bound, say) cannot take a second customer.
    from app.auth.tokens import issue_bind_token

    resp = bind(client, issue_bind_token("o-taken"), id_number=customer.id_number, plate="冀A12345")
    assert resp.status_code == 409 and resp.get_json()["code"] == "openid_already_bound"
    # A new WeChat user cannot take a customer already bound to another one.
    token = wx_login(client, wechat, "o-second")["token"]
    resp = bind(client, token, id_number=customer.id_number, plate="冀A12345")
    assert resp.status_code == 409 and resp.get_json()["code"] == "account_bound_elsewhere"
    assert "联系您的客户经理" in resp.get_json()["message"]
    assert _db.session.get(Customer, customer.id).openid == "o-first"


def test_a_resident_manager_binds_by_mobile_and_code(client, wechat, book):
    token = wx_login(client, wechat, "o-rm")["token"]
    ask_code(client, token, "13622223333")
    resp = bind(client, token, mobile="13622223333", sms_code=last_code("13622223333"))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["role"] == "resident_manager" and body["staff"]["dealer_name"] == "石家庄大众4S店"
    assert _db.session.get(Staff, book["resident"].id).openid == "o-rm"
    overview = client.get("/api/mp/resident/overview", headers=bearer(body["token"]))
    assert overview.status_code == 200
    # ... and is no customer.
    assert client.get("/api/mp/policies", headers=bearer(body["token"])).status_code == 403


# ---- subscriptions ------------------------------------------------------------------------------

def test_subscription_consents_are_counted_per_template(client, book):
    customer = book["customer"]
    customer.openid = "o-sub"
    _db.session.commit()
    headers = f.customer_token(customer)
    resp = client.post("/api/mp/subscriptions", json={"template_ids": ["TPL-A", "TPL-B", "TPL-A"]}, headers=headers)
    assert resp.status_code == 200
    assert resp.get_json()["remaining"] == {"TPL-A": 1, "TPL-B": 1}
    resp = client.post("/api/mp/subscriptions", json={"template_ids": ["TPL-A"]}, headers=headers)
    assert resp.get_json()["remaining"] == {"TPL-A": 2}
    assert messaging.subscriptions_left("o-sub", "TPL-A") == 2
    bad = client.post("/api/mp/subscriptions", json={"template_ids": []}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["errors"]["template_ids"] == ["一次可订阅 1 到 20 个模板"]
    assert client.post("/api/mp/subscriptions", json={"template_ids": ["X"]},
                       headers=f.staff_token(book["resident"])).status_code == 403


def test_subscriptions_need_a_wechat_binding(client, book):
    resp = client.post("/api/mp/subscriptions", json={"template_ids": ["TPL-A"]},
                       headers=f.customer_token(book["customer"]))
    assert resp.status_code == 409 and resp.get_json()["code"] == "not_bound_to_wechat"


def test_me_refuses_other_staff(client, book):
    assert client.get("/api/mp/me", headers=f.staff_token(book["agent"])).status_code == 403
    assert client.get("/api/mp/me").status_code == 401


def test_one_mobile_gets_few_codes_an_hour_whoever_asks(client, app, wechat, book):
    with messaging_config(app, MP_SMS_CODE_COOLDOWN_SECONDS=0, MP_SMS_CODES_PER_MOBILE_HOUR=2):
        statuses = [ask_code(client, wx_login(client, wechat, f"o-m{i}")["token"], STRANGER, ip=f"10.1.0.{i}")
                    .status_code for i in range(3)]
    assert statuses == [200, 200, 429]
    sent = [m for m in _db.session.scalars(select(OutboxMessage)) if _recipient(m) == STRANGER]
    assert len(sent) == 2


def _race(calls):
    """Run the calls at once (threads, real PostgreSQL); their results in order."""
    import threading

    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_wechat_users_racing_for_one_customer_get_one_winner(app, book):
    from app.auth.tokens import issue_bind_token

    customer = book["customer"]
    tokens = [issue_bind_token(f"o-race-{i}") for i in range(4)]
    clients = [app.test_client() for _ in tokens]
    responses = _race([lambda c=c, t=t, ip=f"10.2.0.{i}": bind(c, t, ip=ip, id_number=customer.id_number,
                                                               plate="冀A12345")
                       for i, (c, t) in enumerate(zip(clients, tokens, strict=True))])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409, 409, 409], [r.get_json() for r in responses]
    winner = next(r for r in responses if r.status_code == 200)
    _db.session.expire_all()
    bound = _db.session.get(Customer, customer.id).openid
    assert bound in {f"o-race-{i}" for i in range(4)}
    assert client_me(app, winner.get_json()["token"])["id"] == customer.id


def test_one_wechat_user_racing_to_bind_two_customers_gets_one(app, book):
    from app.auth.tokens import issue_bind_token

    other = f.customer(agent=book["agent"], name="李四")
    f.policy(customer=other, vehicle=f.vehicle(owner=other, plate="冀A77777"), agent=book["agent"])
    _db.session.commit()
    token = issue_bind_token("o-greedy")
    targets = [(book["customer"].id_number, "冀A12345"), (other.id_number, "冀A77777")]
    clients = [app.test_client() for _ in targets]
    responses = _race([lambda c=c, t=target: bind(c, token, id_number=t[0], plate=t[1])
                       for c, target in zip(clients, targets, strict=True)])
    assert sorted(r.status_code for r in responses) == [200, 409], [r.get_json() for r in responses]
    _db.session.expire_all()
    owners = _db.session.scalars(select(Customer.id).where(Customer.openid == "o-greedy")).all()
    assert len(owners) == 1


def client_me(app, token: str) -> dict:
    return app.test_client().get("/api/mp/me", headers=bearer(token)).get_json()
