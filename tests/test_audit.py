"""The audit log: who read which customer's personal data, when, and through which channel."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.viewer import Viewer
from app.models import AuditChannel, AuditLog, OrgLevel, Role
from app.services import audit, customers
from tests import factories as f


def _setup(db):
    company = f.org_unit(OrgLevel.company)
    branch = f.org_unit(OrgLevel.branch, company)
    agent = f.staff(Role.agent, org=branch)
    customer = f.customer(agent=agent)
    policy = f.policy(customer=customer, agent=agent)
    claim = f.claim(policy)
    db.session.commit()
    return agent, customer, policy, claim


def _entries(db):
    return db.session.execute(select(AuditLog).order_by(AuditLog.id)).scalars().all()


def test_staff_reads_through_the_api_are_audited(client, db):
    agent, customer, policy, claim = _setup(db)
    headers = f.staff_token(agent)
    client.get(f"/api/staff/customers/{customer.id}", headers=headers)
    client.get(f"/api/staff/policies/{policy.id}", headers=headers)
    client.get(f"/api/staff/claims/{claim.id}", headers=headers)
    client.get("/api/staff/customers", query_string={"q": customer.name}, headers=headers)
    entries = _entries(db)
    assert [(e.action, e.entity, e.entity_id) for e in entries] == [
        ("read", "customer", str(customer.id)),
        ("read", "policy", str(policy.id)),
        ("read", "claim", str(claim.id)),
        ("read", "customer", None),
    ]
    assert {e.staff_id for e in entries} == {agent.id}
    assert {e.channel for e in entries} == {AuditChannel.api}
    assert entries[-1].detail == {"ids": [customer.id], "q": customer.name, "page": 1}
    assert all(e.ip == "127.0.0.1" for e in entries)


def test_a_refused_read_leaves_no_read_entry(client, db):
    agent, customer, *_ = _setup(db)
    stranger = f.staff(Role.agent, org=agent.org_unit)
    db.session.commit()
    assert client.get(f"/api/staff/customers/{customer.id}", headers=f.staff_token(stranger)).status_code == 404
    assert _entries(db) == []


def test_empty_search_results_are_not_logged_as_reads(client, db):
    agent, *_ = _setup(db)
    client.get("/api/staff/customers", query_string={"q": "没有这个人"}, headers=f.staff_token(agent))
    assert _entries(db) == []


def test_the_channel_is_the_viewers(db):
    agent, customer, *_ = _setup(db)
    customers.get_customer(Viewer(channel=AuditChannel.bot, staff=agent), customer.id)
    (entry,) = _entries(db)
    assert entry.channel == AuditChannel.bot


def test_customers_reading_their_own_data_are_not_staff_reads(client, db):
    _, customer, *_ = _setup(db)
    client.get("/api/mp/me", headers=f.customer_token(customer))
    assert _entries(db) == []


def test_logins_and_failed_logins_are_audited(client, db):
    agent, *_ = _setup(db)
    agent.username = "wangwu"
    agent.password_hash = f.hash_password("a long enough password")
    db.session.commit()
    client.post("/api/staff/auth/token", json={"username": "wangwu", "password": "nope"})
    client.post("/api/staff/auth/token", json={"username": "nobody", "password": "nope"})
    client.post("/api/staff/auth/token", json={"username": "wangwu", "password": "a long enough password"})
    entries = _entries(db)
    assert [(e.action, e.staff_id) for e in entries] == [
        ("login_failed", None), ("login_failed", None), ("login", agent.id)]
    assert entries[0].entity_id == str(agent.id)
    assert entries[1].entity_id is None
    assert entries[1].detail == {"username": "nobody"}


def test_query_filters(db):
    agent, customer, *_ = _setup(db)
    other = f.staff(Role.admin, org=agent.org_unit)
    db.session.commit()
    customers.get_customer(Viewer(channel=AuditChannel.api, staff=agent), customer.id)
    customers.get_customer(Viewer(channel=AuditChannel.admin, staff=other), customer.id)
    by_staff = db.session.scalars(audit.query(staff_id=other.id)).all()
    assert [(e.staff_id, e.channel) for e in by_staff] == [(other.id, AuditChannel.admin)]
    by_channel = db.session.scalars(audit.query(channel="api")).all()
    assert [e.staff_id for e in by_channel] == [agent.id]
    by_entity = db.session.scalars(audit.query(entity="customer", entity_id=str(customer.id))).all()
    assert len(by_entity) == 2


def test_password_changes_are_audited_and_revoke_tokens(app, client, db):
    agent, *_ = _setup(db)
    agent.username = "zhaoliu"
    db.session.commit()
    old = f.staff_token(agent)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["staff", "set-password", "zhaoliu"], input="new password 123\nnew password 123\n")
    assert result.exit_code == 0, result.output
    (entry,) = _entries(db)
    assert (entry.action, entry.entity, entry.entity_id, entry.channel) == (
        "update", "staff", str(agent.id), AuditChannel.cli)
    assert entry.detail == {"fields": ["password"]}
    assert client.get("/api/staff/customers", headers=old).status_code == 401


def test_searched_numbers_are_masked_in_the_log_but_still_traceable(client, db):
    agent, customer, *_ = _setup(db)
    client.get("/api/staff/customers", query_string={"q": customer.mobile}, headers=f.staff_token(agent))
    client.get("/api/staff/customers", query_string={"q": customer.id_number}, headers=f.staff_token(agent))
    by_mobile, by_id = _entries(db)
    assert by_mobile.detail["q"] == customer.mobile[:3] + "****" + customer.mobile[-4:]
    assert by_mobile.detail["q_hash"] == customer.mobile_hash.hex()
    assert customer.mobile not in str(by_mobile.detail)
    assert customer.id_number not in str(by_id.detail)
    assert by_id.detail["q_hash"] == customer.id_number_hash.hex()
