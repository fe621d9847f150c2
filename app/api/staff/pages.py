"""Staff H5 pages opened from the bot's cards (/staff/...): WeCom OAuth sign-in, customer detail,
policy list, knowledge-base article."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff_pages", __name__, url_prefix="/staff")
