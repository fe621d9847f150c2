"""Message templates as the admin panel edits them: list, save (checked against the channel's
limits with the sample variables), preview, enable / disable, and loading the defaults."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.viewer import Viewer
from app.errors import DomainError
from app.extensions import db
from app.models.messaging import MessageChannel, MessageFormat, MessageTemplate
from app.services import audit
from app.services.lookups import get_or_404
from app.services.messaging.defaults import DEFAULT_TEMPLATES
from app.services.messaging.render import Rendered, TemplateError, parse_subscribe_body, render

EDITABLE = ("name", "body", "provider_template_id", "page", "msg_format", "urgent", "enabled", "sample_variables")


def list_templates(channel: str | None = None) -> list[MessageTemplate]:
    stmt = select(MessageTemplate).order_by(MessageTemplate.channel, MessageTemplate.code)
    if channel:
        stmt = stmt.where(MessageTemplate.channel == channel)
    return list(db.session.execute(stmt).scalars())


def get_template(template_id: int) -> MessageTemplate:
    return get_or_404(MessageTemplate, template_id, "消息模板不存在")


def check(template: MessageTemplate, variables: dict | None = None) -> Rendered:
    """Validate the template's structure and render it with `variables` (default: its samples)."""
    if not (template.body or "").strip():
        raise TemplateError("模板内容不能为空")
    if template.channel == MessageChannel.wechat_subscribe:
        template.subscribe_fields = [name for name, _, _ in parse_subscribe_body(template.body)]
    else:
        template.subscribe_fields = []
    return render(template, template.sample_variables if variables is None else variables)


def save_template(viewer: Viewer | None, template_id: int, changes: dict) -> MessageTemplate:
    """Apply `changes` (fields of EDITABLE) and commit, unless the result breaks a rule."""
    template = get_template(template_id)
    before = {name: getattr(template, name) for name in EDITABLE}
    for name, value in changes.items():
        if name not in EDITABLE:
            raise DomainError(f"不能修改字段 {name}", "not_editable", status=422)
        setattr(template, name, value)
    if template.channel in (MessageChannel.sms, MessageChannel.wechat_subscribe):
        template.msg_format = MessageFormat.text  # those channels have no markdown
    try:
        check(template)
    except DomainError:
        db.session.rollback()
        raise
    template.updated_by_id = viewer.staff_id if viewer else None
    changed = sorted(name for name in EDITABLE if getattr(template, name) != before[name])
    audit.record(viewer, "update", "message_template", template.id, {"code": template.code, "fields": changed})
    db.session.commit()
    return template


def preview_changes(template_id: int, changes: dict) -> Rendered:
    """Render the template as it would be with `changes` (with their sample variables), saving nothing."""
    template = get_template(template_id)
    try:
        for name, value in changes.items():
            if name in EDITABLE:
                setattr(template, name, value)
        return check(template)
    finally:
        db.session.rollback()


def set_enabled(viewer: Viewer | None, template_id: int, enabled: bool) -> MessageTemplate:
    template = get_template(template_id)
    template.enabled = enabled
    template.updated_by_id = viewer.staff_id if viewer else None
    audit.record(viewer, "update", "message_template", template.id,
                 {"code": template.code, "enabled": enabled})
    db.session.commit()
    return template


def load_default_templates() -> tuple[int, int]:
    """Create the default templates that do not exist yet (edited ones are left alone).
    Returns (created, already there). Commits."""
    existing = set(db.session.execute(select(MessageTemplate.code)).scalars())
    created = 0
    for data in DEFAULT_TEMPLATES:
        if data["code"] in existing:
            continue
        template = MessageTemplate(**{"msg_format": MessageFormat.text, "urgent": False, "enabled": True, **data})
        check(template)
        db.session.add(template)
        created += 1
    db.session.commit()
    return created, len(DEFAULT_TEMPLATES) - created
