"""The panel's 理赔资料清单 page: the documents each claim type needs, as the customer sees them in the
mini-program's claim page (read by admins, changed by company admins)."""

from __future__ import annotations

from flask import flash, get_flashed_messages, redirect, render_template, request, url_for
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from app.api.admin.panel import bp, load_args, register_nav
from app.auth.viewer import current_viewer
from app.errors import DomainError
from app.services import mp_claims
from app.services.ingest.columns import CLAIM_TYPE_LABELS

# Claim type -> its Chinese name, in the order the import file lists them (车损, 三者, ...).
CLAIM_TYPE_NAMES = {code: label for label, code in CLAIM_TYPE_LABELS.items()}
_CHECKBOX = dict(truthy={"on", "1", "true", "y"}, falsy={"", "0", "false", "n"}, load_default=False)


class RequirementForm(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token travels in the same form

    label = fields.String(required=True, validate=validate.Length(min=1, max=50, error="资料名称应为1到50个字"),
                          error_messages={"required": "请填写资料名称"})
    hint = fields.String(load_default=None, validate=validate.Length(max=200, error="填写说明不超过200个字"))
    required = fields.Boolean(**_CHECKBOX)
    position = fields.Integer(load_default=None, validate=validate.Range(min=0, max=999, error="排序应在0到999之间"),
                              error_messages={"invalid": "排序应为整数"})

    @pre_load
    def trim(self, data, **kwargs):
        """Spaces around a value are a slip of the keyboard; a blank box is no value."""
        data = {key: value.strip() if isinstance(value, str) else value for key, value in data.items()}
        return {key: value for key, value in data.items() if value != ""}


class NewRequirementForm(RequirementForm):
    claim_type = fields.String(required=True, validate=validate.OneOf(list(CLAIM_TYPE_NAMES), error="案件类型不正确"),
                               error_messages={"required": "请选择案件类型"})
    kind = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9_]{1,31}\Z", error="资料代码应为2到32位小写字母、数字或下划线,以字母开头,如 repair_invoice"),
        error_messages={"required": "请填写资料代码"})


def _groups() -> list[dict]:
    """Every claim type (known ones first, in order, even when empty), each with its items."""
    by_type: dict[str, list] = {code: [] for code in CLAIM_TYPE_NAMES}
    for requirement in mp_claims.all_requirements():
        by_type.setdefault(requirement.claim_type, []).append(requirement)
    return [{"claim_type": code, "label": CLAIM_TYPE_NAMES.get(code, code), "items": items}
            for code, items in by_type.items()]


def _list_page(form: dict, status: int = 200, error: str | None = None):
    viewer = current_viewer()
    return render_template("admin/claim_documents.html", groups=_groups(), form=form, error=error,
                           can_edit=_can_edit(viewer), type_choices=list(CLAIM_TYPE_NAMES.items()),
                           notices=get_flashed_messages()), status


def _can_edit(viewer) -> bool:
    try:
        mp_claims.require_checklist_admin(viewer, edit=True)
    except DomainError:
        return False
    return True


def _completed_notice(completed: int) -> str:
    return f";{completed} 件未结赔案因此资料齐全" if completed else ""


@bp.get("/claim-documents")
def claim_documents():
    mp_claims.require_checklist_admin(current_viewer())
    return _list_page({"required": True})


@bp.post("/claim-documents")
def claim_document_add():
    viewer = current_viewer()
    mp_claims.require_checklist_admin(viewer, edit=True)
    try:
        requirement = mp_claims.add_requirement(viewer, load_args(NewRequirementForm(), request.form))
    except DomainError as err:
        return _list_page(request.form.to_dict(), err.status, err.message)
    flash(f"已在「{CLAIM_TYPE_NAMES.get(requirement.claim_type)}」清单中新增「{requirement.label}」")
    return redirect(url_for("admin.claim_documents"))


def _edit_page(requirement, form: dict, status: int = 200, error: str | None = None):
    return render_template("admin/claim_document_edit.html", item=requirement, form=form, error=error,
                           type_label=CLAIM_TYPE_NAMES.get(requirement.claim_type, requirement.claim_type),
                           notices=get_flashed_messages()), status


@bp.get("/claim-documents/<int:requirement_id>")
def claim_document_edit(requirement_id: int):
    mp_claims.require_checklist_admin(current_viewer(), edit=True)
    requirement = mp_claims.get_requirement(requirement_id)
    form = {"label": requirement.label, "hint": requirement.hint or "", "required": requirement.required,
            "position": requirement.position}
    return _edit_page(requirement, form)


@bp.post("/claim-documents/<int:requirement_id>")
def claim_document_save(requirement_id: int):
    viewer = current_viewer()
    mp_claims.require_checklist_admin(viewer, edit=True)
    requirement = mp_claims.get_requirement(requirement_id)
    try:
        changes = load_args(RequirementForm(), request.form)
        if changes.get("position") is None:
            changes["position"] = requirement.position
        completed = mp_claims.update_requirement(viewer, requirement_id, **changes)
    except DomainError as err:
        return _edit_page(requirement, request.form.to_dict(), err.status, err.message)
    flash(f"「{requirement.label}」已保存{_completed_notice(completed)}")
    return redirect(url_for("admin.claim_documents"))


@bp.post("/claim-documents/<int:requirement_id>/delete")
def claim_document_delete(requirement_id: int):
    viewer = current_viewer()
    mp_claims.require_checklist_admin(viewer, edit=True)
    requirement, completed = mp_claims.delete_requirement(viewer, requirement_id)
    flash(f"已从「{CLAIM_TYPE_NAMES.get(requirement.claim_type, requirement.claim_type)}」清单中删除"
          f"「{requirement.label}」,客户已上传的这类资料仍保留在赔案中{_completed_notice(completed)}")
    return redirect(url_for("admin.claim_documents"))


register_nav("admin.claim_documents", "理赔资料清单", active_for=("admin.claim_document_edit",))
