"""The mini-program's busiest reads, points balance and policy list: one round trip to PostgreSQL
each (no BEGIN/ROLLBACK, no ping, no customer row), the same answers as the schemas give, and the
same refusals: bad or expired tokens, staff tokens, another customer's rows."""

from __future__ import annotations

import json
from datetime import timedelta

import psycopg
import pytest

from app.auth.tokens import issue_bind_token, issue_token
from app.models import Line, OrgLevel, PolicyStatus, Role
from app.timeutil import business_today
from config import Config
from tests import factories as f
from tests.pgtrace import wire
from tests.points_support import give_points


@pytest.fixture
def book(db):
    today = business_today()
    branch = f.org_unit(OrgLevel.branch, f.org_unit(OrgLevel.company))
    agent = f.staff(Role.agent, team=f.team(branch))
    me = f.customer(agent=agent, name="张三丰")
    cars = [f.vehicle(owner=me, plate=f"冀A1234{n}") for n in range(3)]
    for n in range(24):
        f.policy(customer=me, vehicle=cars[n % 3], agent=agent, start=today - timedelta(days=40 * n),
                 written=f"{2500 + n}.50", line=Line.ctpl if n % 4 == 0 else Line.commercial,
                 status=PolicyStatus.cancelled if n == 5 else PolicyStatus.valid)
    # Starting tomorrow (pending), on a car with no make or model, and on one with a make only.
    bare_car, make_only = f.vehicle(owner=me), f.vehicle(owner=me)
    bare_car.brand, bare_car.model, make_only.brand, make_only.model = "", None, "比亚迪", ""
    f.policy(customer=me, vehicle=bare_car, agent=agent, start=today + timedelta(days=1))
    f.policy(customer=me, vehicle=make_only, agent=agent, start=today - timedelta(days=2), written="999.00")
    give_points(me, 300, expires_on=today + timedelta(days=20))
    give_points(me, 200, expires_on=today + timedelta(days=400))
    other = f.customer(agent=agent, name="李四")
    theirs = f.policy(customer=other, vehicle=f.vehicle(owner=other), agent=agent)
    give_points(other, 70, expires_on=today + timedelta(days=9))
    db.session.commit()
    ids = {"me": me.id, "other": other.id, "theirs": theirs.id, "agent": agent}
    db.session.remove()  # as at the start of a real request: no session, no transaction
    return ids


def _token(customer_id: int) -> dict:
    return {"Authorization": "Bearer " + issue_token("customer", customer_id)}


def test_points_and_policies_take_one_round_trip_each(client, db, book):
    headers = _token(book["me"])
    db.engine.dispose()  # one pooled connection from here on (the pool hands out idle ones in turn)
    for _ in range(7):  # prepared on that connection, as in a warm worker
        client.get("/api/mp/points", headers=headers)
        client.get("/api/mp/policies", headers=headers)
    for path in ("/api/mp/points", "/api/mp/policies"):
        with wire(db.engine) as sent:
            resp = client.get(path, headers=headers)
        assert resp.status_code == 200
        assert sent.round_trips == 1, (path, sent.lines)
        assert sent.commands == [], path  # no BEGIN, no ROLLBACK


