"""Points: balance, ledger, daily sign-in, invitations."""

from __future__ import annotations

from app.api.mp import blp  # noqa: F401
