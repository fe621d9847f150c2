"""The outbox as admins see it: which rows, masked recipients, and the resend of a checked message."""

from __future__ import annotations

from sqlalchemy import or_, select, true
from sqlalchemy.orm import selectinload

from app.auth.scoping import scope_filter, subtree_ids
from app.auth.viewer import Viewer
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.models import Customer, OrgLevel, Role, Staff
from app.models.messaging import MessageChannel, OutboxMessage
from app.security.fields import mask_mobile
from app.services import audit
from app.services.messaging import outbox
from app.services.pagination import PageResult, paginate


def require_admin(viewer: Viewer) -> None:
    if viewer.role != Role.admin:
        raise Forbidden("只有管理员可以管理消息")


def _visible(viewer: Viewer):
    """A company admin sees every message; another admin those to customers in their scope and to
    staff of their org subtree (messages to nobody in particular, e.g. robots, stay with the company)."""
    if viewer.staff.org_unit.level == OrgLevel.company:
        return true()
    return or_(OutboxMessage.customer_id.in_(select(Customer.id).where(scope_filter(viewer, Customer))),
               OutboxMessage.staff_id.in_(select(Staff.id).where(Staff.org_unit_id.in_(
                   subtree_ids(viewer.staff.org_unit)))))


def list_messages(viewer: Viewer, status: str | None = None, channel: str | None = None,
                  template_id: int | None = None, page: int = 1, page_size: int = 20) -> PageResult:
    require_admin(viewer)
    stmt = (select(OutboxMessage).where(_visible(viewer)).options(selectinload(OutboxMessage.template))
            .order_by(OutboxMessage.id.desc()))
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if channel:
        stmt = stmt.where(OutboxMessage.channel == channel)
    if template_id:
        stmt = stmt.where(OutboxMessage.template_id == template_id)
    return paginate(stmt, page, page_size)


def get_message(viewer: Viewer, message_id: int, *, audited: bool = True) -> OutboxMessage:
    """One message with its rendered text (personal data: the read is audited)."""
    require_admin(viewer)
    message = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.id == message_id, _visible(viewer))
        .options(selectinload(OutboxMessage.template))).scalar_one_or_none()
    if message is None:
        raise NotFound("消息不存在")
    if audited:
        audit.record(viewer, "read", "outbox_message", message.id, {"customer_id": message.customer_id})
        db.session.commit()
    return message


def masked_recipient(message: OutboxMessage) -> str:
    if message.channel == MessageChannel.sms:
        return mask_mobile(outbox.mobile_of(message)) or ""
    recipient = message.recipient or ""
    if message.channel == MessageChannel.wecom_app:
        return recipient  # a colleague's WeCom userid is not personal data of a customer
    # openids and robot keys: enough to tell two apart, not enough to reuse (a robot key is a secret)
    return recipient[:4] + "****" + recipient[-4:] if len(recipient) > 8 else "****"


def resend(viewer: Viewer, message_id: int) -> OutboxMessage:
    """An admin who has checked a failed or uncertain message sends it again."""
    get_message(viewer, message_id, audited=False)
    message = outbox.requeue(message_id)
    audit.record(viewer, "update", "outbox_message", message.id, {"action": "resend"})
    db.session.commit()
    outbox.kick_delivery()
    return message
