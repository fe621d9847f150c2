"""The demo seed: same seed, same data; a believable branch office; valid numbers; safe re-runs."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from app.auth.passwords import verify_password
from app.extensions import db as _db
from app.security.fields import cipher
from app.services import demo_seed
from app.validators import (
    birthday_from_id_number,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
    validate_plate,
    validate_vin,
)

# Columns that legitimately differ between two runs: load timestamps, and the argon2 hash of the
# admin password (random salt; checked by verifying it instead). *_enc blobs are compared decrypted.
_VOLATILE = {"created_at", "updated_at", "password_hash"}


def _truncate() -> None:
    _db.session.remove()
    tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
    with _db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _digest() -> dict[str, str]:
    """A digest of every seeded table's rows in id order, blind to what may differ between runs."""
    digests = {}
    for table in demo_seed.TABLES:
        result = _db.session.execute(text(f'SELECT * FROM "{table}" ORDER BY id'))
        columns = list(result.keys())
        h = hashlib.sha256()
        for row in result:
            values = []
            for column, value in zip(columns, row, strict=True):
                if column in _VOLATILE:
                    continue
                if column.endswith("_enc"):
                    value = cipher().decrypt(value)
                values.append(f"{column}={value!r}")
            h.update(("|".join(values) + "\n").encode())
        digests[table] = h.hexdigest()
    _db.session.rollback()
    return digests


# The points programme's tables (written through the points services after the bulk load), with
# their order and the columns the services fill from the operating system or the clock, by design:
# invite and voucher codes and partner keys are secrets (not derivable from a seed), and times are
# when the seed ran. Everything else - who earned, signed in, redeemed, what and how much - must
# follow from the seed.
_POINTS_TABLES: dict[str, tuple[str, set[str]]] = {
    "partners": ("id", {"key_prefix", "key_hash"}),
    "mall_items": ("id", set()),
    "mall_stock_adjustments": ("id", set()),
    "campaigns": ("id", set()),
    "campaign_prizes": ("id", set()),
    "points_accounts": ("customer_id", {"invite_code"}),
    "points_entries": ("id", set()),
    "points_allocations": ("id", set()),
    "points_sign_ins": ("id", set()),
    "vouchers": ("id", {"code", "expires_at", "used_at", "cancelled_at"}),
    "voucher_verifications": ("id", {"code_tail"}),
    "campaign_draws": ("id", set()),
    # One set-based UPDATE writes these: their ids follow the rows' physical order, not the seed.
    "tier_changes": ("customer_id", {"id", "changed_at"}),
}


def _points_digest() -> dict[str, str]:
    digests = {}
    for table, (order, volatile) in _POINTS_TABLES.items():
        result = _db.session.execute(text(f'SELECT * FROM "{table}" ORDER BY {order}'))
        columns = list(result.keys())
        h = hashlib.sha256()
        for row in result:
            h.update(("|".join(f"{c}={v!r}" for c, v in zip(columns, row, strict=True)
                               if c not in volatile and c not in _VOLATILE) + "\n").encode())
        digests[table] = h.hexdigest()
    _db.session.rollback()
    return digests


def _scalar(sql: str, **params):
    return _db.session.execute(text(sql), params).scalar()


def test_same_seed_gives_identical_data_and_another_seed_does_not(app):
    first = demo_seed.run(policies=2_000, seed=7, progress=False)
    digest, points_digest = _digest(), _points_digest()
    assert _scalar("SELECT count(*) FROM points_entries") > 0
    _truncate()
    second = demo_seed.run(policies=2_000, seed=7, progress=False)
    assert _digest() == digest
    assert _points_digest() == points_digest
    assert second.rows == first.rows
    # The admin login survives a reseed: the password comes back from the credentials file.
    assert second.admin_password == first.admin_password

    _truncate()
    demo_seed.run(policies=2_000, seed=8, progress=False)
    other = _digest()
    assert other["policies"] != digest["policies"]
    assert other["customers"] != digest["customers"]
    assert _points_digest()["points_entries"] != points_digest["points_entries"]
    assert _scalar("SELECT count(*) FROM policies") == 2_000


