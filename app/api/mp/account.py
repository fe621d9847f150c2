"""Login (wx.login -> code2session), binding to a customer or a resident manager, the subscribe-message consents."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from app.api.mp import blp, mp_profile
from app.auth.tokens import TokenError, read_bind_token
from app.auth.viewer import current_viewer, customer_required
from app.schemas.mp import (
    MpBindArgs,
    MpBindResult,
    MpLoginArgs,
    MpLoginResult,
    MpSmsCodeArgs,
    MpSmsCodeResult,
    MpSubscriptionArgs,
    MpSubscriptionResult,
)
from app.services import mp_auth


def _bind_token() -> tuple[str, str | None]:
    """(openid, unionid) from the bind-only token /auth/login handed out."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise TokenError("请先登录", "unauthorized")
    return read_bind_token(header[len("Bearer "):].strip())


def _signed_in(result: mp_auth.SignedIn) -> dict:
    body = {"token": result.token, "bound": result.bound, "role": result.role, "expires_in": result.expires_in}
    if result.customer is not None:
        body["customer"] = mp_profile(result.customer)
    if result.staff is not None:
        body["staff"] = mp_profile(result.staff)
    return body


@blp.route("/auth/login")
class Login(MethodView):
    @blp.arguments(MpLoginArgs)
    @blp.response(200, MpLoginResult)
    @blp.doc(security=[])
    def post(self, args):
        """用 wx.login 的 code 登录:已绑定返回正式令牌,未绑定返回只能用于绑定的短期令牌"""
        return _signed_in(mp_auth.login(args["code"]))


@blp.route("/auth/sms-code")
class SmsCode(MethodView):
    @blp.arguments(MpSmsCodeArgs)
    @blp.response(200, MpSmsCodeResult)
    def post(self, args):
        """发送绑定验证码(需登录后的绑定令牌);无论手机号是否为我司客户,回答都相同"""
        openid, _ = _bind_token()
        mp_auth.request_sms_code(openid, args["mobile"], request.remote_addr)
        return {"sent": True, "message": "验证码已发送,请注意查收短信",
                "cooldown_seconds": mp_auth.cooldown_seconds()}


@blp.route("/auth/bind")
class Bind(MethodView):
    @blp.arguments(MpBindArgs)
    @blp.response(200, MpBindResult)
    def post(self, args):
        """绑定:手机号+验证码(客户或驻店经理),或证件号+车牌号(客户)"""
        openid, unionid = _bind_token()
        if args.get("id_number"):
            result = mp_auth.bind_by_id_number(openid, unionid, args["id_number"], args["plate"],
                                               request.remote_addr)
        else:
            result = mp_auth.bind_by_sms(openid, unionid, args["mobile"], args["sms_code"], request.remote_addr,
                                         role=args.get("role"))
        return _signed_in(result)


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    decorators = [customer_required]

    @blp.arguments(MpSubscriptionArgs)
    @blp.response(200, MpSubscriptionResult)
    def post(self, args):
        """记录用户在 wx.requestSubscribeMessage 中同意的订阅消息模板(每次同意可发送一条)"""
        return mp_auth.grant_subscriptions(current_viewer().customer, args["template_ids"])
