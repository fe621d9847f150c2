"""Voucher verification by a partner: `X-Partner-Key: <prefix>.<secret>`, or a dealer's resident
manager with their staff bearer token."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from app.api.partner import blp
from app.auth.viewer import viewer_from_token
from app.schemas.points import VerifiedVoucherSchema, VerifyArgs
from app.services.points import partners


def _partner_and_staff():
    key = request.headers.get(partners.KEY_HEADER)
    if key:
        return partners.partner_from_key(key), None
    if request.headers.get("Authorization"):
        viewer = viewer_from_token(request.headers["Authorization"])
        if viewer.staff is not None:
            return partners.partner_for_staff(viewer.staff), viewer.staff.id
    raise partners.PartnerAuthError()


@blp.route("/vouchers/verify")
class VerifyVoucher(MethodView):
    @blp.arguments(VerifyArgs)
    @blp.response(200, VerifiedVoucherSchema)
    @blp.doc(parameters=[{"in": "header", "name": partners.KEY_HEADER, "required": False, "schema": {"type": "string"},
                          "description": "商户核销密钥 <prefix>.<secret>;驻店经理改用 Authorization: Bearer 员工令牌"}])
    def post(self, args):
        """核销兑换券(每张券只能核销一次;每次尝试都记入核销日志)"""
        partner, staff_id = _partner_and_staff()
        return partners.verify(partner, args["code"], ip=request.remote_addr, staff_id=staff_id)
