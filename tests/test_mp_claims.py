"""A customer's claims in the mini-program: list and detail (stage timeline, the checklist of the
claim type with upload states), uploads checked by content and size and stored under generated
names, the documents_complete stage recorded once, and another customer's ids looking missing."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import ClaimDocument, ClaimEvent, ClaimStage, ClaimStatus, OrgLevel, Role
from app.models.member import ClaimDocumentRequirement
from app.services.mp_claims import load_default_requirements
from tests import factories as f
from tests.fakes.plugin import messaging_config
from tests.test_query_counts import counting

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 200 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
REPORTED = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def uploads_dir(app, tmp_path):
    """A folder of this test's own for the local storage backend."""
    with messaging_config(app, STORAGE_LOCAL_DIR=str(tmp_path / "uploads")):
        yield tmp_path / "uploads"


@pytest.fixture
def book(db):
    load_default_requirements()
    company = f.org_unit(OrgLevel.company)
    branch = f.org_unit(OrgLevel.branch, company)
    agent = f.staff(Role.agent, team=f.team(branch))
    dealer = f.dealer(company, branch, name="石家庄大众4S店")
    me = f.customer(agent=agent, name="张三丰")
    policy = f.policy(customer=me, vehicle=f.vehicle(owner=me, plate="冀A12345"), agent=agent)
    claim = f.claim(policy, reported_at=REPORTED, repair_dealer_id=dealer.id, first_reserve=Decimal("8000"),
                    reserve=Decimal("8000"))
    _db.session.add(ClaimEvent(claim_id=claim.id, stage=ClaimStage.surveyed, at=REPORTED + timedelta(hours=2),
                               note="查勘员已到现场"))
    closed = f.claim(policy, reported_at=REPORTED - timedelta(days=60), status=ClaimStatus.closed,
                     closed_at=REPORTED - timedelta(days=30), paid=Decimal("1234.50"), claim_type="glass")
    other = f.customer(agent=agent, name="李四")
    their_claim = f.claim(f.policy(customer=other, vehicle=f.vehicle(owner=other), agent=agent))
    _db.session.commit()
    return {"me": me, "claim": claim, "closed": closed, "other": other, "their_claim": their_claim,
            "agent": agent, "dealer": dealer}