def test_seeded_office_has_the_shape_the_demo_needs(app):
    result = demo_seed.run(policies=20_000, seed=20261125, progress=False)
    assert result.rows["policies"] == _scalar("SELECT count(*) FROM policies") == 20_000

    # Organisation: one company, 3+ cities, about ten branches, paths from the root.
    assert _scalar("SELECT count(*) FROM org_units WHERE level = 'company'") == 1
    assert _scalar("SELECT count(*) FROM org_units WHERE level = 'city'") >= 3
    assert 8 <= _scalar("SELECT count(*) FROM org_units WHERE level = 'branch'") <= 12
    assert _scalar("""SELECT count(*) FROM org_units b JOIN org_units c ON c.id = b.parent_id
                       WHERE b.level = 'branch' AND b.path <> c.path || b.id || '/'""") == 0
    # Teams each have a manager and a supervisor; some supervisor oversees several teams.
    assert _scalar("SELECT count(*) FROM teams WHERE manager_id IS NULL OR supervisor_id IS NULL") == 0
    assert _scalar("SELECT max(n) FROM (SELECT count(*) n FROM teams GROUP BY supervisor_id) s") >= 2
    assert 150 <= _scalar("SELECT count(*) FROM staff WHERE role = 'agent'") <= 250
    assert _scalar("SELECT count(*) FROM staff WHERE wecom_userid IS NULL") == 0
    for role in ("admin", "branch_manager", "supervisor", "team_manager", "resident_manager", "claims_handler"):
        assert _scalar("SELECT count(*) FROM staff WHERE role = :r", r=role) >= 1, role
    assert _scalar("SELECT count(*) FROM dealers") >= 30
    assert _scalar("SELECT count(*) FROM dealers d WHERE NOT EXISTS "
                   "(SELECT 1 FROM staff s WHERE s.dealer_id = d.id AND s.role = 'resident_manager')") == 0

    # Code tables, channels keyed by English codes; exactly one insurer is ourselves.
    channels = set(_db.session.execute(text("SELECT code FROM code_items WHERE kind = 'channel'")).scalars())
    assert channels == {"dealer", "telesales", "online", "agent", "direct", "group"}
    assert _scalar("SELECT count(*) FROM code_items WHERE kind = 'insurer' AND is_self") == 1

    # Renewal chains at a realistic rate, lapses with reasons and destinations, open work ahead.
    assert _scalar("SELECT count(*) FROM policies WHERE previous_policy_id IS NOT NULL") > 5_000
    renewed = _scalar("SELECT count(*) FROM renewal_records WHERE status = 'renewed'")
    lapsed = _scalar("SELECT count(*) FROM renewal_records WHERE status = 'lapsed'")
    assert 0.6 <= renewed / (renewed + lapsed) <= 0.8
    assert _scalar("SELECT count(*) FROM renewal_records WHERE status = 'lapsed' AND lapse_reason_id IS NULL") == 0
    assert _scalar("""SELECT count(*) FROM renewal_records r JOIN code_items i ON i.id = r.destination_insurer_id
                       WHERE r.status = 'lapsed' AND NOT i.is_self""") > 100
    assert _scalar("SELECT count(*) FROM renewal_records WHERE status = 'open' AND due_date > DATE '2026-11-25'") > 0
    assert _scalar("""SELECT count(*) FROM renewal_records r JOIN policies p ON p.id = r.renewed_by_policy_id
                       WHERE r.status = 'renewed' AND (p.vin <> r.vin OR p.line <> r.line
                             OR p.start_date - r.due_date NOT BETWEEN -60 AND 30)""") == 0
    # Transfers-in from competitors, and win-backs among them.
    transfer_in = """FROM policies p JOIN code_items i ON i.id = p.previous_insurer_id WHERE NOT i.is_self"""
    assert _scalar("SELECT count(*) " + transfer_in) > 500
    assert _scalar("SELECT count(*) " + transfer_in + """ AND EXISTS (SELECT 1 FROM policies e WHERE e.vin = p.vin
                       AND e.line = p.line AND e.start_date < p.start_date)""") > 10
    assert _scalar("SELECT count(*) FROM policies WHERE status = 'cancelled'") > 0
    assert _scalar("SELECT count(*) FROM policies WHERE collected_premium < written_premium "
                   "AND status = 'valid'") > 0
    assert _scalar("SELECT max(start_date) <= DATE '2026-11-25' + 60 AND max(issued_on) <= DATE '2026-11-25' "
                   "AND min(start_date) >= DATE '2023-11-26' FROM policies")
    assert _scalar("SELECT max(commission_rate) FROM policies WHERE line = 'ctpl'") <= 0.04
    assert _scalar("SELECT max(commission_rate) FROM policies") <= 0.25
    assert _scalar("SELECT min(discount_rate) >= 0.45 AND max(discount_rate) <= 1.5 FROM policies")
    # Coverage items add up to the commercial premium.
    assert _scalar("""SELECT count(*) FROM policies p WHERE p.line = 'commercial' AND p.written_premium <>
                       (SELECT sum(premium) FROM policy_coverages c WHERE c.policy_id = p.id)""") == 0

    # Claims: every status, zero-paid and late-registered ones, injuries, reserves and events.
    statuses = set(_db.session.execute(text("SELECT DISTINCT status FROM claims")).scalars())
    assert statuses == {"reported", "registered", "closed", "cancelled"}
    claims = _scalar("SELECT count(*) FROM claims")
    vehicle_years = _scalar("SELECT count(DISTINCT (vehicle_id, start_date)) FROM policies "
                            "WHERE start_date <= DATE '2026-11-25'")
    assert 0.08 <= _scalar("SELECT count(DISTINCT (c.vehicle_id, p.start_date)) FROM claims c "
                           "JOIN policies p ON p.id = c.policy_id") / vehicle_years <= 0.18
    assert 0.04 <= _scalar("SELECT count(*) FROM claims WHERE injury") / claims <= 0.12
    assert _scalar("SELECT count(*) FROM claims WHERE status = 'closed' AND paid = 0") > 0
    assert _scalar("SELECT count(*) FROM claims WHERE registered_at > reported_at + interval '72 hours'") > 0
    assert _scalar("SELECT count(*) FROM claims WHERE status = 'closed' AND paid > 0 AND paid <> first_reserve") \
        > 0.8 * _scalar("SELECT count(*) FROM claims WHERE status = 'closed' AND paid > 0")
    assert _scalar("SELECT count(*) FROM claims WHERE audit_reduction > 0") > 0
    assert _scalar("SELECT count(*) FROM claims WHERE subrogation_recovered > 0") > 0
    assert _scalar("SELECT count(*) FROM claims WHERE repair_dealer_id IS NOT NULL") > 0
    assert _scalar("SELECT max(greatest(reported_at, registered_at, closed_at, cancelled_at)) FROM claims") \
        <= _scalar("SELECT TIMESTAMPTZ '2026-11-26 00:00:00+08'")
    # Registered claims have their reserve history; open ones carry their latest reserve.
    assert _scalar("""SELECT count(*) FROM claims c WHERE c.registered_at IS NOT NULL AND NOT EXISTS
                       (SELECT 1 FROM claim_reserves r WHERE r.claim_id = c.id AND r.at = c.registered_at
                          AND r.amount = c.first_reserve)""") == 0
    assert _scalar("""SELECT count(*) FROM claims c WHERE c.status = 'registered' AND c.reserve <>
                       (SELECT r.amount FROM claim_reserves r WHERE r.claim_id = c.id ORDER BY r.at DESC, r.id DESC
                         LIMIT 1)""") == 0
    assert _scalar("SELECT count(*) FROM claims c WHERE NOT EXISTS "
                   "(SELECT 1 FROM claim_events e WHERE e.claim_id = c.id AND e.stage = 'reported')") == 0
    # Claims carry the policy's branch, team and agent for scoping.
    assert _scalar("""SELECT count(*) FROM claims c JOIN policies p ON p.id = c.policy_id
                       WHERE (c.branch_id, c.team_id, c.agent_id) IS DISTINCT FROM (p.branch_id, p.team_id, p.agent_id)
                    """) == 0

    assert _scalar("SELECT count(*) FROM complaints WHERE valid") > 0
    # Plans for every branch, team, agent and dealer, both lines, 36 months each.
    for column, table in (("org_unit_id", "org_units WHERE level = 'branch'"), ("team_id", "teams"),
                          ("agent_id", "staff WHERE role = 'agent'"), ("dealer_id", "dealers")):
        owners = _scalar(f"SELECT count(*) FROM {table}")
        assert _scalar(f"SELECT count(*) FROM plans WHERE {column} IS NOT NULL") == owners * 36 * 2, column
    assert _scalar("SELECT sum(amount) FROM plans WHERE agent_id IS NOT NULL") == \
        _scalar("SELECT sum(amount) FROM plans WHERE org_unit_id IS NOT NULL") > 0

    # Sequences continue after the seeded ids, so the app can insert.
    _db.session.execute(text("INSERT INTO code_items (kind, code, name, sort, active, is_self) "
                             "VALUES ('channel', 'walk_in', '柜面', 99, true, false)"))
    _db.session.rollback()


