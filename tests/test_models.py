"""Models and validators: formats, checksums, encryption at rest, database constraints."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.models import Customer, Line, Plan, Policy
from app.security.fields import cipher, mask_id_number, mask_mobile, mask_name
from app.validators import (
    birthday_from_id_number,
    make_credit_code,
    make_id_number,
    validate_id_number,
    validate_mobile,
    validate_plate,
    validate_vin,
    with_vin_check,
)
from tests import factories as f


class TestIdNumber:
    def test_accepts_the_standard_example(self):
        assert validate_id_number("11010519491231002x") == "11010519491231002X"

    @pytest.mark.parametrize("value, reason", [
        ("110105194912310021", "校验位"),
        ("11010519491331002X", "出生日期"),
        ("1101051949123100", "18位"),
        ("11010519491231002Y", "18位"),
        ("", "18位"),
    ])
    def test_rejects_with_a_chinese_reason(self, value, reason):
        with pytest.raises(ValueError, match=reason):
            validate_id_number(value)

    def test_generated_numbers_validate_and_carry_the_birthday(self):
        number = make_id_number("130102", date(1990, 2, 28), 17)
        assert validate_id_number(number) == number
        assert birthday_from_id_number(number) == date(1990, 2, 28)


class TestMobilePlateVin:
    @pytest.mark.parametrize("value, expected", [
        ("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"), ("19912345678", "19912345678"),
    ])
    def test_mobile_ok(self, value, expected):
        assert validate_mobile(value) == expected

    @pytest.mark.parametrize("value", ["12812345678", "1381234567", "138123456789", "abc"])
    def test_mobile_bad(self, value):
        with pytest.raises(ValueError, match="手机号"):
            validate_mobile(value)

    @pytest.mark.parametrize("value", ["京A12345", "冀B·8K9X2", "粤BD12345", "沪A12345F", "冀F1234学", "粤Z1234港"])
    def test_plate_ok(self, value):
        assert validate_plate(value)

    @pytest.mark.parametrize("value", ["京I12345", "A12345", "京A1234", "京A1234567", "X京12345"])
    def test_plate_bad(self, value):
        with pytest.raises(ValueError, match="车牌号"):
            validate_plate(value)

    def test_vin_check_digit(self):
        assert validate_vin("1M8GDM9AXKP042788") == "1M8GDM9AXKP042788"
        with pytest.raises(ValueError, match="校验位"):
            validate_vin("1M8GDM9A1KP042788")
        with pytest.raises(ValueError, match="不含I、O、Q"):
            validate_vin("1M8GDM9AXKP04278O")
        assert validate_vin(with_vin_check("LSVAB2BM0KN123456"))


class TestMasking:
    def test_masks(self):
        assert mask_mobile("13812345678") == "138****5678"
        assert mask_id_number("11010519491231002X") == "1101**********002X"
        assert mask_name("欧阳娜娜") == "欧**娜"
        assert mask_name("张三") == "张*"


class TestEncryptionAtRest:
    def test_mobile_and_id_number_are_not_stored_in_clear(self, db):
        customer = f.customer(mobile="13812345678", id_number="11010519491231002X")
        db.session.commit()
        row = db.session.execute(
            text("SELECT mobile_enc, id_number_enc FROM customers WHERE id = :id"), {"id": customer.id}
        ).one()
        assert b"13812345678" not in bytes(row.mobile_enc)
        assert b"11010519491231002X" not in bytes(row.id_number_enc)
        db.session.expire_all()
        again = db.session.get(Customer, customer.id)
        assert again.mobile == "13812345678"
        assert again.id_number == "11010519491231002X"

    def test_same_number_encrypts_differently_but_hashes_equal(self):
        c = cipher()
        assert c.encrypt("13812345678") != c.encrypt("13812345678")
        assert c.digest("13812345678") == c.digest(" 13812345678 ")

    def test_exact_lookup_by_hash(self, db):
        f.customer(mobile="13900000001")
        target = f.customer(mobile="13812345678")
        found = db.session.execute(
            select(Customer).where(Customer.mobile_hash == cipher().digest("13812345678"))
        ).scalar_one()
        assert found.id == target.id

    def test_tampered_ciphertext_is_refused(self):
        blob = bytearray(cipher().encrypt("13812345678"))
        blob[-1] ^= 1
        with pytest.raises(Exception):  # noqa: B017 - cryptography raises InvalidTag
            cipher().decrypt(bytes(blob))


class TestConstraints:
    def _org(self):
        company = f.org_unit(f.OrgLevel.company)
        branch = f.org_unit(f.OrgLevel.branch, company)
        return company, branch

    def test_policy_rates_are_computed_by_the_database(self, db):
        _, branch = self._org()
        agent = f.staff(org=branch)
        policy = f.policy(agent=agent, written="2400.00", base="3000.00", commission=Decimal("240.00"))
        db.session.commit()
        db.session.refresh(policy)
        assert policy.discount_rate == Decimal("0.8000")
        assert policy.commission_rate == Decimal("0.1000")

    def test_policy_end_before_start_is_refused(self, db):
        _, branch = self._org()
        agent = f.staff(org=branch)
        with pytest.raises(IntegrityError):
            f.policy(agent=agent, start=date(2026, 1, 10), days=-5)

    def test_negative_premium_is_refused(self, db):
        _, branch = self._org()
        agent = f.staff(org=branch)
        with pytest.raises(IntegrityError):
            f.policy(agent=agent, written="-1.00")

    def test_a_plan_has_exactly_one_owner_and_one_row_per_month_and_line(self, db):
        _, branch = self._org()
        agent = f.staff(org=branch)
        db.session.add(Plan(month=date(2026, 1, 1), line=Line.ctpl, agent_id=agent.id, amount=Decimal("1000")))
        db.session.commit()
        db.session.add(Plan(month=date(2026, 1, 1), line=Line.ctpl, agent_id=agent.id, amount=Decimal("5")))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.add(Plan(month=date(2026, 1, 1), line=Line.ctpl, agent_id=agent.id, org_unit_id=branch.id,
                            amount=Decimal("5")))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.add(Plan(month=date(2026, 1, 2), line=Line.ctpl, org_unit_id=branch.id, amount=Decimal("5")))
        with pytest.raises(IntegrityError):
            db.session.commit()

    def test_renewal_chain_links_policies(self, db):
        _, branch = self._org()
        agent = f.staff(org=branch)
        first = f.policy(agent=agent, start=date(2025, 1, 1))
        second = f.policy(customer=first.customer, vehicle=first.vehicle, agent=agent, start=date(2026, 1, 1),
                          previous_policy_id=first.id)
        db.session.commit()
        assert db.session.get(Policy, second.id).previous_policy.number == first.number

    def test_enum_columns_refuse_unknown_values(self, db):
        _, branch = self._org()
        agent = f.staff(org=branch)
        policy = f.policy(agent=agent)
        db.session.commit()
        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE policies SET line = 'boat' WHERE id = :id"), {"id": policy.id})


class TestModelValidation:
    def test_bad_numbers_never_reach_the_row(self, db):
        from app.models import CustomerKind, Vehicle

        customer = Customer(name="张三")
        with pytest.raises(ValueError, match="手机号"):
            customer.mobile = "12345"
        with pytest.raises(ValueError, match="校验位"):
            customer.id_number = "110105194912310021"
        with pytest.raises(ValueError, match="车架号"):
            Vehicle(vin="LSVAB2BM0KN12345", plate="京A12345")
        with pytest.raises(ValueError, match="车牌号"):
            Vehicle(vin=with_vin_check("LSVAB2BM0KN123456"), plate="京A1")
        company = Customer(name="某某科技有限公司", kind=CustomerKind.company)
        company.id_number = make_credit_code("1130100MA0CXXXXX")
        assert company.id_number.startswith("91130100")
        with pytest.raises(ValueError, match="统一社会信用代码"):
            company.id_number = "911301001234567890"


def test_migrations_match_the_models(db):
    """The schema comes only from migrations; a model change without its migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_migration_0010_masks_the_login_codes_already_in_the_outbox(app, database_url, redis_url, tmp_path):
    """Rows written before secret messages existed: their codes are masked by the migration."""
    from flask_migrate import upgrade
    from sqlalchemy.engine import make_url

    from app import create_app
    from app.embedded import scratch_database
    from app.services.messaging.templates import load_default_templates
    from config import test_config

    server = make_url(database_url).set(database="postgres").render_as_string(hide_password=False)
    with scratch_database(server, "baoyun_migration") as (url, _version):
        other = create_app(test_config(DATABASE_URL=url, REDIS_URL=redis_url, VAR_DIR=str(tmp_path)))
        with other.app_context():
            from app.extensions import db as other_db

            upgrade(revision="0009")
            load_default_templates()
            other_db.session.commit()
            insert = text("INSERT INTO outbox_messages (channel, recipient_enc, recipient_hash, template_id, payload, "
                          "body, body_text, dedupe_key) SELECT t.channel, '\\x00', '\\x00', t.id, "
                          "CAST(:payload AS jsonb), CAST(:body AS jsonb), :text, :key "
                          "FROM message_templates t WHERE t.code = :template")
            with other_db.engine.begin() as conn:
                conn.execute(insert, {"payload": '{"code": "482913", "minutes": "5"}', "template": "sms_login_code",
                                      "body": '{"template_id": "1000005", "params": ["482913", "5"]}', "key": "old-code",
                                      "text": "【保运】您的登录验证码为482913,5分钟内有效。"})
                conn.execute(insert, {"payload": '{"code": "A1"}', "template": "policy_expiry_sms",
                                      "body": '{"params": ["A1"]}', "text": "A1", "key": "other"})
            upgrade(revision="0010")
            with other_db.engine.connect() as conn:
                rows = {r.dedupe_key: r for r in conn.execute(text(
                    "SELECT dedupe_key, secret, payload, body, body_text, body_enc FROM outbox_messages"))}
            other_db.engine.dispose()
    masked, untouched = rows["old-code"], rows["other"]
    assert masked.secret and masked.body_enc is None
    assert masked.payload == {"code": "******", "minutes": "5"} and masked.body["params"] == ["******", "5"]
    assert masked.body_text == "【保运】您的登录验证码为******,5分钟内有效。"
    assert not untouched.secret and untouched.payload == {"code": "A1"} and untouched.body_text == "A1"


def test_policy_state_on_a_day(db):
    from app.models import PolicyStatus
    from app.models.policy import PolicyState

    company = f.org_unit(f.OrgLevel.company)
    agent = f.staff(org=f.org_unit(f.OrgLevel.branch, company))
    policy = f.policy(agent=agent, start=date(2026, 1, 1))
    assert policy.state_on(date(2025, 12, 31)) == PolicyState.pending
    assert policy.state_on(date(2026, 1, 1)) == PolicyState.in_force
    assert policy.state_on(date(2026, 12, 31)) == PolicyState.in_force
    assert policy.state_on(date(2027, 1, 1)) == PolicyState.expired
    policy.status = PolicyStatus.cancelled
    assert policy.state_on(date(2026, 6, 1)) == PolicyState.cancelled
