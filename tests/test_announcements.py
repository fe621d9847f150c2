"""Announcements: who sees them (org subtree and role), and the push to WeCom through the outbox,
once per staff member however often it is published or the job runs."""

from __future__ import annotations

import signal

import pytest

from app.auth.viewer import Viewer
from app.errors import Forbidden
from app.extensions import db as _db
from app.models import AuditChannel, OrgLevel, Role
from app.models.knowledge import Announcement
from app.models.messaging import MessageStatus, OutboxMessage
from app.services import announcements, knowledge, messaging
from app.services.messaging.templates import load_default_templates
from app.tasks import get_queue
from jobs.announcements import push_announcement
from jobs.worker import InProcessWorker, make_worker
from tests import factories as f


@pytest.fixture
def org(db):
    load_default_templates()
    company = f.org_unit(OrgLevel.company, name="总公司")
    city = f.org_unit(OrgLevel.city, company, name="石家庄")
    other_city = f.org_unit(OrgLevel.city, company, name="保定")
    b1 = f.org_unit(OrgLevel.branch, city, name="长安支公司")
    b2 = f.org_unit(OrgLevel.branch, city, name="桥西支公司")
    b3 = f.org_unit(OrgLevel.branch, other_city, name="竞秀支公司")
    t1 = f.team(b1)
    people = {
        "company_admin": f.staff(Role.admin, org=company, wecom_userid="u-admin"),
        "city_admin": f.staff(Role.admin, org=city, wecom_userid="u-city"),
        "manager_b1": f.staff(Role.branch_manager, org=b1, wecom_userid="u-bm1"),
        "team_manager_b1": f.staff(Role.team_manager, team=t1, wecom_userid="u-tm1"),
        "agent_b1": f.staff(Role.agent, team=t1, wecom_userid="u-a1"),
        "agent_b1_no_wecom": f.staff(Role.agent, team=t1),
        "agent_b1_inactive": f.staff(Role.agent, team=t1, wecom_userid="u-gone", active=False),
        "agent_b2": f.staff(Role.agent, org=b2, wecom_userid="u-a2"),
        "agent_b3": f.staff(Role.agent, org=b3, wecom_userid="u-a3"),
    }
    _db.session.commit()
    return {"units": {"company": company, "city": city, "b1": b1, "b2": b2, "b3": b3}, "staff": people}


def viewer(staff) -> Viewer:
    return Viewer(channel=AuditChannel.admin, staff=staff)


def announce(org, author="company_admin", targets=("city",), roles=(), title="关于暴雨天气查勘的通知",
             publish=True):
    v = viewer(org["staff"][author])
    item = announcements.create_announcement(v, {
        "title": title, "body": "各支公司:明日有暴雨,请做好涉水车辆的查勘准备,出险报案请优先处理。",
        "targets": [org["units"][t].id for t in targets], "roles": list(roles)})
    if publish:
        announcements.publish(v, item.id)
    return item


def latest_titles(org, who) -> list[str]:
    return [a.title for a in knowledge.latest_announcements(org["staff"][who].id)]


def test_staff_see_announcements_for_their_unit_and_the_units_above_it(org):
    announce(org, targets=("city",), title="石家庄公告")
    announce(org, targets=("b1",), title="长安公告")
    announce(org, targets=("company",), title="全公司公告")
    assert latest_titles(org, "agent_b1") == ["全公司公告", "长安公告", "石家庄公告"]
    assert latest_titles(org, "agent_b2") == ["全公司公告", "石家庄公告"]
    assert latest_titles(org, "agent_b3") == ["全公司公告"]
    # A city admin is above the branch: a branch announcement is not theirs.
    assert latest_titles(org, "city_admin") == ["全公司公告", "石家庄公告"]
    assert latest_titles(org, "agent_b1_inactive") == []


def test_latest_items_carry_an_absolute_link_and_respect_the_limit(org, app, monkeypatch):
    monkeypatch.setitem(app.config, "ADMIN_BASE_URL", "https://ops.example.com")
    for n in range(4):
        announce(org, title=f"公告{n}")
    items = knowledge.latest_announcements(org["staff"]["agent_b1"].id, limit=2)
    assert [i.title for i in items] == ["公告3", "公告2"]
    assert items[0].url == f"https://ops.example.com/staff/announcements/{items[0].id}"
    assert items[0].published_at.tzinfo is not None


