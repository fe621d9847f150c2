"""A customer's claims in the mini-program: list, stage timeline, the document checklist of the
claim's type, and document uploads (checked by content, size-limited, stored under generated keys);
and the checklists' editing in the admin panel (理赔资料清单)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import filetype
from flask import current_app
from sqlalchemy import exists, func, insert, literal, select
from sqlalchemy.exc import IntegrityError

from app.auth.scoping import get_scoped, scoped_select
from app.auth.viewer import Viewer
from app.errors import DomainError, Forbidden, NotFound
from app.extensions import db
from app.models import (
    Claim,
    ClaimDocument,
    ClaimEvent,
    ClaimStage,
    ClaimStatus,
    Dealer,
    OrgLevel,
    Policy,
    Role,
    Vehicle,
)
from app.models.claim import CLAIM_STAGE_LABELS, CLAIM_STATUS_LABELS
from app.models.member import ClaimDocumentRequirement
from app.services import audit
from app.services.lookups import get_or_404
from app.services.pagination import PageResult
from app.services.storage import StorageError, new_key, storage

log = logging.getLogger(__name__)

# The documents each claim type needs: (kind, label, hint). Loaded into claim_document_requirements
# by migration 0005; from then on the rows are the truth and an admin may change them.
_COMMON = (("driving_licence", "驾驶证", "正副页,清晰完整"), ("vehicle_licence", "行驶证", "正副页,清晰完整"),
           ("accident_photos", "现场照片", "车损部位及车牌号同框"),
           ("bank_card", "收款银行卡", "被保险人本人的银行卡正面"))
DEFAULT_REQUIREMENTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "vehicle_damage": _COMMON + (("repair_invoice", "维修发票", "4S店或修理厂开具的正式发票"),),
    "third_party": _COMMON + (("liability_certificate", "事故责任认定书", "交警或保险公司出具"),
                              ("repair_invoice", "维修发票", "三者车辆维修发票")),
    "injury": (("driving_licence", "驾驶证", "正副页,清晰完整"),
               ("liability_certificate", "事故责任认定书", "交警出具"),
               ("medical_records", "病历及诊断证明", "医院盖章"),
               ("medical_invoice", "医疗费用发票", "原件照片或电子发票"),
               ("injured_id", "伤者身份证", "正反面"),
               ("bank_card", "收款银行卡", "被保险人本人的银行卡正面")),
    "glass": (("vehicle_licence", "行驶证", "正副页,清晰完整"),
              ("accident_photos", "玻璃破损照片", "破损部位及车牌号同框"),
              ("repair_invoice", "维修发票", "更换玻璃的发票"),
              ("bank_card", "收款银行卡", "被保险人本人的银行卡正面")),
    "theft": (("vehicle_licence", "行驶证", "正副页,清晰完整"), ("police_report", "公安立案证明", "报案回执或立案证明"),
              ("vehicle_keys", "全套车钥匙照片", "所有钥匙同框"), ("purchase_invoice", "购车发票", "原件照片"),
              ("bank_card", "收款银行卡", "被保险人本人的银行卡正面")),
}
# Anything else the customer wants to add; never on a checklist, always accepted.
OTHER_KIND = ("other", "其他资料")
# What a claim document may be, by its content (not its name): MIME -> extension of the stored key.
ALLOWED_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/heic": "heic", "application/pdf": "pdf"}
COMPLETE_NOTE = "理赔资料已齐全"
TIMELINE = (ClaimStage.reported, ClaimStage.surveyed, ClaimStage.registered, ClaimStage.repairing,
            ClaimStage.documents_complete, ClaimStage.paid, ClaimStage.closed)


def load_default_requirements() -> int:
    """Insert the default checklist rows that are missing (never overwriting edited ones); returns how many."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    rows = [dict(claim_type=claim_type, kind=kind, label=label, hint=hint, required=True, position=position)
            for claim_type, items in DEFAULT_REQUIREMENTS.items()
            for position, (kind, label, hint) in enumerate(items)]
    result = db.session.execute(pg_insert(ClaimDocumentRequirement).values(rows).on_conflict_do_nothing(
        constraint="uq_claim_document_requirements_type_kind"))
    db.session.commit()
    return result.rowcount


# ---- lists and details --------------------------------------------------------------------------

def _latest_stage():
    return (select(ClaimEvent.stage).where(ClaimEvent.claim_id == Claim.id)
            .order_by(ClaimEvent.at.desc(), ClaimEvent.id.desc()).limit(1).scalar_subquery())


