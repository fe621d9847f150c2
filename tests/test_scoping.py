"""The scoping matrix: every role x every endpoint that returns customer data.

A small org with two cities, three branches, three teams, a dealer and one customer (with vehicle,
policy, claim and renewal task) per agent. Each viewer must see exactly the rows of their scope,
through lists and through detail pages, and an id outside the scope (or a guessed one) must look
exactly like an id that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from app.auth.scoping import scope_filter
from app.auth.viewer import Viewer
from app.extensions import db as _db
from app.models import AuditChannel, Claim, Customer, OrgLevel, Policy, RenewalRecord, Role, Vehicle
from app.services.admin_auth import PANEL_ROLES
from tests import factories as f

# Every GET endpoint that returns customer data, with the entity it returns, per audience.
# Lists are read to the last page; details are tried with every id of that entity.
STAFF_API = "/api/staff"
ADMIN_API = "/api/admin"
LIST_ENDPOINTS = {
    f"{STAFF_API}/customers": "customer",
    f"{STAFF_API}/policies": "policy",
    f"{STAFF_API}/claims": "claim",
    f"{ADMIN_API}/customers": "customer",
    f"{ADMIN_API}/vehicles": "vehicle",
    f"{ADMIN_API}/policies": "policy",
    f"{ADMIN_API}/claims": "claim",
}
DETAIL_ENDPOINTS = {
    f"{STAFF_API}/customers/{{id}}": "customer",
    f"{STAFF_API}/vehicles/{{id}}": "vehicle",
    f"{STAFF_API}/policies/{{id}}": "policy",
    f"{STAFF_API}/claims/{{id}}": "claim",
    f"{ADMIN_API}/customers/{{id}}": "customer",
    f"{ADMIN_API}/vehicles/{{id}}": "vehicle",
    f"{ADMIN_API}/policies/{{id}}": "policy",
    f"{ADMIN_API}/claims/{{id}}": "claim",
}
# The server-rendered panel: lists are checked by the labels they print, details by status.
PANEL_LIST_PAGES = {
    "/admin/customers": "customer",
    "/admin/vehicles": "vehicle",
    "/admin/policies": "policy",
    "/admin/claims": "claim",
}
PANEL_DETAIL_PAGES = {
    "/admin/customers/{id}": "customer",
    "/admin/policies/{id}": "policy",
    "/admin/claims/{id}": "claim",
}
# Report drill-downs list the policies / claims behind a number (whole period, no row filter).
PANEL_DRILL_PAGES = {
    "/admin/reports/policy_premium/drill?column=policies&from=2025-06-01&to=2026-12-31"
    "&cutoff=2026-12-31": "policy",
    "/admin/reports/outstanding/drill?column=open_count&from=2026-01-01&to=2026-12-31&cutoff=2026-12-31": "claim",
}
# The same through the JSON API (bearer token; JSON rows with policy / claim numbers).
API_DRILL_ENDPOINTS = {
    "/api/admin/reports/policy_premium/drill?column=policies&from=2025-06-01&to=2026-12-31&page_size=500": "policy",
    "/api/admin/reports/loss_ratio/drill?column=claims&from=2025-06-01&to=2026-12-31&page_size=500": "claim",
}
CUSTOMER_DATA_WORDS = ("customer", "vehicle", "polic", "claim", "renewal", "complaint")
# Panel pages whose path names such a word but that show no customer's data (settings).
NOT_CUSTOMER_DATA = {"/admin/claim-documents"}


@dataclass
class World:
    staff: dict = field(default_factory=dict)  # label -> Staff
    rows: dict = field(default_factory=dict)  # entity -> {owner agent label -> id}
    labels: dict = field(default_factory=dict)  # entity -> {owner agent label -> text a list prints}
    dealer_customers: set = field(default_factory=set)  # agent labels whose policy went via dealer d1


@pytest.fixture
def world(db):
    w = World()
    company = f.org_unit(OrgLevel.company, name="总公司")
    city_x = f.org_unit(OrgLevel.city, company, name="石家庄")
    city_y = f.org_unit(OrgLevel.city, company, name="保定")
    b1 = f.org_unit(OrgLevel.branch, city_x, name="长安支公司")
    b2 = f.org_unit(OrgLevel.branch, city_x, name="桥西支公司")
    b3 = f.org_unit(OrgLevel.branch, city_y, name="竞秀支公司")
    s1 = f.staff(Role.supervisor, org=b1)
    s2 = f.staff(Role.supervisor, org=b2)
    m1, m2, m3, m4 = (f.staff(Role.team_manager, org=b) for b in (b1, b1, b2, b3))
    t1 = f.team(b1, manager=m1, supervisor=s1)
    t2 = f.team(b1, manager=m2, supervisor=s1)
    t3 = f.team(b2, manager=m3, supervisor=s2)
    t4 = f.team(b3, manager=m4)
    for manager, team in ((m1, t1), (m2, t2), (m3, t3), (m4, t4)):
        manager.team_id = team.id
    d1 = f.dealer(city_x, b1)
    d2 = f.dealer(city_y, b3)
    w.staff = {
        "company_admin": f.staff(Role.admin, org=company),
        "city_admin": f.staff(Role.admin, org=city_x),
        "branch_manager_b1": f.staff(Role.branch_manager, org=b1),
        "claims_handler_b2": f.staff(Role.claims_handler, org=b2),
        "supervisor_s1": s1,
        "team_manager_t1": m1,
        "resident_d1": f.staff(Role.resident_manager, org=b1, dealer=d1),
        "resident_d2": f.staff(Role.resident_manager, org=b3, dealer=d2),
        "a1": f.staff(Role.agent, team=t1),
        "a1b": f.staff(Role.agent, team=t1),
        "a2": f.staff(Role.agent, team=t2),
        "a3": f.staff(Role.agent, team=t3),
        "a4": f.staff(Role.agent, team=t4),
        "inactive_admin": f.staff(Role.admin, org=company, active=False),
    }
    w.rows = {e: {} for e in ("customer", "vehicle", "policy", "claim", "renewal")}
    via_dealer = {"a1b": d1, "a3": d1, "a4": d2}
    names = {"a1": "赵一鸣", "a1b": "钱二丫", "a2": "孙三省", "a3": "李四海", "a4": "周五洲"}
    w.labels = {e: {} for e in ("customer", "vehicle", "policy", "claim")}
    for label in ("a1", "a1b", "a2", "a3", "a4"):
        agent = w.staff[label]
        customer = f.customer(agent=agent, name=names[label])
        vehicle = f.vehicle(owner=customer)
        policy = f.policy(customer=customer, vehicle=vehicle, agent=agent, dealer=via_dealer.get(label))
        claim = f.claim(policy)
        renewal = f.renewal(policy)
        w.rows["customer"][label] = customer.id
        w.rows["vehicle"][label] = vehicle.id
        w.rows["policy"][label] = policy.id
        w.rows["claim"][label] = claim.id
        w.rows["renewal"][label] = renewal.id
        w.labels["customer"][label] = customer.name
        w.labels["vehicle"][label] = vehicle.vin
        w.labels["policy"][label] = policy.number
        w.labels["claim"][label] = claim.number
    w.dealer_customers = {"a1b", "a3"}
    _db.session.commit()
    return w


ALL = {"a1", "a1b", "a2", "a3", "a4"}
# Whose customers each viewer may see (by the servicing agent's label).
EXPECTED = {
    "company_admin": ALL,
    "city_admin": {"a1", "a1b", "a2", "a3"},
    "branch_manager_b1": {"a1", "a1b", "a2"},
    "claims_handler_b2": {"a3"},
    "supervisor_s1": {"a1", "a1b", "a2"},
    "team_manager_t1": {"a1", "a1b"},
    "resident_d1": {"a1b", "a3"},
    "resident_d2": {"a4"},
    "a1": {"a1"},
    "a1b": {"a1b"},
    "a2": {"a2"},
    "a3": {"a3"},
    "a4": {"a4"},
    "inactive_admin": set(),
}


def _list_ids(client, path, headers):
    ids, page = [], 1
    while True:
        resp = client.get(path, query_string={"page": page, "page_size": 2}, headers=headers)
        assert resp.status_code == 200, resp.get_json()
        batch = [row["id"] for row in resp.get_json()]
        ids += batch
        if len(batch) < 2:
            return ids
        page += 1


def _may_use(staff, path) -> bool:
    """The admin audiences are for panel roles; agents and resident managers get 403 there."""
    return not path.startswith(("/api/admin", "/admin")) or staff.role in PANEL_ROLES


@pytest.mark.parametrize("viewer_label", sorted(set(EXPECTED) - {"inactive_admin"}))
def test_lists_show_exactly_the_viewers_scope(client, world, viewer_label):
    staff = world.staff[viewer_label]
    headers = f.staff_token(staff)
    for path, entity in LIST_ENDPOINTS.items():
        if not _may_use(staff, path):
            assert client.get(path, headers=headers).status_code == 403, path
            continue
        expected = sorted(world.rows[entity][a] for a in EXPECTED[viewer_label])
        assert sorted(_list_ids(client, path, headers)) == expected, (viewer_label, path)


@pytest.mark.parametrize("viewer_label", sorted(set(EXPECTED) - {"inactive_admin"}))
def test_details_outside_scope_look_like_missing_rows(client, world, viewer_label):
    staff = world.staff[viewer_label]
    headers = f.staff_token(staff)
    missing = client.get("/api/staff/customers/999999", headers=headers)
    assert missing.status_code == 404
    for template, entity in DETAIL_ENDPOINTS.items():
        if not _may_use(staff, template):
            assert client.get(template.format(id=world.rows[entity]["a1"]), headers=headers).status_code == 403
            continue
        for owner, row_id in world.rows[entity].items():
            resp = client.get(template.format(id=row_id), headers=headers)
            if owner in EXPECTED[viewer_label]:
                assert resp.status_code == 200, (viewer_label, template, owner)
                assert resp.get_json()["id"] == row_id
            else:
                assert resp.status_code == 404, (viewer_label, template, owner)
                body = resp.get_json()
                assert set(body) == {"code", "message", "errors"}
                assert body["code"] == "not_found"
        # Ids nobody has: same answer as out-of-scope ones.
        assert client.get(template.format(id=10**6), headers=headers).status_code == 404


def _panel_login(client, staff):
    with client.session_transaction() as sess:
        sess["staff_id"] = staff.id
        sess["token_version"] = staff.token_version


@pytest.mark.parametrize("viewer_label", sorted(label for label in EXPECTED if label not in
                                                ("inactive_admin", "a1", "a1b", "a2", "a3", "a4",
                                                 "resident_d1", "resident_d2")))
def test_panel_pages_show_exactly_the_viewers_scope(client, world, viewer_label):
    _panel_login(client, world.staff[viewer_label])
    for path, entity in PANEL_LIST_PAGES.items():
        resp = client.get(path, query_string={"page_size": 200})
        assert resp.status_code == 200, path
        html = resp.get_data(as_text=True)
        for owner, text in world.labels[entity].items():
            assert (text in html) == (owner in EXPECTED[viewer_label]), (viewer_label, path, owner)
    for template, entity in PANEL_DETAIL_PAGES.items():
        for owner, row_id in world.rows[entity].items():
            status = client.get(template.format(id=row_id)).status_code
            assert status == (200 if owner in EXPECTED[viewer_label] else 404), (viewer_label, template, owner)
        assert client.get(template.format(id=10**6)).status_code == 404


@pytest.mark.parametrize("viewer_label", sorted(label for label in EXPECTED if label not in
                                                ("inactive_admin", "a1", "a1b", "a2", "a3", "a4",
                                                 "resident_d1", "resident_d2")))
def test_report_drill_pages_show_exactly_the_viewers_scope(client, world, viewer_label):
    staff = world.staff[viewer_label]
    _panel_login(client, staff)
    for path, entity in PANEL_DRILL_PAGES.items():
        resp = client.get(path)
        if staff.role == Role.claims_handler:  # no reports for claims handlers
            assert resp.status_code == 403, path
            continue
        assert resp.status_code == 200, path
        html = resp.get_data(as_text=True)
        for owner, text in world.labels[entity].items():
            assert (text in html) == (owner in EXPECTED[viewer_label]), (viewer_label, path, owner)


@pytest.mark.parametrize("viewer_label", sorted(set(EXPECTED) - {"inactive_admin"}))
def test_report_drill_api_shows_exactly_the_viewers_scope(client, world, viewer_label):
    from app.api.admin.reports_api import REPORT_ROLES

    staff = world.staff[viewer_label]
    for path, entity in API_DRILL_ENDPOINTS.items():
        resp = client.get(path, headers=f.staff_token(staff))
        if staff.role not in REPORT_ROLES:
            assert resp.status_code == 403, (viewer_label, path)
            continue
        numbers = {row["number"] for row in resp.get_json()["rows"]}
        assert numbers == {world.labels[entity][a] for a in EXPECTED[viewer_label]}, (viewer_label, path)


@pytest.mark.parametrize("viewer_label", ["a1", "resident_d1"])
def test_panel_refuses_roles_without_panel_access(client, world, viewer_label):
    _panel_login(client, world.staff[viewer_label])
    resp = client.get("/admin/customers")
    assert resp.status_code == 302 and "/admin/login" in resp.headers["Location"]


def test_inactive_staff_token_is_refused(client, world):
    resp = client.get("/api/staff/customers", headers=f.staff_token(world.staff["inactive_admin"]))
    assert resp.status_code == 401


def test_search_by_exact_mobile_does_not_cross_scope(client, world):
    other = _db.session.get(Customer, world.rows["customer"]["a3"])
    resp = client.get("/api/staff/customers", query_string={"q": other.mobile},
                      headers=f.staff_token(world.staff["a1"]))
    assert resp.status_code == 200 and resp.get_json() == []
    resp = client.get("/api/staff/customers", query_string={"q": other.mobile},
                      headers=f.staff_token(world.staff["a3"]))
    assert [c["id"] for c in resp.get_json()] == [other.id]


def test_customers_see_only_their_own_rows(world):
    customer = _db.session.get(Customer, world.rows["customer"]["a2"])
    viewer = Viewer(channel=AuditChannel.api, customer=customer)
    for model, entity in ((Customer, "customer"), (Vehicle, "vehicle"), (Policy, "policy"),
                          (Claim, "claim"), (RenewalRecord, "renewal")):
        ids = _db.session.scalars(_db.select(model.id).where(scope_filter(viewer, model))).all()
        assert ids == [world.rows[entity]["a2"]], entity


def test_renewal_tasks_follow_the_scope_and_their_owner(world):
    """An agent also sees renewal tasks allocated to them from another agent's book."""
    renewal = _db.session.get(RenewalRecord, world.rows["renewal"]["a2"])
    renewal.owner_id = world.staff["a1"].id
    _db.session.commit()
    viewer = Viewer(channel=AuditChannel.api, staff=world.staff["a1"])
    ids = set(_db.session.scalars(_db.select(RenewalRecord.id).where(scope_filter(viewer, RenewalRecord))))
    assert ids == {world.rows["renewal"]["a1"], world.rows["renewal"]["a2"]}


