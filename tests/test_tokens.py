"""Access tokens: one fetch however many workers ask at once, expiry kept in Redis, refresh-and-retry once on token errors."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time

import pytest
import redis
import requests

from app.extensions import redis_ext
from app.integrations.base import Channel, OutgoingMessage, TransientError
from app.integrations.registry import gateway_for, wechat_api, wecom_api
from app.integrations.wechat import WeChatApi, WeChatSettings
from tests.fakes.plugin import messaging_config


def subscribe(openid: str = "oUser0000000000001") -> OutgoingMessage:
    return OutgoingMessage(channel=Channel.WECHAT_SUBSCRIBE, recipient=openid, dedupe_key="k",
                           body={"template_id": "tmpl-renewal", "data": {"thing1": "续保提醒"}})


def _token_in_another_process(redis_url, token_key, base_url, app_id, secret, barrier, results, fetch_directly):
    """Runs in a spawned process: a second worker with its own client and Redis connection."""
    settings = WeChatSettings(app_id=app_id, secret=secret, base_url=base_url, timeout=5.0)
    api = WeChatApi(settings, redis.Redis.from_url(redis_url), token_key)
    barrier.wait(timeout=30)
    token = api.fetch_token()[0] if fetch_directly else api.tokens.get()
    results.put(token)


def _two_processes_ask(app, fake, fetch_directly: bool) -> list[str]:
    ctx = multiprocessing.get_context("spawn")  # no inherited threads, sockets or Redis pool
    barrier, results = ctx.Barrier(2), ctx.Queue()
    args = (app.config["REDIS_URL"], wechat_api().tokens.key, fake.base_url, fake.app_id, fake.secret,
            barrier, results, fetch_directly)
    workers = [ctx.Process(target=_token_in_another_process, args=args) for _ in range(2)]
    for worker in workers:
        worker.start()
    tokens = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    return tokens


def test_two_processes_with_an_empty_cache_fetch_the_token_once(app, live_messaging):
    fake = live_messaging.wechat
    fake.token_delay = 0.5  # both are surely waiting while the first fetch is in flight
    tokens = _two_processes_ask(app, fake, fetch_directly=False)

    assert fake.token_fetches == 1
    assert tokens[0] == tokens[1] == fake.current_token
    gateway_for(Channel.WECHAT_SUBSCRIBE).send(subscribe())  # and this process uses it too
    assert fake.token_fetches == 1


def test_without_the_lock_two_processes_fetch_twice_and_the_first_token_dies(app, live_messaging):
    """The failure the lock prevents, made visible by the fake: each fetch invalidates the last."""
    fake = live_messaging.wechat
    tokens = _two_processes_ask(app, fake, fetch_directly=True)

    assert fake.token_fetches == 2 and tokens[0] != tokens[1]
    older = next(t for t in tokens if t != fake.current_token)
    answer = requests.post(fake.base_url + "/cgi-bin/message/subscribe/send", params={"access_token": older},
                           json={"touser": "o1", "template_id": "t", "data": {"a": {"value": "b"}}}, timeout=5).json()
    assert answer["errcode"] == 40001


def test_two_threads_with_an_empty_cache_fetch_the_token_once(live_messaging):
    fake = live_messaging.wecom
    fake.token_delay = 0.3
    api = wecom_api()
    barrier, tokens = threading.Barrier(2), []

    def worker():
        barrier.wait()
        tokens.append(api.tokens.get())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fake.token_fetches == 1
    assert tokens == [fake.current_token] * 2


def test_a_token_replaced_elsewhere_is_refreshed_once_and_the_send_retried(live_messaging):
    fake = live_messaging.wechat
    gateway = gateway_for(Channel.WECHAT_SUBSCRIBE)
    gateway.send(subscribe())
    # Someone else (another deployment, a developer's script) fetched a token: ours is now dead.
    requests.get(fake.base_url + "/cgi-bin/token", timeout=5,
                 params={"grant_type": "client_credential", "appid": fake.app_id, "secret": fake.secret})
    assert fake.token_fetches == 2

    gateway.send(subscribe())

    assert fake.token_fetches == 3  # exactly one refresh
    sends = [r.answer.get("errcode") for r in fake.requests]
    assert sends == [0, 40001, 0]
    assert fake.requests[-1].query["access_token"] == fake.current_token


def test_an_expired_token_42001_is_refreshed_and_the_send_retried(live_messaging):
    fake = live_messaging.wecom
    gateway = gateway_for(Channel.WECOM_APP)
    outgoing = OutgoingMessage(channel=Channel.WECOM_APP, recipient="zhangsan", dedupe_key="k",
                               body={"msgtype": "text", "content": "你好"})
    gateway.send(outgoing)
    fake.expire_token()

    gateway.send(outgoing)

    assert fake.token_fetches == 2
    assert [r.answer["errcode"] for r in fake.app_messages] == [0, 42001, 0]


def test_a_token_error_after_the_refresh_is_transient_and_not_retried_again(live_messaging):
    fake = live_messaging.wechat
    fake.fail_next(2, errcode=40001)
    with pytest.raises(TransientError) as err:
        gateway_for(Channel.WECHAT_SUBSCRIBE).send(subscribe())
    assert err.value.code == "40001"
    assert fake.token_fetches == 2  # the first token, one refresh, no loop
    assert len(fake.requests) == 2


def test_workers_hit_by_the_same_dead_token_refresh_it_once(live_messaging):
    fake = live_messaging.wechat
    api = wechat_api()
    api.tokens.get()
    fake.expire_token()
    fake.token_delay = 0.3
    barrier, errors = threading.Barrier(2), []

    def worker():
        barrier.wait()
        try:
            api.send_subscribe("oUser0000000000001", "tmpl-renewal", {"thing1": "续保提醒"})
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert fake.token_fetches == 2  # the first token and ONE refresh, though both saw 42001
    assert len(fake.delivered) == 2


def test_the_expiry_lives_in_redis_with_the_token(app, live_messaging):
    fake = live_messaging.wechat
    fake.token_expires_in = 7200
    store = wechat_api().tokens
    token = store.get()

    assert store.key.startswith(app.config["REDIS_PREFIX"])
    entry = json.loads(redis_ext.client.get(store.key))
    assert entry["token"] == token
    assert entry["expires_at"] == pytest.approx(time.time() + 7200, abs=5)
    assert 7100 < redis_ext.client.ttl(store.key) <= 7200

    # A token past its stored expiry is not used by any process, even a brand-new client.
    entry["expires_at"] = time.time() - 1
    redis_ext.client.set(store.key, json.dumps(entry), ex=100)
    with messaging_config(app, HTTP_TIMEOUT_SECONDS=4):  # other settings: a fresh client object
        assert wechat_api().tokens.get() != token
    assert fake.token_fetches == 2


def test_a_token_close_to_expiry_is_refreshed_early(live_messaging):
    fake = live_messaging.wechat
    store = wechat_api().tokens
    store.get()
    entry = json.loads(redis_ext.client.get(store.key))
    entry["expires_at"] = time.time() + 120  # inside the 300 s margin
    redis_ext.client.set(store.key, json.dumps(entry), ex=120)
    store.get()
    assert fake.token_fetches == 2


def test_waiting_too_long_for_another_process_fetch_is_transient(live_messaging):
    store = wechat_api().tokens
    holder = redis_ext.client.lock(store.key + ":lock", timeout=30)
    assert holder.acquire(blocking=False)
    try:
        store.wait_timeout = 0.5
        started = time.monotonic()
        with pytest.raises(TransientError) as err:
            store.get()
        assert time.monotonic() - started < 2
    finally:
        holder.release()
    assert err.value.code == "token_lock"
    assert live_messaging.wechat.token_fetches == 0


def test_a_failed_token_fetch_is_transient_and_names_the_setting(app, live_messaging):
    with messaging_config(app, WECHAT_APP_SECRET="wrong"):
        with pytest.raises(TransientError) as err:
            gateway_for(Channel.WECHAT_SUBSCRIBE).send(subscribe())
    assert err.value.code == "40125"
    assert "WECHAT_APP_SECRET" in str(err.value)
    assert "wrong" not in str(err.value)


def test_a_stalled_token_endpoint_times_out_and_frees_the_lock(app, live_messaging):
    fake = live_messaging.wechat
    fake.fail_next(path="/cgi-bin/token", stall=10)
    with messaging_config(app, HTTP_TIMEOUT_SECONDS=1):
        started = time.monotonic()
        with pytest.raises(TransientError) as err:
            gateway_for(Channel.WECHAT_SUBSCRIBE).send(subscribe())
        assert time.monotonic() - started < 2.5
        assert err.value.code == "timeout"
        # The lock went with the failed fetch: the next send fetches and goes through at once.
        gateway_for(Channel.WECHAT_SUBSCRIBE).send(subscribe())
    assert len(fake.delivered) == 1


def test_redis_down_is_transient(live_messaging):
    fake = live_messaging.wechat
    settings = WeChatSettings(app_id=fake.app_id, secret=fake.secret, base_url=fake.base_url, timeout=2.0)
    unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
    api = WeChatApi(settings, unreachable, "baoyun-test:token")
    with pytest.raises(TransientError) as err:
        api.send_subscribe("oUser0000000000001", "tmpl-renewal", {"thing1": "续保提醒"})
    assert err.value.code == "token_cache"
    assert fake.token_fetches == 0 and fake.requests == []
