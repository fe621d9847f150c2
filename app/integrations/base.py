"""The one interface every message gateway implements, and the errors it may raise.

The outbox (app.services.messaging) renders a template into an OutgoingMessage and hands it to
the gateway for its channel. A gateway either returns a SendResult or raises:

- PermanentError: sending again cannot help (no subscription left, bad number, template
  rejected). The outbox marks the message failed and does not retry.
- TransientError: the provider or the network failed this time (5xx, timeout, rate limit,
  system busy). The outbox retries with back-off.

`body` is already rendered and checked against the channel's limits. Its shape per channel:

- sms:              {"template_id": str, "params": [str, ...]}          recipient = mobile (plain)
- wechat_subscribe: {"template_id": str, "page": str | None,
                     "data": {field_name: str, ...}}                    recipient = openid
- wecom_app:        {"msgtype": "text" | "markdown", "content": str}     recipient = WeCom userid(s), "|"-joined
- wecom_robot:      {"msgtype": "text" | "markdown", "content": str}     recipient = robot webhook key
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class Channel:
    SMS = "sms"
    WECHAT_SUBSCRIBE = "wechat_subscribe"
    WECOM_APP = "wecom_app"
    WECOM_ROBOT = "wecom_robot"
    ALL = (SMS, WECHAT_SUBSCRIBE, WECOM_APP, WECOM_ROBOT)


@dataclass(frozen=True)
class OutgoingMessage:
    channel: str
    recipient: str
    body: dict
    dedupe_key: str
    message_id: int | None = None


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str | None = None
    raw: dict = field(default_factory=dict)


class GatewayError(Exception):
    """A send failed. `code` is the provider's error code (e.g. "43101") or an HTTP status."""

    permanent = False

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class PermanentError(GatewayError):
    permanent = True


class TransientError(GatewayError):
    permanent = False


class Gateway(Protocol):
    channel: str

    def send(self, message: OutgoingMessage) -> SendResult: ...
