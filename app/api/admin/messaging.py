"""The panel's 消息 pages (admins only): templates (list, edit with preview, enable / disable) and
the outbox (list with filters, detail, resend of a checked failed or uncertain message)."""

from __future__ import annotations

import json

from flask import flash, get_flashed_messages, redirect, render_template, request, url_for
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from app.api.admin.panel import bp, current_page, load_args, page_size
from app.auth.viewer import current_viewer
from app.errors import DomainError
from app.models.messaging import (
    CHANNEL_LABELS,
    STATUS_LABELS,
    MessageChannel,
    MessageFormat,
    MessageStatus,
)
from app.services.messaging import admin as outbox_admin
from app.services.messaging import templates as template_service
from app.timeutil import business_zone

STATUS_CHOICES = [(s.value, STATUS_LABELS[s]) for s in MessageStatus]
CHANNEL_CHOICES = [(c.value, CHANNEL_LABELS[c]) for c in MessageChannel]
FORMAT_CHOICES = [(MessageFormat.text.value, "纯文本"), (MessageFormat.markdown.value, "Markdown")]
RESENDABLE = (MessageStatus.failed, MessageStatus.uncertain)
_CHECKBOX = dict(truthy={"on", "1", "true", "y"}, falsy={"", "0", "false", "n"}, load_default=False)


