"""Dealer resident managers: their dealer's plan progress, policies and repair referrals."""

from __future__ import annotations

from flask.views import MethodView

from app.api.mp import blp
from app.api.mp.policies import paged
from app.auth.viewer import current_viewer, staff_required
from app.models import Role
from app.schemas.mp import MpReferralRow, MpResidentOverview, MpResidentPolicyRow
from app.services import resident


@blp.route("/resident/overview")
class Overview(MethodView):
    decorators = [staff_required(Role.resident_manager)]

    @blp.response(200, MpResidentOverview)
    def get(self):
        """驻店经理:本车商本月、本年分险种计划与签单保费,本月送修"""
        return resident.overview(current_viewer())


@blp.route("/resident/policies")
class ResidentPolicies(MethodView):
    decorators = [staff_required(Role.resident_manager)]

    @blp.response(200, MpResidentPolicyRow(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    def get(self, pagination_parameters):
        """驻店经理:本车商出单的保单(客户姓名、车牌已脱敏)"""
        return paged(pagination_parameters, resident.list_policies(
            current_viewer(), pagination_parameters.page, pagination_parameters.page_size))


@blp.route("/resident/referrals")
class Referrals(MethodView):
    decorators = [staff_required(Role.resident_manager)]

    @blp.response(200, MpReferralRow(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    def get(self, pagination_parameters):
        """驻店经理:送修到本车商的赔案(客户姓名、车牌已脱敏)"""
        return paged(pagination_parameters, resident.list_referrals(
            current_viewer(), pagination_parameters.page, pagination_parameters.page_size))
