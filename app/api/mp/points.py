"""Points: balance, ledger, daily sign-in, invitations."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from app.api.mp import blp
from app.auth.viewer import current_viewer, customer_required
from app.schemas.points import (
    InviteAcceptArgs,
    InviteSchema,
    LedgerEntrySchema,
    PointsSummarySchema,
    ReferralSchema,
    SignInResultSchema,
    SignInStateSchema,
)
from app.services.points import referrals, signin, statement


def _customer_id() -> int:
    return current_viewer().customer_id


@blp.route("/points")
class Points(MethodView):
    decorators = [customer_required]

    @blp.response(200, PointsSummarySchema)
    def get(self):
        """我的积分:可用余额与最近一批将过期的积分"""
        # Already JSON, built by PostgreSQL in PointsSummarySchema's shape
        # (tests/test_mp_hot_paths.py checks it against the schema's dump): returned as is.
        return current_app.response_class(statement.summary_json(_customer_id()), mimetype="application/json")


@blp.route("/points/ledger")
class PointsLedger(MethodView):
    decorators = [customer_required]

    @blp.response(200, LedgerEntrySchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    def get(self, pagination_parameters):
        """积分明细(最新在前;分页信息在 X-Pagination 响应头)"""
        result = statement.ledger_page(_customer_id(), pagination_parameters.page, pagination_parameters.page_size)
        pagination_parameters.item_count = result.total
        return result.items


@blp.route("/points/sign-in")
class PointsSignIn(MethodView):
    decorators = [customer_required]

    @blp.response(200, SignInStateSchema)
    def get(self):
        """今日是否已签到、连续天数、下一个连签奖励"""
        return signin.state(_customer_id())

    @blp.response(200, SignInResultSchema)
    def post(self):
        """签到(每天一次;重复签到返回 409 already_signed_in)"""
        return signin.sign_in(_customer_id())


@blp.route("/invite")
class Invite(MethodView):
    decorators = [customer_required]

    @blp.response(200, InviteSchema)
    def get(self):
        """我的邀请码与邀请成果"""
        return referrals.invite_info(_customer_id())


@blp.route("/invite/accept")
class InviteAccept(MethodView):
    decorators = [customer_required]

    @blp.arguments(InviteAcceptArgs)
    @blp.response(201, ReferralSchema)
    def post(self, args):
        """接受邀请(每个账号、手机号、设备只能接受一次;不能接受自己的邀请)"""
        return referrals.accept(_customer_id(), args["invite_code"], args["device_id"])
