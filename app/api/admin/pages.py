"""The admin panel's pages: each validates its arguments, calls one service and renders a schema
dump. Scoping and auditing happen in the services; masking happens in the schemas."""

from __future__ import annotations

from flask import render_template

from app.api.admin.panel import bp, current_page, load_args, page_size
from app.auth.viewer import current_viewer
from app.schemas.admin import (
    ACTION_CHOICES,
    CHANNEL_CHOICES,
    CLAIM_STATUS_CHOICES,
    ENTITY_CHOICES,
    ROLE_CHOICES,
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
    VehicleListArgs,
)
from app.schemas.staff import CustomerDetailSchema
from app.services import admin_audit, admin_directory, customers


def _render_list(template: str, result, schema, **context):
    return render_template(template, rows=schema.dump(result.items, many=True), result=result, **context)


@bp.get("/")
def home():
    summary = {**customers.scope_summary(current_viewer()), **admin_directory.directory_summary(current_viewer())}
    return render_template("admin/home.html", summary=summary)


@bp.get("/org-units")
def org_units():
    result = admin_directory.org_tree(current_viewer(), current_page(), page_size())
    return _render_list("admin/org_units.html", result, OrgTreeNodeSchema())


@bp.get("/staff")
def staff():
    args = load_args(StaffListArgs())
    result = admin_directory.list_staff(current_viewer(), q=args["q"], role=args["role"], page=current_page(),
                                        page_size=page_size())
    return _render_list("admin/staff.html", result, StaffSchema(), args=args, role_choices=ROLE_CHOICES)


@bp.get("/dealers")
def dealers():
    args = load_args(AdminSearchArgs())
    result = admin_directory.list_dealers(current_viewer(), q=args["q"], page=current_page(), page_size=page_size())
    return _render_list("admin/dealers.html", result, DealerSchema(), args=args)


@bp.get("/customers", endpoint="customers")  # the function name would shadow the service
def customers_list():
    args = load_args(AdminSearchArgs())
    result = customers.search_customers(current_viewer(), args["q"], current_page(), page_size())
    return _render_list("admin/customers.html", result, AdminCustomerSchema(), args=args)


@bp.get("/customers/<int:customer_id>")
def customer_detail(customer_id: int):
    customer = customers.get_customer(current_viewer(), customer_id)
    return render_template(
        "admin/customer_detail.html",
        customer=CustomerDetailSchema().dump(customer),
        policies=AdminPolicySchema(many=True).dump(customers.customer_policies(current_viewer(), customer_id)),
        claims=AdminClaimSchema(many=True).dump(customers.customer_claims(current_viewer(), customer_id)),
    )


@bp.get("/vehicles")
def vehicles():
    args = load_args(VehicleListArgs())
    result = customers.list_vehicles(current_viewer(), q=args["q"], page=current_page(), page_size=page_size())
    return _render_list("admin/vehicles.html", result, AdminVehicleSchema(), args=args)


@bp.get("/policies")
def policies():
    args = load_args(PolicyListArgs())
    result = customers.list_policies(current_viewer(), q=args["q"], customer_id=args["customer_id"],
                                     page=current_page(), page_size=page_size())
    return _render_list("admin/policies.html", result, AdminPolicySchema(), args=args)


@bp.get("/policies/<int:policy_id>")
def policy_detail(policy_id: int):
    policy = customers.get_policy(current_viewer(), policy_id)
    return render_template(
        "admin/policy_detail.html",
        policy=AdminPolicyDetailSchema().dump(policy),
        claims=AdminClaimSchema(many=True).dump(customers.policy_claims(current_viewer(), policy_id)),
    )


@bp.get("/claims")
def claims():
    args = load_args(ClaimListArgs())
    result = customers.list_claims(current_viewer(), q=args["q"], customer_id=args["customer_id"],
                                   status=args["status"], page=current_page(), page_size=page_size())
    return _render_list("admin/claims.html", result, AdminClaimSchema(), args=args,
                        status_choices=CLAIM_STATUS_CHOICES)


@bp.get("/claims/<int:claim_id>")
def claim_detail(claim_id: int):
    claim = customers.get_claim(current_viewer(), claim_id)
    return render_template("admin/claim_detail.html", claim=AdminClaimDetailSchema().dump(claim))


@bp.get("/audit-logs")
def audit_logs():
    args = load_args(AuditLogArgs())
    result = admin_audit.list_entries(current_viewer(), **args, page=current_page(), page_size=page_size())
    return _render_list("admin/audit_logs.html", result, AuditLogSchema(), args=args,
                        sees_others=admin_audit.reads_others(current_viewer()), channel_choices=CHANNEL_CHOICES,
                        action_choices=ACTION_CHOICES, entity_choices=ENTITY_CHOICES)
