"""End-to-end: the mini-program's own pages (jest + miniprogram-simulate) call the real backend.

The test seeds a customer, serves the app on a local port from a thread, and runs
miniprogram/tests/e2e.test.js with that base URL and a customer token; the pages' wx.request
goes over HTTP (Node's http module, see miniprogram/tests/setup.js) and the spec checks that the
pages show what this test put in the database.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.auth.tokens import issue_token
from app.extensions import db
from app.models import OrgLevel, Role
from app.models.customer import VIP_TIER_LABELS, VipTier
from app.security.fields import mask_mobile
from app.timeutil import business_today
from tests import factories as f

MINIPROGRAM = Path(__file__).resolve().parent.parent / "miniprogram"
E2E_SPEC = "tests/e2e.test.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is needed for the mini-program tests")


@pytest.fixture
def served(app):
    """The app on 127.0.0.1:<free port>, served from a thread for the length of the test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def seed_customer() -> dict:
    """A gold customer with two cars, 12 policies in force and 3 expired; what the pages must show."""
    company = f.org_unit(OrgLevel.company)
    city = f.org_unit(OrgLevel.city, parent=company)
    branch = f.org_unit(OrgLevel.branch, parent=city)
    agent = f.staff(Role.agent, org=branch, team=f.team(branch))
    customer = f.customer(agent=agent, name="李晓梅", mobile="13912345678", vip_tier=VipTier.gold)
    cars = [f.vehicle(owner=customer, plate="川A7E2M9"), f.vehicle(owner=customer, plate="川AD12345")]
    today = business_today()
    in_force, expired = [], []
    for n in range(12):
        p = f.policy(customer=customer, vehicle=cars[n % 2], agent=agent, start=today - timedelta(days=10 + n),
                     written=f"{3000 + n}.00")
        in_force.append(p.number)
    for n in range(3):
        p = f.policy(customer=customer, vehicle=cars[0], agent=agent, start=today - timedelta(days=400 + n))
        expired.append(p.number)
    db.session.commit()
    return {
        "customer_id": customer.id,
        "name": "李晓梅",
        "mobile_masked": mask_mobile("13912345678"),
        "tier_label": VIP_TIER_LABELS[VipTier.gold],
        "plates": ["川A7E2M9", "川AD12345"],
        "in_force_numbers": in_force,
        "expired_numbers": expired,
    }


def run_jest(env_extra: dict) -> subprocess.CompletedProcess:
    if not (MINIPROGRAM / "node_modules" / ".bin" / "jest").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=MINIPROGRAM, check=True, capture_output=True)
    env = dict(os.environ, **env_extra)
    return subprocess.run(["node_modules/.bin/jest", "--ci", "--runTestsByPath", E2E_SPEC], cwd=MINIPROGRAM,
                          env=env, capture_output=True, text=True, timeout=300)


def test_pages_show_what_the_real_backend_returned(served):
    expected = seed_customer()
    result = run_jest({
        "BAOYUN_E2E_BASE_URL": served,
        "BAOYUN_E2E_TOKEN": issue_token("customer", expected["customer_id"]),
        "BAOYUN_E2E_EXPECT": json.dumps(expected, ensure_ascii=False),
    })
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "skipped" not in report, report  # the spec ran, not skipped for want of a base URL
    assert "Tests:       2 passed, 2 total" in report, report
