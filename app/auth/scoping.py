"""The one data-scoping helper: which rows of customer data a viewer may see.

Every query for customers, vehicles, policies, claims, renewals or complaints goes through
`scope_filter` (or `scoped_select` / `get_scoped`). The rules, by role:

- admin, branch manager, claims handler: rows whose branch lies in the subtree of their org unit
  (an admin at the company sees everything);
- supervisor: rows of the teams they oversee;
- team manager: rows of the team(s) they manage;
- agent: rows where they are the agent (and renewal tasks they own);
- resident manager: rows reached through their dealer (policies it sold, claims it repairs);
- customer: their own rows.
A row outside the scope is indistinguishable from a row that does not exist.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, exists, false, literal, or_, select, true

from app.auth.viewer import Viewer
from app.errors import NotFound
from app.extensions import db
from app.models import (
    Claim,
    Complaint,
    Customer,
    OrgLevel,
    OrgUnit,
    Policy,
    RenewalRecord,
    Role,
    Team,
    Vehicle,
)

SCOPED_MODELS = (Customer, Vehicle, Policy, Claim, RenewalRecord, Complaint)
BRANCH_WIDE_ROLES = (Role.admin, Role.branch_manager, Role.claims_handler)


def subtree_ids(org_unit: OrgUnit):
    """Subquery of the ids of org_unit and everything below it."""
    return select(OrgUnit.id).where(OrgUnit.path.startswith(org_unit.path))


def _team_ids(viewer: Viewer):
    if viewer.role == Role.supervisor:
        return select(Team.id).where(Team.supervisor_id == viewer.staff_id)
    return select(Team.id).where(Team.manager_id == viewer.staff_id)


def _staff_filter(viewer: Viewer, model) -> ColumnElement[bool]:
    staff = viewer.staff
    role = staff.role
    if model is Vehicle:
        owners = select(Customer.id).where(_staff_filter(viewer, Customer))
        return Vehicle.owner_id.in_(owners)
    if role in BRANCH_WIDE_ROLES:
        if staff.org_unit.level == OrgLevel.company:
            return true()
        return model.branch_id.in_(subtree_ids(staff.org_unit))
    if role == Role.resident_manager:
        return _dealer_filter(staff.dealer_id, model)
    if model is Complaint:
        # Complaints are handled per branch; team-level staff see only their customers' ones.
        return Complaint.customer_id.in_(select(Customer.id).where(_staff_filter(viewer, Customer)))
    if role in (Role.supervisor, Role.team_manager):
        return model.team_id.in_(_team_ids(viewer))
    if role == Role.agent:
        clause = model.agent_id == staff.id
        if model is RenewalRecord:
            clause = or_(clause, RenewalRecord.owner_id == staff.id)
        return clause
    return false()


def _dealer_filter(dealer_id: int | None, model) -> ColumnElement[bool]:
    if dealer_id is None:
        return false()
    if model is Policy:
        return Policy.dealer_id == dealer_id
    dealer_policies = select(Policy.id).where(Policy.dealer_id == dealer_id)
    if model is Claim:
        return or_(Claim.repair_dealer_id == dealer_id, Claim.policy_id.in_(dealer_policies))
    if model is RenewalRecord:
        return RenewalRecord.policy_id.in_(dealer_policies)
    if model is Customer:
        return exists().where(and_(Policy.customer_id == Customer.id, Policy.dealer_id == dealer_id))
    if model is Complaint:
        return Complaint.policy_id.in_(dealer_policies)
    return false()


def _customer_filter(customer_id: int, model) -> ColumnElement[bool]:
    if model is Customer:
        return Customer.id == customer_id
    if model is Vehicle:
        return Vehicle.owner_id == customer_id
    if model is RenewalRecord:
        return RenewalRecord.policy_id.in_(select(Policy.id).where(Policy.customer_id == customer_id))
    return model.customer_id == customer_id


def scope_filter(viewer: Viewer, model) -> ColumnElement[bool]:
    """A WHERE clause limiting `model` to the rows `viewer` may see."""
    if model not in SCOPED_MODELS:
        raise ValueError(f"{model.__name__} is not a scoped model")
    if viewer.staff is not None:
        if not viewer.staff.active:
            return false()
        return _staff_filter(viewer, model)
    if viewer.customer_id is not None:  # the id alone: no need to load the customer row
        return _customer_filter(viewer.customer_id, model)
    return literal(False)


def scoped_select(viewer: Viewer, model, *entities) -> Select:
    return select(*(entities or (model,))).where(scope_filter(viewer, model))


def get_scoped(viewer: Viewer, model, ident: int, message: str = "未找到"):
    """The row with id `ident` if the viewer may see it; NotFound otherwise (never Forbidden)."""
    row = db.session.execute(
        select(model).where(model.id == ident, scope_filter(viewer, model))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(message)
    return row
