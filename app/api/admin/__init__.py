"""Admin audience: the web panel (/admin, session login) and its JSON API (/api/admin)."""

from __future__ import annotations


def register(app, api, csrf) -> None:
    from app.api.admin.panel import bp as panel_bp

    app.register_blueprint(panel_bp)
