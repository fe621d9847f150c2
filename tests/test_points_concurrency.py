"""200 requests at once against one account and one item or campaign, on real PostgreSQL.

Each request runs in its own thread through the whole Flask stack (its own app context, session
and database connection from the pool); a barrier releases all 200 together. Afterwards: never a
negative balance, never a double spend (one entry per idempotency key), never stock or budget
below zero, the budget paid out at most to its limit, and the balance equal to the ledger.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.points import (
    Campaign,
    CampaignDraw,
    MallItem,
    PointsEntry,
    PointsReason,
    PrizeKind,
    SignIn,
    Voucher,
)
from tests import factories as f
from tests.points_support import assert_books_balance, campaign, give_points, item

N = 200


def hammer(app, requests: list[tuple[str, dict | None]], headers: dict) -> list:
    """POST every (path, json) at once from its own thread; returns (status, body) in order."""
    barrier = threading.Barrier(len(requests))

    def one(request):
        path, body = request
        client = app.test_client()
        barrier.wait()
        resp = client.post(path, json=body, headers=headers)
        return resp.status_code, resp.get_json()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(one, requests))


def _count(stmt) -> int:
    db.session.expire_all()
    return db.session.execute(stmt).scalar_one()


@pytest.fixture
def customer(db):
    c = f.customer()
    db.session.commit()
    return c


def test_200_redemptions_never_oversell_or_overspend(app, customer):
    give_points(customer, 1500)
    wash = item(price=10, stock=120)
    # 150 different redemptions, 50 of them sent twice (a client retrying): 200 requests.
    ids = [f"redeem-{n:06d}" for n in range(150)] + [f"redeem-{n:06d}" for n in range(50)]
    results = hammer(app, [(f"/api/mp/mall/items/{wash.id}/redeem", {"quantity": 1, "request_id": r}) for r in ids],
                     f.customer_token(customer))
    statuses = Counter(status for status, _ in results)
    assert set(statuses) <= {201, 409}, statuses
    vouchers = _count(select(func.count()).select_from(Voucher))
    assert vouchers == 120  # exactly the stock, though 150 distinct redemptions asked
    assert _count(select(MallItem.stock).where(MallItem.id == wash.id)) == 0
    refused = [body["code"] for status, body in results if status == 409]
    assert set(refused) == {"out_of_stock"}
    # Retries got the voucher of their first request, never a second one.
    by_request = {}
    for request_id, (status, body) in zip(ids, results, strict=True):
        if status == 201:
            assert by_request.setdefault(request_id, body["id"]) == body["id"]
    assert len(set(by_request.values())) == 120
    spends = _count(select(func.count()).select_from(PointsEntry).where(PointsEntry.reason == PointsReason.redemption))
    assert spends == 120
    assert assert_books_balance(customer.id) == 1500 - 120 * 10


def test_200_redemptions_stop_at_the_balance(app, customer):
    give_points(customer, 1000)
    gift = item(price=10, stock=None)
    results = hammer(app, [(f"/api/mp/mall/items/{gift.id}/redeem", {"quantity": 1, "request_id": f"bal-{n:06d}"})
                           for n in range(N)], f.customer_token(customer))
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 100, 409: 100}
    assert {body["code"] for status, body in results if status == 409} == {"insufficient_points"}
    assert assert_books_balance(customer.id) == 0


def test_200_identical_redemptions_spend_once(app, customer):
    give_points(customer, 1000)
    wash = item(price=10, stock=50)
    results = hammer(app, [(f"/api/mp/mall/items/{wash.id}/redeem", {"quantity": 2, "request_id": "same-request"})] * N,
                     f.customer_token(customer))
    assert {status for status, _ in results} == {201}
    assert len({body["id"] for _, body in results}) == 1
    assert _count(select(MallItem.stock).where(MallItem.id == wash.id)) == 48
    assert assert_books_balance(customer.id) == 980


def test_200_draws_pay_out_at_most_the_budget(app, customer):
    lottery = campaign(budget=1000, prizes=[{"name": "20积分", "points": 20, "weight": 1},
                                            {"name": "30积分", "points": 30, "weight": 1}])
    results = hammer(app, [(f"/api/mp/campaigns/{lottery.id}/draw", {"request_id": f"draw-{n:06d}"})
                           for n in range(N)], f.customer_token(customer))
    assert {status for status, _ in results} == {201}
    db.session.expire_all()
    used = db.session.get(Campaign, lottery.id).budget_used
    paid = sum(body["points"] for _, body in results)
    assert paid == used <= 1000
    assert 1000 - used < 20  # it stopped only when not even the smallest prize fitted
    assert _count(select(func.count()).select_from(CampaignDraw)) == N  # every draw recorded
    awarded = _count(select(func.coalesce(func.sum(PointsEntry.amount), 0)).where(
        PointsEntry.reason == PointsReason.campaign_prize))
    assert awarded == used
    assert assert_books_balance(customer.id) == used


def test_200_paid_draws_against_a_daily_limit_and_the_balance(app, customer):
    give_points(customer, 300)
    lottery = campaign(budget=0, daily_limit=40, draw_cost_points=10,
                       prizes=[{"name": "谢谢参与", "kind": PrizeKind.none, "weight": 1}])
    results = hammer(app, [(f"/api/mp/campaigns/{lottery.id}/draw", {"request_id": f"paid-{n:06d}"})
                           for n in range(N)], f.customer_token(customer))
    statuses = Counter(status for status, _ in results)
    # 300 points pay for 30 draws; the daily limit of 40 is never reached.
    assert statuses == {201: 30, 409: 170}
    assert {body["code"] for status, body in results if status == 409} == {"insufficient_points"}
    assert assert_books_balance(customer.id) == 0

    limited = campaign(budget=0, daily_limit=5, prizes=[{"name": "谢谢参与", "kind": PrizeKind.none, "weight": 1}])
    results = hammer(app, [(f"/api/mp/campaigns/{limited.id}/draw", {"request_id": f"lim-{n:06d}"})
                           for n in range(N)], f.customer_token(customer))
    assert Counter(status for status, _ in results) == {201: 5, 409: 195}
    assert _count(select(func.count()).select_from(CampaignDraw).where(CampaignDraw.campaign_id == limited.id)) == 5


def test_200_sign_ins_award_once(app, customer):
    results = hammer(app, [("/api/mp/points/sign-in", None)] * N, f.customer_token(customer))
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 1, 409: N - 1}
    assert {body["code"] for status, body in results if status == 409} == {"already_signed_in"}
    assert _count(select(func.count()).select_from(SignIn)) == 1
    assert assert_books_balance(customer.id) == 5


def test_mixed_traffic_on_one_account(app, customer):
    """Redemptions, draws with a cost and sign-ins for one customer, all at once."""
    give_points(customer, 500)
    wash = item(price=25, stock=10)
    lottery = campaign(budget=200, draw_cost_points=5, prizes=[{"name": "15积分", "points": 15, "weight": 1}])
    requests = []
    for n in range(N):
        if n % 3 == 0:
            requests.append((f"/api/mp/mall/items/{wash.id}/redeem", {"quantity": 1, "request_id": f"mix-r-{n:05d}"}))
        elif n % 3 == 1:
            requests.append((f"/api/mp/campaigns/{lottery.id}/draw", {"request_id": f"mix-d-{n:05d}"}))
        else:
            requests.append(("/api/mp/points/sign-in", None))
    results = hammer(app, requests, f.customer_token(customer))
    assert {status for status, _ in results} <= {200, 201, 409}
    db.session.expire_all()
    assert 0 <= db.session.get(MallItem, wash.id).stock
    assert 0 <= db.session.get(Campaign, lottery.id).budget_used <= 200
    assert _count(select(func.count()).select_from(SignIn)) == 1
    keys = db.session.execute(select(PointsEntry.idempotency_key)).scalars().all()
    assert len(keys) == len(set(keys))
    assert assert_books_balance(customer.id) >= 0


# ---- the same against a served app: gunicorn, several processes --------------------------------

@pytest.fixture
def served(app, database_url, redis_url, tmp_path):
    """The app under gunicorn (3 worker processes x 16 threads) on the test database."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ENV": "test", "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "VAR_DIR": str(tmp_path), **{k: app.config[k] for k in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY",
                                                                 "FIELD_HASH_KEY", "REDIS_PREFIX")}}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "3", "--worker-class", "gthread",
                             "--threads", "16", "--graceful-timeout", "3", "--log-level", "warning", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                            cwd=Path(__file__).resolve().parent.parent, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def hammer_http(base: str, requests: list[tuple[str, dict | None]], headers: dict) -> list:
    """POST every request at once over HTTP, one thread (and connection) each."""
    import json
    import urllib.error
    import urllib.request

    barrier = threading.Barrier(len(requests))

    def one(request):
        path, body = request
        data = json.dumps(body or {}).encode()
        req = urllib.request.Request(base + path, data=data, method="POST",
                                     headers={**headers, "Content-Type": "application/json"})
        barrier.wait()
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(one, requests))