def upload(client, customer, claim_id, kind, data, name="photo.jpg"):
    return client.post(f"/api/mp/claims/{claim_id}/documents", headers=f.customer_token(customer),
                       data={"kind": kind, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def detail(client, customer, claim_id):
    return client.get(f"/api/mp/claims/{claim_id}", headers=f.customer_token(customer))


def test_the_list_shows_my_claims_newest_first(client, book):
    resp = client.get("/api/mp/claims", headers=f.customer_token(book["me"]))
    assert resp.status_code == 200
    rows = resp.get_json()
    assert [r["id"] for r in rows] == [book["claim"].id, book["closed"].id]
    assert json.loads(resp.headers["X-Pagination"])["total"] == 2
    assert rows[0]["latest_stage"] == "surveyed" and rows[0]["latest_stage_label"] == "查勘"
    assert rows[0]["repair_dealer_name"] == "石家庄大众4S店" and rows[0]["plate"] == "冀A12345"
    assert rows[1]["status_label"] == "已结案" and rows[1]["paid"] == "1234.50"


def test_the_timeline_marks_reached_stages_and_leaves_the_rest_pending(client, book):
    body = detail(client, book["me"], book["claim"].id).get_json()
    stages = {item["stage"]: item for item in body["timeline"]}
    assert [item["stage"] for item in body["timeline"]] == [
        "reported", "surveyed", "registered", "repairing", "documents_complete", "paid", "closed"]
    assert stages["reported"]["state"] == "done" and stages["reported"]["at"].startswith("2026-03-01T02:00")
    assert stages["surveyed"]["note"] == "查勘员已到现场"
    assert stages["registered"]["state"] == "done"
    assert stages["repairing"]["state"] == "done" and stages["repairing"]["note"] == "维修单位:石家庄大众4S店"
    assert [stages[s]["state"] for s in ("documents_complete", "paid", "closed")] == ["pending"] * 3
    assert body["current_stage"] == "repairing" and body["accepts_uploads"] is True

    closed = detail(client, book["me"], book["closed"].id).get_json()
    closed_stages = {item["stage"]: item for item in closed["timeline"]}
    assert closed_stages["paid"]["state"] == "done" and closed_stages["paid"]["note"] == "赔款 1,234.50 元"
    assert closed_stages["closed"]["state"] == "done" and closed["current_stage_label"] == "结案"
    assert closed["accepts_uploads"] is False


def test_the_checklist_is_the_claim_types_requirements_and_editable_data(client, book):
    body = detail(client, book["me"], book["claim"].id).get_json()
    assert [(i["kind"], i["label"]) for i in body["checklist"]] == [
        ("driving_licence", "驾驶证"), ("vehicle_licence", "行驶证"), ("accident_photos", "现场照片"),
        ("bank_card", "收款银行卡"), ("repair_invoice", "维修发票")]
    assert not any(i["uploaded"] for i in body["checklist"]) and body["documents_complete"] is False
    # Glass claims have their own list; an admin can change one by editing rows.
    glass = detail(client, book["me"], book["closed"].id).get_json()
    assert [i["kind"] for i in glass["checklist"]] == ["vehicle_licence", "accident_photos", "repair_invoice",
                                                        "bank_card"]
    _db.session.add(ClaimDocumentRequirement(claim_type="vehicle_damage", kind="estimate", label="定损单",
                                             required=True, position=9))
    _db.session.commit()
    body = detail(client, book["me"], book["claim"].id).get_json()
    assert body["checklist"][-1] == {"kind": "estimate", "label": "定损单", "hint": None, "required": True,
                                     "uploaded": False, "count": 0}


def test_another_customers_claim_and_documents_look_missing(client, book):
    theirs = detail(client, book["me"], book["their_claim"].id)
    missing = detail(client, book["me"], 10**6)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.get_json() == missing.get_json() == {"code": "not_found", "message": "赔案不存在", "errors": {}}
    resp = upload(client, book["me"], book["their_claim"].id, "driving_licence", JPEG)
    assert resp.status_code == 404
    # Their document, fetched through my claim's id or theirs: missing either way.
    doc = upload(client, book["other"], book["their_claim"].id, "driving_licence", JPEG).get_json()
    assert client.get(f"/api/mp/claims/{book['their_claim'].id}/documents/{doc['id']}",
                      headers=f.customer_token(book["me"])).status_code == 404
    assert client.get(f"/api/mp/claims/{book['claim'].id}/documents/{doc['id']}",
                      headers=f.customer_token(book["me"])).status_code == 404
    assert client.get("/api/mp/claims", headers=f.staff_token(book["agent"])).status_code == 403


def test_an_upload_is_stored_under_a_generated_name_and_streams_back(client, uploads_dir, book):
    resp = upload(client, book["me"], book["claim"].id, "driving_licence", JPEG, name="../../etc/passwd.jpg")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["content_type"] == "image/jpeg" and body["size"] == len(JPEG) and body["kind_label"] == "驾驶证"
    assert body["original_name"] == "passwd.jpg"
    doc = _db.session.get(ClaimDocument, body["id"])
    assert doc.storage_key.startswith(f"claims/{book['claim'].id}/") and doc.storage_key.endswith(".jpg")
    assert "passwd" not in doc.storage_key and len(doc.storage_key.rsplit("/", 1)[1]) == 36
    stored = uploads_dir / doc.storage_key
    assert stored.read_bytes() == JPEG
    second = upload(client, book["me"], book["claim"].id, "driving_licence", JPEG).get_json()
    assert _db.session.get(ClaimDocument, second["id"]).storage_key != doc.storage_key

    file = client.get(f"/api/mp/claims/{book['claim'].id}/documents/{doc.id}", headers=f.customer_token(book["me"]))
    assert file.status_code == 200 and file.data == JPEG
    assert file.mimetype == "image/jpeg" and file.headers["X-Content-Type-Options"] == "nosniff"
    assert "passwd" not in file.headers["Content-Disposition"]
    listed = detail(client, book["me"], book["claim"].id).get_json()
    assert [d["id"] for d in listed["documents"]] == [doc.id, second["id"]]
    assert listed["checklist"][0]["uploaded"] is True and listed["checklist"][0]["count"] == 2


@pytest.mark.parametrize("data, name, mime", [(PNG, "invoice.pdf", "image/png"), (PDF, "scan.jpg", "application/pdf"),
                                              (HEIC, "IMG_0001.HEIC", "image/heic")])
def test_the_type_comes_from_the_content_not_the_name(client, book, data, name, mime):
    resp = upload(client, book["me"], book["claim"].id, "repair_invoice", data, name=name)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["content_type"] == mime
    doc = _db.session.get(ClaimDocument, resp.get_json()["id"])
    assert doc.storage_key.endswith("." + {"image/png": "png", "application/pdf": "pdf", "image/heic": "heic"}[mime])


@pytest.mark.parametrize("data, name", [(EXE, "photo.jpg"), (b"just some text, not a PDF", "invoice.pdf"),
                                        (b"<html><script>alert(1)</script></html>", "photo.png")])
def test_anything_but_a_photo_or_pdf_is_refused_whatever_its_name(client, uploads_dir, book, data, name):
    resp = upload(client, book["me"], book["claim"].id, "driving_licence", data, name=name)
    assert resp.status_code == 415
    assert resp.get_json() == {"code": "unsupported_file", "message": "只能上传照片(JPG、PNG、HEIC)或 PDF 文件",
                               "errors": {"file": ["文件内容不是照片或 PDF"]}}
    assert _db.session.scalar(select(func.count(ClaimDocument.id))) == 0
    assert not uploads_dir.exists() or not any(uploads_dir.rglob("*.*"))


def test_an_oversize_file_is_refused(client, app, book):
    with messaging_config(app, MP_UPLOAD_MAX_BYTES=1024 * 1024):
        big = JPEG[:-2] + b"\x00" * (1024 * 1024) + b"\xff\xd9"
        resp = upload(client, book["me"], book["claim"].id, "driving_licence", big)
        assert resp.status_code == 413
        assert resp.get_json()["code"] == "file_too_large" and resp.get_json()["message"] == "文件不能超过 1 MB"
        assert upload(client, book["me"], book["claim"].id, "driving_licence", JPEG).status_code == 201
    assert _db.session.scalar(select(func.count(ClaimDocument.id))) == 1


def test_bad_upload_requests(client, book):
    resp = upload(client, book["me"], book["claim"].id, "selfie", JPEG)
    assert resp.status_code == 422 and resp.get_json()["errors"] == {"kind": ["该赔案不需要这类资料"]}
    resp = client.post(f"/api/mp/claims/{book['claim'].id}/documents", headers=f.customer_token(book["me"]),
                       data={"kind": "driving_licence"}, content_type="multipart/form-data")
    assert resp.status_code == 422 and resp.get_json()["errors"] == {"file": ["必填项"]}
    resp = upload(client, book["me"], book["claim"].id, "driving_licence", b"")
    assert resp.status_code == 422 and resp.get_json()["code"] == "file_empty"
    resp = upload(client, book["me"], book["closed"].id, "repair_invoice", JPEG)
    assert resp.status_code == 409 and resp.get_json()["code"] == "claim_closed"
    # "other" is always accepted, never on the checklist.
    assert upload(client, book["me"], book["claim"].id, "other", PDF).status_code == 201


def test_documents_complete_is_recorded_once(client, book):
    claim_id = book["claim"].id
    kinds = ["driving_licence", "vehicle_licence", "accident_photos", "bank_card", "repair_invoice"]
    for kind in kinds[:-1]:
        assert upload(client, book["me"], claim_id, kind, JPEG).status_code == 201
    assert detail(client, book["me"], claim_id).get_json()["documents_complete"] is False
    assert upload(client, book["me"], claim_id, kinds[-1], PDF).status_code == 201
    assert upload(client, book["me"], claim_id, "accident_photos", PNG).status_code == 201
    events = _db.session.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == claim_id,
                                                          ClaimEvent.stage == ClaimStage.documents_complete)).all()
    assert len(events) == 1
    body = detail(client, book["me"], claim_id).get_json()
    assert body["documents_complete"] is True
    stage = next(i for i in body["timeline"] if i["stage"] == "documents_complete")
    assert stage["state"] == "done" and stage["note"] == "理赔资料已齐全"


