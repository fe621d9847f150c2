"""The points mall: catalogue, redemption, my vouchers."""

from __future__ import annotations

from app.api.mp import blp  # noqa: F401
