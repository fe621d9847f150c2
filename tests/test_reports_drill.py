"""Every number of every report, under every dimension, is reproduced by the list behind it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.services.reports import REPORTS, ReportParams, drill, run_report
from app.services.reports.output import row_key_of
from tests.test_reports_claims import claims_book, viewer
from tests.test_reports_org import team_book
from tests.test_reports_renewal import renewal_book

PERIOD = (date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 30))


def test_every_drill_list_reproduces_its_number(db):
    admin = claims_book()["admin"]
    renewal_book()
    team_book()
    checked = 0
    for key, spec in REPORTS.items():
        for dimension in spec.dimensions:
            params = ReportParams(*PERIOD, dimension)
            result = run_report(key, params, viewer(admin))
            drillable = [c for c in result.columns if c.drill]
            rows = [(row, row_key_of(result, row)) for row in result.rows]
            if dimension == spec.default_dimension:
                rows.append((result.totals, {}))
            else:
                # Other dimensions differ only in the row filter: the first count and the first sum
                # of each row exercise it (the default dimension checks every column).
                drillable = [c for c in drillable if c.kind == "count"][:1] + [
                    c for c in drillable if c.kind != "count"][:1]
            for row, row_key in rows:
                for column in drillable:
                    listed = drill(key, column.key, row_key, params, viewer(admin), page_size=500)
                    number = row[column.key]
                    assert listed.kind == column.drill
                    assert len(listed.rows) == listed.total, (key, dimension, column.key)
                    if "amount" in listed.sums:
                        assert listed.sums["amount"] == number, (key, dimension, row["label"], column.key)
                        assert sum((r["amount"] for r in listed.rows), Decimal(0)) == number
                    else:
                        assert listed.total == number, (key, dimension, row["label"], column.key)
                    checked += 1
    # Not vacuous: every report has drillable numbers and the book fills them.
    assert checked > 300


def test_a_rate_drills_into_its_numerator_and_denominator(db):
    admin = claims_book()["admin"]
    params = ReportParams(date(2026, 1, 1), date(2026, 3, 31), date(2026, 3, 31))
    stale = drill("outstanding", "stale_count", {}, params, viewer(admin))
    open_ = drill("outstanding", "open_count", {}, params, viewer(admin))
    # The stale cases are among the open ones: 2 of 4 (see test_reports_claims).
    assert {r["number"] for r in stale.rows} < {r["number"] for r in open_.rows}
    assert (stale.total, open_.total) == (2, 4)


def test_a_report_set_gives_the_numbers_of_its_reports_run_alone(db):
    """run_reports shares the renewal units through a temporary table; the numbers stay the same."""
    from app.extensions import db as _db
    from app.services.reports import run_reports

    admin = claims_book()["admin"]
    renewal_book()
    params = ReportParams(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 30))
    together = run_reports(list(REPORTS), params, viewer(admin))
    _db.session.rollback()
    for result in together:
        alone = run_report(result.key, params, viewer(admin))
        assert (alone.rows, alone.totals) == (result.rows, result.totals), result.key
    assert next(r for r in together if r.key == "lapse_days").totals["due_units"] == 6


def test_two_report_sets_in_one_transaction_keep_their_own_shared_tables(db):
    """The digest runs yesterday's set, then the month's, possibly in one transaction: the second
    set must neither collide with the first one's temporary tables nor read its numbers."""
    from app.services.reports import run_reports

    admin = claims_book()["admin"]
    renewal_book()
    march = ReportParams(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 30))
    first_half = ReportParams(date(2026, 3, 1), date(2026, 3, 15), date(2026, 4, 30))
    keys = ["renewal_rate", "lapse_days", "loss_ratio"]
    march_set = run_reports(keys, march, viewer(admin))
    half_set = run_reports(keys, first_half, viewer(admin))  # same transaction: no commit between
    for result in (*march_set, *half_set):
        alone = run_report(result.key, result.params, viewer(admin))
        assert (alone.rows, alone.totals) == (result.rows, result.totals), result.key