def test_every_identity_number_passes_the_validators(app):
    demo_seed.run(policies=3_000, seed=11, progress=False)
    people = _db.session.execute(text(
        "SELECT id_number_enc, mobile_enc, birthday, gender FROM customers WHERE kind = 'person'")).all()
    assert len(people) > 500
    for id_enc, mobile_enc, birthday, gender in people:
        number = validate_id_number(cipher().decrypt(id_enc))
        assert birthday_from_id_number(number) == birthday
        assert (int(number[16]) % 2 == 1) == (gender == "M")
        validate_mobile(cipher().decrypt(mobile_enc))
    companies = _db.session.execute(text("SELECT id_number_enc FROM customers WHERE kind = 'company'")).all()
    assert len(companies) > 5
    for (blob,) in companies:
        validate_credit_code(cipher().decrypt(blob))
    for (blob,) in _db.session.execute(text("SELECT mobile_enc FROM staff")):
        validate_mobile(cipher().decrypt(blob))
    assert _scalar("SELECT count(*) FROM customers c WHERE c.id_number_hash IS NULL OR c.mobile_hash IS NULL") == 0
    for vin, plate in _db.session.execute(text("SELECT vin, plate FROM vehicles")):
        assert validate_vin(vin) == vin
        assert validate_plate(plate) == plate
    assert _scalar("SELECT count(*) - count(DISTINCT plate) FROM vehicles") == 0


