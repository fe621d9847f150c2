"""WeCom callback (/wecom/callback): verify, decrypt, dispatch to bots/, reply fast."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("wecom", __name__, url_prefix="/wecom")

from app.api.wecom import callback  # noqa: E402,F401  (attaches the views to bp)