def test_customer_token_cannot_use_staff_endpoints(client, world):
    customer = _db.session.get(Customer, world.rows["customer"]["a1"])
    resp = client.get("/api/staff/customers", headers=f.customer_token(customer))
    assert resp.status_code == 403


def test_every_customer_data_endpoint_is_in_the_matrix(app):
    """A new endpoint that returns customer data must be added to the tables above."""
    covered = set(LIST_ENDPOINTS) | set(PANEL_LIST_PAGES) | {"/admin/reports/<key>/drill", "/api/admin/reports/<key>/drill"} | {
        t.replace("{id}", "") for t in (*DETAIL_ENDPOINTS, *PANEL_DETAIL_PAGES)} | {
        t.split("{id}")[0] for t in STAFF_H5_PAGES}
    # The panel's vehicle list links to customers; it has no vehicle detail page of its own.
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if not path.startswith(("/api/staff/", "/api/admin/", "/admin/", "/staff/")) or "GET" not in rule.methods:
            continue
        if any(word in path for word in CUSTOMER_DATA_WORDS):
            normalised = path.split("<")[0]
            if normalised.rstrip("/") in NOT_CUSTOMER_DATA:
                continue
            assert normalised in covered or path in covered, f"{path} is not in the scoping matrix"


# ---- the mini-program (/api/mp): customers see their own rows, resident managers their dealer's ----