class JsonObject(fields.Field):
    """A textarea holding a JSON object (the sample variables)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value in (None, ""):
            return {}
        try:
            parsed = json.loads(value)
        except (TypeError, ValueError):
            raise ValidationError("示例变量必须是 JSON 对象,如 {\"name\": \"张先生\"}") from None
        if not isinstance(parsed, dict):
            raise ValidationError("示例变量必须是 JSON 对象,如 {\"name\": \"张先生\"}")
        return parsed


class TemplateForm(Schema):
    class Meta:
        unknown = EXCLUDE  # csrf_token and the button's name travel in the same form

    name = fields.String(required=True, validate=validate.Length(min=1, max=100, error="名称应为1到100个字符"),
                         error_messages={"required": "请填写模板名称"})
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000, error="内容应为1到5000个字符"),
                         error_messages={"required": "请填写模板内容"})
    provider_template_id = fields.String(load_default=None, validate=validate.Length(max=64, error="模板 ID 过长"))
    page = fields.String(load_default=None, validate=validate.Length(max=200, error="页面路径过长"))
    msg_format = fields.String(load_default=MessageFormat.text.value,
                               validate=validate.OneOf([v for v, _ in FORMAT_CHOICES], error="消息格式不正确"))
    urgent = fields.Boolean(**_CHECKBOX)
    enabled = fields.Boolean(**_CHECKBOX)
    sample_variables = JsonObject(load_default=dict)

    @post_load
    def blank_to_none(self, data, **kwargs):
        for name in ("provider_template_id", "page"):
            if data.get(name) is not None and not data[name].strip():
                data[name] = None
        return data


class OutboxListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf([v for v, _ in STATUS_CHOICES] + [""],
                                                                      error="状态不正确"))
    channel = fields.String(load_default=None, validate=validate.OneOf([v for v, _ in CHANNEL_CHOICES] + [""],
                                                                       error="渠道不正确"))
    template_id = fields.Integer(load_default=None)
    page = fields.Integer(load_default=1)


@bp.app_template_filter("business_time")
def business_time(value) -> str:
    """An aware datetime -> '2026-03-01 10:00' in business time; blank for none."""
    return value.astimezone(business_zone()).strftime("%Y-%m-%d %H:%M") if value else ""


def _template_row(template) -> dict:
    return {
        "id": template.id, "code": template.code, "name": template.name, "channel": template.channel.value,
        "channel_label": CHANNEL_LABELS[template.channel], "enabled": template.enabled, "urgent": template.urgent,
        "provider_template_id": template.provider_template_id, "updated_at": business_time(template.updated_at),
        "updated_by": template.updated_by.name if template.updated_by else None,
    }


def _message_row(message) -> dict:
    return {
        "id": message.id, "channel_label": CHANNEL_LABELS[message.channel], "status": message.status.value,
        "status_label": STATUS_LABELS[message.status], "recipient": outbox_admin.masked_recipient(message),
        "template_name": message.template.name, "template_id": message.template_id,
        "dedupe_key": message.dedupe_key, "attempts": message.attempts, "next_try_at": message.next_try_at,
        "sent_at": message.sent_at, "created_at": message.created_at, "claimed_at": message.claimed_at,
        "claimed_by": message.claimed_by, "send_started_at": message.send_started_at,
        "error_code": message.error_code, "last_error": message.last_error,
        "provider_message_id": message.provider_message_id, "customer_id": message.customer_id,
        "staff_id": message.staff_id, "resendable": message.status in RESENDABLE,
    }


# ---- templates ----------------------------------------------------------------------------------

@bp.get("/message-templates")
def message_templates():
    outbox_admin.require_admin(current_viewer())
    rows = [_template_row(t) for t in template_service.list_templates()]
    return render_template("admin/message_templates.html", rows=rows, notices=get_flashed_messages())


def _edit_page(template, form: dict, status: int = 200, error: str | None = None, preview=None):
    return render_template("admin/message_template_edit.html", template=_template_row(template), form=form,
                           error=error, preview=preview, format_choices=FORMAT_CHOICES,
                           notices=get_flashed_messages()), status


def _form_of(template) -> dict:
    return {"name": template.name, "body": template.body, "provider_template_id": template.provider_template_id or "",
            "page": template.page or "", "msg_format": template.msg_format.value, "urgent": template.urgent,
            "enabled": template.enabled,
            "sample_variables": json.dumps(template.sample_variables, ensure_ascii=False, indent=2)}


@bp.get("/message-templates/<int:template_id>")
def message_template_edit(template_id: int):
    outbox_admin.require_admin(current_viewer())
    template = template_service.get_template(template_id)
    return _edit_page(template, _form_of(template))


@bp.post("/message-templates/<int:template_id>")
def message_template_save(template_id: int):
    viewer = current_viewer()
    outbox_admin.require_admin(viewer)
    template = template_service.get_template(template_id)
    submitted = {**request.form.to_dict(), "urgent": "urgent" in request.form, "enabled": "enabled" in request.form}
    try:
        changes = load_args(TemplateForm(), request.form)
        if request.form.get("action") == "preview":
            rendered = template_service.preview_changes(template_id, changes)
            return _edit_page(template, submitted, preview=rendered)
        template_service.save_template(viewer, template_id, changes)
    except DomainError as err:
        return _edit_page(template_service.get_template(template_id), submitted, err.status, err.message)
    flash("模板已保存")
    return redirect(url_for("admin.message_template_edit", template_id=template_id))


@bp.post("/message-templates/<int:template_id>/enabled")
def message_template_toggle(template_id: int):
    viewer = current_viewer()
    outbox_admin.require_admin(viewer)
    enabled = request.form.get("enabled") == "1"
    template = template_service.set_enabled(viewer, template_id, enabled)
    flash(f"模板「{template.name}」已{'启用' if enabled else '停用'}")
    return redirect(url_for("admin.message_templates"))


# ---- the outbox -----------------------------------------------------------------------------------

@bp.get("/outbox")
def outbox():
    args = load_args(OutboxListArgs())
    result = outbox_admin.list_messages(current_viewer(), status=args["status"] or None,
                                        channel=args["channel"] or None, template_id=args["template_id"],
                                        page=current_page(), page_size=page_size())
    return render_template("admin/outbox.html", rows=[_message_row(m) for m in result.items], result=result,
                           args=args, status_choices=STATUS_CHOICES, channel_choices=CHANNEL_CHOICES,
                           notices=get_flashed_messages())


@bp.get("/outbox/<int:message_id>")
def outbox_detail(message_id: int):
    message = outbox_admin.get_message(current_viewer(), message_id)
    return render_template("admin/outbox_detail.html", message=_message_row(message), body_text=message.body_text,
                           notices=get_flashed_messages())


@bp.post("/outbox/<int:message_id>/resend")
def outbox_resend(message_id: int):
    outbox_admin.resend(current_viewer(), message_id)
    flash("已重新加入发送队列")
    return redirect(url_for("admin.outbox_detail", message_id=message_id))
