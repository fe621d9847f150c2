"""VIP tier, its benefits and what counts toward the next one."""

from __future__ import annotations

from flask.views import MethodView

from app.api.mp import blp
from app.auth.viewer import current_viewer, customer_required
from app.schemas.mp import MpTierResult
from app.services import tiers


@blp.route("/tier")
class Tier(MethodView):
    decorators = [customer_required]

    @blp.response(200, MpTierResult)
    def get(self):
        """我的会员等级、权益,近12个月贡献,以及升到下一等级还差多少"""
        return tiers.customer_tier(current_viewer().customer)