def test_if_empty_skips_a_seeded_database_and_a_plain_seed_refuses(app):
    demo_seed.run(policies=300, seed=3, progress=False)
    before = _scalar("SELECT count(*) FROM policies")

    skipped = demo_seed.run(policies=300, seed=4, if_empty=True, progress=False)
    assert skipped.skipped
    with pytest.raises(demo_seed.SeedRefused):
        demo_seed.run(policies=300, seed=4, progress=False)
    assert _scalar("SELECT count(*) FROM policies") == before


def test_seed_loads_the_message_templates_once_and_keeps_edited_ones(app):
    from app.services.messaging.defaults import DEFAULT_TEMPLATES

    demo_seed.run(policies=300, seed=3, progress=False)
    assert _scalar("SELECT count(*) FROM message_templates") == len(DEFAULT_TEMPLATES)
    code = DEFAULT_TEMPLATES[0]["code"]
    with _db.engine.begin() as conn:
        conn.execute(text("UPDATE message_templates SET name = '改过的名称' WHERE code = :c"), {"c": code})

    demo_seed.run(policies=300, seed=3, if_empty=True, progress=False)
    assert _scalar("SELECT count(*) FROM message_templates") == len(DEFAULT_TEMPLATES)
    assert _scalar("SELECT name FROM message_templates WHERE code = :c", c=code) == "改过的名称"


