"""Dealer resident managers: their dealer's plan progress, policies and repair referrals."""

from __future__ import annotations

from app.api.mp import blp  # noqa: F401
