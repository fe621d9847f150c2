"""List pages cost a fixed number of queries, however many rows they show (no N+1)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.models import OrgLevel, Role
from tests import factories as f


@contextmanager
def counting(engine):
    seen = []

    def count(*_args, **_kwargs):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _add_book(db, company, rows: int):
    for _ in range(rows):
        branch = f.org_unit(OrgLevel.branch, company)
        agent = f.staff(Role.agent, team=f.team(branch))
        policy = f.policy(agent=agent, dealer=f.dealer(company, branch))
        f.claim(policy, repair_dealer_id=policy.dealer_id)
    db.session.commit()


@pytest.mark.parametrize("path", ["/api/admin/customers", "/api/admin/policies", "/api/admin/claims",
                                  "/api/admin/vehicles", "/api/staff/customers", "/api/staff/policies",
                                  "/api/staff/claims"])
def test_list_endpoints_do_not_query_per_row(client, db, path):
    company = f.org_unit(OrgLevel.company)
    headers = f.staff_token(f.staff(Role.admin, org=company))
    costs = []
    for added, rows in ((2, 2), (10, 12)):
        _add_book(db, company, added)
        db.session.remove()  # an empty identity map, as in a real request
        client.get(path, headers=headers)  # warm caches of the first request
        with counting(db.engine) as seen:
            resp = client.get(path, headers=headers)
        assert resp.status_code == 200 and len(resp.get_json()) == rows
        costs.append(len(seen))
        db.session.remove()
        company = db.session.merge(company)
    assert costs[0] == costs[1], f"{path}: {costs[0]} queries for 2 rows, {costs[1]} for 12"