def test_cli_seeds_once_and_keeps_the_admin_credentials_private(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "seed", "--policies", "300", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "演示数据已生成" in result.output

    credentials = Path(app.config["VAR_DIR"]) / demo_seed.CREDENTIALS_FILE
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    lines = credentials.read_text(encoding="utf-8").splitlines()
    assert "用户名:admin" in lines
    password = next(line.removeprefix("密码:") for line in lines if line.startswith("密码:"))
    assert password in result.output
    password_hash = _scalar("SELECT password_hash FROM staff WHERE username = 'admin'")
    assert verify_password(password_hash, password)

    again = runner.invoke(args=["demo", "seed", "--if-empty", "--policies", "300", "--seed", "5"])
    assert again.exit_code == 0, again.output
    assert "跳过" in again.output
    refused = runner.invoke(args=["demo", "seed", "--policies", "300", "--seed", "5"])
    assert refused.exit_code == 1
    assert "演示数据只能写入空库" in refused.output
    assert _scalar("SELECT count(*) FROM policies") == 300


def test_demo_points_programme_runs_through_the_services_and_fills_the_panel(app, client):
    from app.services import tiers
    from app.services.demo.values import AS_OF

    result = demo_seed.run(policies=3_000, seed=20261125, progress=False)

    # The catalogue: every category, in Chinese, priced in points; some unlimited, some limited per
    # customer; served by demo dealers and one merchant.
    categories = set(_db.session.execute(text("SELECT DISTINCT category FROM mall_items")).scalars())
    assert categories == {"car_wash", "designated_driver", "inspection", "maintenance", "gift"}
    assert _scalar("SELECT count(*) FROM mall_items WHERE name LIKE '%洗车%'") >= 1
    assert _scalar("SELECT count(*) FROM mall_items WHERE name LIKE '%代驾%'") == 1
    assert _scalar("SELECT count(*) FROM mall_items WHERE name LIKE '%年检%'") == 1
    assert _scalar("SELECT count(*) FROM mall_items WHERE stock IS NULL") >= 1
    assert _scalar("SELECT count(*) FROM mall_items WHERE stock IS NOT NULL") >= 1
    assert _scalar("SELECT count(*) FROM mall_items WHERE limit_quantity IS NULL OR price_points <= 0") == 0
    assert _scalar("SELECT count(*) FROM partners WHERE kind = 'dealer' AND dealer_id IS NOT NULL") >= 2
    assert _scalar("SELECT count(*) FROM partners WHERE kind = 'merchant'") == 1
    assert _scalar("SELECT count(DISTINCT partner_id) FROM mall_items") >= 3

    # Two campaigns open on the demo's today: a lottery (points, a voucher, 谢谢参与; a budget) and
    # a red packet, whose claims were paid within its budget.
    noon = "TIMESTAMPTZ '2026-11-25 12:00:00+08'"
    assert _scalar(f"SELECT count(*) FROM campaigns WHERE starts_at <= {noon} AND ends_at > {noon} AND active") == 2
    lottery_prizes = set(_db.session.execute(text(
        "SELECT p.kind FROM campaign_prizes p JOIN campaigns c ON c.id = p.campaign_id WHERE c.kind = 'lottery'")
    ).scalars())
    assert lottery_prizes == {"points", "voucher", "none"}
    assert _scalar("SELECT min(budget_points) FROM campaigns") > 0
    claims = _scalar("SELECT count(*) FROM campaign_draws d JOIN campaigns c ON c.id = d.campaign_id "
                     "WHERE c.kind = 'red_packet' AND d.kind = 'points'")
    assert claims > 0
    assert _scalar("SELECT budget_used FROM campaigns WHERE kind = 'red_packet'") == claims * 66

    # Points from the award job (purchases and renewals), sign-ins and redemptions; the ledger holds:
    # every balance is the sum of its entries.
    reasons = set(_db.session.execute(text("SELECT DISTINCT reason FROM points_entries")).scalars())
    assert {"policy_purchase", "policy_renewal", "sign_in", "redemption", "redemption_refund", "red_packet"} <= reasons
    assert _scalar("""SELECT count(*) FROM points_accounts a WHERE a.balance <>
                       (SELECT COALESCE(sum(amount), 0) FROM points_entries e WHERE e.customer_id = a.customer_id)""") == 0
    assert _scalar("SELECT count(*) FROM points_entries WHERE reason = 'policy_purchase'") == \
        _scalar("SELECT count(*) FROM policies WHERE status = 'valid' AND issued_on BETWEEN DATE '2026-10-26' "
                "AND DATE '2026-11-25' AND written_premium >= 1")
    # Vouchers: some used at their partner (logged, once by the dealer's resident manager), one
    # scanned again and refused, one cancelled with its points back.
    assert _scalar("""SELECT count(*) FROM vouchers v JOIN voucher_verifications l ON l.voucher_id = v.id
                       WHERE v.status = 'used' AND l.result = 'ok' AND l.partner_id = v.used_by_partner_id""") >= 1
    assert _scalar("SELECT count(*) FROM voucher_verifications WHERE result = 'already_used'") == 1
    assert _scalar("SELECT count(*) FROM vouchers WHERE status = 'cancelled' AND refund_entry_id IS NOT NULL") == 1
    assert _scalar("SELECT count(*) FROM vouchers WHERE status = 'issued'") > 0
    # Tiers are the tier service's: recomputing as of the demo's today changes nobody.
    assert _scalar("SELECT count(*) FROM tier_changes") > 0
    assert tiers.recompute_all(today=AS_OF).changed == 0

    # The panel shows it all to the demo admin.
    assert client.post("/admin/login", data={"username": "admin", "password": result.admin_password}).status_code == 302
    first_balance = _scalar("SELECT balance FROM points_accounts ORDER BY shortfall DESC, customer_id LIMIT 1")
    assert first_balance > 0
    pages = {
        "/admin/mall/items": ["精致洗车", "酒后代驾", "年检代办", "基础保养", "车载香薰"],
        "/admin/mall/partners": ["速洁汽车服务"],
        "/admin/campaigns": ["岁末感恩大抽奖", "会员日积分红包"],
        "/admin/vouchers/verifications": ["速洁汽车服务" if _scalar(
            "SELECT count(*) FROM voucher_verifications l JOIN partners p ON p.id = l.partner_id "
            "WHERE p.kind = 'merchant'") else "4S", "已核销"],
        "/admin/points/accounts": [f'<td class="num">{first_balance}</td>'],
        "/admin/tiers": ["最近的等级变动", " → "],
    }
    for url, expected in pages.items():
        page = client.get(url)
        assert page.status_code == 200, url
        body = page.get_data(as_text=True)
        for needle in expected:
            assert needle in body, (url, needle)
    assert "还没有等级变动" not in client.get("/admin/tiers").get_data(as_text=True)
