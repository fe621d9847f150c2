"""VIP tier, its benefits and what counts toward the next one."""

from __future__ import annotations

from app.api.mp import blp  # noqa: F401
