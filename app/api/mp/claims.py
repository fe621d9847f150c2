"""My claims: list, stage timeline, document checklist and uploads."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from app.api.mp import blp
from app.api.mp.policies import paged
from app.auth.viewer import current_viewer, customer_required
from app.errors import DomainError
from app.schemas.mp import MpClaimDetail, MpClaimRow, MpDocumentRow, MpUploadForm
from app.services import mp_claims


@blp.route("/claims")
class ClaimList(MethodView):
    decorators = [customer_required]

    @blp.response(200, MpClaimRow(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    def get(self, pagination_parameters):
        """我的赔案,最新的在前;分页信息在 X-Pagination 响应头"""
        return paged(pagination_parameters, mp_claims.list_claims(
            current_viewer(), pagination_parameters.page, pagination_parameters.page_size))


@blp.route("/claims/<int:claim_id>")
class ClaimDetailView(MethodView):
    decorators = [customer_required]

    @blp.response(200, MpClaimDetail)
    def get(self, claim_id):
        """赔案详情:进度时间线、该类案件所需资料清单及上传情况、已上传的资料"""
        return mp_claims.get_claim(current_viewer(), claim_id)


@blp.route("/claims/<int:claim_id>/documents")
class ClaimDocuments(MethodView):
    decorators = [customer_required]

    @blp.arguments(MpUploadForm, location="form", content_type="multipart/form-data")
    @blp.response(201, MpDocumentRow)
    def post(self, form, claim_id):
        """上传理赔资料(multipart:kind、file):照片(JPG/PNG/HEIC)或 PDF,按内容识别,大小有上限"""
        upload = request.files.get("file")
        if upload is None:
            raise DomainError("请选择要上传的文件", "validation_error", {"file": ["必填项"]}, status=422)
        limit = mp_claims.max_upload_bytes()
        if request.content_length and request.content_length > limit + 64 * 1024:
            raise DomainError(f"文件不能超过 {limit // (1024 * 1024)} MB", "file_too_large",
                              {"file": ["文件过大"]}, status=413)
        data = mp_claims.read_limited(upload.stream, limit)
        return mp_claims.upload_document(current_viewer(), claim_id,
                                         mp_claims.Upload(form["kind"], data, upload.filename))


@blp.route("/claims/<int:claim_id>/documents/<int:document_id>")
class ClaimDocumentFile(MethodView):
    decorators = [customer_required]

    @blp.response(200, description="文件内容")
    def get(self, claim_id, document_id):
        """查看自己上传的理赔资料(原文件)"""
        doc, chunks = mp_claims.open_document(current_viewer(), claim_id, document_id)
        extension = doc.storage_key.rsplit(".", 1)[-1]
        return Response(chunks, mimetype=doc.content_type, headers={
            "Content-Length": str(doc.size),
            "Content-Disposition": f'inline; filename="claim-document-{doc.id}.{extension}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        })