def list_claims(viewer: Viewer, page: int = 1, page_size: int = 20) -> PageResult:
    stmt = (scoped_select(viewer, Claim, Claim.id, Claim.number, Claim.status, Claim.claim_type, Claim.reported_at,
                          Claim.closed_at, Claim.paid, Claim.policy_id, Policy.number.label("policy_number"),
                          Vehicle.plate, Dealer.name.label("repair_dealer_name"),
                          _latest_stage().label("latest_stage"), func.count().over().label("total"))
            .join(Policy, Policy.id == Claim.policy_id)
            .outerjoin(Vehicle, Vehicle.id == Claim.vehicle_id)
            .outerjoin(Dealer, Dealer.id == Claim.repair_dealer_id)
            .order_by(Claim.reported_at.desc(), Claim.id.desc()))
    rows = db.session.execute(stmt.limit(page_size).offset((page - 1) * page_size)).all()
    total = rows[0].total if rows else db.session.execute(
        select(func.count()).select_from(scoped_select(viewer, Claim, Claim.id).subquery())).scalar_one()
    items = []
    for r in rows:
        stage = r.latest_stage or ClaimStage.reported
        items.append({
            "id": r.id, "number": r.number, "status": r.status.value, "status_label": CLAIM_STATUS_LABELS[r.status],
            "claim_type": r.claim_type, "reported_at": r.reported_at, "closed_at": r.closed_at, "paid": r.paid,
            "policy_id": r.policy_id, "policy_number": r.policy_number, "plate": r.plate,
            "repair_dealer_name": r.repair_dealer_name, "latest_stage": stage.value,
            "latest_stage_label": CLAIM_STAGE_LABELS[stage],
        })
    return PageResult(items=items, total=total, page=page, page_size=page_size)


def requirements_for(claim_type: str) -> list[ClaimDocumentRequirement]:
    return list(db.session.scalars(
        select(ClaimDocumentRequirement).where(ClaimDocumentRequirement.claim_type == claim_type)
        .order_by(ClaimDocumentRequirement.position, ClaimDocumentRequirement.id)))


def _documents(claim_id: int) -> list[ClaimDocument]:
    return list(db.session.scalars(
        select(ClaimDocument).where(ClaimDocument.claim_id == claim_id)
        .order_by(ClaimDocument.uploaded_at, ClaimDocument.id)))


def _timeline(claim: Claim, events: list[ClaimEvent], dealer: Dealer | None) -> list[dict]:
    first: dict[ClaimStage, ClaimEvent] = {}
    for event in events:
        first.setdefault(event.stage, event)
    # Claim fields stand in for events the core system did not send.
    implied = {
        ClaimStage.reported: claim.reported_at,
        ClaimStage.registered: claim.registered_at,
        ClaimStage.closed: claim.closed_at if claim.status == ClaimStatus.closed else None,
        ClaimStage.paid: claim.closed_at if claim.status == ClaimStatus.closed and claim.paid > 0 else None,
    }
    timeline = []
    for stage in TIMELINE:
        event = first.get(stage)
        at = event.at if event else implied.get(stage)
        reached = at is not None or (stage == ClaimStage.repairing and dealer is not None)
        note = event.note if event else None
        if stage == ClaimStage.repairing and dealer is not None:
            note = f"维修单位:{dealer.name}"
        elif stage == ClaimStage.paid and reached and claim.paid > 0 and not note:
            note = f"赔款 {claim.paid:,.2f} 元"
        timeline.append({"stage": stage.value, "label": CLAIM_STAGE_LABELS[stage],
                         "state": "done" if reached else "pending", "at": at, "note": note})
    if claim.status == ClaimStatus.cancelled:
        event = first.get(ClaimStage.cancelled)
        timeline.append({"stage": ClaimStage.cancelled.value, "label": CLAIM_STAGE_LABELS[ClaimStage.cancelled],
                         "state": "done", "at": event.at if event else claim.cancelled_at,
                         "note": event.note if event else None})
    return timeline


def _checklist(requirements: list[ClaimDocumentRequirement], documents: list[ClaimDocument]) -> list[dict]:
    counts: dict[str, int] = {}
    for doc in documents:
        counts[doc.kind] = counts.get(doc.kind, 0) + 1
    return [{"kind": r.kind, "label": r.label, "hint": r.hint, "required": r.required,
             "uploaded": counts.get(r.kind, 0) > 0, "count": counts.get(r.kind, 0)} for r in requirements]


