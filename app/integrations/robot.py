"""WeCom group-robot webhook (text and markdown) with requests; not part of wechatpy."""

from __future__ import annotations

from dataclasses import dataclass

from app.integrations.base import Channel, OutgoingMessage, PermanentError, SendResult
from app.integrations.transport import decode, network_errors, new_session, raise_for_errcode

PROVIDER = "企业微信群机器人"

# Byte limits of the webhook API (UTF-8): a Chinese character takes 3 of them.
LIMITS = {"text": 2048, "markdown": 4096}

PERMANENT = {
    93000: "机器人 webhook 地址无效",
    40008: "消息类型无效",
    44004: "消息内容为空",
    40058: "消息内容超出长度限制",
}
TRANSIENT = {
    -1: "企业微信系统繁忙",
    45009: "机器人发送过于频繁(每分钟最多 20 条)",
}


@dataclass(frozen=True)
class RobotSettings:
    base_url: str
    timeout: float

    @classmethod
    def from_config(cls, config) -> RobotSettings:
        return cls(base_url=config["WECOM_API_BASE_URL"].rstrip("/"),
                   timeout=float(config["HTTP_TIMEOUT_SECONDS"]))


def check_size(msgtype: str, content: str) -> None:
    """Refuse content the webhook would reject, with a message an admin can act on."""
    if msgtype not in LIMITS:
        raise PermanentError(f"群机器人不支持的消息类型:{msgtype}", code="msgtype")
    if not content:
        raise PermanentError("群机器人消息内容为空", code="44004")
    size = len(content.encode("utf-8"))
    if size > LIMITS[msgtype]:
        kind = "文本" if msgtype == "text" else "Markdown"
        raise PermanentError(f"群机器人{kind}消息过长:{size} 字节,上限 {LIMITS[msgtype]} 字节",
                             code="too_long")


class RobotGateway:
    """Gateway for the `wecom_robot` channel; recipient = the robot's webhook key."""

    channel = Channel.WECOM_ROBOT

    def __init__(self, settings: RobotSettings):
        self.settings = settings
        self.session = new_session()

    def send(self, message: OutgoingMessage) -> SendResult:
        msgtype, content = message.body["msgtype"], message.body["content"]
        check_size(msgtype, content)
        if not message.recipient:
            raise PermanentError("未配置群机器人 webhook key", code="93000")
        with network_errors(PROVIDER):
            response = self.session.post(
                self.settings.base_url + "/cgi-bin/webhook/send",
                params={"key": message.recipient},
                json={"msgtype": msgtype, msgtype: {"content": content}},
                timeout=self.settings.timeout,
            )
        answer = decode(PROVIDER, response)
        raise_for_errcode(PROVIDER, answer, permanent=PERMANENT, transient=TRANSIENT)
        return SendResult(provider_message_id=None, raw={"errcode": 0})
