"""Staff API (/api/staff): H5 pages opened from WeCom and other staff clients, bearer token."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.auth.tokens import issue_token
from app.auth.viewer import current_viewer, staff_required
from app.models import AuditChannel
from app.schemas.common import LoginSchema, SearchArgs
from app.schemas.staff import (
    ClaimListArgs,
    ClaimSchema,
    CustomerBriefSchema,
    CustomerDetailSchema,
    PolicyListArgs,
    PolicySchema,
    VehicleSchema,
)
from app.services import customers, sessions

blp = Blueprint("staff", __name__, url_prefix="/api/staff", description="员工接口")


def _paged(pagination_parameters, result):
    pagination_parameters.item_count = result.total
    return result.items


@blp.route("/customers")
class CustomerList(MethodView):
    decorators = [staff_required()]

    @blp.arguments(SearchArgs, location="query")
    @blp.response(200, CustomerBriefSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=200)
    def get(self, args, pagination_parameters):
        """搜索客户(姓名、手机号、证件号、车牌、车架号、保单号)"""
        result = customers.search_customers(current_viewer(), args["q"], pagination_parameters.page,
                                            pagination_parameters.page_size)
        return _paged(pagination_parameters, result)


@blp.route("/customers/<int:customer_id>")
class CustomerDetail(MethodView):
    decorators = [staff_required()]

    @blp.response(200, CustomerDetailSchema)
    def get(self, customer_id):
        """客户详情(手机号、证件号已脱敏)"""
        return customers.get_customer(current_viewer(), customer_id)


@blp.route("/vehicles/<int:vehicle_id>")
class VehicleDetail(MethodView):
    decorators = [staff_required()]

    @blp.response(200, VehicleSchema)
    def get(self, vehicle_id):
        """车辆详情"""
        return customers.get_vehicle(current_viewer(), vehicle_id)


@blp.route("/policies")
class PolicyList(MethodView):
    decorators = [staff_required()]

    @blp.arguments(PolicyListArgs, location="query")
    @blp.response(200, PolicySchema(many=True))
    @blp.paginate(page_size=20, max_page_size=200)
    def get(self, args, pagination_parameters):
        """保单列表(保单号或车牌搜索)"""
        result = customers.list_policies(current_viewer(), q=args["q"], customer_id=args["customer_id"],
                                         page=pagination_parameters.page,
                                         page_size=pagination_parameters.page_size)
        return _paged(pagination_parameters, result)


@blp.route("/policies/<int:policy_id>")
class PolicyDetail(MethodView):
    decorators = [staff_required()]

    @blp.response(200, PolicySchema)
    def get(self, policy_id):
        """保单详情"""
        return customers.get_policy(current_viewer(), policy_id)


@blp.route("/claims")
class ClaimList(MethodView):
    decorators = [staff_required()]

    @blp.arguments(ClaimListArgs, location="query")
    @blp.response(200, ClaimSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=200)
    def get(self, args, pagination_parameters):
        """赔案列表"""
        result = customers.list_claims(current_viewer(), q=args["q"], customer_id=args["customer_id"],
                                       status=args["status"], page=pagination_parameters.page,
                                       page_size=pagination_parameters.page_size)
        return _paged(pagination_parameters, result)


@blp.route("/claims/<int:claim_id>")
class ClaimDetail(MethodView):
    decorators = [staff_required()]

    @blp.response(200, ClaimSchema)
    def get(self, claim_id):
        """赔案详情"""
        return customers.get_claim(current_viewer(), claim_id)


class TokenSchema(Schema):
    token = fields.String()
    expires_in = fields.Integer()
    staff_id = fields.Integer()
    name = fields.String()
    role = fields.String()


@blp.route("/auth/token")
class StaffToken(MethodView):
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenSchema)
    def post(self, args):
        """员工用户名密码登录,换取接口令牌"""
        staff = sessions.authenticate(args["username"], args["password"], request.remote_addr,
                                      AuditChannel.api)
        return {
            "token": issue_token("staff", staff.id, staff.token_version),
            "expires_in": current_app.config["TOKEN_TTL_SECONDS"],
            "staff_id": staff.id,
            "name": staff.name,
            "role": staff.role.value,
        }