def test_the_claim_list_does_not_query_per_row(client, db, book):
    me = book["me"]
    costs = []
    for extra in (0, 20):
        for _ in range(extra):
            policy = f.policy(customer=me, vehicle=f.vehicle(owner=me), agent=book["agent"])
            f.claim(policy, repair_dealer_id=book["dealer"].id)
        db.session.commit()
        db.session.remove()
        with counting(db.engine) as seen:
            resp = client.get("/api/mp/claims", headers=f.customer_token(me), query_string={"page_size": 100})
        assert len(resp.get_json()) == 2 + extra
        costs.append(len(seen))
        me = db.session.merge(me)
    assert costs[0] == costs[1] <= 2, costs


def test_the_last_documents_arriving_together_complete_the_claim_once(app, book):
    from tests.test_mp_account import _race

    claim_id = book["claim"].id
    for kind in ("driving_licence", "vehicle_licence", "accident_photos"):
        assert upload(app.test_client(), book["me"], claim_id, kind, JPEG).status_code == 201
    last = ["bank_card", "repair_invoice", "bank_card", "repair_invoice"]
    headers = f.customer_token(book["me"])  # threads have no app context to sign one in

    def send(kind):
        return app.test_client().post(f"/api/mp/claims/{claim_id}/documents", headers=headers,
                                      content_type="multipart/form-data",
                                      data={"kind": kind, "file": (io.BytesIO(PDF), "scan.pdf")})

    responses = _race([lambda kind=kind: send(kind) for kind in last])
    assert [r.status_code for r in responses] == [201] * 4
    _db.session.expire_all()
    events = _db.session.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == claim_id,
                                                          ClaimEvent.stage == ClaimStage.documents_complete)).all()
    assert len(events) == 1
    assert _db.session.scalar(select(func.count(ClaimDocument.id)).where(ClaimDocument.claim_id == claim_id)) == 7
