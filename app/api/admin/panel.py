"""The admin web panel's frame: session sign-in and sign-out, the per-request viewer, error pages,
template helpers and response headers. The pages themselves are in pages.py."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from app.auth.viewer import Viewer, current_viewer, set_current_viewer
from app.errors import STATUS_MESSAGES, DomainError
from app.models import AuditChannel
from app.schemas.admin import AdminLoginArgs
from app.services import admin_auth

bp = Blueprint("admin", __name__, url_prefix="/admin")

PUBLIC_ENDPOINTS = {"admin.login"}

# The sidebar, in order: endpoint and label. Detail pages light up their list's entry.
NAV_ITEMS = [
    ("admin.home", "首页"),
    ("admin.org_units", "机构"),
    ("admin.staff", "员工"),
    ("admin.dealers", "车商"),
    ("admin.customers", "客户"),
    ("admin.vehicles", "车辆"),
    ("admin.policies", "保单"),
    ("admin.claims", "赔案"),
    ("admin.reports", "报表"),
    ("admin.audit_logs", "审计日志"),
    ("admin.imports", "数据导入"),
    ("admin.message_templates", "消息模板"),
    ("admin.outbox", "消息发送"),
]
NAV_ACTIVE = {
    "admin.message_template_edit": "admin.message_templates",
    "admin.outbox_detail": "admin.outbox",
    "admin.customer_detail": "admin.customers",
    "admin.policy_detail": "admin.policies",
    "admin.claim_detail": "admin.claims",
    "admin.import_detail": "admin.imports",
}


def register_nav(endpoint: str, label: str, active_for: tuple[str, ...] = ()) -> None:
    """Add a sidebar entry (at the end) for a page module; `active_for` are its detail pages."""
    if all(existing != endpoint for existing, _ in NAV_ITEMS):
        NAV_ITEMS.append((endpoint, label))
    for detail in active_for:
        NAV_ACTIVE[detail] = endpoint

# Pages show personal data: keep them out of caches, frames and other sites' Referer headers.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                               "base-uri 'none'; object-src 'none'",
}


def load_args(schema: Schema, source=None) -> dict:
    """Validate query-string (or form) arguments with a marshmallow schema; the first message
    becomes the page's error."""
    try:
        return schema.load(source if source is not None else request.args)
    except ValidationError as err:
        raise DomainError(_first_message(err.messages), "validation_error", err.messages, status=422) from None


def _first_message(messages) -> str:
    while isinstance(messages, dict | list) and messages:
        messages = next(iter(messages.values())) if isinstance(messages, dict) else messages[0]
    return messages if isinstance(messages, str) else STATUS_MESSAGES[422]


def current_page() -> int:
    return max(1, request.args.get("page", 1, type=int))


def page_size() -> int:
    return current_app.config["PAGE_SIZE"]


# ---- the session -------------------------------------------------------------------------------

@bp.before_request
def require_panel_session():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    staff = admin_auth.panel_staff(session.get("staff_id"), session.get("token_version"))
    if staff is None:
        session.clear()
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("admin.login", next=target))
    set_current_viewer(Viewer(channel=AuditChannel.admin, staff=staff, ip=request.remote_addr))
    return None


def _safe_next(target: str | None) -> str:
    """Only a path inside the panel: anything else would make the login page an open redirect."""
    default = url_for("admin.home")
    if not target or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin/"):
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if admin_auth.panel_staff(session.get("staff_id"), session.get("token_version")) is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("admin/login.html", next=request.args.get("next"))
    next_url = request.form.get("next")
    try:
        args = load_args(AdminLoginArgs(), request.form)
        staff = admin_auth.panel_login(args["username"], args["password"], request.remote_addr)
    except DomainError as err:
        return render_template("admin/login.html", error=err.message, next=next_url,
                               username=request.form.get("username", "")), err.status
    # A fresh session: nothing from before sign-in (an attacker-planted value, an old CSRF token)
    # survives into the signed-in one.
    session.clear()
    session.permanent = True
    session["staff_id"] = staff.id
    session["token_version"] = staff.token_version
    return redirect(_safe_next(next_url))


@bp.post("/logout")
def logout():
    admin_auth.record_logout(current_viewer())
    session.clear()
    return redirect(url_for("admin.login", logged_out=1))


# ---- errors and responses ----------------------------------------------------------------------

def _error_page(status: int, message: str):
    signed_in = getattr(request, "baoyun_viewer", None) is not None
    return render_template("admin/error.html", status=status, message=message, signed_in=signed_in), status


@bp.errorhandler(DomainError)
def domain_error(err: DomainError):
    # Out of scope and missing rows both arrive here as NotFound: one page for both.
    return _error_page(err.status, err.message)


@bp.errorhandler(CSRFError)
def csrf_error(err: CSRFError):
    message = "页面已过期,请刷新后重试"
    if request.endpoint == "admin.login":
        return render_template("admin/login.html", error=message, next=request.form.get("next")), 400
    return _error_page(400, message)


@bp.errorhandler(HTTPException)
def http_error(err: HTTPException):
    status = err.code or 500
    return _error_page(status, STATUS_MESSAGES.get(status, err.name))


@bp.after_request
def security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


# ---- template helpers --------------------------------------------------------------------------

@bp.context_processor
def panel_context():
    active = NAV_ACTIVE.get(request.endpoint, request.endpoint)
    staff = getattr(request, "baoyun_viewer", None)
    return {
        "nav_items": NAV_ITEMS,
        "nav_active": active,
        "me": staff.staff if staff else None,
    }


@bp.app_template_global()
def page_url(page: int) -> str:
    """The current list with the same filters, on another page."""
    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


@bp.app_template_global()
def page_numbers(current: int, pages: int, around: int = 2) -> list[int | None]:
    """Page links to show: first, last and a window around the current one; None is a gap."""
    shown = sorted({1, pages, *range(max(1, current - around), min(pages, current + around) + 1)})
    numbers: list[int | None] = []
    for n in shown:
        if numbers and n - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


@bp.app_template_filter("money")
def money(value) -> str:
    """'12345.6' -> '12,345.60'; blank for no amount."""
    if value in (None, ""):
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


@bp.app_template_filter("when")
def when(value: str | None) -> str:
    """An ISO timestamp already in business time ('2026-03-01T10:00:00+08:00') -> '2026-03-01 10:00'."""
    if not value:
        return ""
    return value[:16].replace("T", " ")


@bp.app_template_filter("percent")
def percent(value) -> str:
    if value in (None, ""):
        return ""
    return f"{Decimal(str(value)) * 100:.2f}%"
