"""Fake WeCom API: /cgi-bin/gettoken, app-message send, OAuth getuserinfo and the group-robot webhook."""

from __future__ import annotations

from tests.fakes.base import FakeServer, Received

CORP_ID = "ww0000fakecorpid"
CORP_SECRET = "fake-wecom-app-secret"
AGENT_ID = "1000002"

TEXT_LIMIT = 2048
MARKDOWN_LIMIT = 4096


class FakeWeCom(FakeServer):
    """Speaks the parts of qyapi.weixin.qq.com Baoyun uses.

    - GET /cgi-bin/gettoken: checks corpid (40013) and corpsecret (40001); a new token invalidates
      the previous one (stricter than WeCom, so a double fetch shows up in tests).
    - POST /cgi-bin/message/send: checks token, agentid and the text/markdown body; userids in
      `unknown_users` come back in `invaliduser`, all unknown = 81013.
    - GET /cgi-bin/auth/getuserinfo: codes added by `add_oauth_code(code, userid)`; else 40029.
    - POST /cgi-bin/webhook/send?key=...: keys in `invalid_robot_keys` get 93000; text over 2048
      bytes or markdown over 4096 bytes get 40058. No token involved. With
      `robot_rate_limit = 20`, a robot's 21st message within a minute gets 45009 (off by default).
    """

    token_paths = ("/cgi-bin/gettoken",)
    send_paths = ("/cgi-bin/message/send", "/cgi-bin/webhook/send")

    def __init__(self, corp_id: str = CORP_ID, secret: str = CORP_SECRET, agent_id: str = AGENT_ID,
                 **kwargs):
        self.corp_id = corp_id
        self.secret = secret
        self.agent_id = agent_id
        super().__init__(**kwargs)

    def _reset_provider(self) -> None:
        self.unknown_users: set[str] = set()
        self.invalid_robot_keys: set[str] = set()
        self.robot_rate_limit: int | None = None
        self.robot_sends: dict[str, list[float]] = {}
        self.oauth_codes: dict[str, str] = {}
        self.msg_seq = 0

    def add_oauth_code(self, code: str, userid: str) -> None:
        self.oauth_codes[code] = userid

    @property
    def app_messages(self) -> list[Received]:
        return [r for r in self.requests if r.path == "/cgi-bin/message/send"]

    @property
    def robot_messages(self) -> list[Received]:
        return [r for r in self.requests if r.path == "/cgi-bin/webhook/send"]

    def routes(self) -> dict:
        return {
            ("GET", "/cgi-bin/gettoken"): self._token,
            ("POST", "/cgi-bin/message/send"): self._message_send,
            ("GET", "/cgi-bin/auth/getuserinfo"): self._getuserinfo,
            ("POST", "/cgi-bin/webhook/send"): self._webhook_send,
        }

    def _token(self, req: Received, script) -> tuple[int, dict]:
        if req.query.get("corpid") != self.corp_id:
            return 200, {"errcode": 40013, "errmsg": "invalid corpid"}
        if req.query.get("corpsecret") != self.secret:
            return 200, {"errcode": 40001, "errmsg": "invalid credential"}
        token = self.issue_token()
        return 200, {"errcode": 0, "errmsg": "ok", "access_token": token,
                     "expires_in": self.token_expires_in, "_ok": True}

    def _message_send(self, req: Received, script) -> tuple[int, dict]:
        error = self.token_error(req.query.get("access_token"))
        if error:
            return 200, {"errcode": error[0], "errmsg": error[1]}
        body = req.json or {}
        if str(body.get("agentid")) != str(self.agent_id):
            return 200, {"errcode": 40056, "errmsg": "invalid agentid"}
        problem = _content_problem(body)
        if problem:
            return 200, problem
        users = [u for u in str(body.get("touser") or "").split("|") if u]
        if not users:
            return 200, {"errcode": 40031, "errmsg": "invalid user list"}
        invalid = [u for u in users if u in self.unknown_users]
        if len(invalid) == len(users):
            return 200, {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
        with self._lock:
            self.msg_seq += 1
            msgid = f"fake-msgid-{self.msg_seq}"
        return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid), "msgid": msgid,
                     "_ok": True}

    def _getuserinfo(self, req: Received, script) -> tuple[int, dict]:
        error = self.token_error(req.query.get("access_token"))
        if error:
            return 200, {"errcode": error[0], "errmsg": error[1]}
        userid = self.oauth_codes.pop(req.query.get("code", ""), None)
        if userid is None:
            return 200, {"errcode": 40029, "errmsg": "invalid code"}
        return 200, {"errcode": 0, "errmsg": "ok", "userid": userid, "_ok": True}

    def _webhook_send(self, req: Received, script) -> tuple[int, dict]:
        key = req.query.get("key", "")
        if not key or key in self.invalid_robot_keys:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        problem = _content_problem(req.json or {})
        if problem:
            return 200, problem
        with self._lock:
            recent = [t for t in self.robot_sends.get(key, []) if t > req.at - 60]
            if self.robot_rate_limit is not None and len(recent) >= self.robot_rate_limit:
                return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
            self.robot_sends[key] = [*recent, req.at]
        return 200, {"errcode": 0, "errmsg": "ok", "_ok": True}


def _content_problem(body: dict) -> dict | None:
    msgtype = body.get("msgtype")
    if msgtype not in ("text", "markdown"):
        return {"errcode": 40008, "errmsg": "invalid message type"}
    content = (body.get(msgtype) or {}).get("content")
    if not content:
        return {"errcode": 44004, "errmsg": "empty content"}
    limit = TEXT_LIMIT if msgtype == "text" else MARKDOWN_LIMIT
    if len(content.encode("utf-8")) > limit:
        return {"errcode": 40058, "errmsg": f"{msgtype}.content exceed max length {limit}"}
    return None


def start_fake_wecom(**kwargs) -> FakeWeCom:
    """Start a WeCom fake on an ephemeral local port (call .stop() when done)."""
    return FakeWeCom(**kwargs).start()
