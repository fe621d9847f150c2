"""Earning points: the balance and ledger endpoints, daily sign-in with streak bonus, invitations
(the same account, mobile or device cannot be invited twice; no self-invite), purchase and renewal
awards, the inviter's award, and the reversal when the earning policy is cancelled."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from app.models import PolicyStatus
from app.models.points import PointsAccount, PointsEntry, PointsReason, Referral, ReferralStatus, SignIn
from app.services.points import awards, ledger
from app.timeutil import business_today
from tests import factories as f
from tests.points_support import agent, assert_books_balance, give_points


def _headers(customer):
    return f.customer_token(customer)


# ---- balance and ledger -------------------------------------------------------------------------

def test_balance_and_next_expiry(client, db):
    customer = f.customer()
    today = business_today()
    give_points(customer, 30, expires_on=today + timedelta(days=40))
    give_points(customer, 70)
    resp = client.get("/api/mp/points", headers=_headers(customer))
    assert resp.status_code == 200
    assert resp.get_json() == {"balance": 100,
                               "expiring": {"points": 30, "on": (today + timedelta(days=40)).isoformat()}}


def test_a_new_customer_has_zero_and_nothing_expiring(client, db):
    resp = client.get("/api/mp/points", headers=_headers(f.customer()))
    assert resp.get_json() == {"balance": 0, "expiring": {"points": 0, "on": None}}


def test_points_endpoints_need_a_customer(client, db):
    assert client.get("/api/mp/points").status_code == 401
    staff = agent()
    for path in ("/api/mp/points", "/api/mp/points/ledger", "/api/mp/points/sign-in", "/api/mp/invite"):
        resp = client.get(path, headers=f.staff_token(staff))
        assert resp.status_code == 403, path
        assert resp.get_json()["message"] == "没有权限"


def test_ledger_newest_first_with_chinese_labels_and_paging(client, db):
    customer = f.customer()
    other = f.customer()
    give_points(other, 999)
    for n in range(3):
        give_points(customer, 10 + n, reason=PointsReason.sign_in)
    resp = client.get("/api/mp/points/ledger", query_string={"page_size": 2}, headers=_headers(customer))
    assert resp.status_code == 200
    rows = resp.get_json()
    assert [r["amount"] for r in rows] == [12, 11]
    assert rows[0]["reason_label"] == "每日签到" and rows[0]["balance_after"] == 33
    assert json.loads(resp.headers["X-Pagination"])["total"] == 3
    page2 = client.get("/api/mp/points/ledger", query_string={"page_size": 2, "page": 2}, headers=_headers(customer))
    assert [r["amount"] for r in page2.get_json()] == [10]  # never the other customer's 999
    bad = client.get("/api/mp/points/ledger", query_string={"page_size": 1000}, headers=_headers(customer))
    assert bad.status_code == 422


# ---- sign-in ------------------------------------------------------------------------------------

def test_sign_in_once_a_day(client, db):
    customer = f.customer()
    headers = _headers(customer)
    before = client.get("/api/mp/points/sign-in", headers=headers).get_json()
    assert before == {"signed_today": False, "streak": 0, "next_bonus": {"day": 3, "points": 10, "in_days": 2}}
    first = client.post("/api/mp/points/sign-in", headers=headers)
    assert first.status_code == 200
    assert first.get_json() == {"awarded": 5, "bonus": 0, "streak": 1, "balance": 5}
    again = client.post("/api/mp/points/sign-in", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["code"] == "already_signed_in" and "今天已经签到" in again.get_json()["message"]
    after = client.get("/api/mp/points/sign-in", headers=headers).get_json()
    assert after == {"signed_today": True, "streak": 1, "next_bonus": {"day": 3, "points": 10, "in_days": 2}}
    entry = db.session.execute(select(PointsEntry).where(PointsEntry.customer_id == customer.id)).scalar_one()
    assert entry.idempotency_key == f"signin:{customer.id}:{business_today().isoformat()}"
    assert assert_books_balance(customer.id) == 5


def test_streak_bonus_on_the_third_and_seventh_day(client, db):
    customer = f.customer()
    today = business_today()
    db.session.add(SignIn(customer_id=customer.id, day=today - timedelta(days=1), streak=2, points=5))
    db.session.commit()
    resp = client.post("/api/mp/points/sign-in", headers=_headers(customer)).get_json()
    assert resp == {"awarded": 15, "bonus": 10, "streak": 3, "balance": 15}
    labels = db.session.execute(select(PointsEntry.reason, PointsEntry.amount).where(
        PointsEntry.customer_id == customer.id).order_by(PointsEntry.id)).all()
    assert labels == [(PointsReason.sign_in, 5), (PointsReason.sign_in_bonus, 10)]
    state = client.get("/api/mp/points/sign-in", headers=_headers(customer)).get_json()
    assert state["next_bonus"] == {"day": 7, "points": 50, "in_days": 4}

    seventh = f.customer()
    db.session.add(SignIn(customer_id=seventh.id, day=today - timedelta(days=1), streak=6, points=5))
    db.session.commit()
    assert client.post("/api/mp/points/sign-in", headers=_headers(seventh)).get_json()["bonus"] == 50


def test_a_missed_day_restarts_the_streak(client, db):
    customer = f.customer()
    db.session.add(SignIn(customer_id=customer.id, day=business_today() - timedelta(days=2), streak=6, points=5))
    db.session.commit()
    assert client.post("/api/mp/points/sign-in", headers=_headers(customer)).get_json()["streak"] == 1


# ---- invitations --------------------------------------------------------------------------------

def _invite_code(client, customer) -> str:
    resp = client.get("/api/mp/invite", headers=_headers(customer))
    assert resp.status_code == 200
    return resp.get_json()["invite_code"]


def _accept(client, customer, code, device="device-0001-abcdef"):
    return client.post("/api/mp/invite/accept", json={"invite_code": code, "device_id": device},
                       headers=_headers(customer))


def test_invite_code_is_stable_and_accepting_records_the_referral(client, db):
    inviter, invitee = f.customer(), f.customer()
    code = _invite_code(client, inviter)
    assert len(code) == 8 and code == _invite_code(client, inviter)
    resp = _accept(client, invitee, code.lower())
    assert resp.status_code == 201 and resp.get_json()["status"] == "pending"
    info = client.get("/api/mp/invite", headers=_headers(inviter)).get_json()
    assert info == {"invite_code": code, "invited_count": 1, "awarded_points": 0}


def test_referral_rules(client, db):
    inviter, invitee = f.customer(), f.customer()
    code = _invite_code(client, inviter)
    assert _accept(client, invitee, code).status_code == 201
    # The same customer again, even with another inviter and device.
    other_code = _invite_code(client, f.customer())
    again = _accept(client, invitee, other_code, device="device-0002-abcdef")
    assert again.status_code == 409 and "已接受过邀请" in again.get_json()["message"]
    # Another customer on the same device.
    same_device = _accept(client, f.customer(), code)
    assert same_device.status_code == 409
    # Another customer record with the invitee's mobile (a second account of the same person).
    twin = f.customer(mobile=invitee.mobile)
    assert _accept(client, twin, code, device="device-0003-abcdef").status_code == 409
    # Self-invite, and a second account of the inviter's own mobile.
    own = _accept(client, inviter, code, device="device-0004-abcdef")
    assert own.status_code == 409 and own.get_json()["message"] == "不能接受自己的邀请"
    inviter_twin = f.customer(mobile=inviter.mobile)
    assert _accept(client, inviter_twin, code, device="device-0005-abcdef").get_json()["code"] == "self_invite"
    assert db.session.execute(select(Referral)).scalars().all().__len__() == 1


def test_accepting_a_bad_invitation_is_a_clear_error(client, db):
    customer = f.customer()
    unknown = _accept(client, customer, "ZZZZZZZZ")
    assert unknown.status_code == 422 and unknown.get_json()["message"] == "邀请码无效,请核对后重试"
    missing = client.post("/api/mp/invite/accept", json={}, headers=_headers(customer))
    assert missing.status_code == 422
    assert set(missing.get_json()["errors"]) == {"invite_code", "device_id"}
    assert missing.get_json()["errors"]["invite_code"] == ["请填写邀请码"]


# ---- awards by the job --------------------------------------------------------------------------

def test_purchase_and_renewal_awards_are_paid_once(db):
    staff = agent()
    customer = f.customer(agent=staff)
    today = business_today()
    old = f.policy(customer=customer, agent=staff, start=today - timedelta(days=400), written="1000.00")
    renewal = f.policy(customer=customer, agent=staff, start=today + timedelta(days=1), written="2345.67",
                       previous_policy_id=old.id)
    renewal.issued_on = today - timedelta(days=2)
    cancelled = f.policy(customer=f.customer(agent=staff), agent=staff, start=today, written="900.00",
                         status=PolicyStatus.cancelled)
    db.session.commit()
    first = awards.award_policies()
    second = awards.award_policies()
    assert (first.purchases, first.renewals) == (1, 1)  # the old policy is outside the lookback window
    assert (second.purchases, second.renewals) == (0, 0)
    entries = db.session.execute(select(PointsEntry.reason, PointsEntry.amount, PointsEntry.policy_id)
                                 .order_by(PointsEntry.id)).all()
    assert entries == [(PointsReason.policy_purchase, 2345, renewal.id), (PointsReason.policy_renewal, 200, renewal.id)]
    assert assert_books_balance(customer.id) == 2545
    assert db.session.get(PointsAccount, cancelled.customer_id) is None


def test_each_customers_policies_are_awarded_together_in_one_transaction(db):
    """The job locks an account once and commits per customer: several customers, several policies
    each, every award once, each ledger in order, and a customer who owes a shortfall pays it back."""
    staff = agent()
    today = business_today()
    buyers = [f.customer(agent=staff) for _ in range(3)]
    for n, buyer in enumerate(buyers):
        for k in range(n + 1):
            f.policy(customer=buyer, agent=staff, start=today - timedelta(days=k), written=f"{100 * (k + 1)}.00")
    ledger.ensure_account(buyers[2].id)
    db.session.get(PointsAccount, buyers[2].id).shortfall = 50  # owed from an earlier reversal
    db.session.commit()

    from tests.pgtrace import wire

    with wire(db.engine) as sent:
        run = awards.award_policies()

    assert sent.commands.count("COMMIT") == 3, sent.commands
    assert (run.purchases, run.renewals) == (6, 0)
    assert [assert_books_balance(b.id) for b in buyers] == [100, 300, 600 - 50]
    for buyer in buyers:  # each entry's balance_after runs on from the one before
        entries = db.session.execute(select(PointsEntry.amount, PointsEntry.balance_after)
                                     .where(PointsEntry.customer_id == buyer.id).order_by(PointsEntry.id)).all()
        running = 0
        for amount, balance_after in entries:
            running += amount
            assert balance_after == running
    assert db.session.get(PointsAccount, buyers[2].id).shortfall == 0
    assert awards.award_policies().purchases == 0


def test_the_inviter_is_paid_when_the_invitee_buys_and_loses_it_if_cancelled(client, db):
    staff = agent()
    inviter, invitee = f.customer(agent=staff), f.customer(agent=staff)
    code = _invite_code(client, inviter)
    assert _accept(client, invitee, code).status_code == 201
    assert awards.award_policies().referrals == 0  # no policy yet
    policy = f.policy(customer=invitee, agent=staff, start=business_today(), written="3000.00")
    policy.issued_on = business_today()
    db.session.commit()
    assert awards.award_policies().referrals == 1
    assert awards.award_policies().referrals == 0
    referral = db.session.execute(select(Referral)).scalar_one()
    assert (referral.status, referral.policy_id, referral.points) == (ReferralStatus.awarded, policy.id, 500)
    assert assert_books_balance(inviter.id) == 500
    info = client.get("/api/mp/invite", headers=_headers(inviter)).get_json()
    assert info["invited_count"] == 1 and info["awarded_points"] == 500
    policy.status = PolicyStatus.cancelled
    db.session.commit()
    result = awards.reverse_cancelled()
    assert result == {"reversed": 2, "points": 3500, "shortfall": 0}  # the inviter's 500 and the buyer's 3000
    assert awards.reverse_cancelled()["reversed"] == 0
    assert assert_books_balance(inviter.id) == 0
    assert assert_books_balance(invitee.id) == 0


def test_the_balance_costs_one_indexed_query(client, db):
    """The home page reads it on every visit: one round trip (the token needs no customer row)."""
    from sqlalchemy import text

    from app.services.points.statement import _SUMMARY
    from tests.pgtrace import wire

    customer = f.customer()
    today = business_today()
    for n in range(30):
        give_points(customer, 10, expires_on=today + timedelta(days=n))
    db.session.remove()
    db.engine.dispose()  # one pooled connection from here on (the pool hands out idle ones in turn)
    client.get("/api/mp/points", headers=_headers(customer))  # prepares it on that connection
    with wire(db.engine) as sent:
        resp = client.get("/api/mp/points", headers=_headers(customer))
    assert resp.get_json() == {"balance": 300, "expiring": {"points": 10, "on": today.isoformat()}}
    assert sent.round_trips == 1 and sent.commands == [], sent.lines
    compiled = _SUMMARY.statement.compile(dialect=db.engine.dialect)
    with db.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))  # a tiny table: ask what the planner *can* use
        parameters = compiled.construct_params({"customer_id": customer.id, "today": today})
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + compiled.string, parameters))
    assert "ix_points_entries_live_awards" in plan and "Seq Scan" not in plan, plan


def test_sign_in_day_is_the_shanghai_date(client, db):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    customer = f.customer()
    client.post("/api/mp/points/sign-in", headers=_headers(customer))
    row = db.session.execute(select(SignIn)).scalar_one()
    assert row.day == datetime.now(ZoneInfo("Asia/Shanghai")).date()


def test_the_points_jobs_run_on_a_worker_and_twice_change_nothing(app, db):
    """The schedule's entries run through RQ (the real worker, in process) and are idempotent."""
    from app.tasks import launch
    from jobs.schedule import SCHEDULE
    from jobs.worker import InProcessWorker, make_worker

    staff = agent()
    customer = f.customer(agent=staff)
    policy = f.policy(customer=customer, agent=staff, start=business_today(), written="1200.00")
    policy.issued_on = business_today()
    give_points(customer, 40, expires_on=business_today() - timedelta(days=1))
    db.session.commit()
    points_jobs = [entry for entry in SCHEDULE if entry.func.startswith("jobs.points.")]
    assert {entry.name for entry in points_jobs} == {"points_reverse_cancelled", "points_award_policies",
                                                     "points_expire", "vouchers_expire"}

    def run_all():
        jobs = [launch(entry.func, queue=entry.queue, **entry.args) for entry in points_jobs]
        assert make_worker(app, ["default"], InProcessWorker).work(burst=True)
        return [job.latest_result().return_value for job in jobs]

    first = run_all()
    assert {"purchases": 1, "renewals": 0, "referrals": 0} in first and {"customers": 1, "points": 40} in first
    entries_after_first = db.session.execute(select(PointsEntry.id)).scalars().all()
    second = run_all()
    assert {"purchases": 0, "renewals": 0, "referrals": 0} in second and {"customers": 0, "points": 0} in second
    db.session.expire_all()
    assert db.session.execute(select(PointsEntry.id)).scalars().all() == entries_after_first
    assert assert_books_balance(customer.id) == 1200