def get_claim(viewer: Viewer, claim_id: int) -> dict:
    claim = get_scoped(viewer, Claim, claim_id, "赔案不存在")
    events = list(db.session.scalars(
        select(ClaimEvent).where(ClaimEvent.claim_id == claim.id).order_by(ClaimEvent.at, ClaimEvent.id)))
    dealer = db.session.get(Dealer, claim.repair_dealer_id) if claim.repair_dealer_id else None
    policy = db.session.get(Policy, claim.policy_id)
    vehicle = db.session.get(Vehicle, claim.vehicle_id) if claim.vehicle_id else None
    requirements = requirements_for(claim.claim_type)
    documents = _documents(claim.id)
    checklist = _checklist(requirements, documents)
    labels = {r.kind: r.label for r in requirements} | {OTHER_KIND[0]: OTHER_KIND[1]}
    timeline = _timeline(claim, events, dealer)
    reached = [item for item in timeline if item["state"] == "done"]
    return {
        "id": claim.id, "number": claim.number, "status": claim.status.value,
        "status_label": CLAIM_STATUS_LABELS[claim.status], "claim_type": claim.claim_type,
        "reported_at": claim.reported_at, "registered_at": claim.registered_at, "closed_at": claim.closed_at,
        "paid": claim.paid, "description": claim.description, "policy_id": claim.policy_id,
        "policy_number": policy.number, "plate": vehicle.plate if vehicle else None,
        "repair_dealer_name": dealer.name if dealer else None,
        "current_stage": reached[-1]["stage"], "current_stage_label": reached[-1]["label"],
        "timeline": timeline, "checklist": checklist,
        # Judged like _mark_documents_complete: a checklist with nothing required is never "complete".
        "documents_complete": (all(item["uploaded"] for item in checklist if item["required"])
                               and any(item["required"] for item in checklist)),
        "documents": [_document_row(d, labels) for d in documents],
        "accepts_uploads": claim.status not in (ClaimStatus.closed, ClaimStatus.cancelled),
    }


def _document_row(doc: ClaimDocument, labels: dict[str, str]) -> dict:
    # A document filed under an item since taken off the checklist reads as "other", not by its
    # machine name.
    return {"id": doc.id, "kind": doc.kind, "kind_label": labels.get(doc.kind, OTHER_KIND[1]),
            "content_type": doc.content_type, "size": doc.size, "original_name": doc.original_name,
            "uploaded_at": doc.uploaded_at}


# ---- uploads ------------------------------------------------------------------------------------

def sniff(head: bytes) -> str | None:
    """The MIME type of a file by its first bytes, if it is one we take; else None."""
    kind = filetype.guess(head)
    return kind.mime if kind is not None and kind.mime in ALLOWED_TYPES else None


