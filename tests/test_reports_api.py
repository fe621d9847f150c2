"""The reports JSON API: catalogue, one report with drill links, the drill list; roles, scoping,
Chinese validation errors, masking and the audit of drill reads."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditLog, Role
from tests import factories as f
from tests.test_reports_claims import claims_book
from tests.test_reports_renewal import renewal_book

MARCH = {"from": "2026-03-01", "to": "2026-03-31", "cutoff": "2026-04-30"}


@pytest.fixture
def book(db):
    return renewal_book()


def test_catalogue_lists_every_report_with_dimensions_and_option_defaults(client, book):
    resp = client.get("/api/admin/reports", headers=f.staff_token(book["admin"]))
    assert resp.status_code == 200
    reports = {r["key"]: r for r in resp.get_json()["reports"]}
    assert {"renewal_rate", "loss_ratio", "city_kpi", "dealer_profitability", "team_performance"} <= set(reports)
    renewal = reports["renewal_rate"]
    assert renewal["title"] == "续保率统计" and renewal["group"] == "renewal"
    options = {o["key"]: o for o in renewal["options"]}
    assert (options["window_before"]["default"], options["window_after"]["default"],
            options["min_term"]["default"]) == (60, 30, 300)
    assert "vehicle_age" in [d["key"] for d in renewal["dimensions"]]


def test_report_rows_carry_a_drill_link_per_number_that_reproduces_it(client, book):
    headers = f.staff_token(book["admin"])
    resp = client.get("/api/admin/reports/renewal_rate", query_string=MARCH, headers=headers)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["totals"]["due_units"] == 6 and body["totals"]["rate_count"] == "0.5000"
    assert "2026-03-01" in body["definition"] and "续保窗口" in body["definition"]
    row = next(r for r in body["rows"] if r["label"] == "长安支公司")
    drill = client.get(row["drill"]["renewed_premium"], headers=headers).get_json()
    assert drill["kind"] == "policies"
    assert drill["sums"]["amount"] == row["renewed_premium"] == "5200.00"
    assert drill["total"] == row["renewed_units"] == 3
    # Customer names are masked in the list.
    assert all("*" in r["customer"] for r in drill["rows"])
    assert "rate_count" not in row["drill"]  # a rate drills through its numerator and denominator


def test_drill_reads_are_audited(client, book):
    headers = f.staff_token(book["admin"])
    resp = client.get("/api/admin/reports/renewal_rate/drill", query_string={**MARCH, "column": "due_units"},
                      headers=headers)
    ids = sorted(r["id"] for r in resp.get_json()["rows"])
    entry = f.db.session.execute(select(AuditLog).where(AuditLog.entity == "policy")).scalar_one()
    assert (entry.action, entry.staff_id, sorted(entry.detail["ids"])) == ("read", book["admin"].id, ids)
    assert entry.detail["report"] == "renewal_rate"


def test_a_team_manager_gets_the_team_numbers(client, book):
    body = client.get("/api/admin/reports/renewal_rate", query_string=MARCH,
                      headers=f.staff_token(book["m1"])).get_json()
    # The other branch's unit U8 is not theirs: 5 due, 3 renewed (test_reports_renewal).
    assert (body["totals"]["due_units"], body["totals"]["renewed_units"]) == (5, 3)
    assert [r["label"] for r in body["rows"]] == ["长安支公司"]


@pytest.mark.parametrize("role, status", [(Role.admin, 200), (Role.branch_manager, 200), (Role.supervisor, 200),
                                          (Role.team_manager, 200), (Role.claims_handler, 403), (Role.agent, 403)])
def test_roles(client, db, role, status):
    book = claims_book()
    staff = f.staff(role, org=book["branch"])
    f.db.session.commit()
    assert client.get("/api/admin/reports/loss_ratio", query_string=MARCH,
                      headers=f.staff_token(staff)).status_code == status
    assert client.get("/api/admin/reports", headers=f.staff_token(staff)).status_code == status


def test_no_token_is_401(client, db):
    assert client.get("/api/admin/reports").status_code == 401


@pytest.mark.parametrize("args, field, message", [
    ({"from": "2026-03-31", "to": "2026-03-01"}, "to", "结束日期不能早于开始日期"),
    ({"from": "2026-13-01", "to": "2026-03-31"}, "from", "日期格式应为 YYYY-MM-DD"),
    ({"to": "2026-03-31"}, "from", "请填写开始日期"),
    ({**MARCH, "dimension": "planet"}, "dimension", "维度应为"),
    ({**MARCH, "window_before": "sixty"}, "window_before", "续保窗口(到期前天数)应为整数"),
    ({**MARCH, "unit": "fleet"}, "unit", "续保单位应为"),
    ({**MARCH, "colour": "red"}, "colour", "不支持的字段"),
])
def test_bad_parameters_are_422_in_chinese(client, book, args, field, message):
    resp = client.get("/api/admin/reports/renewal_rate", query_string=args, headers=f.staff_token(book["admin"]))
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["code"] == "validation_error" and body["message"] == "报表参数有误"
    assert message in body["errors"][field][0]


def test_bad_drill_requests(client, book):
    headers = f.staff_token(book["admin"])
    url = "/api/admin/reports/renewal_rate/drill"
    # A rate is not a list of rows; a row key of another dimension is refused; unknown report 404.
    assert client.get(url, query_string={**MARCH, "column": "rate_count"}, headers=headers).status_code == 404
    resp = client.get(url, query_string={**MARCH, "column": "due_units", "dimension": "branch", "team_id": "1"},
                      headers=headers)
    assert resp.status_code == 422 and "team_id" in resp.get_json()["errors"]
    resp = client.get(url, query_string={**MARCH, "column": "due_units", "branch_id": "x"}, headers=headers)
    assert resp.status_code == 422 and resp.get_json()["errors"]["branch_id"] == ["应为整数"]
    assert client.get("/api/admin/reports/nope", query_string=MARCH, headers=headers).status_code == 404


def test_drill_pages(client, book):
    headers = f.staff_token(book["admin"])
    args = {**MARCH, "column": "due_units", "page_size": 4}
    first = client.get("/api/admin/reports/renewal_rate/drill", query_string=args, headers=headers).get_json()
    second = client.get("/api/admin/reports/renewal_rate/drill", query_string={**args, "page": 2},
                        headers=headers).get_json()
    assert (first["total"], len(first["rows"]), len(second["rows"])) == (6, 4, 2)
    assert not {r["id"] for r in first["rows"]} & {r["id"] for r in second["rows"]}
