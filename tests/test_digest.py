"""The morning digest and the monthly pack: alerts first, within the robot's 4,096 bytes, one
message per day however often the job runs, and a pack stored once and downloadable."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models.messaging import OutboxMessage
from app.services import messaging, report_export
from app.services.messaging.templates import load_default_templates
from app.services.reports.base import Alert, Column, ReportParams, ReportResult
from jobs import digest
from jobs.schedule import SCHEDULE
from tests import factories as f
from tests.fakes.plugin import messaging_config

DAY = date(2026, 3, 15)
ROBOT = "robot-key-1"


def result(title: str, alerts=(), key="other", written="1234567.80") -> ReportResult:
    return ReportResult(
        key=key, title=title, params=ReportParams(DAY, DAY, DAY),
        columns=[Column("label", "支公司"), Column("written", "签单保费", "money"),
                 Column("rate_count", "续保率(件数)", "rate")],
        rows=[], totals={"label": "合计", "written": Decimal(written), "rate_count": Decimal("0.8123")},
        alerts=list(alerts),
    )


def alert(message="续保率 61.00%,低于阈值 70.00%", where="支公司“长安支公司”") -> Alert:
    return Alert(f"{where} 续保率", Decimal("0.61"), Decimal("0.70"), message)


def test_alerts_come_first_month_and_company_totals_leading(app):
    yesterday = [result("保单保费统计", key="policy_premium", written="12345.60"),
                 result("续保率统计", [alert("昨日件数偏低")], key="renewal_rate")]
    month = [result("保单保费统计", key="policy_premium"),
             result("续保率统计", [alert("长安偏低"), alert("全公司偏低", where="合计")], key="renewal_rate")]
    lines = digest.digest_content(yesterday, month, 4000).splitlines()
    assert lines[0] == "**预警 3 项**"
    assert lines[1:4] == ['<font color="warning">【本月】续保率统计:全公司偏低</font>',
                          '<font color="warning">【本月】续保率统计:长安偏低</font>',
                          '<font color="warning">【昨日】续保率统计:昨日件数偏低</font>']
    # Then the key figures, yesterday / month to date, as a leader reads them on a phone.
    assert lines[4] == "**关键指标**(昨日 / 本月累计)"
    assert "- 签单保费:1.23万 / 123.46万" in lines
    assert "- 续保率(件数):81.23% / 81.23%" in lines
    assert lines[-1].startswith("查看全部报表")


def test_no_alerts_says_so(app):
    text = digest.digest_content([result("续保率统计")], [result("续保率统计")], 4000)
    assert text.splitlines()[0] == "**预警**:无指标越过阈值"
    assert digest.MORE_TEXT not in text


def test_many_alerts_are_cut_to_the_budget_and_counted(app):
    with messaging_config(app, ADMIN_BASE_URL="https://ops.example.com"):
        many = [result(f"很长的报表名称第{i}号", [alert(f"第{i}项指标越过阈值,需要关注")], key="policy_premium")
                for i in range(120)]
        text = digest.digest_content(many, many, 4000)
    assert len(text.encode("utf-8")) <= 4000
    lines = text.splitlines()
    shown = [line for line in lines if line.endswith("</font>")]
    more = next(line for line in lines if digest.MORE_TEXT in line)
    assert more == f"……另有 {240 - len(shown)} 项预警,更多见管理后台"
    assert 20 < len(shown) < 240
    # The figures and the link survive the cut.
    assert "- 签单保费:123.46万 / 123.46万" in lines
    assert lines[-1] == "[查看全部报表](https://ops.example.com/admin/reports)"


# ---- the jobs, through the outbox ----------------------------------------------------------------

@pytest.fixture
def book(app, db, tmp_path):
    built = f.report_book()
    # Due on 2026-03-09 and never renewed: March's renewal rate is 0%, below its target.
    f.policy(agent=built["agent"], start=date(2025, 3, 10), written="5000.00")
    _db.session.commit()
    load_default_templates()
    with messaging_config(app, DIGEST_ROBOT_KEY=ROBOT, ADMIN_BASE_URL="https://ops.example.com",
                          VAR_DIR=str(tmp_path)):
        yield built


def outbox():
    return _db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def test_daily_digest_runs_twice_and_sends_once(book, live_messaging):
    first = digest.send_daily_digest("2026-03-15")
    second = digest.send_daily_digest("2026-03-15")
    assert first["sent"] and first["message_id"] == second["message_id"]
    [message] = outbox()
    assert message.dedupe_key == "digest:daily:2026-03-15"
    assert message.channel == "wecom_robot" and message.recipient == ROBOT
    content = message.body["content"]
    assert len(content.encode("utf-8")) <= digest.MARKDOWN_MAX_BYTES
    lines = content.splitlines()
    assert lines[0] == "### 保运经营日报 2026-03-15(总公司)"
    alert = next(i for i, line in enumerate(lines) if "续保率(件数)为 0.00%" in line)
    assert alert < min(i for i, line in enumerate(lines) if line.startswith("- "))
    # Written 03-01..03-15: 3000.00 + 950.00 + 2800.00; nothing started on the 15th.
    assert "- 合计签单保费:0.00 / 6,750.00" in lines
    assert lines[-1] == "[查看全部报表](https://ops.example.com/admin/reports)"

    messaging.deliver_due()
    [received] = live_messaging.wecom.robot_messages
    assert received.query == {"key": ROBOT}
    assert received.json == {"msgtype": "markdown", "markdown": {"content": content}}


def test_no_robot_configured_sends_nothing(app, book):
    with messaging_config(app, DIGEST_ROBOT_KEY=""):
        assert digest.send_daily_digest("2026-03-15") == {"sent": False, "reason": "no_robot"}
    assert outbox() == []


def test_monthly_pack_is_stored_once_announced_once_and_downloadable(app, book, client):
    first = digest.build_monthly_pack("2026-03")
    second = digest.build_monthly_pack("2026-03")
    assert first["pack"] == second["pack"]
    [pack] = report_export.list_packs()
    assert pack.month == "2026-03" and pack.name == first["pack"]
    [message] = outbox()
    assert message.dedupe_key == "digest:monthly:2026-03"
    assert "[下载报表包](https://ops.example.com/admin/reports/packs)" in message.body["content"]

    with client.session_transaction() as sess:
        sess["staff_id"] = book["admin"].id
        sess["token_version"] = book["admin"].token_version
    listing = client.get("/admin/reports/packs").get_data(as_text=True)
    assert f"/admin/reports/packs/{pack.name}" in listing
    download = client.get(f"/admin/reports/packs/{pack.name}")
    assert download.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(download.data))
    premium = workbook["保单保费统计"]
    assert premium["A2"].value == "统计期间 2026-03-01 至 2026-03-31,截止日期 2026-03-31"


def test_monthly_pack_defaults_to_the_previous_month():
    assert digest.month_bounds(None, date(2026, 3, 1)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert digest.month_bounds(None, date(2026, 1, 1)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert digest.month_bounds("2024-02", date(2026, 1, 1)) == (date(2024, 2, 1), date(2024, 2, 29))


def test_both_jobs_are_scheduled():
    entries = {entry.func: entry.cron for entry in SCHEDULE}
    assert entries["jobs.digest.send_daily_digest"] == "30 7 * * *"
    assert entries["jobs.digest.build_monthly_pack"] == "0 7 1 * *"