def read_limited(stream, limit: int) -> bytes:
    """Read at most `limit` bytes; refuse a longer file without reading all of it."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise DomainError(f"文件不能超过 {limit // (1024 * 1024)} MB", "file_too_large",
                          {"file": ["文件过大"]}, status=413)
    if not data:
        raise DomainError("文件为空", "file_empty", {"file": ["文件为空"]}, status=422)
    return data


@dataclass(frozen=True)
class Upload:
    kind: str
    data: bytes
    original_name: str | None


def upload_document(viewer: Viewer, claim_id: int, upload: Upload) -> dict:
    claim = get_scoped(viewer, Claim, claim_id, "赔案不存在")
    if claim.status in (ClaimStatus.closed, ClaimStatus.cancelled):
        raise DomainError("该赔案已结案或已注销,无需再上传资料", "claim_closed", status=409)
    requirements = requirements_for(claim.claim_type)
    labels = {r.kind: r.label for r in requirements} | {OTHER_KIND[0]: OTHER_KIND[1]}
    if upload.kind not in labels:
        raise DomainError("资料类型不正确", "invalid_kind", {"kind": ["该赔案不需要这类资料"]}, status=422)
    mime = sniff(upload.data[:8192])
    if mime is None:
        raise DomainError("只能上传照片(JPG、PNG、HEIC)或 PDF 文件", "unsupported_file",
                          {"file": ["文件内容不是照片或 PDF"]}, status=415)
    key = new_key(f"claims/{claim.id}", ALLOWED_TYPES[mime])
    try:
        storage().put(key, upload.data, mime)
    except StorageError:
        log.exception("could not store a claim document")
        raise DomainError("文件保存失败,请稍后重试", "storage_unavailable", status=503) from None
    try:
        # Uploads to one claim take turns from here, so the checklist is judged on all of them.
        db.session.execute(select(Claim.id).where(Claim.id == claim.id).with_for_update())
        doc = ClaimDocument(claim_id=claim.id, kind=upload.kind, storage_key=key, content_type=mime,
                            size=len(upload.data), original_name=_clean_name(upload.original_name),
                            uploaded_by_customer_id=viewer.customer.id if viewer.customer else None,
                            uploaded_by_staff_id=viewer.staff_id)
        db.session.add(doc)
        db.session.flush()
        _mark_documents_complete(claim, requirements)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        storage().delete(key)
        raise
    return _document_row(doc, labels)


def _mark_documents_complete(claim: Claim, requirements: list[ClaimDocumentRequirement]) -> None:
    """Record the documents_complete stage the first time every required document is there."""
    required = {r.kind for r in requirements if r.required}
    if not required:
        return
    uploaded = set(db.session.scalars(select(ClaimDocument.kind).where(ClaimDocument.claim_id == claim.id)))
    if not required <= uploaded:
        return
    already = db.session.execute(
        select(ClaimEvent.id).where(ClaimEvent.claim_id == claim.id,
                                    ClaimEvent.stage == ClaimStage.documents_complete)).first()
    if already is None:
        db.session.add(ClaimEvent(claim_id=claim.id, stage=ClaimStage.documents_complete, at=datetime.now(UTC),
                                  note=COMPLETE_NOTE))


def _clean_name(name: str | None) -> str | None:
    """Kept only to show the customer what they sent: never used as a path."""
    if not name:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in name if ch.isprintable())[:255] or None


def open_document(viewer: Viewer, claim_id: int, document_id: int) -> tuple[ClaimDocument, object]:
    """(document, chunk iterator) of one of the viewer's claim documents; NotFound otherwise."""
    claim = get_scoped(viewer, Claim, claim_id, "赔案不存在")
    doc = db.session.execute(
        select(ClaimDocument).where(ClaimDocument.id == document_id, ClaimDocument.claim_id == claim.id)
    ).scalar_one_or_none()
    if doc is None:
        raise NotFound("资料不存在")
    try:
        return doc, storage().open(doc.storage_key)
    except StorageError:
        log.exception("claim document %s missing from storage", doc.id)
        raise DomainError("文件暂时无法读取,请稍后重试", "storage_unavailable", status=503) from None


def max_upload_bytes() -> int:
    return current_app.config["MP_UPLOAD_MAX_BYTES"]


# ---- the checklist, edited in the panel (理赔资料清单) -------------------------------------------

def require_checklist_admin(viewer: Viewer, edit: bool = False) -> None:
    """The rule of 会员等级规则: admins read the checklists; they apply to every customer, so only a
    company-level admin changes them."""
    if viewer.role != Role.admin:
        raise Forbidden("只有管理员可以查看理赔资料清单")
    if edit and viewer.staff.org_unit.level != OrgLevel.company:
        raise Forbidden("理赔资料清单对全体客户生效,只有总公司管理员可以修改")


def all_requirements() -> list[ClaimDocumentRequirement]:
    return list(db.session.scalars(select(ClaimDocumentRequirement).order_by(
        ClaimDocumentRequirement.claim_type, ClaimDocumentRequirement.position, ClaimDocumentRequirement.id)))


def get_requirement(requirement_id: int) -> ClaimDocumentRequirement:
    return get_or_404(ClaimDocumentRequirement, requirement_id, "资料项不存在")


def _duplicate_kind(kind: str) -> DomainError:
    return DomainError(f"该案件类型已有代码为「{kind}」的资料项", "duplicate_kind",
                       {"kind": ["同一案件类型的资料代码不能重复"]}, status=409)


