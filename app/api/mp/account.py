"""Login (wx.login -> code2session), binding to a customer, the subscribe-message consents."""

from __future__ import annotations

from app.api.mp import blp  # noqa: F401
