"""Admin JSON API (/api/admin): the panel's data for scripts and other clients.

Authenticated only by a staff bearer token of a panel role (from /api/staff/auth/token). The
panel's session cookie is never read here, so a cross-site request riding on that cookie gets a
401; that is why the blueprint can be exempt from CSRF.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.viewer import current_viewer, staff_required
from app.schemas.admin import (
    AdminClaimDetailSchema,
    AdminClaimSchema,
    AdminCustomerSchema,
    AdminPolicyDetailSchema,
    AdminPolicySchema,
    AdminSearchArgs,
    AdminVehicleSchema,
    AuditLogArgs,
    AuditLogSchema,
    ClaimListArgs,
    DealerSchema,
    OrgTreeNodeSchema,
    PolicyListArgs,
    StaffListArgs,
    StaffSchema,
    SummarySchema,
    VehicleListArgs,
)
from app.schemas.staff import CustomerDetailSchema
from app.services import admin_audit, admin_directory, customers
from app.services.admin_auth import PANEL_ROLES

blp = Blueprint("admin_api", __name__, url_prefix="/api/admin", description="管理后台接口")

PAGING = {"page_size": 20, "max_page_size": 200}


class AdminView(MethodView):
    decorators = [staff_required(*PANEL_ROLES)]


def _paged(pagination_parameters, result):
    pagination_parameters.item_count = result.total
    return result.items


def _page(pagination_parameters) -> dict:
    return {"page": pagination_parameters.page, "page_size": pagination_parameters.page_size}


@blp.route("/summary")
class Summary(AdminView):
    @blp.response(200, SummarySchema)
    def get(self):
        """首页统计(本人权限范围内的客户、车辆、有效保单、未决赔案、员工、车商、机构数)"""
        viewer = current_viewer()
        return {**customers.scope_summary(viewer), **admin_directory.directory_summary(viewer)}


@blp.route("/org-units")
class OrgUnits(AdminView):
    @blp.response(200, OrgTreeNodeSchema(many=True))
    @blp.paginate(**PAGING)
    def get(self, pagination_parameters):
        """机构树(本人所在机构及下级,按层级顺序)"""
        result = admin_directory.org_tree(current_viewer(), **_page(pagination_parameters))
        return _paged(pagination_parameters, result)


@blp.route("/staff")
class StaffList(AdminView):
    @blp.arguments(StaffListArgs, location="query")
    @blp.response(200, StaffSchema(many=True))
    @blp.paginate(**PAGING)
    def get(self, args, pagination_parameters):
        """员工列表(姓名、工号、用户名搜索,按角色筛选)"""
        result = admin_directory.list_staff(current_viewer(), q=args["q"], role=args["role"],
                                            **_page(pagination_parameters))
        return _paged(pagination_parameters, result)


@blp.route("/dealers")
class Dealers(AdminView):
    @blp.arguments(AdminSearchArgs, location="query")
    @blp.response(200, DealerSchema(many=True))
    @blp.paginate(**PAGING)
    def get(self, args, pagination_parameters):
        """车商列表(名称、代码、品牌搜索)"""
        result = admin_directory.list_dealers(current_viewer(), q=args["q"], **_page(pagination_parameters))
        return _paged(pagination_parameters, result)


@blp.route("/customers")
class Customers(AdminView):
    @blp.arguments(AdminSearchArgs, location="query")
    @blp.response(200, AdminCustomerSchema(many=True))
    @blp.paginate(**PAGING)
    def get(self, args, pagination_parameters):
        """搜索客户(姓名、手机号、证件号、车牌、车架号、保单号),手机号已脱敏"""
        result = customers.search_customers(current_viewer(), args["q"], pagination_parameters.page,
                                            pagination_parameters.page_size)
        return _paged(pagination_parameters, result)


@blp.route("/customers/<int:customer_id>")
class CustomerDetail(AdminView):
    @blp.response(200, CustomerDetailSchema)
    def get(self, customer_id):
        """客户详情(手机号、证件号已脱敏)及其车辆"""
        return customers.get_customer(current_viewer(), customer_id)


@blp.route("/vehicles")
class Vehicles(AdminView):
    @blp.arguments(VehicleListArgs, location="query")
    @blp.response(200, AdminVehicleSchema(many=True))
    @blp.paginate(**PAGING)
    def get(self, args, pagination_parameters):
        """车辆列表(车牌或车架号搜索)"""
        result = customers.list_vehicles(current_viewer(), q=args["q"], **_page(pagination_parameters))
        return _paged(pagination_parameters, result)


@blp.route("/vehicles/<int:vehicle_id>")
class VehicleDetail(AdminView):
    @blp.response(200, AdminVehicleSchema)
    def get(self, vehicle_id):
        """车辆详情"""
        return customers.get_vehicle(current_viewer(), vehicle_id)


@blp.route("/policies")
class Policies(AdminView):
    @blp.arguments(PolicyListArgs, location="query")
    @blp.response(200, AdminPolicySchema(many=True))
    @blp.paginate(**PAGING)
    def get(self, args, pagination_parameters):
        """保单列表(保单号或车牌搜索,可按客户筛选)"""
        result = customers.list_policies(current_viewer(), q=args["q"], customer_id=args["customer_id"],
                                         **_page(pagination_parameters))
        return _paged(pagination_parameters, result)


@blp.route("/policies/<int:policy_id>")
class PolicyDetail(AdminView):
    @blp.response(200, AdminPolicyDetailSchema)
    def get(self, policy_id):
        """保单详情,含险别明细"""
        return customers.get_policy(current_viewer(), policy_id)


@blp.route("/claims")
class Claims(AdminView):
    @blp.arguments(ClaimListArgs, location="query")
    @blp.response(200, AdminClaimSchema(many=True))
    @blp.paginate(**PAGING)
    def get(self, args, pagination_parameters):
        """赔案列表(赔案号搜索,可按客户、状态筛选)"""
        result = customers.list_claims(current_viewer(), q=args["q"], customer_id=args["customer_id"],
                                       status=args["status"], **_page(pagination_parameters))
        return _paged(pagination_parameters, result)


@blp.route("/claims/<int:claim_id>")
class ClaimDetail(AdminView):
    @blp.response(200, AdminClaimDetailSchema)
    def get(self, claim_id):
        """赔案详情,含估损变更记录、环节节点和单证清单"""
        return customers.get_claim(current_viewer(), claim_id)


@blp.route("/audit-logs")
class AuditLogs(AdminView):
    @blp.arguments(AuditLogArgs, location="query")
    @blp.response(200, AuditLogSchema(many=True))
    @blp.paginate(**PAGING)
    def get(self, args, pagination_parameters):
        """审计日志(管理员看本机构及下级人员的记录,其他角色只看本人的记录)"""
        result = admin_audit.list_entries(current_viewer(), **args, **_page(pagination_parameters))
        return _paged(pagination_parameters, result)
