"""The panel's 会员等级规则 page: each VIP tier's thresholds and benefits (edited by company admins),
customers per tier and the latest changes the nightly job made."""

from __future__ import annotations

from decimal import Decimal

from flask import flash, get_flashed_messages, redirect, render_template, request, url_for
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from app.api.admin.panel import bp, load_args, register_nav
from app.auth.viewer import current_viewer
from app.errors import DomainError
from app.models.customer import VIP_TIER_LABELS
from app.services import tiers

MAX_BENEFITS = 12


class Benefits(fields.Field):
    """A textarea, one benefit a line."""

    def _deserialize(self, value, attr, data, **kwargs):
        lines = [line.strip() for line in str(value or "").splitlines() if line.strip()]
        if len(lines) > MAX_BENEFITS:
            raise ValidationError(f"权益最多 {MAX_BENEFITS} 条")
        if any(len(line) > 40 for line in lines):
            raise ValidationError("每条权益不超过 40 个字")
        return lines


class TierRuleForm(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token travels in the same form

    min_premium_12m = fields.Decimal(required=True, places=2, validate=validate.Range(
        min=Decimal("0"), max=Decimal("100000000"), error="近12个月保费门槛应在 0 到 1 亿元之间"),
        error_messages={"required": "请填写保费门槛", "invalid": "保费门槛应为金额"})
    min_years = fields.Integer(required=True, validate=validate.Range(min=0, max=50, error="合作年数应在 0 到 50 之间"),
                               error_messages={"required": "请填写合作年数", "invalid": "合作年数应为整数"})
    max_claims_12m = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=0, max=100, error="出险次数上限应在 0 到 100 之间"), error_messages={"invalid": "出险次数上限应为整数"})
    benefits = Benefits(load_default=list)

    @pre_load
    def blank_is_no_limit(self, data, **kwargs):
        data = dict(data)
        if not str(data.get("max_claims_12m", "")).strip():
            data["max_claims_12m"] = None
        return data


def _rows() -> list[dict]:
    return [{**tiers.rule_row(rule), "updated_at": rule.updated_at} for rule in tiers.rules()]


@bp.get("/tiers")
def tier_rules():
    viewer = current_viewer()
    tiers.require_rule_admin(viewer)
    return render_template("admin/tier_rules.html", rows=_rows(), summary=tiers.panel_summary(viewer),
                           labels=VIP_TIER_LABELS, notices=get_flashed_messages())


def _edit_page(rule, form: dict, status: int = 200, error: str | None = None):
    return render_template("admin/tier_rule_edit.html", rule=tiers.rule_row(rule), form=form, error=error,
                           notices=get_flashed_messages()), status


@bp.get("/tiers/<tier>")
def tier_rule_edit(tier: str):
    tiers.require_rule_admin(current_viewer(), edit=True)
    rule = tiers.get_rule(tier)
    form = {"min_premium_12m": f"{rule.min_premium_12m:.2f}", "min_years": rule.min_years,
            "max_claims_12m": "" if rule.max_claims_12m is None else rule.max_claims_12m,
            "benefits": "\n".join(rule.benefits)}
    return _edit_page(rule, form)


@bp.post("/tiers/<tier>")
def tier_rule_save(tier: str):
    viewer = current_viewer()
    tiers.require_rule_admin(viewer, edit=True)
    try:
        changes = load_args(TierRuleForm(), request.form)
        tiers.save_rule(viewer, tier, changes)
    except DomainError as err:
        return _edit_page(tiers.get_rule(tier), request.form.to_dict(), err.status, err.message)
    flash(f"「{VIP_TIER_LABELS[tiers.get_rule(tier).tier]}」规则已保存,将在下次夜间计算时生效")
    return redirect(url_for("admin.tier_rules"))


register_nav("admin.tier_rules", "会员等级规则", active_for=("admin.tier_rule_edit",))
