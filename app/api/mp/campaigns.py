"""Campaigns: lottery draws and red packets."""

from __future__ import annotations

from flask.views import MethodView

from app.api.mp import blp
from app.auth.viewer import current_viewer, customer_required
from app.models.points import CampaignKind
from app.schemas.points import CampaignDetailSchema, CampaignSchema, DrawArgs, DrawSchema
from app.services.points import campaigns


def _customer_id() -> int:
    return current_viewer().customer.id


class _CampaignView:
    """A campaign with the viewer's own usage and draws beside it, for CampaignDetailSchema."""

    def __init__(self, campaign, customer_id: int):
        self._campaign = campaign
        self.my = campaigns.my_usage(campaign, customer_id)
        self.my_draws = campaigns.customer_draws(customer_id, campaign.id)

    def __getattr__(self, name):
        return getattr(self._campaign, name)


@blp.route("/campaigns")
class Campaigns(MethodView):
    decorators = [customer_required]

    @blp.response(200, CampaignSchema(many=True))
    def get(self):
        """进行中的活动(抽奖、红包)"""
        return campaigns.list_campaigns()


@blp.route("/campaigns/<int:campaign_id>")
class CampaignDetail(MethodView):
    decorators = [customer_required]

    @blp.response(200, CampaignDetailSchema)
    def get(self, campaign_id):
        """活动详情:奖品、我的剩余次数、我的最近记录"""
        return _CampaignView(campaigns.get_campaign(campaign_id), _customer_id())


@blp.route("/campaigns/<int:campaign_id>/draw")
class LotteryDraw(MethodView):
    decorators = [customer_required]

    @blp.arguments(DrawArgs)
    @blp.response(201, DrawSchema)
    def post(self, args, campaign_id):
        """抽奖一次(同一 request_id 重复提交返回同一结果)"""
        record, _created = campaigns.draw(_customer_id(), campaign_id, args["request_id"], CampaignKind.lottery)
        return record


@blp.route("/campaigns/<int:campaign_id>/claim")
class RedPacketClaim(MethodView):
    decorators = [customer_required]

    @blp.arguments(DrawArgs)
    @blp.response(201, DrawSchema)
    def post(self, args, campaign_id):
        """领红包(同一 request_id 重复提交返回同一结果)"""
        record, _created = campaigns.draw(_customer_id(), campaign_id, args["request_id"], CampaignKind.red_packet)
        return record
