"""The points mall: catalogue, redemption, my vouchers."""

from __future__ import annotations

from flask.views import MethodView

from app.api.mp import blp
from app.auth.viewer import current_viewer, customer_required
from app.models.points import MallCategory, VoucherStatus
from app.schemas.points import (
    ItemListArgs,
    MallItemSchema,
    RedeemArgs,
    VoucherDetailSchema,
    VoucherListArgs,
    VoucherSchema,
)
from app.services.points import mall


def _customer_id() -> int:
    return current_viewer().customer.id


@blp.route("/mall/items")
class MallItems(MethodView):
    decorators = [customer_required]

    @blp.arguments(ItemListArgs, location="query")
    @blp.response(200, MallItemSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    def get(self, args, pagination_parameters):
        """积分商城商品(可按分类筛选:car_wash 洗车、designated_driver 代驾、inspection 年检、maintenance 保养、gift 礼品)"""
        category = MallCategory(args["category"]) if args["category"] else None
        result = mall.list_items(category, pagination_parameters.page, pagination_parameters.page_size)
        pagination_parameters.item_count = result.total
        return result.items


@blp.route("/mall/items/<int:item_id>")
class MallItemDetail(MethodView):
    decorators = [customer_required]

    @blp.response(200, MallItemSchema)
    def get(self, item_id):
        """商品详情"""
        return mall.get_item(item_id)


@blp.route("/mall/items/<int:item_id>/redeem")
class MallRedeem(MethodView):
    decorators = [customer_required]

    @blp.arguments(RedeemArgs)
    @blp.response(201, VoucherDetailSchema)
    def post(self, args, item_id):
        """兑换:扣积分、扣库存、发券;同一 request_id 重复提交返回同一张券"""
        voucher, _created = mall.redeem(_customer_id(), item_id, args["quantity"], args["request_id"])
        return voucher


@blp.route("/vouchers")
class Vouchers(MethodView):
    decorators = [customer_required]

    @blp.arguments(VoucherListArgs, location="query")
    @blp.response(200, VoucherSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    def get(self, args, pagination_parameters):
        """我的兑换券"""
        status = VoucherStatus(args["status"]) if args["status"] else None
        result = mall.my_vouchers(_customer_id(), status, pagination_parameters.page, pagination_parameters.page_size)
        pagination_parameters.item_count = result.total
        return result.items


@blp.route("/vouchers/<int:voucher_id>")
class VoucherDetail(MethodView):
    decorators = [customer_required]

    @blp.response(200, VoucherDetailSchema)
    def get(self, voucher_id):
        """兑换券详情(未使用时含券码与二维码)"""
        return mall.my_voucher(_customer_id(), voucher_id)


@blp.route("/vouchers/<int:voucher_id>/cancel")
class VoucherCancel(MethodView):
    decorators = [customer_required]

    @blp.response(200, VoucherSchema)
    def post(self, voucher_id):
        """取消未使用的兑换券:积分退回原来的积分批次,库存退回"""
        return mall.cancel(_customer_id(), voucher_id)
