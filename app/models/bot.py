"""The WeCom bot's command log."""

from __future__ import annotations
