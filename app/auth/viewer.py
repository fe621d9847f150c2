"""The viewer of a request: a staff member or a customer, and the channel they came through."""

from __future__ import annotations

from functools import wraps

from flask import request

from app.auth.tokens import TokenError, read_token
from app.errors import Forbidden
from app.extensions import db
from app.models import AuditChannel, Customer, Role, Staff

_UNLOADED = object()


class Viewer:
    """Who is asking. A customer viewer built from a token carries only the customer's id: the
    busiest mini-program endpoints (points, policies) need nothing else, so the customer row is
    loaded on first use of `customer` rather than on every request."""

    __slots__ = ("channel", "staff", "customer_id", "ip", "_customer")

    def __init__(self, channel: AuditChannel, staff: Staff | None = None, customer: Customer | None = None,
                 ip: str | None = None, customer_id: int | None = None):
        self.channel = channel
        self.staff = staff
        self.ip = ip
        self.customer_id = customer.id if customer is not None else customer_id
        self._customer = customer if customer is not None or customer_id is None else _UNLOADED

    def __repr__(self) -> str:
        return (f"Viewer(channel={self.channel!r}, staff_id={self.staff_id!r}, customer_id={self.customer_id!r}, "
                f"ip={self.ip!r})")

    @property
    def customer(self) -> Customer | None:
        """The customer row, loaded once. A token naming a customer who no longer exists is
        refused here, as it always was (customers are never deleted by the application, and
        their policies and points rows would block it)."""
        if self._customer is _UNLOADED:
            customer = db.session.get(Customer, self.customer_id)
            if customer is None:
                raise TokenError()
            self._customer = customer
        return self._customer

    @property
    def is_customer(self) -> bool:
        return self.customer_id is not None

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
    """The token's signature, expiry and subject kind are checked here for every viewer. A staff
    member is loaded at once (deactivation and token_version revoke staff tokens); a customer
    token has no revocation besides its expiry, so only the id is kept (see Viewer.customer)."""
    if not header_value or not header_value.startswith("Bearer "):
        raise TokenError("请先登录", "unauthorized")
    claims = read_token(header_value[len("Bearer "):].strip())
    if claims.kind == "staff":
        staff = db.session.get(Staff, claims.subject_id)
        if staff is None or not staff.active or staff.token_version != claims.version:
            raise TokenError()
        return Viewer(channel=channel, staff=staff, ip=request.remote_addr)
    return Viewer(channel=channel, customer_id=claims.subject_id, ip=request.remote_addr)


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
        if not current_viewer().is_customer:
            raise Forbidden()
        return view(*args, **kwargs)

    return wrapper
