"""The panel's 理赔资料清单 page: the checklist of each claim type listed, added to, edited and cut
down by a company admin (audited, bad input refused in Chinese with nothing written), read-only for
other admins and closed to other roles, and what the mini-program shows following every change,
including claims that become complete when an item stops being required."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import AuditLog, ClaimDocument, ClaimEvent, ClaimStage, ClaimStatus, OrgLevel, Role
from app.models.member import ClaimDocumentRequirement
from app.services.mp_claims import load_default_requirements
from tests import factories as f
from tests.fakes.plugin import messaging_config
from tests.test_points_admin import _login, _text

VEHICLE_DAMAGE = ["driving_licence", "vehicle_licence", "accident_photos", "bank_card", "repair_invoice"]
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 200 + b"\xff\xd9"


@pytest.fixture
def book(db):
    load_default_requirements()
    company = f.org_unit(OrgLevel.company, name="总公司")
    branch = f.org_unit(OrgLevel.branch, f.org_unit(OrgLevel.city, company, name="石家庄"), name="长安支公司")
    agent = f.staff(Role.agent, team=f.team(branch))
    me = f.customer(agent=agent, name="张三丰")
    policy = f.policy(customer=me, vehicle=f.vehicle(owner=me), agent=agent)
    book = {
        "admin": f.staff(Role.admin, org=company),
        "branch_admin": f.staff(Role.admin, org=branch),
        "manager": f.staff(Role.branch_manager, org=branch),
        "me": me,
        "claim": f.claim(policy),
        "closed": f.claim(policy, status=ClaimStatus.closed),
    }
    _db.session.commit()
    return book


def _item(claim_type: str, kind: str) -> ClaimDocumentRequirement:
    return _db.session.execute(select(ClaimDocumentRequirement).where(
        ClaimDocumentRequirement.claim_type == claim_type, ClaimDocumentRequirement.kind == kind)).scalar_one()


def _count() -> int:
    return _db.session.scalar(select(func.count(ClaimDocumentRequirement.id)))


def _audits() -> list[AuditLog]:
    return list(_db.session.scalars(select(AuditLog).where(AuditLog.entity == "claim_document_requirement")
                                    .order_by(AuditLog.id)))


def _mp_claim(client, book, claim=None) -> dict:
    resp = client.get(f"/api/mp/claims/{(claim or book['claim']).id}", headers=f.customer_token(book["me"]))
    assert resp.status_code == 200
    return resp.get_json()


def _uploaded(claim, *kinds):
    for kind in kinds:
        _db.session.add(ClaimDocument(claim_id=claim.id, kind=kind, storage_key=f"claims/{claim.id}/{kind}.jpg",
                                      content_type="image/jpeg", size=len(JPEG)))
    _db.session.commit()


def _completions(claim) -> int:
    return _db.session.scalar(select(func.count(ClaimEvent.id)).where(
        ClaimEvent.claim_id == claim.id, ClaimEvent.stage == ClaimStage.documents_complete))


NEW = {"claim_type": "vehicle_damage", "kind": "loss_estimate", "label": "定损单", "hint": "保险公司出具的定损单",
       "required": "on", "position": ""}


def test_the_list_shows_each_claim_types_checklist_in_order(client, book):
    _login(client, book["admin"])
    page = _text(client.get("/admin/claim-documents"))
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    assert headings[:5] == ["车损", "三者", "人伤", "玻璃", "盗抢"] and "新增资料项" in headings
    damage = page[page.index("<h2>车损</h2>"):page.index("<h2>三者</h2>")]
    assert re.findall(r'<td class="mono">([a-z_]+)</td>', damage) == VEHICLE_DAMAGE
    assert "4S店或修理厂开具的正式发票" in damage and damage.count(">修改</a>") == 5
    assert "公安立案证明" in page
    assert "理赔资料清单" in _text(client.get("/admin/"))  # in the sidebar


def test_an_added_item_goes_last_and_the_customer_sees_it(client, app, tmp_path, book):
    _login(client, book["admin"])
    resp = client.post("/admin/claim-documents", data=NEW)
    assert resp.status_code == 302
    added = _item("vehicle_damage", "loss_estimate")
    assert (added.label, added.hint, added.required, added.position) == ("定损单", "保险公司出具的定损单", True, 5)
    assert "已在「车损」清单中新增「定损单」" in _text(client.get("/admin/claim-documents"))
    [entry] = _audits()
    assert (entry.action, entry.entity_id, entry.staff_id) == ("create", str(added.id), book["admin"].id)
    assert entry.detail["kind"] == "loss_estimate" and entry.detail["claim_type"] == "vehicle_damage"

    body = _mp_claim(client, book)
    assert body["checklist"][-1] == {"kind": "loss_estimate", "label": "定损单", "hint": "保险公司出具的定损单",
                                     "required": True, "uploaded": False, "count": 0}
    with messaging_config(app, STORAGE_LOCAL_DIR=str(tmp_path)):
        resp = client.post(f"/api/mp/claims/{book['claim'].id}/documents", headers=f.customer_token(book["me"]),
                           data={"kind": "loss_estimate", "file": (io.BytesIO(JPEG), "a.jpg")},
                           content_type="multipart/form-data")
    assert resp.status_code == 201 and resp.get_json()["kind_label"] == "定损单"
    # Another claim type may use the same machine name; a position puts it where asked; optional is unticked.
    resp = client.post("/admin/claim-documents", data={**NEW, "claim_type": "glass", "position": "0", "required": ""})
    assert resp.status_code == 302
    glass = _item("glass", "loss_estimate")
    assert (glass.position, glass.required) == (0, False)


@pytest.mark.parametrize("change, message", [
    ({"kind": "Loss_Estimate"}, "资料代码应为2到32位小写字母、数字或下划线"),
    ({"kind": "1st_invoice"}, "资料代码应为2到32位小写字母、数字或下划线"),
    ({"kind": "x"}, "资料代码应为2到32位小写字母、数字或下划线"),
    ({"kind": "a" * 33}, "资料代码应为2到32位小写字母、数字或下划线"),
    ({"kind": "loss-estimate"}, "资料代码应为2到32位小写字母、数字或下划线"),
    ({"kind": "loss_estimate\n"}, None),  # a trailing newline is trimmed like other spaces: accepted
    ({"kind": ""}, "请填写资料代码"),
    ({"kind": "other"}, "「other」留给客户补充的其他资料,请换一个代码"),
    ({"label": "   "}, "请填写资料名称"),
    ({"label": "定" * 51}, "资料名称应为1到50个字"),
    ({"hint": "说" * 201}, "填写说明不超过200个字"),
    ({"position": "第一"}, "排序应为整数"),
    ({"position": "1000"}, "排序应在0到999之间"),
    ({"position": "-1"}, "排序应在0到999之间"),
    ({"claim_type": "boat"}, "案件类型不正确"),
])
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(client, book, change, message):
    _login(client, book["admin"])
    before = _count()
    resp = client.post("/admin/claim-documents", data={**NEW, **change})
    if message is None:
        assert resp.status_code == 302 and _count() == before + 1
        return
    assert resp.status_code == 422
    page = _text(resp)
    assert message in page and 'role="alert"' in page
    assert 'value="定损单"' in page or "label" in change  # what was typed is kept
    assert _count() == before and _audits() == []


def test_a_kind_already_on_the_claim_types_list_is_refused(client, book):
    _login(client, book["admin"])
    before = _count()
    resp = client.post("/admin/claim-documents", data={**NEW, "kind": "repair_invoice", "label": "发票"})
    assert resp.status_code == 409
    assert "该案件类型已有代码为「repair_invoice」的资料项" in _text(resp)
    assert _count() == before and _item("vehicle_damage", "repair_invoice").label == "维修发票"
    assert _audits() == []


def test_editing_changes_what_the_customer_reads_and_the_order(client, book):
    _login(client, book["admin"])
    card = _item("vehicle_damage", "bank_card")
    form = _text(client.get(f"/admin/claim-documents/{card.id}"))
    assert 'value="收款银行卡"' in form and "bank_card" in form and "checked" in form
    resp = client.post(f"/admin/claim-documents/{card.id}",
                       data={"label": "收款账户", "hint": "", "required": "on", "position": "0"})
    assert resp.status_code == 302
    _db.session.expire_all()
    assert (card.label, card.hint, card.required, card.position) == ("收款账户", None, True, 0)
    [entry] = _audits()
    assert entry.action == "update" and entry.detail["changes"] == {
        "label": ["收款银行卡", "收款账户"], "hint": ["被保险人本人的银行卡正面", None], "position": [3, 0]}
    assert "「收款账户」已保存" in _text(client.get("/admin/claim-documents"))
    checklist = _mp_claim(client, book)["checklist"]
    # position 0 ties with 驾驶证; the older row stays first.
    assert [i["kind"] for i in checklist] == ["driving_licence", "bank_card", "vehicle_licence", "accident_photos",
                                              "repair_invoice"]
    assert checklist[1]["label"] == "收款账户" and checklist[1]["hint"] is None


def test_a_bad_edit_shows_the_message_and_changes_nothing(client, book):
    _login(client, book["admin"])
    card = _item("vehicle_damage", "bank_card")
    resp = client.post(f"/admin/claim-documents/{card.id}", data={"label": "", "hint": "新说明", "position": "2"})
    assert resp.status_code == 422 and "请填写资料名称" in _text(resp) and 'value="新说明"' in _text(resp)
    resp = client.post(f"/admin/claim-documents/{card.id}", data={"label": "卡", "position": "x"})
    assert resp.status_code == 422 and "排序应为整数" in _text(resp)
    _db.session.expire_all()
    assert (card.label, card.hint, card.required, card.position) == ("收款银行卡", "被保险人本人的银行卡正面", True, 3)
    assert _audits() == []
    assert client.get("/admin/claim-documents/999999").status_code == 404
    assert client.post("/admin/claim-documents/999999/delete").status_code == 404


def test_deleting_takes_the_item_off_the_checklist_and_keeps_uploaded_documents(client, book):
    _uploaded(book["claim"], "repair_invoice")
    _login(client, book["admin"])
    invoice = _item("vehicle_damage", "repair_invoice")
    invoice_id = invoice.id
    resp = client.post(f"/admin/claim-documents/{invoice_id}/delete")
    assert resp.status_code == 302
    assert "已从「车损」清单中删除「维修发票」" in _text(client.get("/admin/claim-documents"))
    assert _db.session.get(ClaimDocumentRequirement, invoice_id) is None
    assert _item("third_party", "repair_invoice").label == "维修发票"  # other types keep theirs
    [entry] = _audits()
    assert (entry.action, entry.entity_id) == ("delete", str(invoice_id))
    assert entry.detail == {"claim_type": "vehicle_damage", "kind": "repair_invoice", "label": "维修发票",
                            "required": True}
    body = _mp_claim(client, book)
    assert [i["kind"] for i in body["checklist"]] == VEHICLE_DAMAGE[:-1]
    assert [(d["kind"], d["kind_label"]) for d in body["documents"]] == [("repair_invoice", "其他资料")]


@pytest.mark.parametrize("how", ["optional", "delete"])
def test_an_item_no_longer_required_completes_the_open_claims_that_only_lacked_it(client, book, how):
    open_claim, closed = book["claim"], book["closed"]
    _uploaded(open_claim, *VEHICLE_DAMAGE[:-1])
    _uploaded(closed, *VEHICLE_DAMAGE[:-1])
    _login(client, book["admin"])
    assert _mp_claim(client, book)["documents_complete"] is False
    invoice = _item("vehicle_damage", "repair_invoice")
    if how == "optional":
        resp = client.post(f"/admin/claim-documents/{invoice.id}", data={"label": "维修发票", "position": "4"})
    else:
        resp = client.post(f"/admin/claim-documents/{invoice.id}/delete")
    assert resp.status_code == 302
    assert "1 件未结赔案因此资料齐全" in _text(client.get("/admin/claim-documents"))

    body = _mp_claim(client, book)
    assert body["documents_complete"] is True
    stage = next(i for i in body["timeline"] if i["stage"] == "documents_complete")
    assert stage["state"] == "done" and stage["note"] == "理赔资料已齐全"
    assert _completions(open_claim) == 1 and _completions(closed) == 0  # a closed claim takes no uploads either
    # Relaxing another item records nothing twice.
    card = _item("vehicle_damage", "bank_card")
    assert client.post(f"/admin/claim-documents/{card.id}", data={"label": "收款银行卡"}).status_code == 302
    assert _completions(open_claim) == 1


def test_a_checklist_with_nothing_required_never_reads_complete(client, book):
    _login(client, book["admin"])
    for kind in VEHICLE_DAMAGE:
        item = _item("vehicle_damage", kind)
        assert client.post(f"/admin/claim-documents/{item.id}", data={"label": item.label}).status_code == 302
    body = _mp_claim(client, book)
    assert [i["required"] for i in body["checklist"]] == [False] * 5
    assert body["documents_complete"] is False and _completions(book["claim"]) == 0


def test_a_new_required_item_reopens_the_checklist_but_not_the_recorded_stage(client, book):
    _uploaded(book["claim"], *VEHICLE_DAMAGE)
    _db.session.add(ClaimEvent(claim_id=book["claim"].id, stage=ClaimStage.documents_complete,
                               at=book["claim"].reported_at, note="理赔资料已齐全"))
    _db.session.commit()
    _login(client, book["admin"])
    assert client.post("/admin/claim-documents", data=NEW).status_code == 302
    body = _mp_claim(client, book)
    assert body["documents_complete"] is False and body["checklist"][-1]["uploaded"] is False
    assert next(i for i in body["timeline"] if i["stage"] == "documents_complete")["state"] == "done"


def test_other_admins_read_only_and_other_roles_not_at_all(client, book):
    invoice, before = _item("vehicle_damage", "repair_invoice"), _count()
    edit = {"label": "改", "required": "on", "position": "1"}
    _login(client, book["branch_admin"])
    page = _text(client.get("/admin/claim-documents"))
    assert "维修发票" in page and ">修改</a>" not in page and "新增资料项" not in page
    assert "只有总公司管理员可以修改" in page
    for resp in (client.get(f"/admin/claim-documents/{invoice.id}"),
                 client.post(f"/admin/claim-documents/{invoice.id}", data=edit),
                 client.post(f"/admin/claim-documents/{invoice.id}/delete"),
                 client.post("/admin/claim-documents", data=NEW)):
        assert resp.status_code == 403 and "只有总公司管理员可以修改" in _text(resp)

    _login(client, book["manager"])
    for resp in (client.get("/admin/claim-documents"),
                 client.get(f"/admin/claim-documents/{invoice.id}"),
                 client.post(f"/admin/claim-documents/{invoice.id}", data=edit),
                 client.post(f"/admin/claim-documents/{invoice.id}/delete"),
                 client.post("/admin/claim-documents", data=NEW)):
        assert resp.status_code == 403 and "只有管理员可以查看理赔资料清单" in _text(resp)
    _db.session.expire_all()
    assert invoice.label == "维修发票" and _count() == before and _audits() == []


def test_changes_need_the_forms_csrf_token(app, client, book, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    _login(client, book["admin"])
    invoice = _item("vehicle_damage", "repair_invoice")
    form = _text(client.get(f"/admin/claim-documents/{invoice.id}"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert client.post(f"/admin/claim-documents/{invoice.id}/delete").status_code == 400
    assert _db.session.get(ClaimDocumentRequirement, invoice.id) is not None
    resp = client.post(f"/admin/claim-documents/{invoice.id}/delete", data={"csrf_token": token})
    assert resp.status_code == 302