MP_CUSTOMER_LIST_ENDPOINTS = {"/api/mp/policies": "policy", "/api/mp/claims": "claim", "/api/mp/vehicles": "vehicle"}
MP_CUSTOMER_DETAIL_ENDPOINTS = {"/api/mp/policies/{id}": "policy", "/api/mp/claims/{id}": "claim"}
MP_RESIDENT_LIST_ENDPOINTS = {"/api/mp/resident/policies": "policy", "/api/mp/resident/referrals": "claim"}


@pytest.mark.parametrize("owner", sorted(ALL))
def test_mp_customers_see_exactly_their_own_rows(client, world, owner):
    customer = _db.session.get(Customer, world.rows["customer"][owner])
    headers = f.customer_token(customer)
    for path, entity in MP_CUSTOMER_LIST_ENDPOINTS.items():
        resp = client.get(path, headers=headers)
        assert resp.status_code == 200, path
        assert [row["id"] for row in resp.get_json()] == [world.rows[entity][owner]], path
    for template, entity in MP_CUSTOMER_DETAIL_ENDPOINTS.items():
        for other, row_id in world.rows[entity].items():
            resp = client.get(template.format(id=row_id), headers=headers)
            assert resp.status_code == (200 if other == owner else 404), (owner, template, other)
        assert client.get(template.format(id=10**6), headers=headers).status_code == 404