def add_requirement(viewer: Viewer, data: dict) -> ClaimDocumentRequirement:
    """A new checklist item (claim_type, kind, label, hint, required, position; a missing position
    puts it last). Audited; commits."""
    require_checklist_admin(viewer, edit=True)
    claim_type, kind = data["claim_type"], data["kind"]
    if kind == OTHER_KIND[0]:
        raise DomainError(f"「{kind}」留给客户补充的{OTHER_KIND[1]},请换一个代码", "reserved_kind",
                          {"kind": ["保留代码"]}, status=422)
    if db.session.execute(select(ClaimDocumentRequirement.id).where(
            ClaimDocumentRequirement.claim_type == claim_type, ClaimDocumentRequirement.kind == kind)).first():
        raise _duplicate_kind(kind)
    position = data.get("position")
    if position is None:
        position = db.session.scalar(select(func.coalesce(func.max(ClaimDocumentRequirement.position) + 1, 0))
                                     .where(ClaimDocumentRequirement.claim_type == claim_type))
    requirement = ClaimDocumentRequirement(claim_type=claim_type, kind=kind, label=data["label"],
                                           hint=data.get("hint"), required=data.get("required", True),
                                           position=position)
    db.session.add(requirement)
    try:
        db.session.flush()
    except IntegrityError:  # the same kind added at the same moment by someone else
        db.session.rollback()
        raise _duplicate_kind(kind) from None
    audit.record(viewer, "create", "claim_document_requirement", requirement.id,
                 {"claim_type": claim_type, "kind": kind, "label": requirement.label, "required": requirement.required})
    db.session.commit()
    return requirement


def update_requirement(viewer: Viewer, requirement_id: int, *, label: str, hint: str | None, required: bool,
                       position: int) -> int:
    """Change an item's label, hint, required flag and position (its kind names uploaded documents, so
    it stays). Audited; commits. Returns how many open claims this made complete."""
    require_checklist_admin(viewer, edit=True)
    requirement = get_requirement(requirement_id)
    was_required = requirement.required
    new = {"label": label, "hint": hint, "required": required, "position": position}
    changed = {name: [getattr(requirement, name), value] for name, value in new.items()
               if getattr(requirement, name) != value}
    for name, value in new.items():
        setattr(requirement, name, value)
    completed = 0
    if changed:
        audit.record(viewer, "update", "claim_document_requirement", requirement.id,
                     {"claim_type": requirement.claim_type, "kind": requirement.kind, "changes": changed})
        if was_required and not required:
            completed = _record_newly_complete(requirement.claim_type)
    db.session.commit()
    return completed


def delete_requirement(viewer: Viewer, requirement_id: int) -> tuple[ClaimDocumentRequirement, int]:
    """Take an item off its checklist. Documents already uploaded under it stay with their claims.
    Audited; commits. Returns the deleted item and how many open claims this made complete."""
    require_checklist_admin(viewer, edit=True)
    requirement = get_requirement(requirement_id)
    db.session.delete(requirement)
    audit.record(viewer, "delete", "claim_document_requirement", requirement.id,
                 {"claim_type": requirement.claim_type, "kind": requirement.kind, "label": requirement.label,
                  "required": requirement.required})
    completed = _record_newly_complete(requirement.claim_type) if requirement.required else 0
    db.session.commit()
    return requirement, completed


def _record_newly_complete(claim_type: str) -> int:
    """After a checklist was relaxed, record documents_complete on the open claims of its type that now
    have every required document, as their next upload would have. The claims are locked first (in
    id order), as an upload locks its claim, so the stage is still recorded only once."""
    req = ClaimDocumentRequirement
    already = exists().where(ClaimEvent.claim_id == Claim.id, ClaimEvent.stage == ClaimStage.documents_complete)
    missing = exists().where(req.claim_type == claim_type, req.required, ~exists().where(
        ClaimDocument.claim_id == Claim.id, ClaimDocument.kind == req.kind).correlate(Claim, req))
    has_required = exists().where(req.claim_type == claim_type, req.required)
    ids = list(db.session.scalars(
        select(Claim.id).where(Claim.claim_type == claim_type,
                               Claim.status.not_in((ClaimStatus.closed, ClaimStatus.cancelled)),
                               has_required, ~missing, ~already)
        .order_by(Claim.id).with_for_update(of=Claim)))
    if not ids:
        return 0
    # A fresh statement sees events committed by uploads that held the locks before us.
    result = db.session.execute(insert(ClaimEvent).from_select(
        ["claim_id", "stage", "at", "note"],
        select(Claim.id, literal(ClaimStage.documents_complete, ClaimEvent.stage.type), func.now(),
               literal(COMPLETE_NOTE)).where(Claim.id.in_(ids), ~already)))
    return result.rowcount
