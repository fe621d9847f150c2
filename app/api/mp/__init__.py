"""Mini-program API (/api/mp): customers and dealer resident managers, bearer token."""

from __future__ import annotations

from flask.views import MethodView

from app.api.blueprint import Blueprint
from app.auth.viewer import current_viewer
from app.errors import Forbidden
from app.extensions import db
from app.models import Customer, Dealer, Role, Staff
from app.models.customer import VIP_TIER_LABELS
from app.schemas.mp import MpMeSchema
from app.security.fields import mask_id_number, mask_mobile

blp = Blueprint("mp", __name__, url_prefix="/api/mp", description="小程序接口")


def mp_profile(person: Customer | Staff) -> dict:
    """What the mini-program shows of the signed-in person: numbers masked."""
    if isinstance(person, Staff):
        dealer = db.session.get(Dealer, person.dealer_id) if person.dealer_id else None
        return {"role": person.role.value, "id": person.id, "name": person.name, "role_label": person.role_label,
                "mobile_masked": mask_mobile(person.mobile), "dealer_id": person.dealer_id,
                "dealer_name": dealer.name if dealer else None}
    return {"role": "customer", "id": person.id, "name": person.name, "kind": person.kind.value,
            "mobile_masked": mask_mobile(person.mobile), "id_number_masked": mask_id_number(person.id_number),
            "vip_tier": person.vip_tier.value, "vip_tier_label": VIP_TIER_LABELS[person.vip_tier]}


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MpMeSchema)
    def get(self):
        """当前用户:客户(手机号、证件号已脱敏,会员等级)或驻店经理(所在车商)"""
        viewer = current_viewer()
        if viewer.customer is not None:
            return mp_profile(viewer.customer)
        if viewer.role == Role.resident_manager:
            return mp_profile(viewer.staff)
        raise Forbidden()


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
