"""Which gateway sends a channel's messages: the log gateway or the live provider clients, one set per app and process."""

from __future__ import annotations

import os
from collections.abc import Callable

from flask import current_app

from app.extensions import redis_ext
from app.integrations.base import Channel, Gateway
from app.integrations.log_gateway import LogGateway
from app.integrations.robot import RobotGateway, RobotSettings
from app.integrations.sms import SmsGateway, SmsSettings
from app.integrations.wechat import WeChatApi, WeChatSettings, WeChatSubscribeGateway
from app.integrations.wecom import WeComApi, WeComAppGateway, WeComSettings

MODES = ("log", "live")


def gateway_for(channel: str) -> Gateway:
    """The gateway for `channel` under the current app's MESSAGING_MODE."""
    if channel not in Channel.ALL:
        raise ValueError(f"unknown message channel: {channel!r}")
    mode = current_app.config["MESSAGING_MODE"]
    if mode == "log":
        return _cached(("log", channel), lambda: LogGateway(channel))
    if mode != "live":
        raise ValueError(f"MESSAGING_MODE must be one of {MODES}, not {mode!r}")
    if channel == Channel.SMS:
        settings = SmsSettings.from_config(current_app.config)
        return _cached(("sms", settings), lambda: SmsGateway(settings))
    if channel == Channel.WECHAT_SUBSCRIBE:
        return WeChatSubscribeGateway(wechat_api())
    if channel == Channel.WECOM_APP:
        return WeComAppGateway(wecom_api())
    settings = RobotSettings.from_config(current_app.config)
    return _cached(("robot", settings), lambda: RobotGateway(settings))


def wechat_api() -> WeChatApi:
    """The mini-program API client (subscribe messages, code_to_session) for the current app."""
    settings = WeChatSettings.from_config(current_app.config)
    key = redis_ext.key("token", "wechat", settings.app_id)
    return _cached(("wechat", settings, key), lambda: WeChatApi(settings, redis_ext.client, key))


def wecom_api() -> WeComApi:
    """The WeCom app API client (app messages, OAuth get_user_info) for the current app."""
    settings = WeComSettings.from_config(current_app.config)
    key = redis_ext.key("token", "wecom", settings.corp_id, settings.agent_id)
    return _cached(("wecom", settings, key), lambda: WeComApi(settings, redis_ext.client, key))


def _cached(key: tuple, build: Callable[[], object]):
    """One object per (settings, process): HTTP sessions are reused across sends, and a changed
    setting (tests point the app at fakes) or a forked RQ work horse gets its own."""
    cache = current_app.extensions.setdefault("baoyun.gateways", {})
    full_key = (os.getpid(), *key)
    found = cache.get(full_key)
    if found is None:
        found = cache[full_key] = build()
    return found
