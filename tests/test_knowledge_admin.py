"""The panel's 知识库 and 公告 pages: editing and publishing articles (searchable at once), categories,
announcements limited to one's own org subtree, publish -> push job, CSRF and roles."""

from __future__ import annotations

import pytest

from app.extensions import db as _db
from app.models import AuditLog, OrgLevel, Role
from app.models.knowledge import Announcement, KbArticle, KbCategory
from app.models.messaging import OutboxMessage
from app.services import knowledge
from app.services.knowledge import articles
from app.services.messaging.templates import load_default_templates
from app.tasks import get_queue
from jobs.announcements import push_announcement
from tests import factories as f
from tests.fakes.plugin import messaging_config


@pytest.fixture
def org(db):
    load_default_templates()
    articles.ensure_default_categories()
    company = f.org_unit(OrgLevel.company, name="总公司")
    b1 = f.org_unit(OrgLevel.branch, company, name="长安支公司")
    b2 = f.org_unit(OrgLevel.branch, company, name="桥西支公司")
    t1 = f.team(b1)
    people = {
        "admin": f.staff(Role.admin, org=company),
        "manager_b1": f.staff(Role.branch_manager, org=b1),
        "team_manager": f.staff(Role.team_manager, team=t1),
        "agent_b1": f.staff(Role.agent, team=t1, wecom_userid="u-a1"),
        "agent_b2": f.staff(Role.agent, org=b2, wecom_userid="u-a2"),
    }
    _db.session.commit()
    return {"b1": b1, "b2": b2, "company": company, **people}


def login(client, staff):
    with client.session_transaction() as sess:
        sess["staff_id"] = staff.id
        sess["token_version"] = staff.token_version


def category_id(code: str) -> int:
    return _db.session.scalar(_db.select(KbCategory.id).where(KbCategory.code == code))


ARTICLE = {"title": "附加法定节假日限额翻倍险", "source": "示范条款(2020版)附加险", "effective_on": "2020-09-19",
           "tags": "附加险、节假日、三者险",
           "body": "## 保险责任\n\n保险期间内,被保险人或其允许的驾驶人在法定节假日期间使用被保险机动车发生"
                   "机动车第三者责任保险范围内的事故,保险人在被保险机动车第三者责任保险所适用的责任限额基础上"
                   "增加一倍进行赔偿。\n\n## 适用范围\n\n- 家庭自用汽车\n- 已投保三者险"}


def post_article(client, **overrides):
    data = {**ARTICLE, "category_id": category_id("clause"), "published": "on", "action": "save", **overrides}
    return client.post("/admin/kb/new", data=data)


def test_an_article_saved_in_the_panel_is_searchable_at_once(client, org):
    login(client, org["admin"])
    resp = post_article(client)
    assert resp.status_code == 302
    article = _db.session.scalar(_db.select(KbArticle))
    assert resp.headers["Location"].endswith(f"/admin/kb/{article.id}")
    assert article.tags == ["附加险", "节假日", "三者险"] and article.effective_on.isoformat() == "2020-09-19"
    hit = knowledge.search("节假日 三者险 翻倍")[0]
    assert hit.article_id == article.id and "增加一倍" in hit.snippet
    entry = _db.session.scalar(_db.select(AuditLog).where(AuditLog.entity == "kb_article"))
    assert (entry.action, entry.staff_id, entry.channel.value) == ("create", org["admin"].id, "admin")
    html = client.get(f"/admin/kb/{article.id}").get_data(as_text=True)
    assert "附加法定节假日限额翻倍险" in html and "文章已保存,已发布" in html


def test_preview_shows_the_sections_and_saves_nothing(client, org):
    login(client, org["admin"])
    resp = post_article(client, action="preview")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "预览(未保存)" in html and "共 2 个搜索段落" in html and "<h3>适用范围</h3>" in html
    assert _db.session.scalar(_db.select(_db.func.count()).select_from(KbArticle)) == 0


def test_invalid_article_form_says_what_is_wrong_in_chinese(client, org):
    login(client, org["admin"])
    resp = post_article(client, title="")
    assert resp.status_code == 422 and "请填写标题" in resp.get_data(as_text=True)
    resp = post_article(client, effective_on="2020/09/19")
    assert resp.status_code == 422 and "生效日期格式应为 YYYY-MM-DD" in resp.get_data(as_text=True)
    assert _db.session.scalar(_db.select(_db.func.count()).select_from(KbArticle)) == 0