def test_the_answers_are_the_schemas_and_the_ledger(client, db, book):
    # Imported here: schema modules read marshmallow's messages when imported, after create_app
    # has installed the Chinese ones.
    from sqlalchemy import select

    from app.models import Policy, Vehicle
    from app.schemas.mp import MpPolicyRow
    from app.schemas.points import PointsSummarySchema
    from app.services import mp_policies

    today = business_today()
    resp = client.get("/api/mp/points", headers=_token(book["me"]))
    assert resp.mimetype == "application/json"
    assert resp.get_json() == {"balance": 500,
                               "expiring": {"points": 300, "on": (today + timedelta(days=20)).isoformat()}}
    assert resp.get_json() == PointsSummarySchema().dump(
        {"balance": 500, "expiring": {"points": 300, "on": today + timedelta(days=20)}})
    newcomer = f.customer()  # no points account yet
    db.session.commit()
    assert client.get("/api/mp/points", headers=_token(newcomer.id)).get_json() == PointsSummarySchema().dump(
        {"balance": 0, "expiring": {"points": 0, "on": None}})

    resp = client.get("/api/mp/policies", headers=_token(book["me"]))
    rows = resp.get_json()
    assert len(rows) == 20 and json.loads(resp.headers["X-Pagination"])["total"] == 26
    # The reference: the same customer's rows through the ORM, `_row` and marshmallow's own dump.
    expected = MpPolicyRow(many=True).dump([mp_policies._row(r, today) for r in db.session.execute(
        select(*mp_policies._LIST_COLUMNS).join(Vehicle, Vehicle.id == Policy.vehicle_id)
        .where(Policy.customer_id == book["me"]).order_by(Policy.end_date.desc(), Policy.id.desc()).limit(20))])
    assert rows == expected
    assert {r["state"] for r in rows} == {"pending", "in_force", "expired", "cancelled"}
    assert rows[0]["state"] == "pending" and rows[0]["vehicle_name"] is None
    assert [r["vehicle_name"] for r in rows if r["written_premium"] == "999.00"] == ["比亚迪"]
    assert {r["line"] for r in rows} == {"ctpl", "commercial"}
    page_2 = client.get("/api/mp/policies", headers=_token(book["me"]), query_string={"page": 2})
    assert len(page_2.get_json()) == 6 and not {r["id"] for r in page_2.get_json()} & {r["id"] for r in rows}
    past = client.get("/api/mp/policies", headers=_token(book["me"]), query_string={"page": 3})
    assert past.get_json() == [] and json.loads(past.headers["X-Pagination"])["total"] == 26
    in_force = client.get("/api/mp/policies", headers=_token(book["me"]),
                          query_string={"status": "in_force"}).get_json()
    assert in_force and all(r["state"] in ("in_force", "pending") for r in in_force)
    nobody = f.customer()
    db.session.commit()
    empty = client.get("/api/mp/policies", headers=_token(nobody.id))
    assert empty.get_json() == [] and json.loads(empty.headers["X-Pagination"])["total"] == 0


def test_a_customer_sees_only_their_own_rows(client, book):
    mine = client.get("/api/mp/policies", headers=_token(book["me"]), query_string={"page_size": 100}).get_json()
    theirs = client.get("/api/mp/policies", headers=_token(book["other"])).get_json()
    assert [r["id"] for r in theirs] == [book["theirs"]]
    assert book["theirs"] not in {r["id"] for r in mine} and len(mine) == 26
    assert client.get("/api/mp/points", headers=_token(book["other"])).get_json()["balance"] == 70


def test_bad_expired_staff_and_unbound_tokens_are_refused(app, client, book):
    good = issue_token("customer", book["me"])
    for path in ("/api/mp/points", "/api/mp/policies"):
        assert client.get(path).status_code == 401
        forged = client.get(path, headers={"Authorization": "Bearer " + good[:-2] + ("AA" if good[-2:] != "AA" else "BB")})
        assert forged.status_code == 401 and forged.get_json()["code"] == "invalid_token"
        assert client.get(path, headers={"Authorization": "Bearer " + issue_bind_token("openid-x")}).status_code == 401
        staff = client.get(path, headers=f.staff_token(book["agent"]))
        assert staff.status_code == 403
        ttl = app.config["TOKEN_TTL_SECONDS"]
        app.config["TOKEN_TTL_SECONDS"] = -1  # every token is past its age
        try:
            expired = client.get(path, headers={"Authorization": "Bearer " + good})
        finally:
            app.config["TOKEN_TTL_SECONDS"] = ttl
        assert expired.status_code == 401 and expired.get_json()["code"] == "token_expired"


def test_a_token_for_a_customer_who_does_not_exist_is_refused_where_the_customer_is_read(client, book):
    resp = client.get("/api/mp/me", headers=_token(book["me"] + book["other"] + 1000))
    assert resp.status_code == 401 and resp.get_json()["code"] == "invalid_token"


def test_inside_an_open_transaction_the_read_sees_its_writes(client, db, book):
    from app.models.points import PointsReason
    from app.services.points import ledger

    account = ledger.lock_account(book["me"])
    ledger.award(account, 40, PointsReason.adjustment, "test-uncommitted", expires_on=business_today())
    db.session.flush()  # written in the open transaction, not committed
    assert client.get("/api/mp/points", headers=_token(book["me"])).get_json()["balance"] == 540
    db.session.rollback()
    db.session.remove()
    assert client.get("/api/mp/points", headers=_token(book["me"])).get_json()["balance"] == 500


