"""The panel's 消息 pages: editing templates (limits checked on save, in Chinese), preview,
enable / disable, the outbox list and detail with masked recipients, and the admin's resend."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditLog, OrgLevel, Role
from app.models.messaging import MessageStatus, MessageTemplate, OutboxMessage
from app.services import messaging
from app.services.messaging.templates import load_default_templates
from tests import factories as f

MOBILE = "13812345678"
EXPIRY = {"name": "张先生", "plate": "冀A12345", "line": "商业险", "end_date": "2026年3月1日", "agent": "李经理"}


@pytest.fixture
def org(db):
    company = f.org_unit(OrgLevel.company, name="总公司")
    city = f.org_unit(OrgLevel.city, company, name="石家庄中支")
    b1 = f.org_unit(OrgLevel.branch, city, name="长安支公司")
    b2 = f.org_unit(OrgLevel.branch, city, name="桥西支公司")
    load_default_templates()
    _db.session.commit()
    return {"company": company, "b1": b1, "b2": b2}


def sign_in(client, staff):
    with client.session_transaction() as sess:
        sess["staff_id"] = staff.id
        sess["token_version"] = staff.token_version


@pytest.fixture
def admin(client, org):
    staff = f.staff(Role.admin, org=org["company"], name="王管理")
    _db.session.commit()
    sign_in(client, staff)
    return staff


def template(code: str) -> MessageTemplate:
    _db.session.expire_all()
    return _db.session.execute(select(MessageTemplate).where(MessageTemplate.code == code)).scalar_one()


def html(resp) -> str:
    return resp.get_data(as_text=True)


def form_of(t: MessageTemplate, **changes) -> dict:
    import json

    data = {"name": t.name, "body": t.body, "provider_template_id": t.provider_template_id or "",
            "page": t.page or "", "msg_format": t.msg_format.value,
            "sample_variables": json.dumps(t.sample_variables, ensure_ascii=False), "enabled": "on"}
    data.update(changes)
    return data


def test_the_template_list_shows_every_default_template(client, admin):
    resp = client.get("/admin/message-templates")
    assert resp.status_code == 200
    for name in ("保单到期提醒(短信)", "登录验证码(短信)", "经营日报(群机器人)", "理赔进度通知(订阅消息)"):
        assert name in html(resp)


def test_a_subscribe_field_too_long_is_refused_on_save_in_chinese(client, admin):
    t = template("claim_progress_wechat")
    body = t.body.replace("thing4: {note}", "thing4: {note},如有疑问请拨打客服热线咨询")

    resp = client.post(f"/admin/message-templates/{t.id}", data=form_of(t, body=body, action="save"))

    assert resp.status_code == 422
    assert "字段 thing4(事物)不能超过 20 个字符,当前 25 个" in html(resp)
    assert template("claim_progress_wechat").body == t.body  # nothing saved
    # The form keeps what the admin typed, so they can shorten it.
    assert "如有疑问请拨打客服热线咨询" in html(resp)


def test_a_valid_edit_is_saved_and_audited(client, admin):
    t = template("birthday_sms")
    resp = client.post(f"/admin/message-templates/{t.id}",
                       data=form_of(t, body="亲爱的{name},保运祝您生日快乐!回复TD退订", action="save"))
    assert resp.status_code == 302
    saved = template("birthday_sms")
    assert saved.body == "亲爱的{name},保运祝您生日快乐!回复TD退订" and saved.updated_by_id == admin.id
    assert "模板已保存" in html(client.get(resp.headers["Location"]))
    entry = _db.session.execute(select(AuditLog).where(AuditLog.entity == "message_template")).scalar_one()
    assert entry.staff_id == admin.id and entry.detail["fields"] == ["body"]


def test_sample_variables_must_cover_the_body_and_be_json(client, admin):
    t = template("birthday_sms")
    missing = client.post(f"/admin/message-templates/{t.id}",
                          data=form_of(t, body="{name},{greeting}", action="save"))
    assert missing.status_code == 422 and "缺少变量:greeting" in html(missing)
    not_json = client.post(f"/admin/message-templates/{t.id}",
                           data=form_of(t, sample_variables="name=张", action="save"))
    assert not_json.status_code == 422 and "示例变量必须是 JSON 对象" in html(not_json)


def test_preview_renders_with_the_samples_and_saves_nothing(client, admin):
    t = template("policy_expiry_sms")
    resp = client.post(f"/admin/message-templates/{t.id}",
                       data=form_of(t, body="{name}您好,{plate}即将到期。回复TD退订", action="preview"))
    assert resp.status_code == 200
    assert "【保运】张先生您好,冀A12345即将到期。回复TD退订" in html(resp)
    assert "按 1 条计费" in html(resp)
    assert template("policy_expiry_sms").body == t.body


def test_disabling_a_template_stops_new_messages(client, admin):
    t = template("birthday_sms")
    assert client.post(f"/admin/message-templates/{t.id}/enabled", data={"enabled": "0"}).status_code == 302
    assert template("birthday_sms").enabled is False
    with pytest.raises(Exception, match="已停用"):
        messaging.enqueue("sms", MOBILE, "birthday_sms", {"name": "张"}, "bday:1")
    client.post(f"/admin/message-templates/{t.id}/enabled", data={"enabled": "1"})
    assert template("birthday_sms").enabled is True


def test_the_template_form_needs_its_csrf_token(app, client, admin, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    t = template("birthday_sms")
    resp = client.post(f"/admin/message-templates/{t.id}", data=form_of(t, body="改了", action="save"))
    assert resp.status_code == 400 and "页面已过期" in html(resp)
    assert template("birthday_sms").body == t.body


def _uncertain_sms(key: str, customer=None) -> OutboxMessage:
    message = messaging.enqueue("sms", customer.mobile if customer else MOBILE, "policy_expiry_sms", EXPIRY, key,
                                customer_id=customer.id if customer else None, kick=False)
    message.status = MessageStatus.uncertain
    message.error_code = "lease_expired"
    message.last_error = "发送过程中任务中断"
    _db.session.commit()
    return message


def test_the_outbox_lists_with_filters_and_masked_mobiles(client, admin):
    uncertain = _uncertain_sms("admin:1")
    messaging.enqueue("wecom_app", "lijingli", "renewal_task_wecom",
                      {"name": "李", "count": 1, "days": 30, "new_count": 0}, "admin:2", kick=False)

    page = html(client.get("/admin/outbox"))
    assert "138****5678" in page and MOBILE not in page
    assert "结果未知" in page and "lijingli" in page

    only_uncertain = html(client.get("/admin/outbox", query_string={"status": "uncertain"}))
    assert f">{uncertain.id}<" in only_uncertain and "lijingli" not in only_uncertain
    only_wecom = html(client.get("/admin/outbox", query_string={"channel": "wecom_app"}))
    assert "lijingli" in only_wecom and "138****5678" not in only_wecom
    assert client.get("/admin/outbox", query_string={"status": "lost"}).status_code == 422


def test_an_uncertain_message_is_resent_only_by_an_admin_who_asks(client, admin):
    message = _uncertain_sms("admin:resend")
    detail = html(client.get(f"/admin/outbox/{message.id}"))
    assert "可能已经送达" in detail and "重新发送" in detail and "发送过程中任务中断" in detail
    assert "张先生" in detail  # the rendered text, whose read is audited
    assert _db.session.execute(select(AuditLog).where(AuditLog.entity == "outbox_message",
                                                      AuditLog.action == "read")).scalar_one()

    resp = client.post(f"/admin/outbox/{message.id}/resend")
    assert resp.status_code == 302
    _db.session.expire_all()
    again = _db.session.get(OutboxMessage, message.id)
    assert again.status == MessageStatus.queued and again.attempts == 0
    # Resending a queued message is refused.
    assert client.post(f"/admin/outbox/{message.id}/resend").status_code == 409
    missing = client.post(f"/admin/outbox/{message.id + 1}/resend")
    assert missing.status_code == 404 and "消息不存在" in missing.get_data(as_text=True)


def test_other_roles_get_no_message_pages(client, org):
    manager = f.staff(Role.branch_manager, org=org["b1"])
    _db.session.commit()
    sign_in(client, manager)
    message = _uncertain_sms("admin:forbidden")
    for path in ("/admin/message-templates", "/admin/outbox", f"/admin/outbox/{message.id}"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/admin/outbox/{message.id}/resend").status_code == 403
    _db.session.expire_all()
    assert _db.session.get(OutboxMessage, message.id).status == MessageStatus.uncertain


def test_a_branch_admin_sees_only_messages_to_their_customers(client, org):
    mine = f.customer(agent=f.staff(Role.agent, team=f.team(org["b1"])))
    theirs = f.customer(agent=f.staff(Role.agent, team=f.team(org["b2"])))
    branch_admin = f.staff(Role.admin, org=org["b1"])
    _db.session.commit()
    visible = _uncertain_sms("scope:mine", mine)
    hidden = _uncertain_sms("scope:theirs", theirs)
    sign_in(client, branch_admin)

    page = html(client.get("/admin/outbox"))
    assert f">{visible.id}<" in page and f">{hidden.id}<" not in page
    assert client.get(f"/admin/outbox/{hidden.id}").status_code == 404
    assert client.post(f"/admin/outbox/{hidden.id}/resend").status_code == 404
