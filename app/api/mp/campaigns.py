"""Campaigns: lottery draws and red packets."""

from __future__ import annotations

from app.api.mp import blp  # noqa: F401
