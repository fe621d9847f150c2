"""Fake WeChat mini-program API: /cgi-bin/token, subscribe-message send, /sns/jscode2session."""

from __future__ import annotations

from collections import Counter

from tests.fakes.base import FakeServer, Received

APP_ID = "wx0000fakeappid"
APP_SECRET = "fake-wechat-app-secret"


class FakeWeChat(FakeServer):
    """Speaks the parts of api.weixin.qq.com Baoyun uses.

    - GET /cgi-bin/token: checks appid/secret (40013 / 40125), issues a token that invalidates the
      previous one (a later call with the old token gets 40001).
    - POST /cgi-bin/message/subscribe/send: checks the token (40001/40014/42001), the body shape
      ({touser, template_id, data: {name: {value}}}) and each value's length by its field kind
      (thing1 <= 20 characters, phrase <= 5, car_number <= 8, ...: 47003); openids in
      `refused_openids` get 43101. With `require_subscription = True` a send needs a subscription
      granted by `subscribe(openid, template_id, times)` and uses one up (one-time subscriptions),
      else 43101.
    - GET /sns/jscode2session: codes added by `add_login(code, openid)`; unknown 40029, reused 40163.
    """

    token_paths = ("/cgi-bin/token",)
    send_paths = ("/cgi-bin/message/subscribe/send",)

    def __init__(self, app_id: str = APP_ID, secret: str = APP_SECRET, **kwargs):
        self.app_id = app_id
        self.secret = secret
        super().__init__(**kwargs)

    def _reset_provider(self) -> None:
        self.refused_openids: set[str] = set()
        self.require_subscription = False
        self.subscriptions: Counter[tuple[str, str]] = Counter()
        self.logins: dict[str, dict] = {}
        self.used_codes: set[str] = set()
        self.msg_seq = 0

    def subscribe(self, openid: str, template_id: str, times: int = 1) -> None:
        """The user accepted `times` one-time subscriptions to this template in the mini-program."""
        with self._lock:
            self.subscriptions[(openid, template_id)] += times

    def add_login(self, code: str, openid: str, unionid: str | None = None) -> None:
        self.logins[code] = {"openid": openid, "unionid": unionid}

    def routes(self) -> dict:
        return {
            ("GET", "/cgi-bin/token"): self._token,
            ("POST", "/cgi-bin/message/subscribe/send"): self._subscribe_send,
            ("GET", "/sns/jscode2session"): self._jscode2session,
        }

    def _token(self, req: Received, script) -> tuple[int, dict]:
        if req.query.get("grant_type") != "client_credential":
            return 200, {"errcode": 40002, "errmsg": "invalid grant_type"}
        if req.query.get("appid") != self.app_id:
            return 200, {"errcode": 40013, "errmsg": "invalid appid"}
        if req.query.get("secret") != self.secret:
            return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
        token = self.issue_token()
        return 200, {"access_token": token, "expires_in": self.token_expires_in, "_ok": True}

    def _subscribe_send(self, req: Received, script) -> tuple[int, dict]:
        error = self.token_error(req.query.get("access_token"))
        if error:
            return 200, {"errcode": error[0], "errmsg": error[1]}
        body = req.json or {}
        if not body.get("touser"):
            return 200, {"errcode": 40003, "errmsg": "invalid openid"}
        if not body.get("template_id"):
            return 200, {"errcode": 40037, "errmsg": "invalid template_id"}
        data = body.get("data")
        if not isinstance(data, dict) or not data:
            return 200, {"errcode": 47003, "errmsg": "argument invalid! data is empty"}
        for name, item in data.items():
            if not isinstance(item, dict) or not str(item.get("value", "")):
                return 200, {"errcode": 47003, "errmsg": f"argument invalid! data.{name}.value is empty"}
            if len(str(item["value"])) > _limit(name, str(item["value"])):
                return 200, {"errcode": 47003, "errmsg": f"argument invalid! data.{name}.value too long"}
        if body["touser"] in self.refused_openids:
            return 200, {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        if self.require_subscription:
            with self._lock:
                key = (body["touser"], body["template_id"])
                if self.subscriptions[key] <= 0:
                    return 200, {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
                self.subscriptions[key] -= 1
        with self._lock:
            self.msg_seq += 1
            msgid = 3000000000 + self.msg_seq
        return 200, {"errcode": 0, "errmsg": "ok", "msgid": msgid, "_ok": True}

    def _jscode2session(self, req: Received, script) -> tuple[int, dict]:
        if req.query.get("appid") != self.app_id or req.query.get("secret") != self.secret:
            return 200, {"errcode": 40013, "errmsg": "invalid appid"}
        code = req.query.get("js_code", "")
        if code in self.used_codes:
            return 200, {"errcode": 40163, "errmsg": "code been used"}
        login = self.logins.get(code)
        if login is None:
            return 200, {"errcode": 40029, "errmsg": "invalid code"}
        self.used_codes.add(code)
        answer = {"openid": login["openid"], "session_key": f"session-key-{code}", "_ok": True}
        if login["unionid"]:
            answer["unionid"] = login["unionid"]
        return 200, answer


# Longest value per subscribe-message field kind (the field name without its number: thing1 -> thing).
FIELD_LIMITS = {"thing": 20, "number": 32, "letter": 32, "symbol": 5, "character_string": 32,
                "phone_number": 17, "car_number": 8, "phrase": 5}


def _limit(name: str, value: str) -> int:
    kind = name.rstrip("0123456789")
    if kind == "name":  # 10 Chinese characters, or 20 letters/symbols
        return 20 if value.isascii() else 10
    return FIELD_LIMITS.get(kind, 10_000)


def start_fake_wechat(**kwargs) -> FakeWeChat:
    """Start a WeChat fake on an ephemeral local port (call .stop() when done)."""
    return FakeWeChat(**kwargs).start()
