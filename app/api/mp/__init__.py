"""Mini-program API (/api/mp): customers and dealer resident managers, bearer token."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.auth.viewer import current_viewer, customer_required
from app.models.customer import VIP_TIER_LABELS
from app.security.fields import mask_id_number, mask_mobile

blp = Blueprint("mp", __name__, url_prefix="/api/mp", description="小程序接口")


class MeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    mobile_masked = fields.Function(lambda c: mask_mobile(c.mobile))
    id_number_masked = fields.Function(lambda c: mask_id_number(c.id_number))
    vip_tier = fields.String()
    vip_tier_label = fields.Function(lambda c: VIP_TIER_LABELS.get(c.vip_tier))


@blp.route("/me")
class Me(MethodView):
    decorators = [customer_required]

    @blp.response(200, MeSchema)
    def get(self):
        """当前客户的基本信息"""
        return current_viewer().customer


# The routes of each area live in their own module, on this blueprint.
from app.api.mp import (  # noqa: E402,F401
    account,
    campaigns,
    claims,
    mall,
    points,
    policies,
    resident,
    tiers,
)
