"""What recipients have agreed to: SMS opt-outs (a 'TD' reply) and WeChat one-time subscriptions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.extensions import db
from app.models.messaging import MessageChannel, MessageOptOut, SubscriptionConsent
from app.services.messaging.outbox import normalise_recipient, recipient_hash

# Replies that mean "stop sending me SMS" (operators' convention; compared without case or spaces).
OPT_OUT_REPLIES = {"TD", "T", "退订"}


def is_opt_out_reply(text: str) -> bool:
    return (text or "").strip().upper().replace(" ", "") in OPT_OUT_REPLIES


def record_opt_out(channel: str, recipient: str, source: str, detail: str | None = None) -> bool:
    """Record that `recipient` wants no more messages on `channel`; True if it is new. Commits."""
    channel = MessageChannel(channel)
    recipient = normalise_recipient(channel, recipient)
    inserted = db.session.execute(
        pg_insert(MessageOptOut)
        .values(recipient_hash=recipient_hash(channel, recipient), channel=channel, source=source,
                detail=(detail or "")[:200] or None)
        .on_conflict_do_nothing(constraint="uq_message_opt_outs_recipient")
        .returning(MessageOptOut.id)).scalar_one_or_none()
    db.session.commit()
    return inserted is not None


def handle_sms_reply(mobile: str, text: str) -> bool:
    """An SMS reply from `mobile`: an unsubscribe word records an opt-out. True if it was one."""
    if not is_opt_out_reply(text):
        return False
    record_opt_out(MessageChannel.sms, mobile, "sms_reply", f"回复:{text.strip()[:20]}")
    return True


def is_opted_out(channel: str, recipient: str) -> bool:
    channel = MessageChannel(channel)
    hashed = recipient_hash(channel, normalise_recipient(channel, recipient))
    return db.session.execute(
        select(MessageOptOut.id).where(MessageOptOut.recipient_hash == hashed, MessageOptOut.channel == channel)
    ).first() is not None


def grant_subscriptions(openid: str, template_ids: list[str], customer_id: int | None = None) -> None:
    """The user accepted these templates in wx.requestSubscribeMessage: one more message each. Commits."""
    for template_id in dict.fromkeys(template_ids):
        stmt = pg_insert(SubscriptionConsent).values(openid=openid, template_id=template_id,
                                                     customer_id=customer_id, remaining=1)
        db.session.execute(stmt.on_conflict_do_update(
            constraint="uq_subscription_consents_openid",
            set_={"remaining": SubscriptionConsent.remaining + 1,
                  "customer_id": stmt.excluded.customer_id if customer_id is not None
                  else SubscriptionConsent.customer_id}))
    db.session.commit()


def subscriptions_left(openid: str, template_id: str) -> int:
    return db.session.execute(
        select(SubscriptionConsent.remaining)
        .where(SubscriptionConsent.openid == openid, SubscriptionConsent.template_id == template_id)
    ).scalar_one_or_none() or 0
