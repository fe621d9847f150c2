"""My claims: list, stage timeline, document checklist and uploads."""

from __future__ import annotations

from app.api.mp import blp  # noqa: F401