@pytest.mark.parametrize("viewer_label", sorted(set(EXPECTED) - {"inactive_admin"}))
def test_mp_resident_lists_show_exactly_the_dealers_rows(client, world, viewer_label):
    staff = world.staff[viewer_label]
    # Repair referrals: a3's car is repaired at d1's dealer, a4's at d2's, a1's at d1's.
    d1, d2 = world.staff["resident_d1"].dealer_id, world.staff["resident_d2"].dealer_id
    for owner, dealer_id in (("a3", d1), ("a4", d2), ("a1", d1)):
        _db.session.get(Claim, world.rows["claim"][owner]).repair_dealer_id = dealer_id
    _db.session.commit()
    expected = {"/api/mp/resident/policies": {"resident_d1": {"a1b", "a3"}, "resident_d2": {"a4"}},
                "/api/mp/resident/referrals": {"resident_d1": {"a1", "a3"}, "resident_d2": {"a4"}}}
    headers = f.staff_token(staff)
    for path, entity in MP_RESIDENT_LIST_ENDPOINTS.items():
        if staff.role != Role.resident_manager:
            assert client.get(path, headers=headers).status_code == 403, (viewer_label, path)
            continue
        ids = sorted(_list_ids(client, path, headers))
        assert ids == sorted(world.rows[entity][a] for a in expected[path][viewer_label]), (viewer_label, path)
    for path in (*MP_CUSTOMER_LIST_ENDPOINTS, "/api/mp/tier"):
        assert client.get(path, headers=headers).status_code == 403, (viewer_label, path)


# ---- the staff H5 pages (/staff, WeCom OAuth session): the same scope as the staff API ----

STAFF_H5_PAGES = {"/staff/customers/{id}": "customer", "/staff/customers/{id}/policies": "customer"}


@pytest.mark.parametrize("viewer_label", sorted(set(EXPECTED) - {"inactive_admin"}))
def test_staff_h5_pages_show_exactly_the_viewers_scope(client, world, viewer_label):
    import time

    from app.services.staff_signin import SESSION_KEY

    staff = world.staff[viewer_label]
    with client.session_transaction() as sess:  # what the WeCom OAuth callback stores
        sess[SESSION_KEY] = {"id": staff.id, "v": staff.token_version, "exp": int(time.time()) + 600}
    for template, entity in STAFF_H5_PAGES.items():
        for owner, row_id in world.rows[entity].items():
            resp = client.get(template.format(id=row_id))
            assert resp.status_code == (200 if owner in EXPECTED[viewer_label] else 404), (viewer_label, template, owner)
            assert (world.labels["customer"][owner] in resp.get_data(as_text=True)) == (owner in EXPECTED[viewer_label])
        assert client.get(template.format(id=10**6)).status_code == 404
