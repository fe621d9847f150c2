"""My policies, vehicles, expiring soon and renewal quote requests."""

from __future__ import annotations

from app.api.mp import blp  # noqa: F401
