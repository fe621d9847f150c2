"""WeChat mini-program: subscribe messages and code-to-session login, through a wechatpy client bound to our token store."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from wechatpy import WeChatClient

from app.integrations.base import Channel, OutgoingMessage, PermanentError, SendResult
from app.integrations.transport import network_errors, raise_for_errcode, wechatpy_answer
from app.integrations.wechatpy_base import StoreTokenMixin

PROVIDER = "微信"

SEND_PERMANENT = {
    43101: "用户拒绝接收或订阅次数已用完",
    47003: "模板参数不正确",
    40003: "openid 无效",
    40037: "模板 ID 无效",
    41030: "跳转页面不存在或小程序未发布",
}
SEND_TRANSIENT = {
    -1: "微信系统繁忙",
    45009: "接口调用超过频率限制",
    45011: "接口调用过于频繁",
    40001: "访问令牌无效",
    40014: "访问令牌无效",
    42001: "访问令牌已过期",
}
LOGIN_PERMANENT = {
    40029: "登录凭证 code 无效",
    40163: "登录凭证 code 已被使用",
    40226: "高风险用户,登录被拦截",
}
TOKEN_TRANSIENT = {
    40013: "AppID 无效,请检查 WECHAT_APP_ID",
    40125: "AppSecret 无效,请检查 WECHAT_APP_SECRET",
    40164: "服务器 IP 不在白名单",
    -1: "微信系统繁忙",
}


@dataclass(frozen=True)
class WeChatSettings:
    app_id: str
    secret: str
    base_url: str
    timeout: float

    @classmethod
    def from_config(cls, config) -> WeChatSettings:
        return cls(app_id=config["WECHAT_APP_ID"], secret=config["WECHAT_APP_SECRET"],
                   base_url=config["WECHAT_API_BASE_URL"].rstrip("/"),
                   timeout=float(config["HTTP_TIMEOUT_SECONDS"]))


class WeChatApi(StoreTokenMixin, WeChatClient):
    """The mini-program's API: wechatpy's client at the configured base URL, its access token
    shared with every process through the token store."""

    PROVIDER = PROVIDER
    TOKEN_PATH = "/cgi-bin/token"
    TOKEN_ERRORS = TOKEN_TRANSIENT
    NO_TOKEN_ENDPOINTS = ("sns/jscode2session",)

    def __init__(self, settings: WeChatSettings, client: redis.Redis, token_key: str):
        super().__init__(settings.app_id, settings.secret, timeout=settings.timeout, auto_retry=False)
        self.settings = settings
        self.bind(settings.base_url, settings.timeout, client, token_key)
        self.wxa.API_BASE_URL = settings.base_url + "/"

    def token_params(self) -> dict:
        return {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}

    def _request(self, method, url_or_endpoint, **kwargs):
        if url_or_endpoint in self.NO_TOKEN_ENDPOINTS:
            # requests drops None-valued params; wechatpy only adds a token when the key is absent.
            kwargs.setdefault("params", {}).setdefault("access_token", None)
        return super()._request(method, url_or_endpoint, **kwargs)

    def send_subscribe(self, openid: str, template_id: str, data: dict, page: str | None = None) -> dict:
        body = {"touser": openid, "template_id": template_id,
                "data": {name: {"value": str(value)} for name, value in data.items()}}
        if page:
            body["page"] = page
        return self.post_with_token("message/subscribe/send", body, permanent=SEND_PERMANENT,
                                    transient=SEND_TRANSIENT)

    def code_to_session(self, js_code: str) -> dict:
        """Exchange a wx.login() code for {openid, session_key, unionid?}; raises GatewayError."""
        if not js_code:
            raise PermanentError("登录凭证 code 为空", code="40029")
        with network_errors(PROVIDER):
            answer = wechatpy_answer(PROVIDER, lambda: self.wxa.code_to_session(js_code))
        raise_for_errcode(PROVIDER + "登录", answer, permanent=LOGIN_PERMANENT, transient=SEND_TRANSIENT)
        return {k: answer[k] for k in ("openid", "session_key", "unionid") if k in answer}


class WeChatSubscribeGateway:
    """Gateway for the `wechat_subscribe` channel."""

    channel = Channel.WECHAT_SUBSCRIBE

    def __init__(self, api: WeChatApi):
        self.api = api

    def send(self, message: OutgoingMessage) -> SendResult:
        body = message.body
        answer = self.api.send_subscribe(message.recipient, body["template_id"], body["data"],
                                         body.get("page"))
        msgid = answer.get("msgid")
        return SendResult(provider_message_id=str(msgid) if msgid is not None else None,
                          raw={"errcode": 0, "msgid": msgid})