def test_role_targeting_and_drafts(org):
    announce(org, targets=("b1",), roles=("team_manager", "branch_manager"), title="管理人员公告")
    announce(org, targets=("b1",), title="草稿", publish=False)
    assert latest_titles(org, "team_manager_b1") == ["管理人员公告"]
    assert latest_titles(org, "manager_b1") == ["管理人员公告"]
    assert latest_titles(org, "agent_b1") == []


def test_a_branch_manager_targets_only_their_own_subtree(org):
    with pytest.raises(Forbidden):
        announce(org, author="manager_b1", targets=("b2",))
    with pytest.raises(Forbidden):
        announce(org, author="manager_b1", targets=("city",))
    with pytest.raises(Forbidden):
        announce(org, author="agent_b1", targets=("b1",))
    item = announce(org, author="manager_b1", targets=("b1",), publish=False)
    assert [a.id for a in announcements.list_announcements(viewer(org["staff"]["manager_b1"])).items] == [item.id]
    # The city admin manages it too (it lies in their subtree); another branch's manager would not.
    assert [a.id for a in announcements.list_announcements(viewer(org["staff"]["city_admin"])).items] == [item.id]


def outbox_rows():
    return list(_db.session.scalars(_db.select(OutboxMessage).order_by(OutboxMessage.staff_id)))


def test_publishing_launches_one_push_job_and_pushing_twice_queues_one_message_per_staff(org):
    item = announce(org, targets=("b1",))
    announcements.publish(viewer(org["staff"]["company_admin"]), item.id)  # published again
    pending = [j for j in get_queue("default").jobs if j.func_name == "jobs.announcements.push_announcement"]
    assert len(pending) == 1 and pending[0].args == (item.id,)

    push_announcement(item.id)
    push_announcement(item.id)

    rows = outbox_rows()
    expected = {org["staff"][k].id: org["staff"][k].wecom_userid
                for k in ("manager_b1", "team_manager_b1", "agent_b1")}
    assert {r.staff_id: r.recipient for r in rows} == expected
    assert len(rows) == 3
    assert {r.dedupe_key for r in rows} == {f"announcement:{item.id}:{sid}" for sid in expected}
    assert all(r.channel == "wecom_app" and "关于暴雨天气查勘的通知" in r.body_text for r in rows)
    refreshed = announcements.get_announcement(viewer(org["staff"]["company_admin"]), item.id)
    assert refreshed.push_count == 3 and refreshed.pushed_at is not None


def test_a_draft_pushes_nothing(org):
    item = announce(org, targets=("b1",), publish=False)
    assert push_announcement(item.id) == {"announcement_id": item.id, "messages": 0}
    assert outbox_rows() == []


def test_the_push_job_run_by_a_worker_reaches_wecom_once_per_staff(app, org, live_messaging):
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        item = announce(org, targets=("b1",), roles=("agent",))
        announcements.publish(viewer(org["staff"]["company_admin"]), item.id)
        make_worker(app, ["default"], InProcessWorker).work(burst=True)
        messaging.deliver_due()  # app messages have no quiet hours
        announcements.publish(viewer(org["staff"]["company_admin"]), item.id)
        make_worker(app, ["default"], InProcessWorker).work(burst=True)
        messaging.deliver_due()
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    sent = live_messaging.wecom.app_messages
    assert [m.json["touser"] for m in sent] == ["u-a1"]
    assert sent[0].json["msgtype"] == "markdown"
    assert "关于暴雨天气查勘的通知" in sent[0].json["markdown"]["content"]
    assert f"/staff/announcements/{item.id}" in sent[0].json["markdown"]["content"]
    assert [r.status for r in outbox_rows()] == [MessageStatus.sent]


def test_publishing_is_refused_while_the_push_template_is_disabled(org):
    from app.errors import DomainError
    from app.models.messaging import MessageTemplate

    template = _db.session.scalar(_db.select(MessageTemplate).where(MessageTemplate.code == "announcement_wecom"))
    template.enabled = False
    _db.session.commit()
    item = announce(org, targets=("b1",), publish=False)
    with pytest.raises(DomainError, match="已停用"):
        announcements.publish(viewer(org["staff"]["company_admin"]), item.id)
    assert latest_titles(org, "agent_b1") == []


def test_publishing_creates_the_push_template_when_it_was_never_loaded(org):
    from app.models.messaging import MessageTemplate

    _db.session.execute(_db.delete(MessageTemplate))
    _db.session.commit()
    announce(org, targets=("b1",))
    assert push_announcement(_db.session.scalar(_db.select(Announcement.id)))["messages"] == 3
