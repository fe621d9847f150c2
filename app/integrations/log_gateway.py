"""The log-only gateway: MESSAGING_MODE=log writes each message to the log instead of sending it (demo, development)."""

from __future__ import annotations

import logging
import uuid

from app.integrations.base import OutgoingMessage, SendResult
from app.integrations.transport import mask_recipient

log = logging.getLogger("baoyun.messages")


class LogGateway:
    """Sends nothing: logs the message at INFO and reports success with a generated id."""

    def __init__(self, channel: str):
        self.channel = channel

    def send(self, message: OutgoingMessage) -> SendResult:
        message_id = f"log-{uuid.uuid4().hex}"
        log.info("message not sent (MESSAGING_MODE=log) %s channel=%s to=%s dedupe=%s body=%s",
                 message_id, message.channel, mask_recipient(message.channel, message.recipient),
                 message.dedupe_key, message.body)
        return SendResult(provider_message_id=message_id, raw={"mode": "log"})
