"""The viewer of a request: a staff member or a customer, and the channel they came through."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import request

from app.auth.tokens import TokenError, read_token
from app.errors import Forbidden
from app.extensions import db
from app.models import AuditChannel, Customer, Role, Staff


@dataclass(frozen=True)
class Viewer:
    channel: AuditChannel
    staff: Staff | None = None
    customer: Customer | None = None
    ip: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.staff is not None

    @property
    def role(self) -> Role | None:
        return self.staff.role if self.staff else None

    @property
    def staff_id(self) -> int | None:
        return self.staff.id if self.staff else None


def viewer_from_token(header_value: str | None, channel: AuditChannel = AuditChannel.api) -> Viewer:
    if not header_value or not header_value.startswith("Bearer "):
        raise TokenError("请先登录", "unauthorized")
    claims = read_token(header_value[len("Bearer "):].strip())
    if claims.kind == "staff":
        staff = db.session.get(Staff, claims.subject_id)
        if staff is None or not staff.active or staff.token_version != claims.version:
            raise TokenError()
        return Viewer(channel=channel, staff=staff, ip=request.remote_addr)
    customer = db.session.get(Customer, claims.subject_id)
    if customer is None:
        raise TokenError()
    return Viewer(channel=channel, customer=customer, ip=request.remote_addr)


def current_viewer() -> Viewer:
    """The request's viewer, resolved once per request (kept on the request, not on `g`, which
    outlives a request when an app context is already pushed, as in tests and jobs)."""
    viewer = getattr(request, "baoyun_viewer", None)
    if viewer is None:
        viewer = viewer_from_token(request.headers.get("Authorization"))
        request.baoyun_viewer = viewer
    return viewer


def set_current_viewer(viewer: Viewer) -> None:
    """For requests authenticated some other way (the admin panel's session)."""
    request.baoyun_viewer = viewer


def staff_required(*roles: Role):
    """View decorator: a valid staff token, optionally of one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            viewer = current_viewer()
            if not viewer.is_staff:
                raise Forbidden()
            if roles and viewer.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapper

    return decorator


def customer_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        viewer = current_viewer()
        if viewer.customer is None:
            raise Forbidden()
        return view(*args, **kwargs)

    return wrapper
