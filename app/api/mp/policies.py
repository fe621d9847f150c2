"""My policies, vehicles, expiring soon and renewal quote requests."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from app.api.mp import blp
from app.auth.viewer import current_viewer, customer_required
from app.schemas.mp import (
    MpExpiringArgs,
    MpExpiringRow,
    MpPolicyDetail,
    MpPolicyListArgs,
    MpPolicyRow,
    MpQuoteRequestArgs,
    MpQuoteRequestResult,
    MpVehicleListRow,
)
from app.services import mp_policies


def paged(pagination_parameters, result):
    pagination_parameters.item_count = result.total
    return result.items


@blp.route("/policies")
class PolicyList(MethodView):
    decorators = [customer_required]

    @blp.arguments(MpPolicyListArgs, location="query")
    @blp.response(200, MpPolicyRow(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    def get(self, args, pagination_parameters):
        """我的保单(status=in_force 保障中 / expired 已到期 / all 全部);分页信息在 X-Pagination 响应头"""
        items, total = mp_policies.list_policies_json(current_viewer(), args["status"], pagination_parameters.page,
                                                      pagination_parameters.page_size)
        pagination_parameters.item_count = total
        # Already JSON, built by PostgreSQL in MpPolicyRow's shape (tests/test_mp_hot_paths.py
        # checks it against the schema's dump): returned as is.
        return current_app.response_class(items, mimetype="application/json")


@blp.route("/policies/expiring")
class ExpiringPolicies(MethodView):
    decorators = [customer_required]

    @blp.arguments(MpExpiringArgs, location="query")
    @blp.response(200, MpExpiringRow(many=True))
    def get(self, args):
        """即将到期的保单(默认60天内)"""
        return mp_policies.expiring_policies(current_viewer(), args["days"])


@blp.route("/policies/<int:policy_id>")
class PolicyDetailView(MethodView):
    decorators = [customer_required]

    @blp.response(200, MpPolicyDetail)
    def get(self, policy_id):
        """保单详情:险别、车辆、起止日期、保费、出险次数"""
        return mp_policies.get_policy(current_viewer(), policy_id)


@blp.route("/policies/<int:policy_id>/renewal-quote-requests")
class RenewalQuoteRequests(MethodView):
    decorators = [customer_required]

    @blp.arguments(MpQuoteRequestArgs)
    @blp.response(201, MpQuoteRequestResult)
    @blp.alt_response(200, schema=MpQuoteRequestResult, description="该保单已有待处理的申请:返回原申请")
    def post(self, args, policy_id):
        """申请续保报价:通知保单的业务员联系客户;同一保单有待处理申请时返回原申请"""
        request, created = mp_policies.request_renewal_quote(
            current_viewer(), policy_id, args["preferred_contact_time"], args["note"])
        request.created = created
        return request, 201 if created else 200


@blp.route("/vehicles")
class Vehicles(MethodView):
    decorators = [customer_required]

    @blp.response(200, MpVehicleListRow(many=True))
    def get(self):
        """我的车辆,及交强险、商业险的保障截止日期"""
        return mp_policies.list_vehicles(current_viewer())
