"""Pytest fixtures starting the provider fakes (registered from tests/conftest.py).

- `fake_sms`, `fake_wechat`, `fake_wecom`: one server each per test session, reset before and
  after every test that uses it (requests, token counters, scripted failures, stalls).
- `live_messaging`: the app's config points at all three fakes with MESSAGING_MODE="live" for the
  test, and is restored afterwards (the `app` fixture is session-scoped). It yields a namespace
  with `.sms`, `.wechat`, `.wecom`.
- `messaging_config(app, **settings)`: the context manager behind it, for a test that needs other
  settings (e.g. HTTP_TIMEOUT_SECONDS=1) on top.
"""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from tests.fakes import sms, wechat, wecom

_MISSING = object()


@contextmanager
def messaging_config(app, **settings):
    """Set app.config keys for the block, then put back exactly what was there."""
    saved = {key: app.config.get(key, _MISSING) for key in settings}
    app.config.update(settings)
    try:
        yield app.config
    finally:
        for key, value in saved.items():
            if value is _MISSING:
                app.config.pop(key, None)
            else:
                app.config[key] = value


def fake_settings(sms_fake=None, wechat_fake=None, wecom_fake=None) -> dict:
    """The config keys that point Baoyun's live gateways at the given fakes."""
    settings: dict = {"MESSAGING_MODE": "live"}
    if sms_fake is not None:
        settings.update(SMS_API_BASE_URL=sms_fake.base_url, SMS_SECRET_ID=sms_fake.secret_id,
                        SMS_SECRET_KEY=sms_fake.secret_key, SMS_SDK_APP_ID=sms_fake.sdk_app_id,
                        SMS_SIGN_NAME="保运", SMS_REGION="ap-guangzhou")
    if wechat_fake is not None:
        settings.update(WECHAT_API_BASE_URL=wechat_fake.base_url, WECHAT_APP_ID=wechat_fake.app_id,
                        WECHAT_APP_SECRET=wechat_fake.secret)
    if wecom_fake is not None:
        settings.update(WECOM_API_BASE_URL=wecom_fake.base_url, WECOM_CORP_ID=wecom_fake.corp_id,
                        WECOM_SECRET=wecom_fake.secret, WECOM_AGENT_ID=wecom_fake.agent_id)
    return settings


@pytest.fixture(scope="session")
def _fake_sms_server():
    with sms.FakeSms() as server:
        yield server


@pytest.fixture(scope="session")
def _fake_wechat_server():
    with wechat.FakeWeChat() as server:
        yield server


@pytest.fixture(scope="session")
def _fake_wecom_server():
    with wecom.FakeWeCom() as server:
        yield server


def _fresh(server):
    server.reset()
    server.token_delay = 0.0
    server.token_expires_in = 7200
    server.keep_requests = True
    return server


@pytest.fixture
def fake_sms(_fake_sms_server):
    yield _fresh(_fake_sms_server)
    _fake_sms_server.reset()


@pytest.fixture
def fake_wechat(_fake_wechat_server):
    yield _fresh(_fake_wechat_server)
    _fake_wechat_server.reset()


@pytest.fixture
def fake_wecom(_fake_wecom_server):
    yield _fresh(_fake_wecom_server)
    _fake_wecom_server.reset()


@pytest.fixture
def live_messaging(app, fake_sms, fake_wechat, fake_wecom):
    with messaging_config(app, **fake_settings(fake_sms, fake_wechat, fake_wecom)):
        yield SimpleNamespace(sms=fake_sms, wechat=fake_wechat, wecom=fake_wecom)
