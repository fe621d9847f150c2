"""The admin web panel (server-rendered, Simplified Chinese). Filled in by the panel work."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
def index():
    return redirect(url_for("admin.index"))
