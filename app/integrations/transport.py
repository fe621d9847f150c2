"""HTTP plumbing the gateways share: sessions, mapping network failures and error codes to gateway errors, masking."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests
from wechatpy.exceptions import WeChatClientException

from app.integrations.base import PermanentError, TransientError
from app.security.fields import mask_mobile


def new_session() -> requests.Session:
    session = requests.Session()
    # RQ workers and web threads share one gateway per process; a bigger pool avoids churn.
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@contextmanager
def network_errors(provider: str) -> Iterator[None]:
    """Turn a timeout, a refused connection or an HTTP 5xx/429 into TransientError.

    A read timeout is ambiguous (the provider may have sent the message); its code "timeout"
    keeps it apart from "connection", where nothing reached the provider.
    """
    try:
        yield
    except requests.ConnectTimeout as exc:
        raise TransientError(f"连接{provider}超时", code="connection") from exc
    except requests.Timeout as exc:
        raise TransientError(f"{provider}响应超时", code="timeout") from exc
    except requests.ConnectionError as exc:
        raise TransientError(f"无法连接{provider}", code="connection") from exc
    except WeChatClientException as exc:
        if exc.errcode is not None:
            raise
        status = getattr(exc.response, "status_code", None)
        raise http_status_error(provider, status) from exc


def http_status_error(provider: str, status: int | None) -> TransientError:
    """An HTTP error status from a provider. These APIs answer 200 with an error code for
    everything a message can be blamed for, so any other status is the provider's or the
    network's problem: worth another try later."""
    return TransientError(f"{provider}返回 HTTP {status}", code=str(status))


def check_status(provider: str, response: requests.Response) -> None:
    if response.status_code != 200:
        raise http_status_error(provider, response.status_code)


def decode(provider: str, response: requests.Response) -> dict:
    check_status(provider, response)
    try:
        answer = response.json()
    except ValueError as exc:
        raise TransientError(f"{provider}返回的内容无法解析", code="bad_response") from exc
    if not isinstance(answer, dict):
        raise TransientError(f"{provider}返回的内容无法解析", code="bad_response")
    return answer


def raise_for_errcode(provider: str, answer: dict, *, permanent: dict[int, str],
                      transient: dict[int, str]) -> None:
    """Map a WeChat-family errcode: known permanent codes, else TransientError.

    An unknown code is treated as transient: the outbox retries a bounded number of times, which
    costs little, while calling it permanent could drop a message for a passing fault.
    """
    errcode = int(answer.get("errcode") or 0)
    if errcode == 0:
        return
    errmsg = answer.get("errmsg") or ""
    if errcode in permanent:
        raise PermanentError(f"{provider}:{permanent[errcode]}({errcode} {errmsg})", code=str(errcode))
    reason = transient.get(errcode, "发送失败")
    raise TransientError(f"{provider}:{reason}({errcode} {errmsg})", code=str(errcode))


def wechatpy_answer(provider: str, call) -> dict:
    """Run a wechatpy call; an errcode answer comes back as a dict instead of an exception,
    so token errors and error mapping are handled in one place for wechatpy and requests alike."""
    try:
        answer = call()
    except WeChatClientException as exc:
        if exc.errcode is None:
            raise
        return {"errcode": int(exc.errcode), "errmsg": str(exc.errmsg or "")}
    if not isinstance(answer, dict):  # wechatpy hands back the raw response when it is not JSON
        raise TransientError(f"{provider}返回的内容无法解析", code="bad_response")
    return answer


def mask_recipient(channel: str, recipient: str) -> str:
    """What may appear in a log line about a recipient: never a full number or a robot key."""
    if channel == "sms":
        digits = recipient[-11:] if len(recipient) >= 11 else recipient
        return mask_mobile(digits) or ""
    if channel == "wecom_robot":
        return recipient[:4] + "****" if recipient else ""
    if channel == "wechat_subscribe":
        return recipient[:6] + "****" + recipient[-2:] if len(recipient) > 8 else "****"
    return recipient  # WeCom userids are staff account names, not personal data