def test_withdrawing_an_article_hides_it_from_search(client, org):
    login(client, org["manager_b1"])
    post_article(client)
    article_id = _db.session.scalar(_db.select(KbArticle.id))
    assert client.post(f"/admin/kb/{article_id}/published", data={"published": "0"}).status_code == 302
    assert knowledge.search("节假日 翻倍") == []
    assert "未发布" in client.get("/admin/kb", query_string={"status": "draft"}).get_data(as_text=True)
    client.post(f"/admin/kb/{article_id}/published", data={"published": "1"})
    assert knowledge.search("节假日 翻倍")[0].article_id == article_id


def test_kb_pages_are_for_admins_and_branch_managers_and_categories_for_admins(client, org):
    login(client, org["team_manager"])
    assert client.get("/admin/kb").status_code == 403
    assert post_article(client).status_code == 403
    assert client.get("/admin/announcements").status_code == 403
    login(client, org["manager_b1"])
    assert client.get("/admin/kb").status_code == 200
    assert client.get("/admin/kb/categories").status_code == 403
    login(client, org["admin"])
    resp = client.post("/admin/kb/categories", data={"code": "underwriting", "name": "承保实务", "sort": "50"})
    assert resp.status_code == 302
    assert category_id("underwriting") is not None
    resp = client.post("/admin/kb/categories", data={"code": "faq2", "name": "常见问题"})
    assert resp.status_code == 422 and "分类代码或名称已存在" in resp.get_data(as_text=True)
    html = client.get("/admin/").get_data(as_text=True)
    assert ">知识库</a>" in html and ">公告</a>" in html


def test_panel_forms_refuse_a_missing_csrf_token(app, client, org):
    login(client, org["admin"])
    with messaging_config(app, WTF_CSRF_ENABLED=True):
        resp = post_article(client)
        assert resp.status_code == 400 and "页面已过期" in resp.get_data(as_text=True)
        resp = client.post("/admin/announcements/new", data={"title": "t", "body": "b", "targets": [org["b1"].id]})
        assert resp.status_code == 400
    assert _db.session.scalar(_db.select(_db.func.count()).select_from(KbArticle)) == 0
    assert _db.session.scalar(_db.select(_db.func.count()).select_from(Announcement)) == 0


def test_a_branch_manager_announces_to_their_branch_only(client, org):
    login(client, org["manager_b1"])
    form = client.get("/admin/announcements/new").get_data(as_text=True)
    assert "长安支公司" in form and "桥西支公司" not in form  # only their subtree is offered
    resp = client.post("/admin/announcements/new", data={"title": "支公司通知", "body": "本周五开会",
                                                          "targets": [org["b2"].id]})
    assert resp.status_code == 403 and "只能向本机构及下级机构发布公告" in resp.get_data(as_text=True)
    resp = client.post("/admin/announcements/new", data={"title": "支公司通知", "body": "本周五开会"})
    assert resp.status_code == 422 and "请选择接收机构" in resp.get_data(as_text=True)
    assert _db.session.scalar(_db.select(_db.func.count()).select_from(Announcement)) == 0

    resp = client.post("/admin/announcements/new", data={"title": "支公司通知", "body": "本周五开会",
                                                          "targets": [org["b1"].id]})
    assert resp.status_code == 302
    item = _db.session.scalar(_db.select(Announcement))
    assert "发布后不能再修改,并通过企业微信推送给 1 名员工" in client.get(resp.headers["Location"]).get_data(as_text=True)

    assert client.post(f"/admin/announcements/{item.id}/publish").status_code == 302
    jobs = [j for j in get_queue("default").jobs if j.func_name == "jobs.announcements.push_announcement"]
    assert [j.args for j in jobs] == [(item.id,)]
    push_announcement(item.id)
    assert [m.recipient for m in _db.session.scalars(_db.select(OutboxMessage))] == ["u-a1"]
    # Published: no more edits.
    resp = client.post(f"/admin/announcements/{item.id}", data={"title": "改", "body": "改", "targets": [org["b1"].id]})
    assert resp.status_code == 409 and "公告已发布,不能再修改" in resp.get_data(as_text=True)


def test_announcements_of_another_branch_look_missing(client, org):
    login(client, org["admin"])
    client.post("/admin/announcements/new", data={"title": "桥西通知", "body": "内容", "targets": [org["b2"].id]})
    item = _db.session.scalar(_db.select(Announcement))
    assert "桥西通知" in client.get("/admin/announcements").get_data(as_text=True)
    login(client, org["manager_b1"])
    assert "桥西通知" not in client.get("/admin/announcements").get_data(as_text=True)
    assert client.get(f"/admin/announcements/{item.id}").status_code == 404
    assert client.post(f"/admin/announcements/{item.id}/publish").status_code == 404
