"""WeCom (企业微信) self-built app: app messages through wechatpy's enterprise client, and OAuth user lookup."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from wechatpy.enterprise import WeChatClient

from app.integrations.base import Channel, OutgoingMessage, PermanentError, SendResult
from app.integrations.transport import decode, network_errors, raise_for_errcode
from app.integrations.wechatpy_base import StoreTokenMixin

PROVIDER = "企业微信"

SEND_PERMANENT = {
    60020: "服务器 IP 不在企业微信可信 IP 列表",
    81013: "接收人不存在或不在应用可见范围",
    40056: "应用 AgentId 无效",
    40008: "消息类型无效",
    44004: "消息内容为空",
    40058: "消息内容超出长度限制",
}
SEND_TRANSIENT = {
    -1: "企业微信系统繁忙",
    45009: "接口调用超过频率限制",
    40001: "访问令牌无效",
    40014: "访问令牌无效",
    42001: "访问令牌已过期",
}
OAUTH_PERMANENT = {
    40029: "授权 code 无效或已使用",
    60020: SEND_PERMANENT[60020],
}
TOKEN_TRANSIENT = {
    40013: "CorpID 无效,请检查 WECOM_CORP_ID",
    40001: "Secret 无效,请检查 WECOM_SECRET",
    60020: SEND_PERMANENT[60020],
    -1: "企业微信系统繁忙",
}


@dataclass(frozen=True)
class WeComSettings:
    corp_id: str
    secret: str
    agent_id: str
    base_url: str
    timeout: float

    @classmethod
    def from_config(cls, config) -> WeComSettings:
        return cls(corp_id=config["WECOM_CORP_ID"], secret=config["WECOM_SECRET"],
                   agent_id=str(config["WECOM_AGENT_ID"]),
                   base_url=config["WECOM_API_BASE_URL"].rstrip("/"),
                   timeout=float(config["HTTP_TIMEOUT_SECONDS"]))


class WeComApi(StoreTokenMixin, WeChatClient):
    """The WeCom app's API: wechatpy's enterprise client at the configured base URL, its access
    token shared with every process through the token store."""

    PROVIDER = PROVIDER
    TOKEN_PATH = "/cgi-bin/gettoken"
    TOKEN_ERRORS = TOKEN_TRANSIENT

    def __init__(self, settings: WeComSettings, client: redis.Redis, token_key: str):
        super().__init__(settings.corp_id, settings.secret, timeout=settings.timeout, auto_retry=False)
        self.settings = settings
        self.bind(settings.base_url, settings.timeout, client, token_key)

    def token_params(self) -> dict:
        return {"corpid": self.corp_id, "corpsecret": self.secret}

    def send_app_message(self, userids: str, msgtype: str, content: str) -> dict:
        if msgtype not in ("text", "markdown"):
            raise PermanentError(f"不支持的企业微信消息类型:{msgtype}", code="msgtype")
        body = {"touser": userids, "msgtype": msgtype, "agentid": int(self.settings.agent_id),
                msgtype: {"content": content}}
        return self.post_with_token("message/send", body, permanent=SEND_PERMANENT, transient=SEND_TRANSIENT)

    def get_user_info(self, code: str) -> dict:
        """WeCom OAuth: the member behind an auth code, via the current `auth/getuserinfo`
        endpoint (wechatpy calls the older `user/getuserinfo`). Returns {userid} for a member,
        {openid} for a non-member; raises GatewayError."""
        if not code:
            raise PermanentError("授权 code 为空", code="40029")

        def request(token: str) -> dict:
            with network_errors(PROVIDER):
                response = self._http.get(self.base_url + "/cgi-bin/auth/getuserinfo",
                                          params={"access_token": token, "code": code}, timeout=self.timeout)
            return decode(PROVIDER, response)

        answer = self.tokens.call(request)
        raise_for_errcode(PROVIDER + "网页授权", answer, permanent=OAUTH_PERMANENT, transient=SEND_TRANSIENT)
        return {k: answer[k] for k in ("userid", "openid", "user_ticket", "external_userid") if k in answer}


class WeComAppGateway:
    """Gateway for the `wecom_app` channel; recipient = "|"-joined WeCom userids."""

    channel = Channel.WECOM_APP

    def __init__(self, api: WeComApi):
        self.api = api

    def send(self, message: OutgoingMessage) -> SendResult:
        answer = self.api.send_app_message(message.recipient, message.body["msgtype"],
                                           message.body["content"])
        raw = {"errcode": 0, "msgid": answer.get("msgid")}
        if answer.get("invaliduser"):
            # Some recipients could not be reached; the rest got it, so this is still a send.
            raw["invaliduser"] = answer["invaliduser"]
        return SendResult(provider_message_id=answer.get("msgid"), raw=raw)