def test_a_connection_the_server_dropped_fails_one_request_and_is_not_reused(client, db, book):
    """No pre-ping: when the server drops the pool's connections (a restart), one request fails and
    the next ones get new connections."""
    headers = _token(book["me"])
    db.engine.dispose()
    idle = [db.engine.raw_connection() for _ in range(2)]  # two connections waiting in the pool
    pids = [c.driver_connection.info.backend_pid for c in idle]
    for c in idle:
        c.close()
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", (pids,))
    statuses = [client.get("/api/mp/points", headers=headers).status_code for _ in range(3)]
    assert statuses == [500, 200, 200]


def test_pool_settings_come_from_the_environment(app, db):
    assert db.engine.pool._pre_ping is False and db.engine.pool._recycle == 1800
    config = Config.from_env({"DATABASE_POOL_PRE_PING": "true", "DATABASE_POOL_RECYCLE_SECONDS": "300"})
    assert config.DATABASE_POOL_PRE_PING is True and config.DATABASE_POOL_RECYCLE_SECONDS == 300


def test_the_lean_blueprint_paginates_as_flask_smorest_does(client, book):
    from flask_smorest import Blueprint as SmorestBlueprint

    from app.api.blueprint import Blueprint

    for page, size, count in [(1, 20, 0), (1, 20, 7), (1, 20, 20), (2, 20, 21), (3, 10, 45), (9, 10, 45), (5, 5, 25)]:
        assert Blueprint._make_pagination_metadata(page, size, count) == \
            SmorestBlueprint._make_pagination_metadata(page, size, count)
    for query in ({"page": 0}, {"page_size": 101}, {"page": "x"}):  # the same refusals, every time
        for _ in range(2):
            resp = client.get("/api/mp/policies", headers=_token(book["me"]), query_string=query)
            assert resp.status_code == 422 and resp.get_json()["errors"], (query, resp.get_json())


def test_a_read_prepares_once_per_connection_and_again_when_the_server_forgot_it(client, db, book):
    from sqlalchemy import text

    from app.services.points import statement

    headers = _token(book["me"])
    db.engine.dispose()  # one pooled connection from here on (the pool hands out idle ones in turn)
    client.get("/api/mp/points", headers=headers)  # prepared on that connection
    with wire(db.engine) as sent:
        assert client.get("/api/mp/points", headers=headers).get_json()["balance"] == 500
    assert statement._SUMMARY.name.decode() not in " ".join(line[3] for line in sent.lines if line[2] == "Parse")
    with db.engine.connect() as conn:  # the same pooled connection (one in the pool when idle)
        conn.execute(text("DEALLOCATE ALL"))
        conn.commit()
    with wire(db.engine) as sent:
        assert client.get("/api/mp/points", headers=headers).get_json()["balance"] == 500
    assert sent.round_trips == 3  # refused, prepared again, run


def test_a_failing_read_raises_the_drivers_error_and_leaves_the_pool_usable(client, db, book):
    import psycopg.errors
    from sqlalchemy import bindparam, select

    from app.services.reads import Read

    dividing = Read(select((bindparam("n", type_=db.Integer) // bindparam("by", type_=db.Integer)).label("quotient")))
    assert dividing.rows({"n": 6, "by": 3})[0].quotient == 2
    with pytest.raises(psycopg.errors.DivisionByZero):
        dividing.rows({"n": 6, "by": 0})
    assert dividing.rows({"n": 9, "by": -3}) == [(-3,)]
    assert client.get("/api/mp/points", headers=_token(book["me"])).get_json()["balance"] == 500


def test_a_reads_constants_are_written_into_its_sql_and_only_named_parameters_are_bound(db, book):
    from sqlalchemy import String, bindparam, literal, select

    from app.services import mp_policies
    from app.services.reads import Read

    awkward = "它's a \\ label; DROP TABLE policies --"
    echo = Read(select(literal(awkward, String).label("label"), literal(7).label("seven"),
                       bindparam("name", type_=String).label("name"),
                       bindparam("limit", 20, type_=db.Integer).label("limit")))
    plan = echo._plan(db.engine.dialect)
    assert plan.names == ("name", "limit")  # a named parameter stays one, with or without a default
    assert echo.rows({"name": "张三", "limit": 5}) == [(awkward, 7, "张三", 5)]
    assert echo.rows({"name": "'; --"}) == [(awkward, 7, "'; --", 20)]
    # The policy list binds what varies per request, nothing else (its labels are in the SQL).
    page = mp_policies._PAGES["in_force"]._plan(db.engine.dialect)
    assert sorted(page.names) == ["customer_id", "limit", "offset", "today"]
    assert "保障中" in page.sql.decode()
