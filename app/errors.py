"""Domain errors and the one mapping of every error to {code, message, errors}."""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

# Chinese messages for HTTP statuses, used when a view aborts without its own message.
STATUS_MESSAGES = {
    400: "请求有误",
    401: "请先登录",
    403: "没有权限",
    404: "未找到",
    405: "不支持的请求方法",
    409: "数据冲突",
    413: "上传内容过大",
    415: "不支持的文件类型",
    422: "提交的数据有误",
    429: "操作过于频繁,请稍后再试",
    500: "服务器内部错误",
    503: "服务暂不可用",
}


class DomainError(Exception):
    """A business rule refused the request. `code` is a stable machine name, `message` Chinese."""

    status = 400

    def __init__(self, message: str, code: str = "domain_error", errors: dict | None = None,
                 status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors = errors or {}
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str = "未找到", code: str = "not_found"):
        super().__init__(message, code)


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: str = "没有权限", code: str = "forbidden"):
        super().__init__(message, code)


def error_body(code: str, message: str, errors: dict | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or {}}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/wecom/") or (
        request.accept_mimetypes.best == "application/json"
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(err: DomainError):
        if not _wants_json():
            from flask import render_template

            return render_template("error.html", status=err.status, message=err.message), err.status
        return jsonify(error_body(err.code, err.message, err.errors)), err.status

    @app.errorhandler(HTTPException)
    def handle_http_exception(err: HTTPException):
        status = err.code or 500
        errors = {}
        data = getattr(err, "data", None) or {}
        messages = data.get("messages") if isinstance(data, dict) else None
        if messages:
            # webargs/marshmallow: {"json": {"field": ["msg"]}} -> {"field": ["msg"]}
            for location_errors in messages.values():
                if isinstance(location_errors, dict):
                    errors.update(location_errors)
        message = data.get("message") if isinstance(data, dict) else None
        if not message or message == err.description or not _is_chinese(message):
            message = STATUS_MESSAGES.get(status, err.name)
        if not _wants_json():
            from flask import render_template

            return render_template("error.html", status=status, message=message), status
        return jsonify(error_body(_status_code_name(status), message, errors)), status

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception):
        app.logger.exception("unhandled error")
        if not _wants_json():
            from flask import render_template

            return render_template("error.html", status=500, message=STATUS_MESSAGES[500]), 500
        return jsonify(error_body("internal_error", STATUS_MESSAGES[500])), 500


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _status_code_name(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        415: "unsupported_media_type",
        422: "validation_error",
        429: "rate_limited",
        500: "internal_error",
        503: "unavailable",
    }.get(status, "error")
