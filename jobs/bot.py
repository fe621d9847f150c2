"""WeCom bot jobs: finish a slow command (the team table, a long search) and send its answer."""

from __future__ import annotations

from bots import dispatch


def answer_deferred(command_id: int) -> str:
    """Run the deferred command `command_id` and queue its answer in the outbox (idempotent)."""
    return dispatch.answer_deferred(command_id)
