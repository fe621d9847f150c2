"""The organisation as the admin panel shows it: org tree, staff and dealers under the viewer's unit.

These are not customer data, so they are not scoped by app.auth.scoping's role rules; a member
of staff sees the directory of their own org unit and everything below it (the company sees all).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from app.auth.scoping import subtree_ids
from app.auth.viewer import Viewer
from app.extensions import db
from app.models import Dealer, OrgUnit, Role, Staff
from app.services.pagination import PageResult, paginate


@dataclass(frozen=True)
class OrgTreeNode:
    unit: OrgUnit
    depth: int  # 0 for the viewer's own unit
    staff_count: int  # active staff placed directly in this unit


def _subtree(viewer: Viewer):
    return subtree_ids(viewer.staff.org_unit)


def org_tree(viewer: Viewer, page: int = 1, page_size: int = 20) -> PageResult:
    """The viewer's unit and its descendants depth-first, siblings in code order, a page at a time.

    The sort key is the chain of codes from the viewer's unit down ("HB/HB01/HB0101"); the id
    path would keep subtrees together too, but would order siblings by id.
    """
    root = viewer.staff.org_unit
    tree = (select(OrgUnit.id, cast(OrgUnit.code, Text).label("sort_key"))
            .where(OrgUnit.id == root.id).cte("org_tree", recursive=True))
    child = aliased(OrgUnit)
    tree = tree.union_all(select(child.id, cast(tree.c.sort_key + "/" + child.code, Text))
                          .where(child.parent_id == tree.c.id))
    headcount = (select(Staff.org_unit_id, func.count().label("n"))
                 .where(Staff.active.is_(True)).group_by(Staff.org_unit_id).subquery())
    stmt = (select(OrgUnit, func.coalesce(headcount.c.n, 0))
            .join(tree, tree.c.id == OrgUnit.id)
            .outerjoin(headcount, headcount.c.org_unit_id == OrgUnit.id)
            .options(selectinload(OrgUnit.parent))
            .order_by(tree.c.sort_key))
    result = paginate(stmt, page, page_size, scalars=False)
    root_depth = root.path.count("/")
    result.items = [OrgTreeNode(unit, unit.path.count("/") - root_depth, n) for unit, n in result.items]
    return result


def list_staff(viewer: Viewer, *, q: str | None = None, role: Role | None = None, page: int = 1,
               page_size: int = 20) -> PageResult:
    """Staff of the viewer's subtree; `q` matches a name fragment, or a staff code / username exactly."""
    stmt = (select(Staff).where(Staff.org_unit_id.in_(_subtree(viewer)))
            .options(selectinload(Staff.org_unit), selectinload(Staff.team))
            .order_by(Staff.active.desc(), Staff.code))
    if q:
        q = q.strip()
        stmt = stmt.where(or_(Staff.name.contains(q, autoescape=True), Staff.code == q.upper(),
                              Staff.username == q))
    if role is not None:
        stmt = stmt.where(Staff.role == role)
    return paginate(stmt, page, page_size)


def _dealer_scope(viewer: Viewer):
    # A dealer belongs to a city and is looked after by a branch: either one in the subtree counts.
    return or_(Dealer.city_id.in_(_subtree(viewer)), Dealer.branch_id.in_(_subtree(viewer)))


def list_dealers(viewer: Viewer, *, q: str | None = None, page: int = 1, page_size: int = 20) -> PageResult:
    stmt = (select(Dealer).where(_dealer_scope(viewer))
            .options(selectinload(Dealer.city), selectinload(Dealer.branch),
                     selectinload(Dealer.resident_managers))
            .order_by(Dealer.active.desc(), Dealer.code))
    if q:
        q = q.strip()
        stmt = stmt.where(or_(Dealer.name.contains(q, autoescape=True), Dealer.code == q.upper(),
                              Dealer.brand == q))
    return paginate(stmt, page, page_size)


def directory_summary(viewer: Viewer) -> dict[str, int]:
    def count(stmt) -> int:
        return db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()

    return {
        "staff": count(select(Staff.id).where(Staff.org_unit_id.in_(_subtree(viewer)),
                                              Staff.active.is_(True))),
        "dealers": count(select(Dealer.id).where(_dealer_scope(viewer), Dealer.active.is_(True))),
        "org_units": count(select(OrgUnit.id).where(OrgUnit.id.in_(_subtree(viewer)))),
    }
