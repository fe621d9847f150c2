"""Outgoing messages: one call to queue a message, one job to deliver the outbox.

    from app.services import messaging
    messaging.enqueue("sms", mobile, "policy_expiry_sms", {"name": ..., ...},
                      dedupe_key=f"policy-expiry:{policy.id}:30d", customer_id=customer.id)

See docs/messaging.md for the states, the rules and why a message goes out at most once.
"""

from app.services.messaging.consent import (
    grant_subscriptions,
    handle_sms_reply,
    is_opted_out,
    record_opt_out,
    subscriptions_left,
)
from app.services.messaging.outbox import DeliveryReport, deliver_due, enqueue, kick_delivery, sweep_stuck
from app.services.messaging.render import Rendered, TemplateError, render

__all__ = [
    "DeliveryReport", "Rendered", "TemplateError", "deliver_due", "enqueue", "grant_subscriptions",
    "handle_sms_reply", "is_opted_out", "kick_delivery", "record_opt_out", "render", "subscriptions_left",
    "sweep_stuck",
]
