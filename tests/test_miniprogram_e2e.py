"""End-to-end: the mini-program's own pages (jest + miniprogram-simulate) call the real backend.

The test seeds a customer (policies, points, tier rules), serves the app on a local port from a
thread with WeChat pointed at the local fake (tests/fakes/wechat.py), and runs
miniprogram/tests/e2e.test.js with that base URL, a wx.login code the fake knows, and a customer
token. The pages' wx.request goes over HTTP (Node's http module, see miniprogram/tests/setup.js):
the login page binds by ID number + plate through the real code2session and binding, the home
page signs in for points, the claim page uploads a photo (multipart, checked by content), the mall
item page redeems and the voucher page shows the code and QR; the spec checks every page shows
what this test put in the database, and this test checks the database afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.auth.tokens import issue_token
from app.extensions import db
from app.models import Customer, OrgLevel, Role
from app.models.claim import ClaimDocument
from app.models.customer import VIP_TIER_LABELS, VipTier
from app.models.points import MallCategory, MallItem, PointsAccount, PointsEntry, PointsReason
from app.security.fields import mask_mobile
from app.services import mp_claims, tiers
from app.services.points import ledger, statement
from app.timeutil import business_today
from app.validators import make_id_number
from tests import factories as f
from tests.fakes.plugin import fake_settings, messaging_config

MINIPROGRAM = Path(__file__).resolve().parent.parent / "miniprogram"
E2E_SPEC = "tests/e2e.test.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is needed for the mini-program tests")


@pytest.fixture
def served(app, fake_wechat):
    """The app on 127.0.0.1:<free port>, served from a thread for the length of the test, its
    WeChat calls going to the fake."""
    with messaging_config(app, **fake_settings(wechat_fake=fake_wechat)):
        yield from _serve(app)


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


# The smallest valid PNG (1x1): uploads are checked by content, so it must be a real image.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def seed_customer() -> dict:
    """A gold customer with two cars, 12 policies in force, 3 expired, an open claim, 1,280 points,
    and a car wash in the mall; what the pages must show."""
    tiers.load_default_rules()
    mp_claims.load_default_requirements()
    company = f.org_unit(OrgLevel.company)
    city = f.org_unit(OrgLevel.city, parent=company)
    branch = f.org_unit(OrgLevel.branch, parent=city)
    agent = f.staff(Role.agent, org=branch, team=f.team(branch))
    id_number = make_id_number("510104", date(1988, 6, 1), 7)
    customer = f.customer(agent=agent, name="李晓梅", mobile="13912345678", id_number=id_number,
                          vip_tier=VipTier.gold)
    cars = [f.vehicle(owner=customer, plate="川A7E2M9"), f.vehicle(owner=customer, plate="川AD12345")]
    today = business_today()
    in_force, expired = [], []
    for n in range(12):
        p = f.policy(customer=customer, vehicle=cars[n % 2], agent=agent, start=today - timedelta(days=10 + n),
                     written=f"{3000 + n}.00")
        in_force.append(p)
    for n in range(3):
        p = f.policy(customer=customer, vehicle=cars[0], agent=agent, start=today - timedelta(days=400 + n))
        expired.append(p.number)
    claim = f.claim(in_force[0], claim_type="vehicle_damage", reported_at=datetime.now(UTC) - timedelta(days=2))
    item = MallItem(name="精致洗车(轿车)", category=MallCategory.car_wash, price_points=300, stock=5)
    db.session.add(item)
    account = ledger.lock_account(customer.id)
    ledger.award(account, 1280, PointsReason.policy_purchase, f"e2e:{customer.id}:purchase")
    db.session.commit()
    return {
        "claim_id": claim.id,
        "claim_number": claim.number,
        "item_id": item.id,
        "item_name": item.name,
        "item_price": item.price_points,
        "id_number": id_number,
        "customer_id": customer.id,
        "name": "李晓梅",
        "mobile_masked": mask_mobile("13912345678"),
        "tier_label": VIP_TIER_LABELS[VipTier.gold],
        "benefit": tiers.get_rule("gold").benefits[0],
        "balance": 1280,
        "plates": ["川A7E2M9", "川AD12345"],
        "in_force_numbers": [p.number for p in in_force],
        "expired_numbers": expired,
    }


def run_jest(env_extra: dict) -> subprocess.CompletedProcess:
    if not (MINIPROGRAM / "node_modules" / ".bin" / "jest").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=MINIPROGRAM, check=True, capture_output=True)
    env = dict(os.environ, **env_extra)
    return subprocess.run(["node_modules/.bin/jest", "--ci", "--runTestsByPath", E2E_SPEC], cwd=MINIPROGRAM,
                          env=env, capture_output=True, text=True, timeout=300)


def test_pages_show_what_the_real_backend_returned(served, fake_wechat, tmp_path):
    expected = seed_customer()
    fake_wechat.add_login("e2e-login-code", "o-e2e-openid-1")
    photo = tmp_path / "licence.png"
    photo.write_bytes(PNG)
    result = run_jest({
        "BAOYUN_E2E_PHOTO": str(photo),
        "BAOYUN_E2E_BASE_URL": served,
        "BAOYUN_E2E_LOGIN_CODE": "e2e-login-code",
        "BAOYUN_E2E_TOKEN": issue_token("customer", expected["customer_id"]),
        "BAOYUN_E2E_EXPECT": json.dumps(expected, ensure_ascii=False),
    })
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "skipped" not in report, report  # the spec ran, not skipped for want of a base URL
    assert "Tests:       5 passed, 5 total" in report, report

    # What the pages did reached the database: the WeChat user is bound, the sign-in was booked.
    db.session.expire_all()
    customer = db.session.get(Customer, expected["customer_id"])
    assert customer.openid == "o-e2e-openid-1"
    account = db.session.get(PointsAccount, customer.id)
    signed = db.session.execute(db.select(PointsEntry).where(
        PointsEntry.customer_id == customer.id, PointsEntry.reason == PointsReason.sign_in)).scalars().all()
    assert len(signed) == 1
    redeemed = db.session.execute(db.select(PointsEntry).where(
        PointsEntry.customer_id == customer.id, PointsEntry.reason == PointsReason.redemption)).scalars().all()
    assert [e.amount for e in redeemed] == [-expected["item_price"]]
    others = db.session.execute(db.select(PointsEntry).where(
        PointsEntry.customer_id == customer.id, PointsEntry.reason.not_in(
            [PointsReason.policy_purchase, PointsReason.redemption]))).scalars()
    assert account.balance == 1280 + sum(e.amount for e in others) - expected["item_price"]
    assert account.balance == statement.ledger_sum(customer.id)
    doc = db.session.execute(db.select(ClaimDocument).where(ClaimDocument.claim_id == expected["claim_id"])).scalar_one()
    assert (doc.kind, doc.content_type, doc.size) == ("driving_licence", "image/png", len(PNG))