def test_600_requests_at_a_served_app(served, customer):
    """200 redemptions, 200 draws and 200 sign-ins for one account, all at once, over HTTP to
    three gunicorn processes."""
    give_points(customer, 1000)
    wash = item(price=10, stock=70)
    lottery = campaign(budget=500, draw_cost_points=1, prizes=[{"name": "20积分", "points": 20, "weight": 1}])
    requests = ([(f"/api/mp/mall/items/{wash.id}/redeem", {"quantity": 1, "request_id": f"http-r-{n:05d}"})
                 for n in range(N)]
                + [(f"/api/mp/campaigns/{lottery.id}/draw", {"request_id": f"http-d-{n:05d}"}) for n in range(N)]
                + [("/api/mp/points/sign-in", None)] * N)
    results = hammer_http(served, requests, f.customer_token(customer))
    statuses = Counter(status for status, _ in results)
    assert set(statuses) <= {200, 201, 409}, statuses
    db.session.expire_all()
    assert db.session.get(MallItem, wash.id).stock >= 0
    vouchers = _count(select(func.count()).select_from(Voucher))
    assert vouchers + db.session.get(MallItem, wash.id).stock == 70  # every unit sold is a voucher
    budget_used = db.session.get(Campaign, lottery.id).budget_used
    assert budget_used == 500  # 25 prizes of 20: paid out exactly to the budget
    assert _count(select(func.count()).select_from(SignIn)) == 1
    assert [status for status, _ in results[2 * N:]].count(200) == 1
    keys = db.session.execute(select(PointsEntry.idempotency_key)).scalars().all()
    assert len(keys) == len(set(keys))
    assert assert_books_balance(customer.id) >= 0
